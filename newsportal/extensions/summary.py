"""RunSummary: at the end of every crawl, a verdict cron can act on, one summary line, and the
run's stats as JSON beside its output.

    newsportal summary: site=sample pages=87 articles=61 dropped=2 (empty_body=1 no_title=1)
    duplicates=2 (content=1 url=1) errors=1 elapsed=1.9s finish_reason=finished exit=0 (ok)

The verdict (``newsportal/exit_code`` and ``newsportal/verdict`` in the stats) is what the project's
``scrapy crawl`` command returns as the process exit code; see ``EXIT_CODES``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from scrapy import signals

from newsportal.durability import guard_for
from newsportal.feeds import run_id, site_label
from newsportal.pipelines.dedup import duplicate_stories

logger = logging.getLogger(__name__)

# In the stats file only (not a Scrapy stat): the canonical URLs of the run's duplicates, by kind.
DUPLICATE_STORIES = "newsportal/duplicate_stories"

# Exit codes, after sysexits.h where one fits. The README's reference table repeats them.
EXIT_CODES: dict[str, int] = {
    "ok": 0,  # the run did its job, including a run with nothing new
    "bad_arguments": 64,  # EX_USAGE: a spider argument or setting was refused
    "no_article_links": 65,  # EX_DATAERR: listings fetched but gave no article link (layout change, bot wall)
    "bot_wall": 65,  # EX_DATAERR: most article pages were captchas / challenges (extract.botwall)
    # not in sysexits.h: the run did its job, but a field's coverage or the article count fell
    # against the site's recent runs, or items broke the schema (newsportal.monitoring)
    "degraded": 79,
    "unreachable": 69,  # EX_UNAVAILABLE: no start page fetched, or every article fetch failed
    "crashed": 70,  # EX_SOFTWARE: the spider raised, or closed for an internal error
    "too_many_errors": 74,  # EX_IOERR: error rate above NEWSPORTAL_MAX_ERROR_RATE
    "write_failed": 73,  # EX_CANTCREAT: output or state could not be written: disk full, I/O error
    "state_unusable": 66,  # EX_NOINPUT: the state store or journal file is unreadable or not ours
    "lock_held": 75,  # EX_TEMPFAIL: another run holds the lock; try again later
    "cluster_unreachable": 76,  # a cluster worker's Redis (NEWSPORTAL_REDIS_URL) did not answer at start
    "interrupted": 130,  # stopped by a signal (SIGINT / SIGTERM) before it finished: resumable
}


def counted(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """The stats under prefix/…, keyed by what follows the prefix."""
    return {k[len(prefix) + 1 :]: v for k, v in sorted(stats.items()) if k.startswith(prefix + "/")}


def error_count(stats: dict[str, Any]) -> int:
    """Fetch failures and errors logged: what the error rate counts. Spidermon's report of a failed
    monitor is logged as an error too; it is a finding (verdict ``degraded``), not a crawl error."""
    logged = int(stats.get("log_count/ERROR", 0)) - int(stats.get("newsportal/monitor/error_lines", 0))
    return sum(counted(stats, "newsportal/errors").values()) + max(0, logged)


def bot_wall_share(stats: dict[str, Any]) -> float:
    """The share of the run's pages that were bot walls, against the article pages it parsed."""
    walls = int(stats.get("newsportal/pages/bot_wall", 0))
    return walls / max(1, walls + int(stats.get("newsportal/pages/article", 0)))


def verdict(stats: dict[str, Any], max_error_rate: float, max_bot_wall_rate: float = 0.5) -> str:
    """The key of EXIT_CODES that describes a finished run, from its stats. ``max_bot_wall_rate``:
    NEWSPORTAL_MAX_BOT_WALL_RATE (bot walls beyond this share of article pages: ``bot_wall``)."""
    reason = str(stats.get("finish_reason", ""))
    if stats.get("newsportal/write_failed"):
        return "write_failed"
    if reason == "shutdown":
        return "interrupted"
    if stats.get("spider_exceptions/count", 0) or (
        reason != "finished" and not reason.startswith("closespider")
    ):
        return "crashed"
    responses = int(stats.get("response_received_count", 0))
    if responses == 0:
        return "unreachable"
    if stats.get("newsportal/pages/bot_wall", 0) and bot_wall_share(stats) > max_bot_wall_rate:
        return "bot_wall"
    listings = int(stats.get("newsportal/pages/listing", 0))
    article_links = int(stats.get("newsportal/links/article", 0))
    articles_seen = sum(  # as newsportal.monitoring.suites.articles_seen
        int(stats.get(key, 0))
        for key in ("newsportal/pages/article", "newsportal/skipped/stored", "newsportal/skipped/lastmod")
    )
    if listings and not article_links and not articles_seen:
        return "no_article_links"
    fetch_failed = int(stats.get("newsportal/errors/article_fetch", 0))
    if fetch_failed and not articles_seen:
        return "unreachable"
    requests = max(1, int(stats.get("downloader/request_count", 0)))
    if error_count(stats) / requests > max_error_rate:
        return "too_many_errors"
    if stats.get("newsportal/degraded"):  # set by the monitors (newsportal.monitoring.suites)
        return "degraded"
    return "ok"


def summary_line(stats: dict[str, Any], site: str, elapsed: float) -> str:
    dropped = counted(stats, "newsportal/dropped")
    duplicates = counted(stats, "newsportal/duplicates")

    def part(name: str, counts: dict[str, int]) -> str:
        detail = " ".join(f"{k}={v}" for k, v in counts.items())
        return f"{name}={sum(counts.values())}" + (f" ({detail})" if detail else "")

    walls = stats.get("newsportal/pages/bot_wall", 0)
    # stories an earlier run emitted, fetched again: emitted as a new version, or found unchanged
    refreshed = {k: v for k, v in counted(stats, "newsportal/refresh").items() if k != "requested"}
    line = (
        f"newsportal summary: site={site} pages={stats.get('response_received_count', 0)} "
        f"articles={stats.get('item_scraped_count', 0)} {part('dropped', dropped)} "
        f"{part('duplicates', duplicates)} {part('refreshed', refreshed) + ' ' if refreshed else ''}"
        f"errors={error_count(stats)} "
        f"{f'bot_walls={walls} ' if walls else ''}elapsed={elapsed:.1f}s "
        f"finish_reason={stats.get('finish_reason', '?')}"
    )
    if "newsportal/verdict" in stats:
        line += f" exit={stats['newsportal/exit_code']} ({stats['newsportal/verdict']})"
    return line


class RunSummary:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.started = time.monotonic()
        self.max_error_rate = crawler.settings.getfloat("NEWSPORTAL_MAX_ERROR_RATE")
        self.max_bot_wall_rate = crawler.settings.getfloat("NEWSPORTAL_MAX_BOT_WALL_RATE")
        self.output_dir = crawler.settings.get("NEWSPORTAL_OUTPUT_DIR") or ""
        self.write_stats = crawler.settings.getbool("NEWSPORTAL_WRITE_STATS")

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunSummary:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        run_id(spider)  # fix the run id now: the feed's name and the stats file's name share it

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = self.crawler.stats
        values = self._verdict(reason)
        if self.write_stats and self.output_dir and not os.environ.get("SCRAPY_CHECK"):
            guard = guard_for(self.crawler)
            failed = guard.failed
            self._write_stats(spider, values)
            if guard.failed and not failed:
                values = self._verdict(reason)  # the stats file itself could not be written
        line = summary_line(values, site_label(spider), time.monotonic() - self.started)
        stats.set_value("newsportal/summary", line)
        (logger.info if values["newsportal/verdict"] == "ok" else logger.error)(line)

    def _verdict(self, reason: str) -> dict[str, Any]:
        """Set the verdict and exit code in the stats; the stats as they are then."""
        stats = self.crawler.stats
        values = dict(stats.get_stats())
        values.setdefault("finish_reason", reason)
        kind = verdict(values, self.max_error_rate, self.max_bot_wall_rate)
        if kind == "bot_wall":
            logger.error(
                "the portal walled the crawl off: %d of %d article pages were bot walls (captcha, "
                "rate-limit notice, JS challenge); look at the portal before the next run",
                values.get("newsportal/pages/bot_wall", 0),
                int(values.get("newsportal/pages/bot_wall", 0))
                + int(values.get("newsportal/pages/article", 0)),
            )
        stats.set_value("newsportal/verdict", kind)
        stats.set_value("newsportal/exit_code", EXIT_CODES[kind])
        return {**values, "newsportal/verdict": kind, "newsportal/exit_code": EXIT_CODES[kind]}

    def _write_stats(self, spider: Any, values: dict[str, Any]) -> None:
        """Write the stats file atomically; a failed write goes to the guard, no half file stays."""
        path = Path(self.output_dir) / site_label(spider) / f"{run_id(spider)}.stats.json"
        part = path.with_name(path.name + ".part")
        # which stories were duplicates, for the report to count each once over many runs
        stories = {k: sorted(v) for k, v in sorted(duplicate_stories(self.crawler).items())}
        values = {**values, DUPLICATE_STORIES: stories}
        data = json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        with guard_for(self.crawler).writing(part):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                part.write_text(data, "utf-8")
                os.replace(part, path)
            except OSError:
                part.unlink(missing_ok=True)
                raise
            logger.info("stats written to %s", path)
