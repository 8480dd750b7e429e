"""The extraction worker pool: same results as in-process, and no page lost when a worker dies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.page import analyse_page
from newsportal.sites import get_site
from newsportal.workers import ExtractionPool, worker_count

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted((ROOT / "samples" / "portal" / "a").glob("*.html"))
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=CHINA_TZ)
SITE = get_site("sample")


def _url(path: Path) -> str:
    return f"http://127.0.0.1:8631/a/{path.name}"


def _in_process(path: Path):
    return analyse_page(path.read_bytes(), _url(path), SITE, NOW, "text/html", judge=True, prior="article")


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@contextlib.asynccontextmanager
async def _ready_pool() -> AsyncIterator[ExtractionPool]:
    """A pool of one worker that has said it is ready; closed on the way out."""
    pool = ExtractionPool(1)
    try:
        assert await pool.ready()
        yield pool
    finally:
        pool.close()


def test_worker_count_setting():
    assert worker_count("0") == 0
    assert worker_count(3) == 3
    assert worker_count("auto") == (1 if (os.cpu_count() or 1) >= 2 else 0)


def test_pool_gives_what_analyse_page_gives():
    pages = ARTICLES[:12]

    async def run():
        async with _ready_pool() as pool:
            return await asyncio.gather(
                *(
                    pool.analyse(p.read_bytes(), _url(p), SITE, NOW, "text/html", judge=True, prior="article")
                    for p in pages
                )
            ), [w.proc.pid for w in pool._workers]

    results, pids = asyncio.run(run())
    assert len(pids) == 1
    assert results == [_in_process(p) for p in pages]
    assert _gone(pids[0]), "closing the pool ends its worker"


def test_an_extraction_error_reaches_the_caller():
    async def run():
        async with _ready_pool() as pool:
            with pytest.raises(AttributeError):  # analyse_page's own error, raised here
                await pool.analyse(ARTICLES[0].read_bytes(), _url(ARTICLES[0]), SITE, "not a datetime")
            # the worker survives its page's error
            return await pool.analyse(ARTICLES[0].read_bytes(), _url(ARTICLES[0]), SITE, NOW, "text/html")

    result = asyncio.run(run())
    assert result.kind == "article" and result.fields.title


def test_a_killed_worker_loses_no_page():
    """Pages queued to a worker that is killed are extracted in the crawl's process, as are later ones."""
    pages = ARTICLES[:30]

    async def run():
        async with _ready_pool() as pool:
            first = await pool.analyse(pages[0].read_bytes(), _url(pages[0]), SITE, NOW, "text/html")
            pid = pool._workers[0].proc.pid
            tasks = [
                asyncio.ensure_future(pool.analyse(p.read_bytes(), _url(p), SITE, NOW, "text/html"))
                for p in pages[1:20]
            ]
            os.kill(pid, signal.SIGKILL)
            queued = await asyncio.gather(*tasks)
            later = [await pool.analyse(p.read_bytes(), _url(p), SITE, NOW, "text/html") for p in pages[20:]]
            return [first, *queued, *later]

    results = asyncio.run(run())
    expected = [analyse_page(p.read_bytes(), _url(p), SITE, NOW, "text/html") for p in pages]
    assert results == expected


def test_pages_do_not_pile_up_behind_a_stalled_worker():
    """A worker with max_waiting calls waiting gets no more: later pages are extracted in the crawl's
    process at once (issue 16: pages waiting on a stalled worker were the crawl's peak RSS)."""
    pages = ARTICLES[:6]

    async def run():
        pool = ExtractionPool(1, max_waiting=2)
        try:
            assert await pool.ready()
            worker = pool._workers[0]
            os.kill(worker.proc.pid, signal.SIGSTOP)  # stalled: it answers nothing until continued
            try:
                tasks = [
                    asyncio.ensure_future(pool.analyse(p.read_bytes(), _url(p), SITE, NOW, "text/html"))
                    for p in pages
                ]
                await asyncio.sleep(0.5)
                done = [t.done() for t in tasks]
                waiting = len(worker.jobs)
            finally:
                os.kill(worker.proc.pid, signal.SIGCONT)
            return await asyncio.gather(*tasks), done, waiting, dict(pool.sent)
        finally:
            pool.close()

    results, done, waiting, sent = asyncio.run(run())
    assert done == [False, False, True, True, True, True] and waiting == 2
    assert sent == {"newsportal.extract.page:analyse_page": 2}
    assert results == [analyse_page(p.read_bytes(), _url(p), SITE, NOW, "text/html") for p in pages]


def test_a_worker_exits_when_its_input_closes():
    """The crawl killed with -9 closes the worker's stdin: the worker leaves on its own."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsportal.workers"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    proc.stdin.close()
    assert proc.wait(timeout=20) == 0


def test_pipeline_steps_run_in_the_worker_with_the_same_results():
    from newsportal.items import Article
    from newsportal.pipelines.clean import clean_article
    from newsportal.pipelines.dedup import dedup_keys

    article = _in_process(ARTICLES[0]).fields

    async def run():
        async with _ready_pool() as pool:
            item = Article(url=article.url, title=article.title, body=article.body)
            cleaned = await pool.call(clean_article, item)
            keys = await pool.call(dedup_keys, cleaned.body, None)
            with pytest.raises(ValueError, match="not a worker function"):
                await pool.call(os.getcwd)
            return item, cleaned, keys

    item, cleaned, (chash, signature) = asyncio.run(run())
    assert cleaned == clean_article(item)
    local_hash, local_signature = dedup_keys(cleaned.body, None)
    assert chash == local_hash and signature.stored == local_signature.stored


def test_pages_do_not_wait_for_a_starting_worker():
    """Before a worker has finished its imports, pages are extracted in the crawl's process; the
    calls that came meanwhile started one worker, not one each."""
    page = ARTICLES[0]

    async def run():
        pool = ExtractionPool(1)
        try:
            results = await asyncio.gather(
                *(pool.analyse(page.read_bytes(), _url(page), SITE, NOW, "text/html") for _ in range(5))
            )
            started_ready = [w.ready for w in pool._workers]
            assert await pool.ready()
            return results, started_ready, len(pool._workers)
        finally:
            pool.close()

    results, started_ready, workers = asyncio.run(run())
    assert started_ready in ([], [False])  # not ready yet: extracted here, at once
    assert workers == 1
    assert results == [analyse_page(page.read_bytes(), _url(page), SITE, NOW, "text/html")] * 5
