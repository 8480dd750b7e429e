"""DedupPipeline: each story once. Within a run: same canonical URL, or same normalised body.

Stats: ``newsportal/duplicates/url``, ``newsportal/duplicates/content``.
Near-duplicates and memory across runs plug in here through ``newsportal.state``.
"""

from __future__ import annotations

from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop


class DedupPipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.urls: dict[str, str] = {}  # canonical URL → URL of the first copy
        self.hashes: dict[str, str] = {}  # content hash → canonical URL of the first copy

    @classmethod
    def from_crawler(cls, crawler) -> DedupPipeline:
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        key = item.canonical_url or item.url
        if key in self.urls:
            self._drop("url", item, f"same canonical URL as {self.urls[key]}")
        if item.content_hash and item.content_hash in self.hashes:
            self._drop("content", item, f"same body as {self.hashes[item.content_hash]}")
        self.urls[key] = item.url
        if item.content_hash:
            self.hashes[item.content_hash] = key
        return item

    def _drop(self, kind: str, item: Article, detail: str) -> None:
        drop = NewsportalDrop(kind, item.url, detail, stat_prefix="newsportal/duplicates")
        self.crawler.stats.inc_value(drop.stat_key)
        raise drop
