"""Bounds on how far one page and one run may grow the crawl (a spider middleware).

* ``NEWSPORTAL_MAX_LINKS_PER_PAGE``: requests taken from one page, in page order (articles first,
  then pagination, listings, unknown-shape links); the rest are dropped. One page with 100,000 links
  would otherwise queue them all. Counted as ``newsportal/limits/links_per_page`` (links dropped), one
  warning naming the page each time. Not for URL sources (robots.txt, sitemaps, feeds): their own
  caps bound them (NEWSPORTAL_SITEMAP_MAX_URLS, NEWSPORTAL_FEED_MAX_ENTRIES).
* ``NEWSPORTAL_MAX_LISTING_PAGES_TOTAL``: listing pages scheduled in one run (pages of one listing are
  bounded apart by NEWSPORTAL_MAX_LISTING_PAGES; DEPTH_LIMIT alone lets a listing that links three
  new listings grow to 3^12 pages). ``newsportal/limits/listing_pages_total``.
* ``NEWSPORTAL_MAX_REQUESTS``: requests scheduled in one run. ``newsportal/limits/requests``.

A budget is spent by requests the scheduler accepted: counted as this middleware (the last before the
engine) lets them through, plus start requests, redirects and retries on the request_scheduled
signal, less those the dupefilter drops (request_dropped), so links to pages already seen cost
nothing. Past a budget, new requests of its kind are dropped while what is queued is still fetched:
articles linked before are extracted and the run ends ``finished`` with its usual verdict (exit 0
when it did its job). The first drop of a budget is warned
about with its URL, later ones are logged at DEBUG with theirs.

Scrapy's ``CLOSESPIDER_PAGECOUNT`` / ``CLOSESPIDER_ITEMCOUNT`` are not used for this: they stop the run
(closing with requests still queued, articles half-fetched and their journal entries pending), where a
budget should only stop the crawl from growing. 0 switches a bound off. Later pages of a split article
(``parse_article_page``) are never dropped: they complete an article already being fetched.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals

from newsportal.journal import callback_name

logger = logging.getLogger(__name__)

_EXEMPT = frozenset({"parse_article_page"})
_LISTING = "parse_listing"
# URL sources (issue 17): a sitemap lists up to 50,000 stories, bounded by NEWSPORTAL_SITEMAP_MAX_URLS
# and NEWSPORTAL_FEED_MAX_ENTRIES instead of the per-page link limit (the run's budgets still hold).
_SOURCES = frozenset({"parse_robots", "parse_sitemap", "parse_feed", "parse_held"})


class CrawlBudgetMiddleware:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_links = settings.getint("NEWSPORTAL_MAX_LINKS_PER_PAGE")
        self.max_listings = settings.getint("NEWSPORTAL_MAX_LISTING_PAGES_TOTAL")
        self.max_requests = settings.getint("NEWSPORTAL_MAX_REQUESTS")
        self.requests = 0  # accepted by the scheduler
        self.listings = 0
        self._warned: set[str] = set()
        # Counted as they leave this middleware, not when scheduled: Scrapy pulls several outputs of a
        # page (CONCURRENT_ITEMS) before it schedules the first, which would overshoot a budget.
        self._admitted: set[int] = set()
        crawler.signals.connect(self._scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self._dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlBudgetMiddleware:
        return cls(crawler)

    def _scheduled(self, request: Request, **_: Any) -> None:
        if id(request) in self._admitted:
            self._admitted.discard(id(request))  # counted when this middleware let it through
        else:
            self._count(request, 1)  # start requests, redirects, retries

    def _dropped(self, request: Request, **_: Any) -> None:
        # The dupefilter refused it: it costs nothing, and it is gone (its id may be a new request's
        # soon; kept, the ids of dropped links would grow with the crawl: most related links are).
        self._admitted.discard(id(request))
        self._count(request, -1)

    def _count(self, request: Request, n: int) -> None:
        self.requests += n
        if callback_name(request) == _LISTING:
            self.listings += n

    async def process_spider_output(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        taken = dropped = 0
        request = getattr(response, "request", None)
        per_page = self.max_links if request is None or callback_name(request) not in _SOURCES else 0
        async for obj in result:
            if not isinstance(obj, Request) or callback_name(obj) in _EXEMPT:
                yield obj
                continue
            if per_page and taken >= per_page:
                dropped += 1
                continue
            if self._over_budget(obj):
                continue
            taken += 1
            self._count(obj, 1)
            self._admitted.add(id(obj))
            yield obj
        if dropped:
            self.stats.inc_value("newsportal/limits/links_per_page", dropped)
            logger.warning(
                "%s gives %d links: followed the first %d, dropped %d (NEWSPORTAL_MAX_LINKS_PER_PAGE)",
                response.url,
                taken + dropped,
                taken,
                dropped,
            )

    def _over_budget(self, request: Request) -> bool:
        if self.max_requests and self.requests >= self.max_requests:
            self._hit("requests", "NEWSPORTAL_MAX_REQUESTS", self.max_requests, request.url)
            return True
        if self.max_listings and callback_name(request) == _LISTING and self.listings >= self.max_listings:
            self._hit(
                "listing_pages_total", "NEWSPORTAL_MAX_LISTING_PAGES_TOTAL", self.max_listings, request.url
            )
            return True
        return False

    def _hit(self, name: str, setting: str, limit: int, url: str) -> None:
        self.stats.inc_value(f"newsportal/limits/{name}")
        if name in self._warned:
            logger.debug("%s not scheduled: %s (%d) reached", url, setting, limit)
            return
        self._warned.add(name)
        logger.warning(
            "%s (%d) reached: %s and any further ones are not scheduled; what is queued is still fetched",
            setting,
            limit,
            url,
        )
