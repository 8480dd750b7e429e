"""The resume journal: article requests scheduled but not finished, surviving kill -9.

Scrapy's JOBDIR cannot resume an unclean stop: requests in flight are already in ``requests.seen``
and the queue files are written only on a clean close (see ../shared/notes). Instead, every article
request is written here when the scheduler accepts it and deleted only when the article has been
finished — its item written to the feed or dropped with a reason, or its fetch given up — so after
any stop the rows left are exactly the articles that may have been lost, and the next run fetches
them first. Listing pages need no journal: every run re-reads them.

SQLite in WAL mode with ``synchronous=NORMAL``: a committed row survives a killed process (not a
power cut mid-write, which at worst re-fetches an article: delivery is at-least-once, and the
state store's idempotent writes make it exactly-once in the output).

A request's row is committed as it is written: it must be durable before the item of the article
that linked to it reaches the feed, because a feed line counts as finished after a kill (the next
run records it as emitted and does not fetch it again, so it would not find its related links
again). Deletes are grouped instead: they wait in the open transaction for the next insert's commit,
at most ``COMMIT_INTERVAL`` seconds (ResumeMiddleware also commits once a second, and at the end).
A delete lost to a kill only leaves a finished article pending: the next run finds it emitted and
drops the row. That halves the commits; one per row cost ~2 % of a crawl's CPU.

A journal file that cannot be used (not a database, damaged, another program's, a directory) is
refused at open with a StateError naming it and what to do; a write that fails (disk full, I/O
error) raises an OSError naming the file, for the crawl's WriteGuard (newsportal.durability).
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

from scrapy import Request

from newsportal.durability import as_os_error
from newsportal.runlock import lock_name
from newsportal.state import state_dir
from newsportal.state.sqlite import opening, refuse_foreign

# What moving a refused journal aside costs, said in the message.
NO_RESUME = "the next run resumes nothing an interrupted run left unfinished (listings find most of it again)"

# Callbacks whose requests are articles (or pages that may turn out to be one).
ARTICLE_CALLBACKS = frozenset({"parse_article", "parse_unknown"})
# A request whose callback reads what this process holds in memory (the backfill's held stories):
# run by this process, never handed to another cluster worker through a shared frontier.
PROCESS_LOCAL_META = "newsportal_process_local"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    url TEXT PRIMARY KEY,      -- the article request's URL (canonical: links are canonicalised)
    request BLOB NOT NULL,     -- the request's dict (Request.to_dict), pickled as Scrapy's disk queues do
    added REAL NOT NULL        -- when it was scheduled (epoch seconds)
);
"""


COMMIT_INTERVAL = 0.5  # seconds grouped deletes may stay uncommitted at most


class Journal:
    """Pending article requests of one crawl target (one journal file per run lock)."""

    def __init__(self, path: str | Path) -> None:
        self._began = 0.0  # time.monotonic() of the open group's first write, 0 when none
        self.path = Path(path)
        db = None
        try:
            with opening(self.path, "resume journal", NO_RESUME):
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                refuse_foreign(db, self.path, "pending", "resume journal")
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA busy_timeout=5000")
                db.executescript(_SCHEMA)
                db.execute("SELECT url, request, added FROM pending LIMIT 0")  # our columns, or refused
        except BaseException:
            if db is not None:
                db.close()
            raise
        self._db = db

    def _write(self) -> None:
        """Before a write: open a group of deletes, or commit the open one when it is old enough."""
        now = time.monotonic()
        if self._began and now - self._began >= COMMIT_INTERVAL:
            self.commit()
        if not self._began:
            self._db.execute("BEGIN")
            self._began = now

    def _failed(self) -> None:
        """After a failed write: SQLite may have rolled the open group back already."""
        if not self._db.in_transaction:
            self._began = 0.0

    def commit(self) -> None:
        """Make every write so far durable. OSError naming the file when that fails."""
        if self._began:
            with as_os_error(self.path):
                try:
                    self._db.execute("COMMIT")
                except sqlite3.Error:
                    self._failed()
                    raise
            self._began = 0.0

    def add(self, url: str, request: dict[str, Any] | bytes) -> bool:
        """Journal a request (its dict, or that dict pickled with protocol 4 as Scrapy's disk queues
        write it); False when its URL is pending already (the row is left as it is). OSError naming
        the file when the write fails (the row is not journaled then)."""
        blob = request if isinstance(request, bytes) else pickle.dumps(request, protocol=4)
        with as_os_error(self.path):
            try:
                self._write()
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO pending (url, request, added) VALUES (?, ?, ?)",
                    (url, blob, time.time()),
                )
            except sqlite3.Error:
                self._failed()
                raise
        self.commit()  # durable now, with the deletes grouped before it
        return cursor.rowcount == 1

    def done(self, *urls: str | None) -> None:
        """Forget these URLs (finished, one way or another). Unknown URLs are ignored."""
        keys = [(u,) for u in urls if u]
        if keys:
            with as_os_error(self.path):
                try:
                    self._write()
                    self._db.executemany("DELETE FROM pending WHERE url = ?", keys)
                except sqlite3.Error:
                    self._failed()
                    raise

    def pending(self) -> list[dict[str, Any]]:
        """The requests left over, oldest first."""
        rows = self._db.execute("SELECT request FROM pending ORDER BY added").fetchall()
        return [pickle.loads(r[0]) for r in rows]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM pending").fetchone()[0])

    def close(self) -> None:
        """Commit and close; closed even when the commit fails (OSError then)."""
        try:
            self.commit()
        finally:
            self._db.close()


def callback_name(request: Request) -> str:
    return getattr(request.callback, "__name__", "") if request.callback else ""


_OPEN: weakref.WeakKeyDictionary[Any, Journal] = weakref.WeakKeyDictionary()


def journal_for(crawler: Any) -> Journal | None:
    """The journal of this crawl (one file per crawl target, as the run lock), opened on first use;
    None when NEWSPORTAL_RESUME is off. Closed by ResumeMiddleware on spider_closed."""
    if not crawler.settings.getbool("NEWSPORTAL_RESUME") or os.environ.get("SCRAPY_CHECK"):
        return None  # off, or `scrapy check` (contract runs are not crawls)
    journal = _OPEN.get(crawler)
    if journal is None:
        spider = crawler.spider
        args = getattr(spider, "args", None)
        spargs = {k: v for k, v in (args.model_dump() if args is not None else {}).items() if v}
        name = lock_name(spider.name if spider else "portal", spargs)
        journal = _OPEN[crawler] = Journal(state_dir(crawler.settings) / "journal" / f"{name}.sqlite")
    return journal
