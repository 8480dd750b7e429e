"""ProgressLog: Scrapy's PeriodicLog extension, one line a minute while a crawl runs, so a long crawl
shows it is alive and how far it got, in the log cron keeps:

    progress: {"delta": {"item_scraped_count": 41, ...}, "stats": {"item_scraped_count": 1302, ...}}

What it logs is Scrapy's settings: ``PERIODIC_LOG_STATS`` (totals) and ``PERIODIC_LOG_DELTA`` (since
the last line), each an ``{"include": [...]}`` of stat names. Ours on top:

* ``NEWSPORTAL_PROGRESS_INTERVAL`` seconds between lines (PeriodicLog takes LOGSTATS_INTERVAL, which
  also paces Scrapy's "Crawled N pages" line; 0 switches the progress line off);
* ``NEWSPORTAL_PROGRESS_LOG_LEVEL``: the level of the line (INFO). An operator who logs at
  ``LOG_LEVEL=WARNING`` sets it to WARNING to keep the progress line;
* the line is compact JSON on one line (PeriodicLog indents it over dozens of lines).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.periodic_log import PeriodicLog
from scrapy.utils.serialize import ScrapyJSONEncoder

logger = logging.getLogger(__name__)


class ProgressLog(PeriodicLog):
    level = logging.INFO

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLog:
        interval = crawler.settings.getfloat("NEWSPORTAL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("NEWSPORTAL_PROGRESS_INTERVAL is 0")
        # PeriodicLog.from_crawler reads its interval from LOGSTATS_INTERVAL: built here with ours
        stats = crawler.settings.getdict("PERIODIC_LOG_STATS")
        delta = crawler.settings.getdict("PERIODIC_LOG_DELTA")
        if not (stats or delta):
            raise NotConfigured("neither PERIODIC_LOG_STATS nor PERIODIC_LOG_DELTA is set")
        ext = cls(crawler.stats, interval, stats, delta)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        level = crawler.settings.get("NEWSPORTAL_PROGRESS_LOG_LEVEL") or "INFO"
        ext.level = logging.getLevelName(str(level).upper())
        if not isinstance(ext.level, int):
            raise ValueError(f"NEWSPORTAL_PROGRESS_LOG_LEVEL={level!r}: use INFO or WARNING")
        ext.encoder = ScrapyJSONEncoder(sort_keys=True, ensure_ascii=False)
        return ext

    def log(self) -> None:
        data: dict[str, Any] = {}
        if self.ext_delta_enabled:
            data.update(self.log_delta())
        if self.ext_stats_enabled:
            data.update(self.log_crawler_stats())
        logger.log(self.level, "progress: %s", self.encoder.encode(data))
