"""CPU per page of the extraction worker's one call (``analyse_and_prepare``), this tree against another.

    .venv/bin/python benchmarks/worker_cost.py --against main            # 600 articles, 60 listings, 5 rounds
    .venv/bin/python benchmarks/worker_cost.py --against main --quick    # 200 / 20 pages, 3 rounds
    .venv/bin/python benchmarks/worker_cost.py --against main --callgrind  # instructions a page (valgrind)

What the crawl's extraction worker does for each page of benchmarks/crawl.py's synthetic portal
(benchmarks/synthetic_portal.py, crawled with ``-a site=sample``): ``analyse_and_prepare`` with the
spider's arguments, on one-page articles (prior "article", cleaned values and dedup keys computed
ahead) and on listing pages (prior "listing"), without the crawl around it.

``--against REF``: the baseline is the package ``newsportal`` of git revision REF (``git archive``
into a temporary folder), measured in the same run: each round runs one child process per tree,
alternating, so both see the same machine load; each child parses nothing twice, warms up with one
pass and times the next (``time.process_time``). Reported: median CPU ms a page per tree and page
kind, and ``ratio`` = this tree / baseline. Without ``--against`` only this tree is measured;
``--this REF`` measures revision REF instead of the working tree.

``--callgrind``: instead of timing, each tree's child runs under ``valgrind --tool=callgrind`` twice,
warmed up on 22 pages and then doing 0 or N more (``--pages``, default 200) article pages, or 18
listing pages; the difference of the runs' instruction counts over N is the instructions a page:
host- and load-independent. Slow (a few minutes a tree).

The figures are printed last on one line and written to benchmarks/results/worker_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8800"
MAX_BODY_CHARS = 100_000  # NEWSPORTAL_MAX_BODY_CHARS's default


def _pages(articles: int, listings: int) -> tuple[list, list]:
    """(url, content type, body) of one-page articles of every channel, and of listing pages."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic_portal import CHANNELS, FIRST_ID, SyntheticPortal

    portal = SyntheticPortal(max(articles * 2, 4000))
    arts, article_id = [], FIRST_ID
    while len(arts) < articles:
        if not portal.is_multipage(article_id):
            path = portal.article_path(article_id)
            _, content_type, body = portal.render(path)
            arts.append((BASE + path, content_type, body))
        article_id += 1
    lists = []
    for k in range(listings):
        slug = CHANNELS[k % len(CHANNELS)][0]
        page = k // len(CHANNELS) + 1
        path = f"/{slug}/index.html" if page == 1 else f"/{slug}/index_{page}.html"
        status, content_type, body = portal.render(path)
        assert status == 200, path
        lists.append((BASE + path, content_type, body))
    return arts, lists


def child(args: argparse.Namespace) -> None:
    """In the tree on sys.path: time (or, with --count, just run) analyse_and_prepare on the pages."""
    from newsportal.extract.dates import CHINA_TZ
    from newsportal.pageanalysis import analyse_and_prepare
    from newsportal.sites import get_site

    site = get_site("sample").with_start(BASE + "/")
    now = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)
    arts, lists = _pages(args.pages, args.listings)

    def run(pages: list, prior: str) -> None:
        for url, content_type, body in pages:
            analyse_and_prepare(body, url, site, now, content_type, False, prior, False, True, MAX_BODY_CHARS)

    if args.count is not None:  # under callgrind: a warm-up, then `count` article or listing pages
        run(arts[:20], "article")
        run(lists[:2], "listing")
        if args.kind == "listing":
            run(lists[2 : 2 + args.count], "listing")
        else:
            run(arts[20 : 20 + args.count], "article")
        return
    out = {}
    for kind, pages, prior in (("article", arts, "article"), ("listing", lists, "listing")):
        run(pages, prior)  # warm-up: compiled queries, caches
        t0 = time.process_time()
        run(pages, prior)
        out[kind] = (time.process_time() - t0) / len(pages) * 1000
    print(json.dumps(out))


def _tree(ref: str, folder: Path) -> Path:
    """REF's newsportal package, unpacked into folder."""
    folder.mkdir()
    archive = subprocess.run(["git", "archive", ref, "newsportal"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _child_cmd(args: argparse.Namespace, count: int | None = None, kind: str = "article") -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--pages", str(args.pages)]
    cmd += ["--listings", str(args.listings), "--kind", kind]
    return cmd + (["--count", str(count)] if count is not None else [])


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}


def _instructions(args: argparse.Namespace, tree: Path, count: int, kind: str = "article") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *_child_cmd(args, count, kind)],
            env=_env(tree),
            check=True,
            capture_output=True,
        )
        text = out.read_text()
    return int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", help="git revision of the baseline (e.g. main)")
    parser.add_argument("--this", help="git revision to measure instead of the working tree")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pages", type=int, help="article pages (default 600, --quick 200)")
    parser.add_argument("--listings", type=int, help="listing pages (default 60, --quick 20)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="article", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.pages = args.pages or (200 if args.quick or args.callgrind else 600)
    args.listings = max(args.listings or (20 if args.quick or args.callgrind else 60), 3)
    rounds = args.rounds or (3 if args.quick else 5)
    if args.child:
        child(args)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this": _tree(args.this, Path(tmp) / "this") if args.this else ROOT}
        if args.against:
            trees = {"baseline": _tree(args.against, Path(tmp) / "baseline"), **trees}
        load = os.getloadavg()[0]
        result: dict = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "against": args.against,
            "this": args.this or "working tree",
            "load_1min_start": round(load, 2),
        }
        if args.callgrind:
            for name, tree in trees.items():
                zero = _instructions(args, tree, 0)
                full = _instructions(args, tree, args.pages)
                result[f"{name}_instructions_per_article"] = round((full - zero) / args.pages)
                lists = _instructions(args, tree, args.listings - 2, "listing")
                result[f"{name}_instructions_per_listing"] = round((lists - zero) / (args.listings - 2))
            if args.against:
                for kind in ("article", "listing"):
                    result[f"ratio_{kind}"] = round(
                        result[f"this_instructions_per_{kind}"] / result[f"baseline_instructions_per_{kind}"],
                        3,
                    )
        else:
            runs: dict[str, list[dict]] = {name: [] for name in trees}
            for _ in range(rounds):
                for name, tree in trees.items():
                    done = subprocess.run(
                        _child_cmd(args), env=_env(tree), check=True, capture_output=True, text=True
                    )
                    runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            for name, measured in runs.items():
                for kind in ("article", "listing"):
                    result[f"{name}_{kind}_ms"] = round(statistics.median(r[kind] for r in measured), 3)
            if args.against:
                for kind in ("article", "listing"):
                    result[f"ratio_{kind}"] = round(
                        result[f"this_{kind}_ms"] / result[f"baseline_{kind}_ms"], 3
                    )
        result["load_1min_end"] = round(os.getloadavg()[0], 2)
    result.update(pages=args.pages, listings=args.listings, rounds=rounds)
    name = "worker_cost-callgrind.json" if args.callgrind else "worker_cost.json"
    (ROOT / "benchmarks" / "results" / name).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
