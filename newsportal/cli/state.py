"""``newsportal state stats|reset``: what the state store remembers across runs, and forgetting it.

    newsportal state stats [--state-dir DIR] [--json]
    newsportal state reset [--state-dir DIR] [--yes]

The state directory is ``--state-dir`` or the project's NEWSPORTAL_STATE_DIR setting (default
``.newsportal`` in the working directory). Exit codes: 0 done, 1 reset not confirmed, 2 no store there,
66 an unusable one (not a database, damaged, another program's, a directory, read-only: the crawl's
message and exit code, and neither command writes to it; reset does not delete it either).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("state", help="show or clear what is remembered across runs (seen URLs, hashes)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    stats = actions.add_parser("stats", help="what the state store holds")
    stats.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    reset = actions.add_parser("reset", help="forget every stored URL, hash and signature")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    for action in (stats, reset):
        action.add_argument("--state-dir", type=Path, help="state directory (default: NEWSPORTAL_STATE_DIR)")
    p.set_defaults(run=run)


def _settings(state_dir: Path | None):
    from scrapy.settings import Settings
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if not settings.get("NEWSPORTAL_STATE_BACKEND"):  # outside the project: the package's defaults
        settings = Settings()
        settings.setmodule("newsportal.settings")
    if state_dir is not None:
        settings.set("NEWSPORTAL_STATE_DIR", str(state_dir), priority="cmdline")
    return settings


def run(args: argparse.Namespace) -> int:
    from newsportal.extensions.summary import EXIT_CODES
    from newsportal.state import StateError, state_dir
    from newsportal.state.sqlite import DB_NAME, SQLiteStateStore

    settings = _settings(args.state_dir)
    backend = settings.get("NEWSPORTAL_STATE_BACKEND")
    if backend == "auto":  # as newsportal.state.open_state picks it
        backend = "redis" if (settings.get("NEWSPORTAL_REDIS_URL") or "").strip() else "sqlite"
    if backend != "sqlite":
        print(f"newsportal state: backend {backend!r} is not supported by this command", file=sys.stderr)
        return 2
    directory = state_dir(settings)
    if not (directory / DB_NAME).exists():
        print(f"newsportal state: no state store in {directory}/ (nothing stored yet)", file=sys.stderr)
        return 2 if args.action == "stats" else 0
    if args.action == "reset":
        if not args.yes:
            try:
                answer = input(f"Forget every article stored in {directory / DB_NAME}? [y/N] ")
            except EOFError:  # no terminal to ask: not confirmed
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("newsportal state: not reset", file=sys.stderr)
                return 1
        try:
            store = SQLiteStateStore(directory, check_signature=False)
        except StateError as exc:  # not ours to reset: the person moves it aside, as the message says
            print(f"newsportal state: {exc}", file=sys.stderr)
            return EXIT_CODES["state_unusable"]
        with store:
            before = store.stats().articles
            store.reset()
        print(f"newsportal state: reset {directory / DB_NAME} ({before} articles forgotten)")
        return 0
    try:
        store = SQLiteStateStore(directory)
    except StateError as exc:
        print(f"newsportal state: {exc}", file=sys.stderr)
        return EXIT_CODES["state_unusable"]
    with store:
        stats = store.stats()
    if args.json:
        print(json.dumps(dataclasses.asdict(stats), ensure_ascii=False))
        return 0
    rows = [
        ("state store", f"{stats.location} ({stats.backend}, {stats.size_bytes / 2**20:.1f} MiB)"),
        ("articles", f"{stats.articles} (kept duplicates: {stats.kept_duplicates})"),
        ("content hashes", str(stats.content_hashes)),
        ("near-dup signatures", str(stats.near_signatures)),
        *((f"  site {site}", str(count)) for site, count in stats.sites.items()),
    ]
    for label, value in rows:
        print(f"{label:<20} {value}")
    return 0
