"""``newsportal state stats|reset``: what the state store remembers across runs, and forgetting it.

    newsportal state stats [--state-dir DIR] [--json]
    newsportal state reset [--state-dir DIR] [--yes]
    newsportal state stats|reset --redis-url redis://HOST:6379/0 (--site NAME | --start-url URL) ...

The state directory is ``--state-dir`` or the project's NEWSPORTAL_STATE_DIR setting (default
``.newsportal`` in the working directory). Exit codes: 0 done, 1 reset not confirmed, 2 no store there,
66 an unusable one (not a database, damaged, another program's, a directory, read-only: the crawl's
message and exit code, and neither command writes to it; reset does not delete it either).

A cluster's store is in Redis (``--redis-url``, or the NEWSPORTAL_REDIS_URL environment variable or
setting), one per target: the site profile's name (``--site``) or the start URL's host
(``--start-url``), as the workers name it (keys ``newsportal:<target>:state:*``). ``reset`` refuses
while the target's job runs (its HASH ``newsportal:<target>:job`` has ``state`` = ``running``): exit 75,
as a crawl refused by the lock. Redis not answering: exit 69.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
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
        action.add_argument(
            "--redis-url", help="a cluster's store in this Redis (default: NEWSPORTAL_REDIS_URL, if set)"
        )
        target = action.add_mutually_exclusive_group()
        target.add_argument("--site", help="the cluster target: a site profile's name")
        target.add_argument("--start-url", help="the cluster target: this start URL's host")
    p.set_defaults(run=run)


def redis_target(site: str | None, start_url: str | None) -> str | None:
    """The cluster target the workers use: the site's name or the start URL's host (characters other
    than letters, digits, ``.``, ``_`` and ``-`` as ``_``); None when neither is given."""
    import re
    from urllib.parse import urlsplit

    if site:
        target = site
    elif start_url:
        target = urlsplit(start_url).hostname or ""
        if not target:
            return None
    else:
        return None
    return re.sub(r"[^\w.-]", "_", target)


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
    redis_url = (
        args.redis_url or os.environ.get("NEWSPORTAL_REDIS_URL") or settings.get("NEWSPORTAL_REDIS_URL")
    )
    if redis_url:
        return run_redis(args, redis_url)
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
        if not args.yes and not _confirmed(f"Forget every article stored in {directory / DB_NAME}?"):
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
    _print_stats(stats, args.json)
    return 0


def run_redis(args: argparse.Namespace, url: str) -> int:
    """stats / reset of a cluster target's store in Redis."""
    import redis

    from newsportal.extensions.summary import EXIT_CODES
    from newsportal.state import StateError
    from newsportal.state.redis import RedisStateStore, StateUnavailable

    target = redis_target(args.site, args.start_url)
    if target is None:
        print(
            "newsportal state: with --redis-url, name the cluster target: --site NAME or --start-url URL",
            file=sys.stderr,
        )
        return 2
    prefix = f"newsportal:{target}:"
    where = f"{url} (target {target})"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
    except ValueError as exc:  # not a redis:// URL
        print(f"newsportal state: --redis-url {url!r}: {exc}", file=sys.stderr)
        return 2
    try:
        present = client.exists(prefix + "state:meta")
        job_state = client.hget(prefix + "job", "state")
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        print(f"newsportal state: Redis at {url} does not answer ({exc})", file=sys.stderr)
        return EXIT_CODES["unreachable"]
    except redis.ResponseError as exc:  # a job key that is not a HASH: not the workers' record
        print(f"newsportal state: {where}: {exc}", file=sys.stderr)
        return EXIT_CODES["state_unusable"]
    finally:
        client.close()
    if not present:
        print(f"newsportal state: no state store in {where} (nothing stored yet)", file=sys.stderr)
        return 2 if args.action == "stats" else 0
    if args.action == "reset":
        # The job record is the workers' (newsportal.state.job): a running job's workers read and
        # write this store, so forgetting it under them would re-emit everything they meet.
        if job_state == b"running":
            print(
                f"newsportal state: a job of {target} is running in {url}: not reset (stop its workers, "
                "or wait for the job to end, then run again)",
                file=sys.stderr,
            )
            return EXIT_CODES["lock_held"]
        if not args.yes and not _confirmed(f"Forget every article stored for {target} in {url}?"):
            print("newsportal state: not reset", file=sys.stderr)
            return 1
    try:
        # retry_for 0: a command reports a Redis that does not answer instead of waiting for it
        store = RedisStateStore(url, prefix, retry_for=0)
        with store:
            if args.action == "reset":
                before = store.stats().articles
                store.reset()
                print(f"newsportal state: reset {where} ({before} articles forgotten)")
                return 0
            stats = store.stats()
    except StateUnavailable as exc:
        print(f"newsportal state: {exc}", file=sys.stderr)
        return EXIT_CODES["unreachable"]
    except StateError as exc:
        print(f"newsportal state: {exc}", file=sys.stderr)
        return EXIT_CODES["state_unusable"]
    _print_stats(stats, args.json)
    return 0


def _print_stats(stats, as_json: bool) -> None:
    if as_json:
        print(json.dumps(dataclasses.asdict(stats), ensure_ascii=False))
        return
    unit = "MiB" if stats.backend == "sqlite" else "MiB in memory"
    rows = [
        ("state store", f"{stats.location} ({stats.backend}, {stats.size_bytes / 2**20:.1f} {unit})"),
        ("articles", f"{stats.articles} (kept duplicates: {stats.kept_duplicates})"),
        ("content hashes", str(stats.content_hashes)),
        ("near-dup signatures", str(stats.near_signatures)),
        *((f"  site {site}", str(count)) for site, count in stats.sites.items()),
    ]
    for label, value in rows:
        print(f"{label:<20} {value}")


def _confirmed(question: str) -> bool:
    """Ask on the terminal; no terminal to ask (EOF) is not a yes."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
