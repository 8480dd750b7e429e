"""CPU per article of the extraction worker's round trips: one call an article against three, in one run.

    .venv/bin/python benchmarks/worker_calls.py            # 600 synthetic article pages, 5 rounds
    .venv/bin/python benchmarks/worker_calls.py --quick    # 200 pages, 3 rounds

The crawl's side of an article page, without the rest of the crawl, against one real worker process
(``newsportal.workers.ExtractionPool(1)``) and the synthetic portal's article pages
(benchmarks/synthetic_portal.py), 16 pages at a time as the crawl's concurrency:

* ``three`` (the baseline, as before issue 16's change): ``analyse_page`` in the worker, the article
  built (``merge_pages``), CleanPipeline asking the worker ``clean_article``, then DedupPipeline's
  ``dedup_keys`` call;
* ``one``: ``analyse_and_prepare`` in the worker, the article built, CleanPipeline and DedupPipeline's
  keys taken from what the call computed ahead (``newsportal.precomputed``).

The rounds alternate (three, one, three, one, ...) so both see the same machine load. CPU time is
counted in both processes: this one (``time.process_time``) and the worker (``/proc/PID/schedstat``, in ns).
Reported: median ms CPU per article for each flow and process, and ``ratio`` = one / three in total
CPU (crawl + worker). Both flows must give the same cleaned articles and keys (checked). The figures
are printed last on one line and written to benchmarks/results/worker_calls.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic_portal import FIRST_ID, SyntheticPortal  # noqa: E402

from newsportal.extract.article import merge_pages  # noqa: E402
from newsportal.extract.dates import CHINA_TZ  # noqa: E402
from newsportal.extract.page import analyse_page  # noqa: E402
from newsportal.pageanalysis import analyse_and_prepare  # noqa: E402
from newsportal.pipelines.clean import CleanPipeline  # noqa: E402
from newsportal.pipelines.dedup import dedup_keys  # noqa: E402
from newsportal.precomputed import attach_clean, keys_ahead  # noqa: E402
from newsportal.sites import get_site  # noqa: E402
from newsportal.workers import ExtractionPool  # noqa: E402

SITE = get_site("sample")
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)
CONCURRENCY = 16


def article_pages(count: int) -> list[tuple[str, str, bytes]]:
    """(url, content type, body) of the first one-page articles of a synthetic portal."""
    portal = SyntheticPortal(count * 2)
    pages = []
    article_id = FIRST_ID
    while len(pages) < count:
        if not portal.is_multipage(article_id):
            path = portal.article_path(article_id)
            _, content_type, body = portal.render(path)
            pages.append((f"http://127.0.0.1:8800{path}", content_type, body))
        article_id += 1
    return pages


async def three_calls(pool: ExtractionPool, clean: CleanPipeline, page: tuple[str, str, bytes]):
    url, content_type, body = page
    analysed = await pool.call(analyse_page, body, url, SITE, NOW, content_type, prior="article")
    built = merge_pages([analysed.fields], site=SITE.name, fetched_at=NOW)
    cleaned = await clean.process_item(built)
    keys = await pool.call(dedup_keys, cleaned.body, cleaned.content_hash)
    return cleaned, keys


async def one_call(pool: ExtractionPool, clean: CleanPipeline, page: tuple[str, str, bytes]):
    url, content_type, body = page
    analysed, prepared = await pool.call(
        analyse_and_prepare, body, url, SITE, NOW, content_type, False, "article", False, True
    )
    built = merge_pages([analysed.fields], site=SITE.name, fetched_at=NOW)
    attach_clean(built, prepared)
    cleaned = await clean.process_item(built)
    keys = keys_ahead(cleaned)
    assert keys is not None
    return cleaned, keys


async def run_flow(pool: ExtractionPool, flow, pages: list) -> tuple[float, float, list]:
    """(crawl-side CPU s, worker CPU s, results) of one pass over the pages."""
    pid = pool._workers[0].proc.pid
    clean = CleanPipeline(pool)
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(page):
        async with semaphore:
            return await flow(pool, clean, page)

    w0 = process_cpu_s(pid)
    c0 = time.process_time()
    results = await asyncio.gather(*(one(page) for page in pages))
    crawl = time.process_time() - c0
    return crawl, process_cpu_s(pid) - w0, results


def process_cpu_s(pid: int) -> float:
    """CPU seconds of a process: /proc's schedstat (nanoseconds; Linux), else psutil (clock ticks)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return sum(psutil.Process(pid).cpu_times()[:2])


def comparable(results: list) -> list:
    return [(cleaned, chash, sig.stored if sig else None) for cleaned, (chash, sig) in results]


async def measure(pages: list, rounds: int) -> dict[str, dict[str, list[float]]]:
    pool = ExtractionPool(1)
    try:
        assert await pool.ready(), "the worker did not start"
        await run_flow(pool, one_call, pages[:20])  # warm both sides
        await run_flow(pool, three_calls, pages[:20])
        figures: dict[str, dict[str, list[float]]] = {
            flow: {"crawl": [], "worker": []} for flow in ("three", "one")
        }
        reference = None
        for _ in range(rounds):
            for name, flow in (("three", three_calls), ("one", one_call)):
                crawl, worker, results = await run_flow(pool, flow, pages)
                figures[name]["crawl"].append(1000 * crawl / len(pages))
                figures[name]["worker"].append(1000 * worker / len(pages))
                same = comparable(results)
                assert reference is None or same == reference, f"{name} gave other results"
                reference = same
        return figures
    finally:
        pool.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="200 pages, 3 rounds")
    args = parser.parse_args()
    count, rounds = (200, 3) if args.quick else (600, 5)
    pages = article_pages(count)
    load_before = os.getloadavg()[0]
    measured = asyncio.run(measure(pages, rounds))
    figures: dict[str, object] = {}
    for flow, parts in measured.items():
        crawl, worker = statistics.median(parts["crawl"]), statistics.median(parts["worker"])
        figures[f"{flow}_crawl_cpu_ms"] = round(crawl, 3)
        figures[f"{flow}_worker_cpu_ms"] = round(worker, 3)
        figures[f"{flow}_total_cpu_ms"] = round(crawl + worker, 3)
        print(
            f"{flow:5}: {crawl:.3f} ms crawl + {worker:.3f} ms worker = {crawl + worker:.3f} ms CPU/article"
        )
    figures["ratio"] = round(float(figures["one_total_cpu_ms"]) / float(figures["three_total_cpu_ms"]), 3)  # type: ignore[arg-type]
    figures["load_average_1m"] = round(max(load_before, os.getloadavg()[0]), 2)
    out = ROOT / "benchmarks" / "results" / ("worker_calls-quick.json" if args.quick else "worker_calls.json")
    record = {
        "benchmark": "worker_calls",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "pages": count,
        "rounds": rounds,
        "figures": figures,
        "per_round": measured,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
