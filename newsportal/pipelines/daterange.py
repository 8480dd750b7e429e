"""DateRangePipeline: in a backfill (``-a since=YYYY-MM-DD [-a until=YYYY-MM-DD]``), only stories the
page dates inside the range are emitted.

An article whose ``published_at`` falls before ``since`` (00:00 China time) or after ``until`` (to
24:00) is dropped and counted as ``newsportal/dropped/out_of_range``; an article with no date at all
cannot be placed in the range and is dropped as ``newsportal/dropped/undated_out_of_range`` (counted
apart, so a portal whose dates we fail to read shows up). Without ``since`` every item passes.
Placed before DedupPipeline, so an out-of-range story is never remembered as emitted.
"""

from __future__ import annotations

from datetime import datetime

from newsportal.extract.dates import CHINA_TZ
from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop


class DateRangePipeline:
    def __init__(self, crawler, since: datetime | None, until: datetime | None) -> None:
        self.crawler = crawler
        self.since = since
        self.until = until

    @classmethod
    def from_crawler(cls, crawler) -> DateRangePipeline:
        # the range is a spider argument (PortalSpider.date_range: validated there, once)
        # (not NotConfigured without one: Scrapy would log a warning on every ordinary run)
        window = getattr(crawler.spider, "date_range", None) or (None, None)
        return cls(crawler, *window)

    def process_item(self, item: Article) -> Article:
        if self.since is None:
            return item
        reason = detail = ""
        if not item.published_at:
            reason, detail = "undated_out_of_range", "no date on the page"
        else:
            published = datetime.fromisoformat(item.published_at)
            if published.tzinfo is None:
                published = published.replace(tzinfo=CHINA_TZ)
            if published < self.since or (self.until is not None and published >= self.until):
                reason, detail = "out_of_range", item.published_at
        if reason:
            drop = NewsportalDrop(reason, item.url, detail)
            self.crawler.stats.inc_value(drop.stat_key)
            raise drop
        return item
