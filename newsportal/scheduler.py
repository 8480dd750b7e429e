"""JournalingScheduler: Scrapy's scheduler, plus the resume journal for accepted article requests,
with the frontier (requests accepted, not yet fetched) on disk.

Journaling here, after the dupefilter, writes one row per article the crawl will really fetch;
links to stories already queued (most related links) cost nothing. See newsportal.journal.

The frontier: every article's related links discover other articles faster than they are fetched,
so the requests waiting grow with the portal (~6,000 at 20,000 articles, some 4 KB of Python objects
each: Request, Headers, cached fingerprint and parsed URL). Scrapy keeps them in memory unless JOBDIR
is set; here they go to Scrapy's disk queues (SCHEDULER_DISK_QUEUE, one file per priority) in a
directory of this run under ``<state dir>/frontier/``, removed when the run ends. It is not a resume
mechanism (the journal is: Scrapy's queue files are only consistent after a clean close), so a
directory left by a killed run is removed by the next one. With JOBDIR set, Scrapy's own behaviour.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler

from newsportal.journal import ARTICLE_CALLBACKS, callback_name, journal_for
from newsportal.state import state_dir

logger = logging.getLogger(__name__)

FRONTIER_DIR = "frontier"


class JournalingScheduler(Scheduler):
    _frontier: Path | None = None

    def open(self, spider: Any) -> Any:
        if not self.dqdir and self.crawler is not None:
            self._frontier = _new_frontier_dir(state_dir(self.crawler.settings) / FRONTIER_DIR)
            self.dqdir = str(self._frontier)
        return super().open(spider)

    def close(self, reason: str) -> Any:
        if self._frontier is None:
            return super().close(reason)
        # Not Scrapy's close of the disk queues: it writes their state for a resume that never comes.
        if self.dqs is not None:
            self.dqs.close()
            self.dqs = None
        shutil.rmtree(self._frontier, ignore_errors=True)
        self._frontier = None
        return self.df.close(reason)

    def enqueue_request(self, request: Request) -> bool:
        accepted = super().enqueue_request(request)
        # a redirect continues a request journaled under its first URL (middlewares.article_key)
        if accepted and callback_name(request) in ARTICLE_CALLBACKS and not request.meta.get("redirect_urls"):
            journal = journal_for(self.crawler)
            if journal is not None:
                try:
                    data = request.to_dict(spider=self.crawler.spider)
                except ValueError:
                    # a callback that is not the spider's own method (a wrapper): it cannot be
                    # resumed by name; the crawl goes on, the next run's listings find it again
                    self.crawler.stats.inc_value("newsportal/journal/unserializable")
                    return accepted
                journal.add(request.url, data)
        return accepted


def _new_frontier_dir(parent: Path) -> Path:
    """A new directory for this run's frontier under parent, after removing those of dead runs."""
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.glob("*-*"):
        pid = old.name.split("-", 1)[0]
        if old.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
