"""A write that fails (disk full, I/O error) stops the run; nothing is published or lost.

Every file a crawl writes (the feed's ``.part``, the stats file, the state store, the resume
journal, the frontier's disk queues) reports a failed write to the crawl's ``WriteGuard``
(``guard_for(crawler)``). The first failure:

* logs one line naming the file and the errno, counts ``newsportal/write_failed``;
* closes the spider with the reason ``write_failed`` (exit code 73, see the run summary);
* from then on the feed takes no more lines and nothing more is recorded as emitted or finished:
  the feed stays ``.part`` (never published under its final name), its complete lines are what the
  next run publishes and records (newsportal.recovery, as after kill -9), and every article not in
  it stays in the resume journal, so the next run fetches it. Nothing lost, nothing twice.

``write_error`` tells a failed write from other errors: an OSError with a disk errno, or SQLite's
"database or disk is full" / "disk I/O error" (SQLite reports no errno).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# What a full or failing disk gives: no space, quota, I/O error, file too large, remounted read-only.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS})
# SQLite's primary result codes for the same (extended codes keep them in the low byte).
_SQLITE_CODES = {13: errno.ENOSPC, 10: errno.EIO}  # SQLITE_FULL, SQLITE_IOERR
REASON = "write_failed"  # the spider's close reason


def write_error(exc: BaseException, path: str | Path | None = None) -> OSError | None:
    """exc as an OSError naming path when it is a failed write, else None."""
    if isinstance(exc, OSError):
        if exc.errno not in WRITE_ERRNOS:
            return None
        if exc.filename is None and path is not None:
            return OSError(exc.errno, exc.strerror or str(exc), str(path))
        return exc
    if isinstance(exc, sqlite3.Error):
        code = _SQLITE_CODES.get((getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF)
        if code is None:
            return None
        return OSError(code, str(exc), str(path) if path is not None else None)
    return None


@contextmanager
def as_os_error(path: str | Path) -> Iterator[None]:
    """Re-raise a failed write inside (an SQLite one too) as an OSError naming path."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        error = write_error(exc, path)
        if error is None or error is exc:
            raise
        raise error from exc


def describe(error: OSError) -> str:
    """``<file>: [Errno 28] No space left on device`` (errno name included)."""
    name = errno.errorcode.get(error.errno or 0, "?")
    return f"{error.filename or '?'}: {name} (errno {error.errno}) {error.strerror or ''}".rstrip()


class WriteGuard:
    """Whether a write of this crawl has failed; the first failure stops the crawl."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.error: OSError | None = None
        self._logged: set[str] = set()

    @property
    def failed(self) -> bool:
        return self.error is not None

    def fail(self, error: OSError) -> None:
        """Record a failed write: log it (once per file), count it, stop the crawl (once)."""
        key = str(error.filename)
        if not self._logged:
            logger.error(
                "write failed: %s; stopping the run: the feed is left as .part and the next run "
                "publishes it and fetches what is missing",
                describe(error),
            )
        elif key not in self._logged:
            logger.warning("write failed too: %s", describe(error))
        self._logged.add(key)
        stats = self.crawler.stats
        stats.inc_value("newsportal/write_failed")
        if self.error is not None:
            return
        self.error = error
        stats.set_value("newsportal/write_failed/file", str(error.filename))
        stats.set_value("newsportal/write_failed/errno", errno.errorcode.get(error.errno or 0, "?"))
        self._close_spider()

    def _close_spider(self) -> None:
        engine = getattr(self.crawler, "_engine", None)  # read before the crawl starts: no error
        if engine is None or engine.spider is None:
            return  # not crawling (yet): the flags above are enough
        from scrapy.utils.defer import deferred_from_coro

        # Scrapy's way to stop a crawl with a reason; while it is closing already this just waits.
        closing = deferred_from_coro(engine.close_spider_async(reason=REASON))
        closing.addErrback(lambda failure: logger.debug("close after a failed write: %s", failure))

    @contextmanager
    def writing(self, path: str | Path | None = None) -> Iterator[None]:
        """Run a write; a failed one is recorded here (and not raised), any other error is raised."""
        try:
            yield
        except (OSError, sqlite3.Error) as exc:
            error = write_error(exc, path)
            if error is None:
                raise
            self.fail(error)


_GUARDS: weakref.WeakKeyDictionary[Any, WriteGuard] = weakref.WeakKeyDictionary()


def guard_for(crawler: Any) -> WriteGuard:
    """The write guard of this crawl (one per crawler)."""
    guard = _GUARDS.get(crawler)
    if guard is None:
        guard = _GUARDS[crawler] = WriteGuard(crawler)
    return guard
