"""Spider middlewares for unattended, repeated crawls: incremental fetching and resume after a crash.

* ``IncrementalMiddleware`` drops requests for articles an earlier run already emitted, unless the
  refresh policy wants them again (published less than NEWSPORTAL_REFRESH_HOURS ago): listings are
  re-read on every run, stored articles are not re-fetched. A persistent request dupefilter would
  be wrong here: it would stop the next run at the home page.
* ``ResumeMiddleware`` keeps the resume journal (newsportal.journal): every article request the
  scheduler accepts is journaled (newsportal.scheduler) and cleared when the article is finished;
  on start it recovers the feed of a run that died (newsportal.recovery), records that feed's items
  as emitted, and schedules the journal's leftovers before anything else.

Both identify article requests by their callback: ``parse_article`` (an article's first page) and
``parse_unknown`` (a page that may turn out to be one); continuation pages of a split article
carry the first page's key in ``meta["newsportal_article_key"]``.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.utils.request import request_from_dict
from twisted.internet import task

from newsportal import signals as np_signals
from newsportal.discovery import LASTMOD_META, PAGINATION_META
from newsportal.durability import guard_for
from newsportal.extract.dates import CHINA_TZ
from newsportal.feeds import site_label
from newsportal.items import ARTICLE_FIELDS, Article
from newsportal.journal import ARTICLE_CALLBACKS, callback_name, journal_for
from newsportal.pipelines.state import record_emitted
from newsportal.recovery import RecoveredFeed, recover_directory
from newsportal.state import FetchMark, StoredArticle, state_for

logger = logging.getLogger(__name__)

KEY = "newsportal_article_key"
# callbacks of the URL sources (newsportal.spiders.discovery): the stories they yield came from them
SOURCE_CALLBACKS = ("parse_sitemap", "parse_feed", "parse_held")
# Article URLs whose skip / fetch decision is remembered, as hash() → code: 16,384 of them hold as much
# memory (~2 MB) as 8,192 URL strings did. A portal's related links point all over it, so a miss costs
# a store lookup per link on a large portal.
DECISION_CACHE = 16384
# The (decision, known before this run) pairs, by the code the cache keeps.
_DECISIONS = tuple((d, k) for d in ("fetch", "refresh", "skip") for k in (False, True))
# Stories' fetch marks written together, not one store transaction per item; the rest at idle. Marks
# lost to a kill cost a fetch again next run, nothing else: the sitemaps are marked after them.
MARK_BATCH = 256


def article_key(request: Request) -> str | None:
    """The journal key of a request that belongs to an article, else None. A redirected request keeps
    the key of the request it came from: the URL journaled is the one first requested."""
    if KEY in request.meta:
        return request.meta[KEY]
    if callback_name(request) not in ARTICLE_CALLBACKS:
        return None
    return (request.meta.get("redirect_urls") or [request.url])[0]


class IncrementalMiddleware:
    """Skips article requests whose canonical URL is stored, unless the story is young enough to be
    refreshed. Counted as ``newsportal/skipped/stored`` and ``newsportal/refresh/requested``.

    Sitemaps (issue 17) speak first where they exist: a request carrying a sitemap ``lastmod``
    (``newsportal.discovery.LASTMOD_META``: a story or a child sitemap) is skipped when that lastmod
    is not newer than the one the page was last fetched under (its ``FetchMark``; for a story stored
    before marks existed, its first_seen), whatever the story's age: ``newsportal/skipped/lastmod``.
    Such a URL is skipped wherever else this run meets it (a listing, a related link). A newer lastmod
    fetches the story again even when it is old: ``newsportal/refresh/lastmod``. Each fetched story
    is marked (``StateStore.mark_fetched``) once its page gave its item (or its drop); each sitemap
    once the engine is idle, every request it led to done.

    Listings only as far as needed (NEWSPORTAL_STOP_PAGING_WHEN_KNOWN): a listing page whose article
    links were all known before this run (stored by an earlier run, or unchanged in the sitemap)
    gives no next-page request (``newsportal/listings/paging_stopped``): its later pages are older.
    Where an earlier run read the portal's sitemaps too, stories a source (sitemap, feed) gave this
    run count as known: the listing shows nothing the sources did not, and they list what is new.
    """

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("NEWSPORTAL_INCREMENTAL"):
            raise NotConfigured("NEWSPORTAL_INCREMENTAL is off")
        if os.environ.get("SCRAPY_CHECK"):
            raise NotConfigured("contracts check every page, stored or not")
        self.crawler = crawler
        self.refresh = timedelta(hours=settings.getfloat("NEWSPORTAL_REFRESH_HOURS"))
        self.stop_paging = settings.getbool("NEWSPORTAL_STOP_PAGING_WHEN_KNOWN")
        self.store = state_for(crawler)
        self.run_started = datetime.now(CHINA_TZ).isoformat(timespec="seconds")
        # hash(url) → index in _DECISIONS of (decision, known before this run)
        self._decided: OrderedDict[int, int] = OrderedDict()
        # URLs a sitemap said unchanged this run, skipped wherever met again (bounded by the sitemap
        # caps: NEWSPORTAL_SITEMAP_MAX_URLS x NEWSPORTAL_MAX_SITEMAPS).
        self._unchanged: set[str] = set()
        self._lastmods: dict[str, str] = {}  # url → sitemap lastmod of a request let through, until marked
        self._from_sources: set[str] = set()  # story URLs a sitemap or feed gave this run
        self.sources_established = False  # a sitemap this run read was read by an earlier run too
        # sitemaps read, marked once every request they led to is done (the engine is idle): a run that
        # stops before (a full disk, a kill) leaves them unmarked, so the next run reads them again
        self._sitemap_marks: dict[str, str | None] = {}
        self._story_marks: list[FetchMark] = []  # stories done, not yet marked (MARK_BATCH)
        crawler.signals.connect(self.item_done, signal=signals.item_scraped)
        crawler.signals.connect(self.item_done, signal=signals.item_dropped)
        crawler.signals.connect(self._mark_sitemaps, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        return cls(crawler)

    async def process_spider_output(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        known = new = 0  # this page's article links: known before this run, or not
        request = getattr(response, "request", None)
        source = request is not None and callback_name(request) in SOURCE_CALLBACKS
        async for obj in result:
            if isinstance(obj, Request):
                if LASTMOD_META in obj.meta and self.skip_by_lastmod(obj):
                    known += callback_name(obj) in ARTICLE_CALLBACKS
                    continue
                if callback_name(obj) in ARTICLE_CALLBACKS:
                    decision, was_known = self.decision(obj.url)
                    if source:
                        self._from_sources.add(obj.url)
                    elif self.sources_established and obj.url in self._from_sources:
                        was_known = True
                    known, new = known + was_known, new + (not was_known)
                    if decision == "skip":
                        continue
                elif obj.meta.get(PAGINATION_META) and self.stop_paging and known and not new:
                    self.crawler.stats.inc_value("newsportal/listings/paging_stopped")
                    logger.debug("not paging on to %s: every story on %s is known", obj.url, response.url)
                    continue
            yield obj
        if request is not None and callback_name(request) == "parse_sitemap":
            if not self.sources_established and (mark := self.store.fetch_mark(request.url)) is not None:
                self.sources_established = mark.fetched_at < self.run_started
            self._sitemap_marks[request.url] = request.meta.get(LASTMOD_META)

    def skip(self, url: str) -> bool:
        """True when url was emitted by an earlier run and is not due for a refresh."""
        return self.decision(url)[0] == "skip"

    def decision(self, url: str) -> tuple[str, bool]:
        """(fetch | refresh | skip, whether the story was known before this run), counted."""
        if url in self._unchanged:
            self.crawler.stats.inc_value("newsportal/skipped/lastmod")
            return "skip", True
        code = self._decided.get(hash(url))
        if code is None:
            cached = self._decide(url)
            # An article is linked from several pages (listings, related and hot lists): one store
            # lookup per URL, not per link. Bounded: the links of one page cluster in time.
            self._decided[hash(url)] = _DECISIONS.index(cached)
            if len(self._decided) > DECISION_CACHE:
                self._decided.popitem(last=False)
            if cached[0] == "refresh":  # once a story, not once a link to it
                self.crawler.stats.inc_value("newsportal/refresh/requested")
        else:
            cached = _DECISIONS[code]
        if cached[0] == "skip":
            self.crawler.stats.inc_value("newsportal/skipped/stored")
        return cached

    def _decide(self, url: str) -> tuple[str, bool]:
        """The decision for url: fetch (never emitted), refresh (emitted, young enough) or skip."""
        stored = self.store.article(url)
        if stored is None:
            return "fetch", False
        known = (stored.first_seen or "") < self.run_started
        if self._young(stored):
            return "refresh", known
        # Met again: last_seen moves to this run, once (a story stored or met earlier in this run, its
        # decision dropped from the cache, is not written again: one write per link on a large portal).
        if (stored.last_seen or "") < self.run_started:
            with guard_for(self.crawler).writing():
                self.store.touch(url)
        return "skip", known

    def skip_by_lastmod(self, request: Request) -> bool:
        """Whether a sitemap's request (a story or a child sitemap) is unchanged since it was fetched."""
        url, lastmod = request.url, request.meta.get(LASTMOD_META)
        if not lastmod:
            return False
        mark = self.store.fetch_mark(url)
        stored = None
        if mark is None and (stored := self.store.article(url)) is not None and stored.first_seen:
            mark = FetchMark(url, stored.first_seen)  # stored before marks existed: first stored then
        if mark is not None and mark.unchanged_by(lastmod):
            if mark.fetched_at >= self.run_started:
                return True  # fetched earlier in this run (two sitemaps list it): nothing to learn
            self._unchanged.add(url)
            self.crawler.stats.inc_value("newsportal/skipped/lastmod")
            return True
        self._lastmods[url] = lastmod
        if mark is not None and callback_name(request) in ARTICLE_CALLBACKS:
            self.crawler.stats.inc_value("newsportal/refresh/lastmod")
            # fetched whatever its age: the normal decision would skip an old stored story
            self._decided[hash(url)] = _DECISIONS.index(("refresh", True))
        return False

    def item_done(self, item: Any, response: Any = None, **_: Any) -> None:
        """A story's page gave its item (scraped or dropped): mark it fetched, with its sitemap lastmod."""
        request = getattr(response, "request", None)
        key = article_key(request) if request is not None else None
        key = key or getattr(item, "url", None)
        if key:
            self._mark(key, self._lastmods.pop(key, None))

    def _mark_sitemaps(self) -> None:
        guard = guard_for(self.crawler)
        self._flush_story_marks()  # first: a sitemap is marked only after the stories it led to
        if not self._sitemap_marks or guard.failed:
            return
        now = datetime.now(CHINA_TZ).isoformat(timespec="seconds")
        marks = [FetchMark(url, now, lastmod) for url, lastmod in self._sitemap_marks.items()]
        self._sitemap_marks.clear()
        with guard.writing():
            self.store.mark_fetched(marks)

    def _mark(self, url: str, lastmod: str | None) -> None:
        now = datetime.now(CHINA_TZ).isoformat(timespec="seconds")
        self._story_marks.append(FetchMark(url, now, lastmod))
        if len(self._story_marks) >= MARK_BATCH:
            self._flush_story_marks()

    def _flush_story_marks(self) -> None:
        guard = guard_for(self.crawler)
        if not self._story_marks or guard.failed:
            return
        marks, self._story_marks = self._story_marks, []
        with guard.writing():
            self.store.mark_fetched(marks)

    def _young(self, stored: StoredArticle) -> bool:
        when = stored.published_at or stored.first_seen
        if not when or self.refresh <= timedelta(0):
            return False
        try:
            published = datetime.fromisoformat(when)
        except ValueError:
            return False
        if published.tzinfo is None:
            published = published.replace(tzinfo=CHINA_TZ)
        return datetime.now(CHINA_TZ) - published < self.refresh


class ArticleDepthMiddleware(DepthMiddleware):
    """Scrapy's DepthMiddleware, except that a later page of a multi-page article has its first
    page's depth: it is the same article, not a link one hop further. Otherwise DEPTH_LIMIT would cut
    an article reached at the last allowed depth after its first page, and the pages fetched so far
    would give no item at all (seen: 1 of 50,000 synthetic articles)."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is not None and callback_name(request) == "parse_article_page":
            depth = response.meta.get("depth", 0)
            request.meta["depth"] = depth
            if self.prio:
                request.priority -= depth * self.prio
            return request
        return super().get_processed_request(request, response)


class ResumeMiddleware:
    """Journals article requests and resumes what an interrupted run left unfinished."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("NEWSPORTAL_RESUME") or os.environ.get("SCRAPY_CHECK"):
            raise NotConfigured("NEWSPORTAL_RESUME is off (or this is `scrapy check`)")
        if crawler.spider is None:  # `scrapy shell` builds the engine before any spider: not a crawl
            raise NotConfigured("no spider to resume (scrapy shell)")
        self.crawler = crawler
        self.journal = journal_for(crawler)
        # After a failed write nothing more is marked finished: what the feed may lack stays journaled.
        self.guard = guard_for(crawler)
        self.output_dir = Path(settings.get("NEWSPORTAL_OUTPUT_DIR") or "output")
        # Now, before the feed exporter opens this run's own .part file on spider_opened.
        self._recover_feeds(crawler.spider)
        crawler.signals.connect(self.item_finished, signal=signals.item_scraped)
        crawler.signals.connect(self.item_finished, signal=signals.item_dropped)
        crawler.signals.connect(self.item_finished, signal=signals.item_error)
        crawler.signals.connect(self.article_finished, signal=np_signals.article_finished)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        # The journal groups its deletes; a group never waits longer than this to be committed.
        self._committer = task.LoopingCall(self._commit)
        crawler.signals.connect(self._start_committer, signal=signals.engine_started)

    def _start_committer(self) -> None:
        self._committer.start(1.0, now=False)

    def _commit(self) -> None:
        with self.guard.writing():
            self.journal.commit()

    def _done(self, *keys: str | None) -> None:
        """Forget these article keys: finished. Not after a failed write of this run."""
        if not self.guard.failed:
            with self.guard.writing():
                self.journal.done(*keys)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ResumeMiddleware:
        return cls(crawler)

    # --- start: recover, then resume --------------------------------------------------------

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        pending = self.journal.pending()
        store = state_for(self.crawler)
        resumed = 0
        for data in pending:
            if store.seen_url(data.get("url", "")):
                self.journal.done(data.get("url"))  # emitted after all (recorded before the stop)
                continue
            try:
                request = request_from_dict(data, spider=spider)
            except (ValueError, KeyError, AttributeError) as exc:
                logger.warning("journal entry %s cannot be resumed (%s); dropped", data.get("url"), exc)
                self.journal.done(data.get("url"))
                continue
            resumed += 1
            yield request
        if resumed:
            self.crawler.stats.set_value("newsportal/resumed", resumed)
            logger.warning("resuming %d article request(s) an interrupted run left unfinished", resumed)
        async for obj in start:
            yield obj

    def _recover_feeds(self, spider: Any) -> None:
        store = state_for(self.crawler)
        count = 0

        def record(feed: RecoveredFeed) -> None:
            nonlocal count
            for item in feed.items:
                key = item.get("canonical_url") or item.get("url")
                if not key or store.seen_url(key):
                    continue
                # The line reached the feed but the run died before recording it: record it now,
                # so the next fetch of this story is a duplicate, not a second emission.
                record_emitted(store, Article(**{k: v for k, v in item.items() if k in ARTICLE_FIELDS}))
                count += 1

        recovered = recover_directory(self.output_dir / site_label(spider), record)
        if not recovered:
            return
        for feed in recovered:
            self.journal.done(
                *(i.get("url") for i in feed.items), *(i.get("canonical_url") for i in feed.items)
            )
        self.crawler.stats.set_value("newsportal/recovered/feeds", len(recovered))
        self.crawler.stats.set_value("newsportal/recovered/items", sum(len(f.items) for f in recovered))
        self.crawler.stats.set_value("newsportal/recovered/recorded", count)

    # --- while crawling ---------------------------------------------------------------------

    async def process_spider_output(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        key = article_key(response.request) if response.request is not None else None
        continued = False
        try:
            async for obj in result:
                if key and isinstance(obj, Request) and callback_name(obj) == "parse_article_page":
                    obj.meta[KEY] = key  # the article is finished when its last page's item is
                    continued = True
                elif key and not isinstance(obj, Request):
                    continued = True  # an item: finished when the item leaves the pipelines
                yield obj
        except Exception:
            if key and not continued:
                self.journal.done(key)  # a page the spider failed on is not resumed run after run
            raise
        if key and not continued:
            self._done(key)  # judged not an article, or gave nothing: finished

    def item_finished(self, item: Any, response: Any = None, **_: Any) -> None:
        keys: list[str | None] = []
        if response is not None and getattr(response, "request", None) is not None:
            keys.append(article_key(response.request))
        get = item.get if isinstance(item, dict) else lambda k: getattr(item, k, None)
        keys += [get("url"), get("canonical_url")]
        self._done(*keys)

    def article_finished(self, request: Request, **_: Any) -> None:
        self._done(article_key(request) or request.url)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._committer.running:
            self._committer.stop()
        self._commit()
        left = len(self.journal)
        if left:
            self.crawler.stats.set_value("newsportal/journal/pending", left)
            logger.info("%d article request(s) unfinished; the next run resumes them", left)
        with self.guard.writing():
            self.journal.close()
