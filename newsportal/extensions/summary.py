"""RunSummary: one line at the end of every crawl saying what it did.

newsportal summary: site=sample pages=87 articles=61 dropped=2 (empty_body=1 no_title=1)
duplicates=2 (content=1 url=1) errors=1 elapsed=1.9s finish_reason=finished
"""

from __future__ import annotations

import logging
import time

from scrapy import signals

logger = logging.getLogger(__name__)


def counted(stats: dict, prefix: str) -> dict[str, int]:
    """The stats under prefix/…, keyed by what follows the prefix."""
    return {k[len(prefix) + 1 :]: v for k, v in sorted(stats.items()) if k.startswith(prefix + "/")}


def summary_line(stats: dict, site: str, elapsed: float) -> str:
    dropped = counted(stats, "newsportal/dropped")
    duplicates = counted(stats, "newsportal/duplicates")
    errors = sum(counted(stats, "newsportal/errors").values()) + stats.get("log_count/ERROR", 0)

    def part(name: str, counts: dict[str, int]) -> str:
        detail = " ".join(f"{k}={v}" for k, v in counts.items())
        return f"{name}={sum(counts.values())}" + (f" ({detail})" if detail else "")

    return (
        f"newsportal summary: site={site} pages={stats.get('response_received_count', 0)} "
        f"articles={stats.get('item_scraped_count', 0)} {part('dropped', dropped)} "
        f"{part('duplicates', duplicates)} errors={errors} elapsed={elapsed:.1f}s "
        f"finish_reason={stats.get('finish_reason', '?')}"
    )


class RunSummary:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler) -> RunSummary:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        # connected late so finish_reason is already in the stats
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()

    def spider_closed(self, spider, reason: str) -> None:
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        site = getattr(getattr(spider, "site", None), "name", spider.name)
        line = summary_line(stats, site, time.monotonic() - self.started)
        self.crawler.stats.set_value("newsportal/summary", line)
        logger.info(line)
