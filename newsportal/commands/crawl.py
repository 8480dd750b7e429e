"""The project's ``scrapy crawl``: Scrapy's own, plus a run lock and an exit code cron can trust.

* Before crawling it takes an exclusive lock in the state directory for the site; when another run
  holds it, it exits at once with 75 (EX_TEMPFAIL) and says who holds it. A cluster worker
  (NEWSPORTAL_REDIS_URL, newsportal.state.job) takes no local lock; when its Redis does not answer
  it exits at once with 76 (cluster_unreachable). At its job's end it exits with the job's code.
* After the crawl, the process exits with the run's verdict (``newsportal/exit_code``, set by
  newsportal.extensions.summary): 0 success, 75 lock held, other codes for runs that failed to do
  their job (see EXIT_CODES and the README).
* A crawl that cannot start because a state file is unusable (StateError: the state store or the
  resume journal is not a database, damaged, another program's, in a read-only directory) exits 66,
  and one whose start-up cannot write (disk full: recovering the last run's feed, the journal) exits
  73, each with one line on stderr and in the log that names the file and says what to do, and no
  traceback. Before any of this, the spider name, its arguments and the NEWSPORTAL_* settings are
  checked (newsportal.usage): a bad one exits 64 with one line saying what is wrong and the known
  values, having taken no lock and written nothing. Any other start-up failure exits 64 too.
* Quiet for cron: with LOG_FILE set, a run ending 0, 75 or 130 prints nothing; any other code prints
  one line on stderr (the summary, or what refused the run). Without LOG_FILE the summary is printed
  last on stdout, for a person at a terminal.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsportal.durability import describe, write_error
from newsportal.extensions.summary import EXIT_CODES
from newsportal.runlock import LockHeld
from newsportal.state.base import StateError
from newsportal.state.connection import RedisUnreachable
from newsportal.state.job import open_job
from newsportal.usage import BadUsage, closest, settings_problem

logger = logging.getLogger(__name__)
# Codes that need no person (done; another run holds the lock; stopped, the next run resumes): with
# LOG_FILE set, a run ending with one of them prints nothing, so cron sends no mail.
QUIET_EXIT_CODES = frozenset({EXIT_CODES["ok"], EXIT_CODES["lock_held"], EXIT_CODES["interrupted"]})
# A state directory that cannot be written at all, found at start-up (not a disk that filled up).
_UNWRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST})


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider (with the newsportal run lock and exit codes)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process is not None
        settings = self.crawler_process.settings
        problem = self._usage_problem(args[0], opts.spargs, settings)
        if problem:  # before the lock: a refused crawl leaves nothing behind
            self._refused(BadUsage(problem), settings)
            return
        try:
            # local: the run lock; a cluster worker (NEWSPORTAL_REDIS_URL): a Redis that answers
            lock = open_job(settings, args[0], opts.spargs).acquire()
        except LockHeld as held:
            self.exitcode = EXIT_CODES["lock_held"]
            line = f"newsportal: {held}; exiting with {self.exitcode}"
            logger.warning(line)
            if not settings.get("LOG_FILE"):  # else quiet: cron needs no mail for this one
                print(line, file=sys.stderr)
            return
        except RedisUnreachable as exc:
            self.exitcode = EXIT_CODES["cluster_unreachable"]
            line = f"newsportal: {exc} (exit {self.exitcode}, cluster_unreachable)"
            logger.error(line)
            print(line, file=sys.stderr)
            return
        except OSError as exc:
            if not self._refused(exc, settings):
                raise
            return
        startup: list[BaseException] = []
        try:
            crawler = self._create_crawler(args[0])
            _keep_error(self.crawler_process.crawl(crawler, **opts.spargs), startup)
            self.crawler_process.start()
        finally:
            lock.release()
        if self.crawler_process.bootstrap_failed:
            if not (startup and self._refused(startup[0], settings)):
                # the spider refused its arguments or a component failed to start: logged above
                self.exitcode = EXIT_CODES["bad_arguments"]
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        self.exitcode = int(stats.get("newsportal/exit_code", EXIT_CODES["crashed"]))
        if "newsportal/job/exit_code" in stats:  # a cluster worker at its job's end: the job's code
            self.exitcode = int(stats["newsportal/job/exit_code"])
        if stats.get("newsportal/write_failed"):  # also a write that failed after the verdict
            self.exitcode = EXIT_CODES["write_failed"]
        if "newsportal/summary" not in stats:
            return
        if not settings.get("LOG_FILE"):
            # a person at a terminal: last on stdout, whatever LOG_LEVEL hides
            print(stats["newsportal/summary"], flush=True)
        elif self.exitcode not in QUIET_EXIT_CODES:
            # cron mails what a job prints: one line, only when a person is needed (the log has it too)
            print(stats["newsportal/summary"], file=sys.stderr, flush=True)

    def _usage_problem(self, name: str, spargs: dict[str, str], settings: Any) -> str | None:
        """One line saying what is wrong with the spider name, its arguments or the NEWSPORTAL_*
        settings (newsportal.usage); None when they are good."""
        problem = settings_problem(settings)
        if problem:
            return problem
        assert self.crawler_process is not None
        loader = self.crawler_process.spider_loader
        try:
            spidercls = loader.load(name)
        except KeyError:
            known = loader.list()
            return f"unknown spider {name!r}{closest(name, known)}; known spiders: {', '.join(known)}"
        check = getattr(spidercls, "argument_problem", None)
        return check(spargs, settings) if callable(check) else None

    def _refused(self, exc: BaseException, settings: Any) -> bool:
        """Exit 64, 66 or 73 with one line for a bad argument or setting, an unusable state file or a
        failed write; False for other errors (an OSError at the lock is raised as it was)."""
        if isinstance(exc, BadUsage):
            kind, message = "bad_arguments", str(exc)
        elif isinstance(exc, StateError):
            kind, message = "state_unusable", str(exc)
        elif isinstance(exc, OSError) and exc.errno in _UNWRITABLE:  # the state directory itself
            kind = "state_unusable"
            message = f"cannot use the state directory: {exc}; make it writable or set NEWSPORTAL_STATE_DIR"
        elif (failed := write_error(exc)) is not None:
            kind = "write_failed"
            message = f"cannot write {describe(failed)}; free some space (or fix the disk) and run again"
        else:
            return False
        self.exitcode = EXIT_CODES[kind]
        line = f"newsportal: {message} (exit {self.exitcode}, {kind})"
        logger.error(line)
        if settings.get("LOG_FILE"):  # else the log is stderr already
            print(line, file=sys.stderr)
        return True


def _keep_error(started: Any, errors: list[BaseException]) -> None:
    """Keep the exception that failed the crawl's start-up (a Deferred or an asyncio Task, by Scrapy's
    crawler process), taking it, so it is not logged again as a traceback ("never retrieved")."""
    if hasattr(started, "addErrback"):

        def keep(failure: Any) -> Any:
            errors.append(failure.value)
            if _said_in_one_line(failure.value):
                return None  # said in one line by the command
            return failure

        started.addErrback(keep)
    elif hasattr(started, "add_done_callback"):

        def done(task: Any) -> None:
            if not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                errors.append(exc)
                if not _said_in_one_line(exc):
                    logger.error("crawl failed to start", exc_info=exc)

        started.add_done_callback(done)


def _said_in_one_line(exc: BaseException) -> bool:
    """Errors the command reports in one line, without a traceback."""
    return isinstance(exc, BadUsage | StateError) or write_error(exc) is not None
