"""Pages fetched per new story on an incremental run, with a sitemap against without one (issue 17).

    .venv/bin/python benchmarks/discovery.py            # 5,000 stories, 50 new since the last run
    .venv/bin/python benchmarks/discovery.py --quick    # 1,000 stories, 20 new

A synthetic portal (benchmarks/synthetic_portal.py, the sample portal's page shape: five channels,
40 stories a listing page, numbered pagination) is served on 127.0.0.1 by its own process. For
each configuration, on a port of its own and a fresh state directory:

1. the portal has N - NEW stories: ``scrapy crawl portal -a site=sample -a start_url=...`` reads it
   all (the "last run");
2. the portal grows to N stories (NEW new ones, on top of its listings, in its newest urlset) and the
   same crawl runs again: the server counts every request of this second run, by kind.

Configurations: ``without_sitemap`` (robots.txt names none: listings only, as before issue 17) and
``with_sitemap`` (robots.txt ``Sitemap:`` → an index of urlsets with lastmod). The figure is
``pages_per_new_story`` = requests of run 2 ÷ NEW (robots.txt included: we fetch it twice a run,
Scrapy's RobotsTxtMiddleware once and discovery once); target with the sitemap ≤ 1.5. Written to
benchmarks/results/discovery.json (``discovery-quick.json`` for --quick) and printed last as
key=value pairs. Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import BENCH, PYTHON, RESULTS, ROOT, SCRAPY, engine_settings, machine

TARGET = 1.5


class Portal:
    """benchmarks/synthetic_portal.py in its own process, on a given port; counts requests by kind."""

    def __init__(self, articles: int, port: int, sitemap: bool) -> None:
        cmd = [
            str(PYTHON),
            str(BENCH / "synthetic_portal.py"),
            "--articles",
            str(articles),
            "--port",
            str(port),
        ]
        self.proc = subprocess.Popen(
            [*cmd, *(["--sitemap"] if sitemap else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()  # type: ignore[union-attr]
        if not line.startswith("listening "):
            raise RuntimeError(f"synthetic portal did not start: {line!r}")
        self.url = line.split()[1]

    def command(self, name: str) -> dict:
        self.proc.stdin.write(name + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crawl(url: str, work: Path, run: str) -> dict[str, float]:
    """One ``scrapy crawl portal`` to its end; the stats it wrote beside its feed."""
    out = work / "output"
    cmd = [
        str(SCRAPY),
        "crawl",
        "portal",
        "-a",
        "site=sample",
        "-a",
        f"start_url={url}",
        "-s",
        f"NEWSPORTAL_STATE_DIR={work / 'state'}",
        "-s",
        f"NEWSPORTAL_OUTPUT_DIR={out}",
        "-s",
        f"LOG_FILE={work / (run + '.log')}",
        *engine_settings(16),
    ]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    before = set(out.rglob("*.stats.json")) if out.exists() else set()
    code = subprocess.call(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    new = sorted(set(out.rglob("*.stats.json")) - before)
    if code not in (0,) or not new:
        raise RuntimeError(f"crawl {run} exited {code}; see {work / (run + '.log')}")
    return json.loads(new[-1].read_text(encoding="utf-8"))


def measure(articles: int, new: int, sitemap: bool) -> dict[str, object]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="np-discovery-") as tmp:
        work = Path(tmp)
        portal = Portal(articles - new, port, sitemap)
        try:
            first = crawl(portal.url, work, "run1")
        finally:
            portal.close()
        portal = Portal(articles, port, sitemap)  # the same URLs: the same port
        try:
            portal.command("reset")
            started = time.monotonic()
            second = crawl(portal.url, work, "run2")
            wall = time.monotonic() - started
            served = portal.command("stats")
        finally:
            portal.close()
    return {
        "sitemap": sitemap,
        "run1_items": int(first.get("item_scraped_count", 0)),
        "run2_items": int(second.get("item_scraped_count", 0)),
        "run2_requests": served["requests"],
        "run2_requests_by_kind": served["kinds"],
        "run2_wall_seconds": round(wall, 1),
        "pages_per_new_story": round(served["requests"] / new, 3),
        "pages_per_new_story_without_robots": round(
            (served["requests"] - served["kinds"].get("robots", 0)) / new, 3
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1,000 stories, 20 new")
    args = parser.parse_args()
    articles, new = (1_000, 20) if args.quick else (5_000, 50)
    load = os.getloadavg()
    results = {}
    for name, sitemap in (("without_sitemap", False), ("with_sitemap", True)):
        print(f"{name}: {articles - new:,} stories, then {new} new ...", flush=True)
        results[name] = figures = measure(articles, new, sitemap)
        print(
            f"  run 2: {figures['run2_requests']} requests {figures['run2_requests_by_kind']},"
            f" {figures['run2_items']} items, {figures['run2_wall_seconds']} s"
            f" → {figures['pages_per_new_story']} pages per new story",
            flush=True,
        )
    with_sm = results["with_sitemap"]["pages_per_new_story"]
    summary = {
        "articles": articles,
        "new": new,
        "pages_per_new_story_without_sitemap": results["without_sitemap"]["pages_per_new_story"],
        "pages_per_new_story_with_sitemap": with_sm,
        "ratio_with_to_without": round(with_sm / results["without_sitemap"]["pages_per_new_story"], 3),
        "target_with_sitemap": TARGET,
        "met": with_sm <= TARGET,
    }
    report = {
        "benchmark": "discovery",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_at_start": [round(x, 2) for x in load],
        "cpu_percent_at_end": psutil.cpu_percent(interval=0.5),
        "summary": summary,
        "runs": results,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("discovery-quick.json" if args.quick else "discovery.json")
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(" ".join(f"{k}={v}" for k, v in summary.items()))
    return 0 if summary["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
