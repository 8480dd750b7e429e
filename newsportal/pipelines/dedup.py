"""DedupPipeline: each story once, within a run and across runs.

DedupPipeline (after validation) asks the state store (``newsportal.state``), which remembers every
article emitted by earlier runs and by this one, over all sites:

* ``url`` – the canonical URL came twice in this run (two links to one story that the request
  dupefilter could not tell apart: tracking parameters, a mobile host);
* ``content`` – the normalised body (content hash) was emitted before under another URL;
* ``near`` – a body at estimated 3-gram Jaccard similarity ≥ NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD was
  emitted before (a syndicated copy with another 来源 line, an editor's note, edits).

A story an earlier run emitted, fetched again (a young story refreshed, see IncrementalMiddleware, or
NEWSPORTAL_INCREMENTAL off) is no duplicate: with its body unchanged it is dropped and counted as
``newsportal/refresh/unchanged``; with a changed body it is emitted again as its next ``version``,
with ``updated_at``, and counted as ``newsportal/refresh/updated``.

Each duplicate is dropped and counted as ``newsportal/duplicates/<kind>``, and its canonical URL kept
(``duplicate_stories``) for the run's stats file, so that the report counts each duplicate story once
however many runs dropped it; with NEWSPORTAL_KEEP_DUPLICATES a
content or near duplicate passes instead with ``duplicate_of`` = canonical URL of the first copy (still
counted under its kind, and in ``newsportal/kept_duplicates``). StatePipeline
(``newsportal.pipelines.state``), last in ITEM_PIPELINES, records an item once it passed every pipeline, so
a dropped item is never remembered as emitted. Items between the two (claimed, not yet recorded) are
checked too, so two copies arriving together are caught even if a pipeline between them is slow.

The check is the store's ``claim``. A store shared by processes (a cluster's Redis,
``claims_atomically``) checks and records the winner in one step, so two workers meeting one story
under two URLs at the same moment cannot both emit it; StatePipeline's ``add`` then confirms the claim.
A claim its worker never confirmed (killed between the two) stops counting after
NEWSPORTAL_CLUSTER_LEASE seconds, by when the frontier has given that worker's request to another.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from operator import eq

from itemadapter import ItemAdapter
from scrapy import signals

from newsportal.durability import guard_for
from newsportal.extract.dates import CHINA_TZ, format_datetime
from newsportal.extract.text import content_hash
from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop
from newsportal.precomputed import keys_ahead
from newsportal.state import NearSignature, StateStore, StoredArticle, near_signature, state_for
from newsportal.state.base import Claim
from newsportal.state.signature import SIGNATURE_VERSION, is_near_duplicate
from newsportal.workers import ExtractionPool, pool_for


@dataclass
class _Claim:
    """An item that passed DedupPipeline and is not recorded yet."""

    canonical_url: str
    content_hash: str | None
    signature: NearSignature | None
    held: Claim | None = None  # the store's claim, when it holds one (released if the item is dropped)


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
            keys = signature.band_keys
            for claim in self.claims.values():
                other = claim.signature
                if other is None or other.empty:
                    continue
                # The rule needs a shared LSH band, which most claims lack: found by comparing the
                # band keys in place (~1 µs a claim) before is_near_duplicate's numpy pass (~30 µs).
                if any(map(eq, other.band_keys, keys)) and is_near_duplicate(other, signature, threshold):
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
        claim_lease_s: float = 30.0,
    ) -> None:
        self.crawler = crawler
        self.pool = pool
        self.store = store
        self.threshold = threshold
        self.keep_duplicates = keep_duplicates
        self.claim_lease_s = claim_lease_s
        self.in_flight = in_flight_for(crawler)
        # The canonical URLs this run passed or found unchanged, as hash() values (8 bytes each, not
        # the URL: ~3 MB at 50,000 stories): a story met again in the same run is a url duplicate,
        # one that only an earlier run emitted is a refresh.
        self._this_run: set[int] = set()
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
            s.getfloat("NEWSPORTAL_CLUSTER_LEASE", 30.0),
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
        keys = keys_ahead(article)  # computed with the page's analysis, for this very body
        if keys is not None:
            chash, signature = keys
        elif self.pool is not None:
            chash, signature = await self.pool.call(dedup_keys, article.body, article.content_hash)
        else:
            chash, signature = dedup_keys(article.body, article.content_hash)
        return self.judge(article, chash, signature)

    def judge(self, article: Article, chash: str | None, signature: NearSignature | None) -> Article:
        """The article (its version raised when its stored body changed, duplicate_of set when kept),
        or NewsportalDrop for a duplicate."""
        key = article.canonical_url or article.url
        if key in self.in_flight.claims:
            self._drop("url", article, "canonical URL already seen in this run")
        claim = self.store.claim(
            StoredArticle(
                canonical_url=key,
                url=article.url,
                site=article.site,
                title=article.title,
                published_at=article.published_at,
                content_hash=chash,
                version=article.version,
            ),
            signature,
            self.threshold,
            lease_s=self.claim_lease_s,
        )
        kind, first = ("", "") if claim.won else (claim.kind or "", claim.first or "")
        if kind == "url":
            with self.guard.writing():
                self.store.touch(key)
            if hash(key) in self._this_run:
                self._drop("url", article, "canonical URL already seen in this run")
            # fetched again (a refresh), body unchanged: not emitted, and not a duplicate
            self._this_run.add(hash(key))
            drop = NewsportalDrop(
                "unchanged",
                article.url,
                f"emitted before as v{claim.version}, body unchanged",
                stat_prefix="newsportal/refresh",
            )
            self.crawler.stats.inc_value(drop.stat_key)
            raise drop
        if claim.won and claim.version > article.version:
            # The story was emitted before and its body changed since (a refreshed article, see
            # IncrementalMiddleware): emitted again as its next version.
            article = replace(
                article, version=claim.version, updated_at=format_datetime(datetime.now(CHINA_TZ))
            )
            self.crawler.stats.inc_value("newsportal/refresh/updated")
            self.in_flight.claims[key] = _Claim(key, chash, signature, claim)
            self._this_run.add(hash(key))
            return article
        if not kind and not self.store.claims_atomically:
            # this process's items not recorded yet (a shared store holds them as claims already)
            kind, first = self.in_flight.find(chash, signature, self.threshold)
        if kind:
            if not self.keep_duplicates:
                self._drop(kind, article, f"first copy {first}")
            self.crawler.stats.inc_value(f"newsportal/duplicates/{kind}")
            self.crawler.stats.inc_value("newsportal/kept_duplicates")
            duplicate_stories(self.crawler)[kind].add(key)
            article = replace(article, duplicate_of=first)
        self.in_flight.claims[key] = _Claim(key, chash, None if kind else signature, None if kind else claim)
        self._this_run.add(hash(key))
        return article

    def item_dropped(self, item, response=None, exception=None, **kwargs) -> None:
        # Dropped after DedupPipeline claimed it (by a later pipeline): it was not emitted.
        if not (isinstance(exception, NewsportalDrop) and exception.stat_key.startswith("newsportal/dupl")):
            key = ItemAdapter(item).get("canonical_url") or ItemAdapter(item).get("url")
            claimed = self.in_flight.claims.pop(key, None)
            if claimed is not None and claimed.held is not None:
                with self.guard.writing():
                    self.store.release(key, claimed.held)
            if key and not (isinstance(exception, NewsportalDrop) and exception.reason == "unchanged"):
                self._this_run.discard(hash(key))

    def _drop(self, kind: str, item: Article, detail: str) -> None:
        drop = NewsportalDrop(kind, item.url, detail, stat_prefix="newsportal/duplicates")
        self.crawler.stats.inc_value(drop.stat_key)
        duplicate_stories(self.crawler)[kind].add(item.canonical_url or item.url)
        raise drop


def duplicate_stories(crawler) -> dict[str, set[str]]:
    """The canonical URLs of this crawl's duplicates, by kind (url, content, near). Not a stat (the
    stats dump would list them all): RunSummary writes them into the run's stats file."""
    stories = getattr(crawler, "_newsportal_duplicate_stories", None)
    if stories is None:
        stories = crawler._newsportal_duplicate_stories = defaultdict(set)
    return stories
