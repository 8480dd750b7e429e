"""Extraction in worker processes, so a crawl uses more than the one core Scrapy's reactor runs on.

Scrapy does its networking, scheduling, pipelines and feed in one thread; parsing and extracting a
page is pure CPU work on bytes (newsportal.extract.page.analyse_page) and runs as well in another
process. ``ExtractionPool`` hands pages to ``NEWSPORTAL_EXTRACT_WORKERS`` processes and gives the
result back to the asyncio reactor as an awaitable; with 0 workers, or if the pool breaks (a worker
killed), extraction runs in the crawl's own process, so a page is never lost to the pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from newsportal.extract.page import AnalysedPage, analyse_page

logger = logging.getLogger(__name__)


def worker_count(setting: str | int | None) -> int:
    """NEWSPORTAL_EXTRACT_WORKERS: a number, or "auto": none below 4 cores (measured on 2 cores, the
    hand-off to a worker cost more than the extraction it moved: 133 against 157 pages/s), else one
    per core beyond two, at most 2."""
    if setting in (None, "", "auto"):
        cores = os.cpu_count() or 1
        return 0 if cores < 4 else min(2, cores - 2)
    return max(0, int(setting))


def _exit_with_parent(parent: int) -> None:
    """In a worker: leave as soon as the crawl process is gone (kill -9 included). A pool worker
    would otherwise wait on its task queue forever, holding the dead crawl's pipes and memory."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="newsportal-parent-watch", daemon=True).start()


class ExtractionPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawn, not fork: the crawl process has threads (the reactor's, the offline server's)
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )

    async def analyse(self, *args: Any, **kwargs: Any) -> AnalysedPage:
        if self._pool is None:
            return analyse_page(*args, **kwargs)
        try:
            future = self._pool.submit(analyse_page, *args, **kwargs)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            logger.warning("extraction workers died; extracting in the crawl process from now on")
            self._pool = None
            return analyse_page(*args, **kwargs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
