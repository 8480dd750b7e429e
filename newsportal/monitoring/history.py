"""SiteHistory: the site's recent runs for Spidermon's monitors, and this run's field coverage.

At spider_opened it reads the stats files of the site's last ``NEWSPORTAL_MONITOR_HISTORY`` runs
that finished (``<output dir>/<site>/*.stats.json``, newest first) into ``spider.stats_history``,
which Spidermon hands to monitors as ``self.data.stats_history``. At spider_closed (before
Spidermon's suites run, so connected first) it writes ``newsportal/coverage/<field>`` for each of
``NEWSPORTAL_MONITOR_FIELDS`` from Spidermon's per-field item counts.

Why not Spidermon's ``LocalStorageStatsHistoryCollector``: it keys the history by spider name, and
every site is crawled by the one ``portal`` spider, so sites would be compared with each other; it
also records interrupted and crashed runs, whose counts are partial. The stats files the run summary
writes already are a per-site history (the report reads them too): one source.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsportal.feeds import site_label

logger = logging.getLogger(__name__)

ITEM_TYPE = "Article"  # Spidermon counts fields per item class name
COMPARABLE_VERDICTS = frozenset({"ok", "degraded"})  # runs that ran to their end


def field_coverage(stats: dict[str, Any], field: str) -> float | None:
    """Share of the run's emitted items with a non-empty ``field`` (Spidermon's counts: None, "",
    [] and {} do not count); None when the run emitted no item."""
    items = int(stats.get(f"spidermon_item_scraped_count/{ITEM_TYPE}", 0))
    if not items:
        return None
    return int(stats.get(f"spidermon_item_scraped_count/{ITEM_TYPE}/{field}", 0)) / items


def recent_runs(folder: Path, limit: int) -> list[dict[str, Any]]:
    """The stats of the last ``limit`` runs in folder that ran to their end, newest first. An
    unreadable or non-JSON file is logged and skipped."""
    runs: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.stats.json"), reverse=True):  # names are UTC start times
        try:
            stats = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("run history: skipping %s: %s", path, exc)
            continue
        if isinstance(stats, dict) and stats.get("newsportal/verdict") in COMPARABLE_VERDICTS:
            runs.append(stats)
            if len(runs) >= limit:
                break
    return runs


class SiteHistory:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("SPIDERMON_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.output_dir = settings.get("NEWSPORTAL_OUTPUT_DIR") or ""
        self.limit = settings.getint("NEWSPORTAL_MONITOR_HISTORY")
        self.fields = settings.getlist("NEWSPORTAL_MONITOR_FIELDS")

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteHistory:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        site = site_label(spider)
        self.crawler.stats.set_value("newsportal/site", site)
        history: list[dict[str, Any]] = []
        if self.output_dir and self.limit > 0 and not os.environ.get("SCRAPY_CHECK"):
            history = recent_runs(Path(self.output_dir) / site, self.limit)
        spider.stats_history = history

    def spider_closed(self, spider: Any) -> None:
        stats = self.crawler.stats.get_stats()
        for field in self.fields:
            coverage = field_coverage(stats, field)
            if coverage is not None:
                self.crawler.stats.set_value(f"newsportal/coverage/{field}", round(coverage, 4))
