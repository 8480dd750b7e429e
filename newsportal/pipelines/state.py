"""StatePipeline: remember every emitted article in the state store (``newsportal.state``).

Last in ITEM_PIPELINES, so only an item that passed every pipeline is recorded: a dropped item is never
remembered as emitted, and the next run drops what this one emitted (see DedupPipeline). Counted as
``newsportal/state/recorded``.

The record is written on ``item_scraped``, after the feed exporter (an extension, so connected first)
has written the item's line: a process killed between the two leaves the line in the feed and not in
the state, which the next run repairs from the recovered feed (newsportal.recovery). The reverse order
would lose the article: remembered as emitted, but never written.
"""

from __future__ import annotations

from scrapy import signals

from newsportal.durability import guard_for
from newsportal.items import Article
from newsportal.pipelines.dedup import as_article, in_flight_for
from newsportal.state import NearSignature, StateStore, StoredArticle, near_signature, state_for


class StatePipeline:
    """Records each item that passed every pipeline in the state store (last in ITEM_PIPELINES)."""

    def __init__(self, crawler, store: StateStore) -> None:
        self.crawler = crawler
        self.store = store
        self.in_flight = in_flight_for(crawler)
        self.guard = guard_for(crawler)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler) -> StatePipeline:
        return cls(crawler, state_for(crawler))

    def process_item(self, item):
        return item  # recorded once written: see item_scraped

    def item_scraped(self, item, response=None, spider=None) -> None:
        article = as_article(item)
        key = article.canonical_url or article.url
        claim = self.in_flight.claims.pop(key, None)
        if self.guard.failed:
            return  # a write failed: this item may not be in the feed, so it is not remembered as emitted
        with self.guard.writing():
            record_emitted(self.store, article, claim.signature if claim else None)
            self.crawler.stats.inc_value("newsportal/state/recorded")


def record_emitted(store: StateStore, article: Article, signature: NearSignature | None = None) -> None:
    """Remember article as emitted: its record, and (a first copy only) its near-duplicate signature,
    computed from the body when not given. Also used to repair the state from a recovered feed."""
    if signature is None and article.body and not article.duplicate_of:
        signature = near_signature(article.body)
    store.add(
        StoredArticle(
            canonical_url=article.canonical_url or article.url,
            url=article.url,
            site=article.site,
            title=article.title,
            published_at=article.published_at,
            content_hash=article.content_hash,
            version=article.version,
            duplicate_of=article.duplicate_of,
        ),
        None if article.duplicate_of else signature,
    )
