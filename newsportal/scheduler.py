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

A full disk: Scrapy 2.19's scheduler falls back to the memory queue only for a request that cannot
be pickled; an OSError from the disk queue's push escapes ``enqueue_request`` (the request is lost,
and not journaled either), and queuelib does not check ``os.write``'s count, so a short write leaves
a torn record that a later pop cannot read. Here (``FrontierDiskQueue``) a short write is cut off and
raised as ENOSPC, and a push that fails goes to the memory queue as an unpicklable one does, and is
journaled; the failure stops the run (newsportal.durability) and every article request it had is in
the journal for the next run.
"""

from __future__ import annotations

import contextlib
import errno
import inspect
import logging
import os
import shutil
import struct
import tempfile
import weakref
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.squeues import PickleFifoDiskQueue, _pickle_serialize, _PickleFifoSerializationDiskQueue

from newsportal.durability import guard_for
from newsportal.journal import ARTICLE_CALLBACKS, callback_name, journal_for
from newsportal.runlock import pid_alive
from newsportal.state import state_dir

logger = logging.getLogger(__name__)

FRONTIER_DIR = "frontier"

# The record the crawl's disk queue wrote for the request being enqueued, by crawler: (request, its
# pickled Request.to_dict), the bytes the resume journal keeps for an article request too (its row is
# that same pickle), so the two share one to_dict and one pickle. Taken by JournalingScheduler at once.
_LAST_RECORD: weakref.WeakKeyDictionary[Any, tuple[Request, bytes]] = weakref.WeakKeyDictionary()


class _SpiderMethods:
    """Stands for the spider in ``Request.to_dict``, which names a request's callback and errback by
    walking ``inspect.getmembers(spider, inspect.ismethod)``: every attribute of the spider, its
    properties evaluated, twice a request (~50 µs of each article request on PortalSpider). This
    holds what that walk finds, taken once: the same names bound to the same methods, in the same
    order, so to_dict gives the same dict. A callback it does not hold (a method set on the instance
    later, a wrapper) raises ValueError, and the caller asks the spider itself (``_to_dict``)."""

    def __init__(self, spider: Any) -> None:
        methods = inspect.getmembers(spider, inspect.ismethod)
        # In the instance's own dict, which getattr reads before the methods of this class (dunder
        # methods of the spider included: getmembers lists its __init__, __repr__...).
        self.__dict__.update(methods)
        self.__dict__["_names"] = [name for name, _ in methods]

    def __dir__(self) -> list[str]:
        return list(self._names)


def _to_dict(request: Request, spider: Any, table: _SpiderMethods | None) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, its callback and errback named from the spider's method
    table (``_SpiderMethods``): the same dict, the same ValueError for a callback the spider lacks."""
    if table is not None:
        try:
            return request.to_dict(spider=table)  # type: ignore[arg-type]
        except ValueError:
            pass
    return request.to_dict(spider=spider)


class FrontierDiskQueue(PickleFifoDiskQueue):
    """Scrapy's PickleFifoDiskQueue whose push either appends a whole record or raises OSError and
    leaves the queue as it was (queuelib ignores a short write: the record would be torn), and whose
    close reports a failed write to the crawl's WriteGuard instead of raising it: Scrapy's priority
    queue closes a queue that a pop has just emptied (queuelib then writes its info.json), and an
    error there would lose the request that pop took."""

    def __init__(self, crawler: Any, key: str) -> None:
        super().__init__(crawler, key)
        self.crawler = crawler
        self.guard = guard_for(crawler)
        self._methods: _SpiderMethods | None = None  # taken at the first push (the spider is set then)

    def _serialized_push(self, request: Request) -> None:
        """What Scrapy's push does (the request's to_dict, pickled by its _pickle_serialize: ValueError
        for an unserializable one, as there), its record kept for the journal (_LAST_RECORD)."""
        if self._methods is None and self.spider is not None:
            self._methods = _SpiderMethods(self.spider)
        record = _pickle_serialize(_to_dict(request, self.spider, self._methods))
        # the layer under Scrapy's serializing one: the bytes written as they are
        super(_PickleFifoSerializationDiskQueue, self).push(record)
        _LAST_RECORD[self.crawler] = (request, record)

    def close(self) -> None:
        with self.guard.writing(self.path):
            super().close()

    def push(self, request: Request) -> None:
        head = Path(self.headf.name)  # the chunk file the record goes to (push may start a new one)
        headf, start = self.headf, os.fstat(self.headf.fileno()).st_size
        info = {"size": self.info["size"], "head": list(self.info["head"])}
        try:
            self._serialized_push(request)
            if self.headf is headf:  # two syscalls on the open file, not an open of it per push
                fd = headf.fileno()
                _check_record(os.pread(fd, 4, start), os.fstat(fd).st_size - start, head)
            else:
                with head.open("rb") as fh:
                    _check_record(os.pread(fh.fileno(), 4, start), head.stat().st_size - start, head)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.truncate(head, start)
            if self.headf is not headf:  # a new chunk was started: back to the old one
                with contextlib.suppress(OSError):
                    self.headf.close()
                    Path(self.headf.name).unlink()
                self.headf = head.open("ab+")
            self.info.update(info)
            raise OSError(exc.errno, exc.strerror or str(exc), str(head)) from exc


def _check_record(header: bytes, written: int, chunk: Path) -> None:
    """Raise ENOSPC unless the bytes written (from the record's start) hold its size header and data."""
    if len(header) < 4 or written < 4 + struct.unpack(">L", header)[0]:
        raise OSError(errno.ENOSPC, "No space left on device (short write)", str(chunk))


class JournalingScheduler(Scheduler):
    _frontier: Path | None = None
    _disk_failed = False  # a push to the disk queue failed: the memory queue from then on
    _methods: _SpiderMethods | None = None  # the spider's, for the journal's records

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
            with contextlib.suppress(OSError):  # their info.json, on a full disk: removed below anyway
                self.dqs.close()
            self.dqs = None
        shutil.rmtree(self._frontier, ignore_errors=True)
        self._frontier = None
        return self.df.close(reason)

    def _dqpush(self, request: Request) -> bool:
        if self._disk_failed:
            return False
        try:
            return super()._dqpush(request)
        except OSError as exc:
            # False: Scrapy's enqueue_request puts it in the memory queue (as an unpicklable one)
            self._disk_failed = True
            assert self.crawler is not None
            self.crawler.stats.inc_value("newsportal/frontier/memory_fallback")
            with guard_for(self.crawler).writing(self.dqdir):
                raise exc
            return False

    def enqueue_request(self, request: Request) -> bool:
        accepted = super().enqueue_request(request)
        last = _LAST_RECORD.pop(self.crawler, None)  # the disk queue's record of this request, if any
        # a redirect continues a request journaled under its first URL (middlewares.article_key)
        if accepted and callback_name(request) in ARTICLE_CALLBACKS and not request.meta.get("redirect_urls"):
            journal = journal_for(self.crawler)
            if journal is not None:
                try:
                    # the disk queue's record when that is where it went (else the memory queue)
                    data = last[1] if last and last[0] is request else self._record(request)
                except ValueError:
                    # a callback that is not the spider's own method (a wrapper): it cannot be
                    # resumed by name; the crawl goes on, the next run's listings find it again
                    self.crawler.stats.inc_value("newsportal/journal/unserializable")
                    return accepted
                with guard_for(self.crawler).writing(journal.path):
                    journal.add(request.url, data)
        return accepted

    def _record(self, request: Request) -> bytes:
        spider = self.crawler.spider
        if self._methods is None and spider is not None:
            self._methods = _SpiderMethods(spider)
        return _pickle_serialize(_to_dict(request, spider, self._methods))


def _new_frontier_dir(parent: Path) -> Path:
    """A new directory for this run's frontier under parent, after removing those of dead runs."""
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.glob("*-*"):
        pid = old.name.split("-", 1)[0]
        if old.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))
