"""DedupPipeline: each story once, within a run and across runs.

DedupPipeline (after validation) asks the state store (``newsportal.state``), which remembers every
article emitted by earlier runs and by this one, over all sites:

* ``url`` – the canonical URL was emitted before, with the same body (a story emitted before whose
  body changed since is emitted again as its next ``version``, with ``updated_at``: counted as
  ``newsportal/refresh/updated``);
* ``content`` – the normalised body (content hash) was emitted before under another URL;
* ``near`` – a body at estimated 3-gram Jaccard similarity ≥ NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD was
  emitted before (a syndicated copy with another 来源 line, an editor's note, edits).

Each is dropped and counted as ``newsportal/duplicates/<kind>``; with NEWSPORTAL_KEEP_DUPLICATES a
content or near duplicate passes instead with ``duplicate_of`` = canonical URL of the first copy (still
counted under its kind, and in ``newsportal/kept_duplicates``). StatePipeline
(``newsportal.pipelines.state``), last in ITEM_PIPELINES, records an item once it passed every pipeline, so
a dropped item is never remembered as emitted. Items between the two (claimed, not yet recorded) are
checked too, so two copies arriving together are caught even if a pipeline between them is slow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from itemadapter import ItemAdapter
from scrapy import signals

from newsportal.durability import guard_for
from newsportal.extract.dates import CHINA_TZ, format_datetime
from newsportal.extract.text import content_hash
from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop
from newsportal.state import NearSignature, StateStore, near_signature, state_for
from newsportal.state.signature import SIGNATURE_VERSION, is_near_duplicate
from newsportal.workers import ExtractionPool, pool_for


@dataclass
class _Claim:
    """An item that passed DedupPipeline and is not recorded yet."""

    canonical_url: str
    content_hash: str | None
    signature: NearSignature | None


class InFlight:
    """Claims shared by DedupPipeline and StatePipeline of one crawl, keyed by canonical URL."""

    def __init__(self) -> None:
        self.claims: dict[str, _Claim] = {}

    def find(self, chash: str | None, signature: NearSignature | None, threshold: float) -> tuple[str, str]:
        """("content" | "near", canonical URL of the claimed first copy), or ("", "")."""
        for claim in self.claims.values():
            if chash and claim.content_hash == chash:
                return "content", claim.canonical_url
        if signature is not None and not signature.empty:
            for claim in self.claims.values():
                if claim.signature is None or claim.signature.empty:
                    continue
                if is_near_duplicate(claim.signature, signature, threshold):
                    return "near", claim.canonical_url
        return "", ""


_IN_FLIGHT: dict[int, InFlight] = {}


def in_flight_for(crawler) -> InFlight:
    key = id(crawler)
    if key not in _IN_FLIGHT:
        _IN_FLIGHT[key] = InFlight()
        crawler.signals.connect(lambda *a, **kw: _IN_FLIGHT.pop(key, None), signals.spider_closed, weak=False)
    return _IN_FLIGHT[key]


def dedup_keys(body: str | None, known_hash: str | None = None) -> tuple[str | None, NearSignature | None]:
    """What a body is compared by: its content hash (``known_hash`` when the item has one already)
    and its near-duplicate signature; (None, None) for no body."""
    if not body:
        return known_hash, None
    return known_hash or content_hash(body), near_signature(body)


def as_article(item) -> Article:
    return item if isinstance(item, Article) else Article(**ItemAdapter(item).asdict())


class DedupPipeline:
    def __init__(
        self,
        crawler,
        store: StateStore,
        threshold: float,
        keep_duplicates: bool,
        pool: ExtractionPool | None = None,
    ) -> None:
        self.crawler = crawler
        self.pool = pool
        self.store = store
        self.threshold = threshold
        self.keep_duplicates = keep_duplicates
        self.in_flight = in_flight_for(crawler)
        self.guard = guard_for(crawler)  # a failed write (disk full) stops the run, not this item
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler) -> DedupPipeline:
        s = crawler.settings
        return cls(
            crawler,
            state_for(crawler),
            s.getfloat("NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD"),
            s.getbool("NEWSPORTAL_KEEP_DUPLICATES"),
            pool_for(crawler),
        )

    def open_spider(self) -> None:
        # What the export needs to reuse this run's decisions (newsportal.corpus.selection): which
        # store they were made against, and by which rule.
        stats = self.crawler.stats
        identity = self.store.identity()
        if identity:
            stats.set_value("newsportal/state/identity", identity)
        stats.set_value("newsportal/state/near_threshold", self.threshold)
        stats.set_value("newsportal/state/signature_version", SIGNATURE_VERSION)

    async def process_item(self, item):
        article = as_article(item)
        # The body's keys are pure CPU work: computed in an extraction worker when there is one.
        # Everything after the await runs without a break, so two copies arriving together are
        # still judged one after the other.
        if self.pool is not None:
            chash, signature = await self.pool.call(dedup_keys, article.body, article.content_hash)
        else:
            chash, signature = dedup_keys(article.body, article.content_hash)
        return self.judge(article, chash, signature)

    def judge(self, article: Article, chash: str | None, signature: NearSignature | None) -> Article:
        """The article (its version raised when its stored body changed, duplicate_of set when kept),
        or NewsportalDrop for a duplicate."""
        key = article.canonical_url or article.url
        if key in self.in_flight.claims:
            self._drop("url", article, "canonical URL already emitted in this run")
        stored = self.store.article(key)
        if stored is not None:
            with self.guard.writing():
                self.store.touch(key)
            if not chash or stored.content_hash == chash:
                self._drop(
                    "url", article, f"canonical URL already emitted, body unchanged (v{stored.version})"
                )
            # The story was emitted before and its body changed since (a refreshed article, see
            # IncrementalMiddleware): emitted again as its next version.
            article = replace(
                article, version=stored.version + 1, updated_at=format_datetime(datetime.now(CHINA_TZ))
            )
            self.crawler.stats.inc_value("newsportal/refresh/updated")
            self.in_flight.claims[key] = _Claim(key, chash, signature)
            return article
        kind, first = self._find(chash, signature)
        if kind:
            if not self.keep_duplicates:
                self._drop(kind, article, f"first copy {first}")
            self.crawler.stats.inc_value(f"newsportal/duplicates/{kind}")
            self.crawler.stats.inc_value("newsportal/kept_duplicates")
            article = replace(article, duplicate_of=first)
        self.in_flight.claims[key] = _Claim(key, chash, None if kind else signature)
        return article

    def _find(self, chash: str | None, signature: NearSignature | None) -> tuple[str, str]:
        if chash:
            first = self.store.find_content(chash)
            if first:
                return "content", first
        if signature is not None:
            match = self.store.find_near(signature, self.threshold)
            if match:
                return "near", match.canonical_url
        return self.in_flight.find(chash, signature, self.threshold)

    def item_dropped(self, item, response=None, exception=None, **kwargs) -> None:
        # Dropped after DedupPipeline claimed it (by a later pipeline): it was not emitted.
        if not (isinstance(exception, NewsportalDrop) and exception.stat_key.startswith("newsportal/dupl")):
            key = ItemAdapter(item).get("canonical_url") or ItemAdapter(item).get("url")
            self.in_flight.claims.pop(key, None)

    def _drop(self, kind: str, item: Article, detail: str) -> None:
        drop = NewsportalDrop(kind, item.url, detail, stat_prefix="newsportal/duplicates")
        self.crawler.stats.inc_value(drop.stat_key)
        raise drop
