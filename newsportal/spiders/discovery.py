"""URL sources beside listings, for PortalSpider (issue 17): sitemaps, feeds and date archives.

A run reads its dated sources first, then its listings:

1. **sources** (from ``start``): robots.txt (for its ``Sitemap:`` lines) unless the profile names its
   ``sitemaps``; the profile's ``feeds``; the profile's ``date_archives`` pages for each day of the
   backfill range (``-a since``/``until``), else for the last NEWSPORTAL_ARCHIVE_DAYS days. Sitemap
   indexes lead to their urlsets (NEWSPORTAL_SITEMAP_DEPTH levels at most); each story a source
   gives is requested as an article, with its sitemap ``lastmod`` (IncrementalMiddleware skips it
   when unchanged since it was fetched).
2. **listings**, when the engine is idle (every source and the stories they gave are done): the start
   pages, as before. Stories the sources found are stored by then, so the listings' paging stops
   where everything is known. A listing page's ``<link rel="alternate">`` feeds are read (when the
   profile names none).

In a backfill a source's story whose date (``news:publication_date``, a feed entry's date) is outside
the range is not requested, nor one whose sitemap lastmod is before ``since`` (it was published
before it changed); a listing whose entries (the profile's ``listing_dates``) are all older than
``since`` is not paged further.

Bad sources are counted and logged with their URL, never fatal: ``newsportal/discovery/<what>`` for
``sitemap_malformed``, ``sitemap_not_a_sitemap`` (an HTML page), ``sitemap_bad_gzip``,
``sitemap_too_large`` (past NEWSPORTAL_SITEMAP_MAXSIZE), ``sitemap_urls_capped`` (entries past
NEWSPORTAL_SITEMAP_MAX_URLS), ``sitemap_loop`` (an index naming a sitemap already read, itself
included), ``sitemap_too_deep``, ``sitemap_over_budget`` (past NEWSPORTAL_MAX_SITEMAPS),
``feed_malformed``, ``feed_not_a_feed``, ``source_failed`` (a source that could not be fetched),
``held_lost``.
What sources gave: ``newsportal/discovery/{sitemap,feed,archive}_urls``, ``.../out_of_range``,
``.../offsite``, ``.../not_article``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.selector import Selector
from twisted.python.failure import Failure

from newsportal.discovery import (
    ARCHIVE_META,
    LASTMOD_META,
    PAGINATION_META,
    SitemapTooLarge,
    SourceEntry,
    archive_urls,
    feed_links,
    in_range,
    read_feed,
    read_sitemap,
    robots_sitemaps,
    sitemap_bytes,
)
from newsportal.extract.dates import CHINA_TZ, parse_datetime
from newsportal.extract.links import canon_url
from newsportal.extract.pagekind import url_kind
from newsportal.extract.select import rule_values
from newsportal.journal import PROCESS_LOCAL_META

# Sources go ahead of listings, behind the articles they give (so the queue drains as it fills).
SOURCE_PRIORITY = 50
STAT = "newsportal/discovery/"


class DiscoverySources:
    """Mixed into PortalSpider: the requests and callbacks of the URL sources."""

    def setup_discovery(self, crawler: Any) -> None:
        """Read the settings; called from PortalSpider.from_crawler."""
        s = crawler.settings
        self.discovery = s.getbool("NEWSPORTAL_DISCOVERY")
        self.sitemap_maxsize = s.getint("NEWSPORTAL_SITEMAP_MAXSIZE")
        self.sitemap_max_urls = s.getint("NEWSPORTAL_SITEMAP_MAX_URLS")
        self.sitemap_depth = s.getint("NEWSPORTAL_SITEMAP_DEPTH")
        self.max_sitemaps = s.getint("NEWSPORTAL_MAX_SITEMAPS")
        self.feed_max_entries = s.getint("NEWSPORTAL_FEED_MAX_ENTRIES")
        self.archive_days = s.getint("NEWSPORTAL_ARCHIVE_DAYS")
        self._sitemaps_seen: set[str] = set()
        self._feeds_seen: set[str] = set()
        # In a backfill: stories a dated source placed outside the range, never requested from a
        # listing or a related list either (bounded by the sources' caps)
        self._dated_out: set[str] = set()
        # backfill: the sources' stories, held until every source is read (the last may date them)
        self._held: dict[str, tuple[SourceEntry, str]] = {}
        self._phases: list[tuple[str, list[Request]]] = []  # what waits for the idle engine, in order
        self._origin = ""
        crawler.signals.connect(self._next_phase_when_idle, signal=signals.spider_idle)

    # --- the backfill range (-a since / until) ---------------------------------------------------

    @property
    def date_range(self) -> tuple[datetime, datetime | None] | None:
        """(since 00:00, the day after until 00:00) in China time; None without since."""
        args = self.args  # type: ignore[attr-defined]
        if args.since is None:
            return None
        since = datetime.combine(args.since, time(), CHINA_TZ)
        until = datetime.combine(args.until + timedelta(days=1), time(), CHINA_TZ) if args.until else None
        return since, until

    # --- phase 1: sources; phase 2: listings ----------------------------------------------------

    def begin(self, base: str, listings: list[Request]) -> list[Request]:
        """The run's first requests; the later phases wait for the idle engine: (1) robots.txt,
        sitemaps, the profile's feeds; (2) date archive pages (and, in a backfill, the stories the
        sources gave, once every source is read); (3) the listings."""
        sources, archives = self.source_requests(base) if self.discovery else ([], [])
        self._phases = [
            (name, reqs) for name, reqs in (("date archive", archives), ("listing", listings)) if reqs
        ]
        if sources:
            return sources
        return self._phases.pop(0)[1] if self._phases else []

    def _next_phase_when_idle(self) -> None:
        if not self._held and not self._phases:
            return
        if self._held:
            # One cheap request (robots.txt again) whose callback yields the held stories, so they
            # pass the spider middlewares (incremental skips, URL guard, budgets) like any other.
            self.crawler.engine.crawl(  # type: ignore[attr-defined]
                Request(
                    self._origin + "/robots.txt",
                    callback=self.parse_held,
                    errback=self.held_failed,
                    # its status does not matter: the callback runs on a 404 too
                    # the held stories are this worker's (in a cluster each worker holds what the
                    # sources it read gave): the request must run here
                    meta={
                        "dont_obey_robotstxt": True,
                        "handle_httpstatus_all": True,
                        PROCESS_LOCAL_META: True,
                    },
                    dont_filter=True,
                    priority=SOURCE_PRIORITY,
                )
            )
        if self._phases:
            name, requests = self._phases.pop(0)
            self.logger.info("sources read: starting the %d %s page(s)", len(requests), name)  # type: ignore[attr-defined]
            for request in requests:
                self.crawler.engine.crawl(request)  # type: ignore[attr-defined]
        raise DontCloseSpider

    def source_requests(self, base: str) -> tuple[list[Request], list[Request]]:
        """(robots.txt, sitemap and feed requests; date archive page requests)."""
        site = self.site  # type: ignore[attr-defined]
        out: list[Request] = []
        archives: list[Request] = []
        if not base and site.start_urls:
            base = site.start_urls[0]  # a portal on the web: its paths are relative to where it starts
        self._origin = _origin(urljoin(base, site.start_urls[0] if site.start_urls else "/"))
        if site.sitemaps:
            out += [r for url in site.sitemaps if (r := self._sitemap_request(urljoin(base, url), 0))]
        else:
            origins = dict.fromkeys(_origin(urljoin(base, u)) for u in site.start_urls)
            for origin in origins:
                out.append(
                    Request(
                        origin + "/robots.txt",
                        callback=self.parse_robots,
                        errback=self.source_failed,
                        meta={"dont_obey_robotstxt": True},  # read for its Sitemap: lines, not obeyed here
                        priority=SOURCE_PRIORITY,
                    )
                )
        out += [r for url in site.feeds if (r := self._feed_request(urljoin(base, url)))]
        if site.date_archives:
            window = self.date_range
            today = self._now().astimezone(CHINA_TZ).date()  # type: ignore[attr-defined]
            if window is not None:
                first = window[0].date()
                last = min((window[1] - timedelta(days=1)).date(), today) if window[1] else today
            else:
                first, last = today - timedelta(days=max(self.archive_days, 1) - 1), today
            for _day, url in archive_urls(site.date_archives, first, last, base):
                archives.append(
                    Request(
                        url,
                        callback=self.parse_listing,  # type: ignore[attr-defined]
                        errback=self.source_failed,
                        cb_kwargs={"page": 1, "judge": False},
                        meta={ARCHIVE_META: True},  # its stories and pages; channels wait for phase 3
                        priority=SOURCE_PRIORITY,
                    )
                )
        return out, archives

    # --- robots.txt, sitemaps, feeds ------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        urls = robots_sitemaps(response.body, response.url)
        self.crawler.stats.inc_value(STAT + "robots_sitemaps", len(urls))  # type: ignore[attr-defined]
        for url in urls:
            if request := self._sitemap_request(url, 0):
                yield request

    def parse_sitemap(self, response: Response, depth: int = 0) -> Iterator[Request]:
        """A sitemap index (its child sitemaps) or urlset (its stories); bad ones counted, not fatal."""
        stats = self.crawler.stats  # type: ignore[attr-defined]
        stats.inc_value(STAT + "sitemaps")
        try:
            xml = sitemap_bytes(response.body, self.sitemap_maxsize)
        except SitemapTooLarge as exc:
            self._bad_source("sitemap_too_large", response.url, str(exc))
            return
        except (OSError, EOFError, zlib.error) as exc:
            self._bad_source("sitemap_bad_gzip", response.url, str(exc) or type(exc).__name__)
            return
        read = read_sitemap(xml, response.url, self.sitemap_max_urls)
        if read.problem:
            kind, _, detail = read.problem.partition(": ")
            self._bad_source(f"sitemap_{kind}", response.url, detail)
        if read.capped:
            stats.inc_value(STAT + "sitemap_urls_capped", read.capped)
            self.logger.warning(  # type: ignore[attr-defined]
                "sitemap %s: %d entries past NEWSPORTAL_SITEMAP_MAX_URLS=%d left out",
                response.url,
                read.capped,
                self.sitemap_max_urls,
            )
        if read.kind == "sitemapindex":
            for entry in read.entries:
                if depth + 1 > self.sitemap_depth:
                    self._bad_source("sitemap_too_deep", entry.url, f"listed by {response.url}")
                    continue
                if self._before_range(entry.lastmod):
                    stats.inc_value(STAT + "out_of_range")
                    continue
                if request := self._sitemap_request(entry.url, depth + 1, entry.lastmod, parent=response.url):
                    yield request
        elif read.kind == "urlset":
            for entry in read.entries:
                if request := self._source_request(entry, "sitemap"):
                    yield request

    def parse_feed(self, response: Response) -> Iterator[Request]:
        read = read_feed(response.body, response.url, self.feed_max_entries)
        self.crawler.stats.inc_value(STAT + "feeds")  # type: ignore[attr-defined]
        if read.problem:
            kind, _, detail = read.problem.partition(": ")
            self._bad_source(f"feed_{kind}", response.url, detail)
        if read.capped:
            self.crawler.stats.inc_value(STAT + "feed_entries_capped", read.capped)  # type: ignore[attr-defined]
        for entry in read.entries:
            if request := self._source_request(entry, "feed"):
                yield request

    def parse_held(self, response: Response) -> Iterator[Request]:
        """The backfill's stories from sources, once all are read (those dated out of range left)."""
        held, self._held = self._held, {}
        for url, (entry, source) in held.items():
            if url not in self._dated_out and (request := self._story_request(url, entry, source)):
                yield request

    def listing_sources(self, response: Response) -> Iterator[Request]:
        """Feeds a listing page announces (``<link rel="alternate">``), when the profile names none."""
        if not self.discovery or self.site.feeds or not isinstance(response, TextResponse):  # type: ignore[attr-defined]
            return
        # A tree of its own, not response.selector: that one stays cached on the response while its
        # 40-odd links go through the middlewares and the scheduler, and the listings that come
        # together at a crawl's end held ~10 MB of lxml trees at its peak RSS (issue 16).
        for url in feed_links(Selector(response), response.url):
            if request := self._feed_request(url):
                yield request

    def pages_older_than_since(self, response: Response) -> bool:
        """In a backfill: whether every entry date this listing page shows (the profile's
        ``listing_dates``) is before ``since``; False when it shows none we can read."""
        window = self.date_range
        rules = self.site.listing_dates  # type: ignore[attr-defined]
        if window is None or not rules or not isinstance(response, TextResponse):
            return False
        now = self._now()  # type: ignore[attr-defined]
        texts = [text for rule in rules for text in rule_values(response.selector, rule)]
        shown = [d for text in texts if (d := parse_datetime(text, now))]
        return bool(shown) and max(shown) < window[0]

    # --- requests -----------------------------------------------------------------------------

    def _sitemap_request(
        self, url: str, depth: int, lastmod: datetime | None = None, parent: str | None = None
    ) -> Request | None:
        if not self.site.owns(url):  # type: ignore[attr-defined]
            self.crawler.stats.inc_value(STAT + "offsite")  # type: ignore[attr-defined]
            self.logger.info("sitemap %s left: not on the site", url)  # type: ignore[attr-defined]
            return None
        if url in self._sitemaps_seen:
            self._bad_source("sitemap_loop", url, f"listed again by {parent or 'robots.txt'}")
            return None
        if len(self._sitemaps_seen) >= self.max_sitemaps:
            self._bad_source("sitemap_over_budget", url, f"NEWSPORTAL_MAX_SITEMAPS={self.max_sitemaps}")
            return None
        self._sitemaps_seen.add(url)
        meta: dict[str, Any] = {"download_maxsize": self.sitemap_maxsize}
        if lastmod is not None:
            meta[LASTMOD_META] = lastmod.isoformat()
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.source_failed,
            cb_kwargs={"depth": depth},
            meta=meta,
            priority=SOURCE_PRIORITY,
        )

    def _feed_request(self, url: str) -> Request | None:
        if url in self._feeds_seen or not self.site.owns(url):  # type: ignore[attr-defined]
            return None
        self._feeds_seen.add(url)
        return Request(url, callback=self.parse_feed, errback=self.source_failed, priority=SOURCE_PRIORITY)

    def _source_request(self, entry: SourceEntry, source: str) -> Request | None:
        """The request for a story a source gave, or None (counted): off the site, denied, not an
        article by its URL, or dated outside the backfill range."""
        site, stats = self.site, self.crawler.stats  # type: ignore[attr-defined]
        if not site.owns(entry.url):
            stats.inc_value(STAT + "offsite")
            return None
        url = canon_url(entry.url, site)
        if site.is_denied(url):
            stats.inc_value(STAT + "denied")
            return None
        window = self.date_range
        if window is not None and (
            (entry.published is not None and not in_range(entry.published, *window))
            or (entry.published is None and self._before_range(entry.lastmod))
        ):
            stats.inc_value(STAT + "out_of_range")
            self._dated_out.add(url)
            return None
        if window is not None:
            # Held until every source is read: another may date the story (a lastmod after since
            # says nothing of the publication), and the related links of stories fetched meanwhile
            # must meet every date the sources give.
            self._held.setdefault(url, (entry, source))
            return None
        return self._story_request(url, entry, source)

    def _story_request(self, url: str, entry: SourceEntry, source: str) -> Request | None:
        site, stats = self.site, self.crawler.stats  # type: ignore[attr-defined]
        kind = url_kind(url, site)
        if kind == "article":
            request = self._article_request(url, 0)  # type: ignore[attr-defined]
        elif kind == "unknown":
            request = next(iter(self._unknown_requests([url], 0)), None)  # type: ignore[attr-defined]
        else:
            stats.inc_value(STAT + "not_article")
            return None
        if request is None:
            return None
        stats.inc_value(STAT + f"{source}_urls")
        if entry.lastmod is not None:
            request.meta[LASTMOD_META] = entry.lastmod.isoformat()
        return request

    def dated_out_of_range(self, url: str) -> bool:
        """Whether a dated source placed this story outside the backfill range (counted when so)."""
        if url in self._dated_out:
            self.crawler.stats.inc_value(STAT + "out_of_range")  # type: ignore[attr-defined]
            return True
        return False

    def _before_range(self, lastmod: datetime | None) -> bool:
        """A page last changed before since was published before it too."""
        window = self.date_range
        return window is not None and lastmod is not None and lastmod < window[0]

    # --- failures -------------------------------------------------------------------------------

    def source_failed(self, failure: Failure) -> None:
        """A source that could not be fetched: counted and logged; a missing robots.txt or archive
        day is no error (many portals have none), anything else a warning."""
        request = failure.request  # type: ignore[attr-defined]
        status = getattr(getattr(failure.value, "response", None), "status", None)
        self.crawler.stats.inc_value(STAT + "source_failed")  # type: ignore[attr-defined]
        quiet = status == 404 and request.callback != self.parse_sitemap  # no robots.txt, no archive
        log = self.logger.info if quiet else self.logger.warning  # type: ignore[attr-defined]
        log("source %s not read: %s", request.url, failure.getErrorMessage())

    def held_failed(self, failure: Failure) -> None:
        """The request that releases the held stories failed (the portal stopped answering): they are
        counted and logged as lost, not held again (the next idle would try for ever)."""
        held, self._held = self._held, {}
        self.crawler.stats.inc_value(STAT + "held_lost", len(held))  # type: ignore[attr-defined]
        self.logger.warning(  # type: ignore[attr-defined]
            "%d stories from sources not requested: %s failed: %s",
            len(held),
            failure.request.url,  # type: ignore[attr-defined]
            failure.getErrorMessage(),
        )

    def _bad_source(self, what: str, url: str, detail: str) -> None:
        self.crawler.stats.inc_value(STAT + what)  # type: ignore[attr-defined]
        self.logger.warning("%s: %s (%s)", what, url, detail)  # type: ignore[attr-defined]


# --- robots.txt read once ----------------------------------------------------------------------------


class RobotsTxtOnce:
    """A downloader middleware: Scrapy's RobotsTxtMiddleware asks for robots.txt with its own request
    (once per host, when the first request that obeys it comes), after discovery read the same file for
    its ``Sitemap:`` lines (``parse_robots``, the run's first request). The response discovery got is
    kept by origin and given to RobotsTxtMiddleware's request instead of a second download; once given,
    it is forgotten. When discovery's response is not there yet (or there is none: the profile names
    its sitemaps, NEWSPORTAL_DISCOVERY is off), Scrapy downloads as it always did."""

    def __init__(self) -> None:
        self._kept: dict[str, Response] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsTxtOnce:
        return cls()

    def process_request(self, request: Request) -> Response | None:
        if request.callback is NO_CALLBACK and request.meta.get("dont_obey_robotstxt"):
            kept = self._kept.pop(request.url, None)
            if kept is not None:
                return kept.replace(request=request)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        # discovery's robots.txt request (its URL as asked: RobotsTxtMiddleware asks the same one)
        if getattr(request.callback, "__name__", "") == "parse_robots":
            url = (request.meta.get("redirect_urls") or [request.url])[0]
            self._kept[url] = response
        return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


__all__ = ["PAGINATION_META", "SOURCE_PRIORITY", "DiscoverySources", "RobotsTxtOnce"]
