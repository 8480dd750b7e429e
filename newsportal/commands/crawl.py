"""The project's ``scrapy crawl``: Scrapy's own, plus a run lock and an exit code cron can trust.

* Before crawling it takes an exclusive lock in the state directory for the site; when another run
  holds it, it exits at once with 75 (EX_TEMPFAIL) and says who holds it.
* After the crawl, the process exits with the run's verdict (``newsportal/exit_code``, set by
  newsportal.extensions.summary): 0 success, 75 lock held, other codes for runs that failed to do
  their job (see EXIT_CODES and the README).
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsportal.extensions.summary import EXIT_CODES
from newsportal.runlock import LockHeld, RunLock, lock_name


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider (with the newsportal run lock and exit codes)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process is not None
        settings = self.crawler_process.settings
        name = lock_name(args[0], opts.spargs)
        try:
            lock = RunLock(settings.get("NEWSPORTAL_STATE_DIR"), name).acquire()
        except LockHeld as held:
            print(f"newsportal: {held}; exiting with {EXIT_CODES['lock_held']}", file=sys.stderr)
            self.exitcode = EXIT_CODES["lock_held"]
            return
        try:
            crawler = self._create_crawler(args[0])
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            lock.release()
        if self.crawler_process.bootstrap_failed:
            # the spider refused its arguments or a component failed to start: logged above
            self.exitcode = EXIT_CODES["bad_arguments"]
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        self.exitcode = int(stats.get("newsportal/exit_code", EXIT_CODES["crashed"]))
        if "newsportal/summary" in stats:
            # last on stdout, whatever LOG_LEVEL hides: what a person or a cron mail reads first
            print(stats["newsportal/summary"], flush=True)
