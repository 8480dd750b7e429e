"""PortalSpider: home and channel pages → listings (with pagination) → articles → related stories.

The spider never names a portal: a Site profile (``newsportal.sites``) says which URLs are
listings and articles, where pagination and related links are, and how fields are read.

    scrapy crawl portal                          # the bundled sample portal, served offline
    scrapy crawl portal -a site=NAME             # a portal we have a profile for
    scrapy crawl portal -a start_url=URL         # any portal: its profile if known, else generic
    scrapy crawl portal -a since=2026-03-01 -a until=2026-03-31   # backfill: stories of March

Sitemaps, feeds and date archives are read before the listings (newsportal.spiders.discovery).

A portal with no profile (the generic site) is crawled on the start URL's registrable domain
(``news.example.com`` → every ``*.example.com`` host), never beyond. Links are sorted by URL shape
(``newsportal.extract.pagekind.url_kind``); a page whose URL shape said article or listing is
double-checked by content (``page_kind``) on the generic site, so a video page with an article-like
URL gives no item and a story at ``/p/slug/`` is still extracted.

Links of unknown shape on the site (any profile) are fetched and judged by content: an article is
extracted, a listing is crawled as one, anything else is counted (``newsportal/pages/other``) and
left. They are followed only from listings and from related-story blocks of articles, bounded by
settings so a link trap cannot grow the crawl:

* ``NEWSPORTAL_FOLLOW_UNKNOWN`` – switch it off to follow URL-shaped links only;
* ``NEWSPORTAL_UNKNOWN_DEPTH`` – unknown-shape hops in a row (a listing-shaped URL starts again at 0);
* ``NEWSPORTAL_MAX_UNKNOWN_PAGES`` – unknown-shape pages fetched per crawl;
* ``NEWSPORTAL_MAX_LISTING_PAGES`` – pages of one paginated listing.

Stats: ``newsportal/pages/{listing,article,other}``, ``newsportal/unknown/{article,listing,other}``
(what unknown-shape pages turned out to be), ``newsportal/unknown/over_budget`` and
``newsportal/unknown/too_deep`` (links not followed), ``newsportal/judged/<url kind>_as_<page kind>``
(generic pages whose content overruled their URL shape).

Failures are counted by what they were, in the errbacks: a link robots.txt disallows is
``newsportal/robots/disallowed`` (never an error); a redirect that led nowhere (a loop, a dead or
refused target) is ``newsportal/errors/redirect``; anything else ``newsportal/errors/<kind>``. A
page that is a bot wall (a captcha, a rate-limit notice, a JS challenge served with 200;
``newsportal.extract.botwall``) is ``newsportal/pages/bot_wall`` and gives nothing; enough of them
and the run's verdict is ``bot_wall``. Every article request ends its resume-journal entry one way
or another, redirected or not (``article_finished``).

The callbacks that analyse a page (in the extraction worker) are coroutines that return their output
as a list, not asynchronous generators: the analysis is awaited before Scrapy iterates the output.
Scrapy 2.19 hands a callback's output to CONCURRENT_ITEMS (100) tasks per response; an output that
suspends before its first value leaves every one of them waiting on an empty queue (a future, a
wake-up and a context switch each), which cost the crawl process more than our pipelines did.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newsportal import signals as np_signals
from newsportal.extract.article import PageFields, merge_pages
from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.links import PageLinks
from newsportal.extract.page import AnalysedPage
from newsportal.extract.pagekind import url_kind
from newsportal.guards import ExtractionFailed
from newsportal.items import Article
from newsportal.journal import ARTICLE_CALLBACKS, callback_name
from newsportal.localserver import LocalServer
from newsportal.offline import served_root
from newsportal.pageanalysis import analyse_and_prepare
from newsportal.precomputed import PreparedArticle, attach_clean
from newsportal.sites import DEFAULT_SITE, get_site, site_for
from newsportal.sites.base import Site
from newsportal.spiders.discovery import ARCHIVE_META, PAGINATION_META, DiscoverySources
from newsportal.urls import registrable_domain
from newsportal.usage import NO_CONTACT, BadUsage, apply_contact, closest
from newsportal.workers import pool_for

# Above any listing's priority after DEPTH_PRIORITY has lowered it by its depth (<= DEPTH_LIMIT).
ARTICLE_PRIORITY = 100
# Redirect hops refused as already requested, remembered to tell a loop across two requests (A → B
# while B → A) from a plain redirect to a page fetched anyway; a loop closes within a few requests.
REDIRECT_HOPS_KEPT = 10_000


# Spider keyword arguments that are Scrapy's or Scrapyd's, not ours (_job: the job id Scrapyd passes)
PASSED_THROUGH = frozenset({"name", "start_urls", "_job"})


class PortalArgs(BaseModel):
    """The spider's arguments (``-a name=value``), validated once at start."""

    model_config = ConfigDict(extra="forbid")

    site: str | None = Field(None, description="site profile name (see newsportal.sites)")
    start_url: str | None = Field(None, description="start here instead of the profile's start URLs")
    # issue 17: a backfill of the stories published in [since, until] (China time, both days included)
    since: date | None = Field(None, description="backfill: stories published on or after this day")
    until: date | None = Field(None, description="backfill: stories published on or before this day")

    @model_validator(mode="after")
    def _range(self) -> PortalArgs:
        if self.until is not None and self.since is None:
            raise ValueError("until needs since (-a since=YYYY-MM-DD)")
        if self.until is not None and self.since is not None and self.until < self.since:
            raise ValueError(f"until ({self.until}) is before since ({self.since})")
        return self

    @field_validator("site")
    @classmethod
    def _known_site(cls, v: str | None) -> str | None:
        if v is not None:
            get_site(v)  # ValueError naming the known sites
        return v

    @field_validator("start_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None:
            parts = urlsplit(v)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"start_url must be an absolute http(s) URL, got {v!r}")
        return v


def parse_arguments(spargs: dict[str, Any]) -> PortalArgs:
    """The spider's arguments, validated; BadUsage with one line per problem otherwise (what is wrong
    and the known values: the crawl command prints it before taking the lock)."""
    try:
        return PortalArgs(**spargs)
    except ValidationError as exc:
        known = list(PortalArgs.model_fields)
        problems = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "?"
            if err["type"] == "extra_forbidden":
                hint = closest(name, known)
                problems.append(f"unknown spider argument {name}{hint}; known arguments: {', '.join(known)}")
            elif not err["loc"]:  # a rule over several arguments (until needs since)
                problems.append(f"bad spider arguments: {err['msg'].removeprefix('Value error, ')}")
            else:
                why = err["msg"].removeprefix("Value error, ")
                problems.append(f"bad spider argument {name}={err.get('input')!r}: {why}")
        raise BadUsage("; ".join(problems)) from None


def resolve_site(args: PortalArgs) -> Site:
    """The profile the arguments choose: -a site=, else the start URL's (generic: on its registrable
    domain), else the default (the sample portal)."""
    if args.start_url:
        site = get_site(args.site) if args.site else site_for(args.start_url)
        site = site.with_start(args.start_url)
        if site.name == "generic":
            # the portal is the start host's registrable domain: news.x.com and www.x.com alike
            host = urlsplit(args.start_url).hostname or ""
            site = replace(site, domains=(registrable_domain(host),))
        return site
    return get_site(args.site or DEFAULT_SITE)


def _local(site: Site) -> bool:
    """The site is served by us (the sample portal) or on loopback."""
    return site.served_from is not None or all(_is_loopback(u) for u in site.start_urls)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PortalSpider(DiscoverySources, scrapy.Spider):
    name = "portal"

    @staticmethod
    def argument_problem(spargs: dict[str, Any], settings: Any = None) -> str | None:
        """What is wrong with these ``-a`` arguments (and, with settings, a crawl of a portal on the
        internet without NEWSPORTAL_CONTACT), in one line; None when they are good. Asked by the
        crawl command before it takes the run lock."""
        try:
            args = parse_arguments({k: v for k, v in spargs.items() if k not in PASSED_THROUGH})
        except BadUsage as exc:
            return str(exc)
        if settings is not None and not settings.get("NEWSPORTAL_CONTACT") and not _local(resolve_site(args)):
            return NO_CONTACT
        return None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        own = {k: kwargs.pop(k) for k in list(kwargs) if k in PortalArgs.model_fields}
        # _job: the job id Scrapyd passes to every spider it runs
        unknown = {k: v for k, v in kwargs.items() if k not in PASSED_THROUGH}
        self.args = parse_arguments({**own, **unknown})
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in unknown})
        self.site = self._resolve_site()
        self._server: LocalServer | None = None
        # On a portal no profile knows, URL shapes are guesses: content has the last word.
        self.judge_by_content = self.site.name == "generic"
        self._unknown_requested: set[str] = set()
        self._dropped_hops: OrderedDict[str, str] = OrderedDict()  # see request_dropped
        if self.site.domains and self.site.served_from is None:
            # Scrapy's offsite filter as a second guard: no request ever leaves the portal's domains.
            self.allowed_domains = list(self.site.domains)

    def _resolve_site(self) -> Site:
        return resolve_site(self.args)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        apply_contact(settings, "spider")
        if _local(spider.site) and settings.getbool("NEWSPORTAL_LOCAL_UNTHROTTLED"):
            # Our own server on loopback: politeness delays only slow the crawl down.
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
        default_feed = settings.get("NEWSPORTAL_DEFAULT_FEED")
        if default_feed and not settings.getdict("FEEDS"):
            # FEEDS merges by key across priorities, so the default lives here, used only when the
            # command line (-o / -O) or the settings give no feed.
            feed = {"format": "jsonlines", "encoding": "utf-8"}
            settings.set("FEEDS", {default_feed: feed}, priority="spider")
        spider.offline_port = settings.getint("NEWSPORTAL_OFFLINE_PORT")
        spider.max_listing_pages = settings.getint("NEWSPORTAL_MAX_LISTING_PAGES")
        spider.max_article_pages = settings.getint("NEWSPORTAL_MAX_ARTICLE_PAGES")
        spider.max_body_chars = settings.getint("NEWSPORTAL_MAX_BODY_CHARS")
        spider.follow_related = settings.getbool("NEWSPORTAL_FOLLOW_RELATED")
        spider.follow_unknown = settings.getbool("NEWSPORTAL_FOLLOW_UNKNOWN")
        spider.unknown_depth = settings.getint("NEWSPORTAL_UNKNOWN_DEPTH")
        spider.max_unknown_pages = settings.getint("NEWSPORTAL_MAX_UNKNOWN_PAGES")
        ref = settings.get("NEWSPORTAL_REFERENCE_TIME") or ""
        spider.reference_time = datetime.fromisoformat(ref) if ref else None
        if spider.reference_time is not None and spider.reference_time.tzinfo is None:
            spider.reference_time = spider.reference_time.replace(tzinfo=CHINA_TZ)
        spider.pool = pool_for(crawler)
        spider.setup_discovery(crawler)  # issue 17: sitemaps, feeds, date archives
        crawler.signals.connect(spider._close_server, signal=signals.spider_closed)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    # --- start ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        base = self._base_url()
        listings = [
            Request(
                urljoin(base, url),
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"page": 1, "judge": False},
            )
            for url in self.site.start_urls
        ]
        for request in self.begin(base, listings):  # sources first, listings when they are read
            yield request

    def _base_url(self) -> str:
        if self.site.served_from is None:
            return ""
        root = served_root(self.site.served_from)
        try:
            # A fixed port keeps the offline portal's URLs (and so its canonical URLs and the state
            # built on them) the same from run to run.
            self._server = LocalServer(root, port=self.offline_port)
        except OSError as exc:
            self.logger.warning(
                "port %d is taken (%s): serving on a free port; URLs will differ from other runs",
                self.offline_port,
                exc.strerror,
            )
            self._server = LocalServer(root)
        self.logger.info("serving %s offline at %s", root, self._server.base_url)
        return self._server.base_url

    def operator_urls(self) -> list[str]:
        """URLs whose origins are the site's own even on loopback or a private network
        (newsportal.urlguard): the start URL the operator gave, the bundled portal's local server."""
        urls = [self.args.start_url] if self.args.start_url else []
        if self.site.served_from is not None:
            urls.append(self._server.base_url if self._server else f"http://127.0.0.1:{self.offline_port}/")
        return urls

    def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    # --- a page with no callback named: `scrapy parse --spider portal URL` -----------------------

    async def parse(self, response: Response, **_: Any) -> list[Request | Article]:
        """The callback of a request that names none (``scrapy parse --spider portal URL``): the one
        the crawl would use for this URL's shape (article, listing, else judged by content). With
        neither ``-a site=`` nor ``-a start_url=`` and a URL off the spider's site, the page is read
        with the profile ``-a start_url=URL`` would choose (its own, else generic)."""
        if not (self.args.site or self.args.start_url) and not self.site.owns(response.url):
            self.args = self.args.model_copy(update={"start_url": response.url})
            self.site = self._resolve_site()
            self.judge_by_content = self.site.name == "generic"
        kind = url_kind(response.url, self.site)
        if kind == "article":
            return await self.parse_article(response)
        if kind == "listing":
            return await self.parse_listing(response, judge=False)
        return await self.parse_unknown(response, hops=0)

    # --- listings ------------------------------------------------------------------------------

    async def parse_listing(
        self, response: Response, page: int = 1, hops: int = 0, judge: bool = True
    ) -> list[Request | Article]:
        """Home, channel and listing pages: follow articles, listings, pagination and unknown links.

        @sample_url /news/
        @returns items 0 0
        @returns requests 8

        On the generic site a listing-shaped page whose content is one story is extracted instead
        (``judge``: not for start pages and later pages of a listing)."""
        judged = judge and page == 1 and self.judge_by_content
        analysed, prepared = await self._analyse(response, judged, "listing", True)
        return list(self._listing_page(response, analysed, prepared, page, hops))

    def _listing_page(
        self,
        response: Response,
        analysed: AnalysedPage,
        prepared: PreparedArticle | None,
        page: int,
        hops: int,
    ) -> Iterator[Request | Article]:
        if analysed.kind == "bot_wall":
            self._bot_wall(response, analysed)
            return
        if analysed.kind == "article":
            self.crawler.stats.inc_value("newsportal/judged/listing_as_article")
            yield from self._article(response, analysed.fields, analysed.article_links, hops, prepared)
            return
        yield from self.listing_sources(response)  # feeds the page announces (issue 17)
        paging = not self.pages_older_than_since(response)  # a backfill stops at older pages
        if not paging:
            self.crawler.stats.inc_value("newsportal/listings/paging_stopped")
        listings = not response.meta.get(ARCHIVE_META)  # an archive day's channel links wait their turn
        yield from self._listing(analysed.links, page, hops, paging=paging, listings=listings)

    async def parse_unknown(self, response: Response, hops: int) -> list[Request | Article]:
        """A same-site page whose URL shape said nothing: its content decides what it is."""
        analysed, prepared = await self._analyse(response, True, "unknown", self.judge_by_content)
        return list(self._unknown_page(response, analysed, prepared, hops))

    def _unknown_page(
        self, response: Response, analysed: AnalysedPage, prepared: PreparedArticle | None, hops: int
    ) -> Iterator[Request | Article]:
        if analysed.kind == "bot_wall":
            self._bot_wall(response, analysed)
            return
        self.crawler.stats.inc_value(f"newsportal/unknown/{analysed.kind}")
        if analysed.kind == "article":
            yield from self._article(response, analysed.fields, analysed.article_links, hops, prepared)
        elif analysed.kind == "listing":
            yield from self._listing(analysed.links, 1, hops)
        else:
            self.crawler.stats.inc_value("newsportal/pages/other")

    def _listing(
        self, links: PageLinks, page: int, hops: int, paging: bool = True, listings: bool = True
    ) -> Iterator[Request]:
        self.crawler.stats.inc_value("newsportal/pages/listing")
        for url in links.refused:  # file:, ftp: links: never fetched (newsportal.urlpolicy)
            self.crawler.stats.inc_value("newsportal/refused/scheme")
            self.logger.info("refused %s (scheme)", url)
        for url in links.articles:
            if not self.dated_out_of_range(url):  # a backfill knows its date already (issue 17)
                yield self._article_request(url, hops)
        if paging and page < self.max_listing_pages:
            for url in links.pagination:
                yield Request(
                    url,
                    callback=self.parse_listing,
                    errback=self.listing_failed,
                    cb_kwargs={"page": page + 1, "hops": hops, "judge": False},
                    meta={PAGINATION_META: True},  # IncrementalMiddleware stops where all is known
                )
        for url in links.listings if listings else ():
            # a listing-shaped URL is trusted again: unknown links count their hops from it
            yield Request(
                url,
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"page": 1, "hops": 0},
            )
        if listings:
            yield from self._unknown_requests(links.unknown, hops)
        self.crawler.stats.inc_value("newsportal/links/article", len(links.articles))

    def _unknown_requests(self, urls: list[str], hops: int) -> Iterator[Request]:
        """Requests to judge unknown-shape pages, within NEWSPORTAL_UNKNOWN_DEPTH and _MAX_UNKNOWN_PAGES."""
        if not self.follow_unknown:
            return
        for url in urls:
            if url in self._unknown_requested:
                continue
            if hops >= self.unknown_depth:
                self.crawler.stats.inc_value("newsportal/unknown/too_deep")
                continue
            if len(self._unknown_requested) >= self.max_unknown_pages:
                self.crawler.stats.inc_value("newsportal/unknown/over_budget")
                continue
            self._unknown_requested.add(url)
            yield Request(
                url, callback=self.parse_unknown, errback=self.page_failed, cb_kwargs={"hops": hops + 1}
            )

    # --- articles ------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.reference_time or datetime.now(CHINA_TZ)

    def _article_request(self, url: str, hops: int) -> Request:
        # Articles go ahead of the listings still queued (listings stay breadth-first among
        # themselves): the queue drains as it fills, so memory does not grow with the portal.
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"hops": hops},
            priority=ARTICLE_PRIORITY,
        )

    async def parse_article(self, response: Response, hops: int = 0) -> list[Request | Article]:
        """An article's first page: extract, follow its related stories, merge its next pages.

        @sample_url /a/1001_301.html
        @returns items 1 1
        @returns requests 1
        @scrapes url canonical_url site channel title author published_at body tags crawled_at

        On the generic site the content must agree: a listing-like page is crawled as a listing, a
        page without a story's long text (video, gallery) is counted as other and gives no item."""
        judge = self.judge_by_content
        analysed, prepared = await self._analyse(response, judge, "article", judge)
        return list(self._article_page(response, analysed, prepared, hops))

    def _article_page(
        self, response: Response, analysed: AnalysedPage, prepared: PreparedArticle | None, hops: int
    ) -> Iterator[Request | Article]:
        if analysed.kind == "bot_wall":
            self._bot_wall(response, analysed)
            return
        if analysed.kind != "article":
            self.crawler.stats.inc_value(f"newsportal/judged/article_as_{analysed.kind}")
            if analysed.kind == "listing":
                yield from self._listing(analysed.links, 1, hops)
            else:
                self.crawler.stats.inc_value("newsportal/pages/other")
            return
        yield from self._article(response, analysed.fields, analysed.article_links, hops, prepared)

    async def _analyse(
        self,
        response: Response,
        judge: bool = False,
        prior: str = "unknown",
        article_links: bool = False,
        prepare: bool = True,
    ) -> tuple[AnalysedPage, PreparedArticle | None]:
        """newsportal.extract.page.analyse_page on this response (its arguments), in a worker process
        when there is one, and in the same call, with ``prepare``, what the pipelines compute of a
        one-page article (newsportal.pageanalysis). Whatever analysis raises comes out as
        ExtractionFailed: the page is dropped and counted (newsportal.guards.ExtractionGuardMiddleware),
        the crawl goes on."""
        try:
            return await self.pool.call(
                analyse_and_prepare,
                response.body,
                response.url,
                self.site,
                self._now(),
                _content_type(response),
                judge,
                prior,
                article_links,
                prepare,
                self.max_body_chars,
            )
        except Exception as exc:
            raise ExtractionFailed(response.url, exc) from exc

    def _article(
        self,
        response: Response,
        fields: PageFields,
        article_links: list[str],
        hops: int,
        prepared: PreparedArticle | None = None,
    ) -> Iterator[Request | Article]:
        self.crawler.stats.inc_value("newsportal/pages/article")
        fetched_at = datetime.now(CHINA_TZ)
        if self.follow_related:
            yield from self._related_requests(fields, article_links, hops)
        yield from self._continue(response, [fields], fetched_at, prepared)

    def _related_requests(self, fields: PageFields, article_links: list[str], hops: int) -> Iterator[Request]:
        """Related stories: the related-block links (unknown shapes judged by content); on the
        generic site also every article-shaped link on the page (hot lists, sidebars)."""
        unknown: list[str] = []
        for target in fields.related_urls:
            kind = url_kind(target, self.site) if self.site.owns(target) else "other"
            if kind == "article" and self.dated_out_of_range(target):
                continue
            if kind == "article":
                yield self._article_request(target, hops)
            elif kind == "unknown":
                unknown.append(target)
        for target in article_links:
            yield self._article_request(target, hops)
        yield from self._unknown_requests(unknown, hops)

    async def parse_article_page(
        self, response: Response, pages: list[PageFields], fetched_at: datetime
    ) -> list[Request | Article]:
        """Page 2+ of a multi-page article."""
        self.crawler.stats.inc_value("newsportal/pages/article_continued")
        analysed, _ = await self._analyse(response, prepare=False)  # its article is the merge
        if analysed.kind == "bot_wall":
            self._bot_wall(response, analysed)
            return [self.build_article(pages, fetched_at)]  # what the earlier pages gave
        return list(self._continue(response, [*pages, analysed.fields], fetched_at))

    def _continue(
        self,
        response: Response,
        pages: list[PageFields],
        fetched_at: datetime,
        prepared: PreparedArticle | None = None,
    ) -> Iterator[Request | Article]:
        nxt = pages[-1].next_page_url
        seen = {p.url for p in pages}
        if nxt and nxt not in seen and len(pages) < self.max_article_pages and not self._too_long(pages):
            yield Request(
                nxt,
                callback=self.parse_article_page,
                errback=self.article_page_failed,
                cb_kwargs={"pages": pages, "fetched_at": fetched_at},
                dont_filter=True,  # page N belongs to this article even if another link reached it
            )
            return
        article = self.build_article(pages, fetched_at)
        if prepared is not None and len(pages) == 1:
            # computed from these page fields by merge_pages, as build_article built the article
            attach_clean(article, prepared)
        yield article

    def _too_long(self, pages: list[PageFields]) -> bool:
        """The pages so far hold twice NEWSPORTAL_MAX_BODY_CHARS (non-space characters, as validation
        counts them): the article will be dropped as body_too_long, so its next pages are neither
        fetched nor held. Twice: cleaning moves boilerplate lines out, and an article that ends up
        under the limit must not be emitted without its last pages."""
        if not self.max_body_chars:
            return False
        chars = sum(len("".join(para.split())) for p in pages for para in p.paragraphs)
        return chars > 2 * self.max_body_chars

    # --- failures: each one counted by what it was, and its journal entry finished ---------------

    def article_page_failed(self, failure: Failure) -> Iterator[Article]:
        """A later page failed: emit what the earlier pages gave rather than lose the article."""
        request = failure.request  # type: ignore[attr-defined]
        pages = request.cb_kwargs["pages"]
        self._count_failure(failure, request, "article_page", f"; emitting {len(pages)} page(s)")
        yield self.build_article(pages, request.cb_kwargs["fetched_at"])

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._count_failure(failure, request, "article_fetch")
        self.crawler.signals.send_catch_log(np_signals.article_finished, request=request)

    def page_failed(self, failure: Failure) -> None:
        """An unknown-shape page could not be fetched: counted, logged, finished."""
        request = failure.request  # type: ignore[attr-defined]
        self._count_failure(failure, request, "page_fetch")
        self.crawler.signals.send_catch_log(np_signals.article_finished, request=request)

    def listing_failed(self, failure: Failure) -> Failure | None:
        """A listing refused by robots.txt is counted apart; any other failure goes back to Scrapy,
        which logs it as an error as it did before listings had an errback."""
        request = failure.request  # type: ignore[attr-defined]
        if failure_kind(failure, request) != "robots":
            return failure
        self._count_failure(failure, request, "page_fetch")
        return None

    def request_dropped(self, request: Request, **_: Any) -> None:
        """A redirect of an article request refused by the dupefilter: its target was requested
        already. When the target leads back into the chain, directly or through redirects refused
        before (A → B here, B → A on B's own request), it is a redirect loop, an error; else the
        target's own request fetches the story. Either way the article's journal entry is finished
        here: no errback will ever run for it."""
        chain = request.meta.get("redirect_urls")
        name = callback_name(request)
        if not chain or not (name in ARTICLE_CALLBACKS or name == "parse_article_page"):
            return
        hops = [*chain, request.url]
        target = request.url
        loop = target in chain
        followed = {target}
        while not loop and target in self._dropped_hops:
            target = self._dropped_hops[target]
            if target in followed:
                break  # a cycle that does not pass through this chain: counted when it closed
            followed.add(target)
            hops.append(target)
            loop = target in chain
        for source, dest in zip(chain, [*chain[1:], request.url], strict=True):
            self._dropped_hops[source] = dest
            self._dropped_hops.move_to_end(source)
        while len(self._dropped_hops) > REDIRECT_HOPS_KEPT:
            self._dropped_hops.popitem(last=False)
        if loop:
            self.crawler.stats.inc_value("newsportal/errors/redirect")
            self.logger.warning("article %s not fetched: redirect loop (%s)", chain[0], " → ".join(hops))
        else:
            self.crawler.stats.inc_value("newsportal/redirects/already_requested")
            self.logger.info("article %s redirects to %s, requested already", chain[0], request.url)
        self.crawler.signals.send_catch_log(np_signals.article_finished, request=request)

    def _count_failure(self, failure: Failure, request: Request, fetch_stat: str, then: str = "") -> None:
        """Count and log a failed request by what it was: refused by robots.txt (not an error,
        ``newsportal/robots/disallowed``), a redirect that led nowhere (``newsportal/errors/redirect``),
        or a failed fetch (``newsportal/errors/<fetch_stat>``)."""
        kind = failure_kind(failure, request)
        what = {"article_fetch": "article", "article_page": "article page"}.get(fetch_stat, "page")
        if kind == "robots":
            self.crawler.stats.inc_value("newsportal/robots/disallowed")
            self.logger.info("%s %s not fetched: disallowed by robots.txt%s", what, request.url, then)
        elif kind == "redirect":
            chain = " → ".join([*request.meta.get("redirect_urls", []), request.url])
            self.crawler.stats.inc_value("newsportal/errors/redirect")
            self.logger.warning(
                "%s %s not fetched: redirect failed (%s): %s%s",
                what,
                _original_url(request),
                chain,
                failure.getErrorMessage(),
                then,
            )
        else:
            self.crawler.stats.inc_value(f"newsportal/errors/{fetch_stat}")
            self.logger.warning("%s %s not fetched: %s%s", what, request.url, failure.getErrorMessage(), then)

    def _bot_wall(self, response: Response, analysed: AnalysedPage) -> None:
        """A captcha, rate-limit notice or JS challenge served as the page: counted and named; no item,
        no links. Enough of them and the run's verdict is bot_wall (exit 65)."""
        self.crawler.stats.inc_value("newsportal/pages/bot_wall")
        self.logger.warning("bot wall (%s) instead of %s", analysed.wall, _original_url(response.request))

    def build_article(self, pages: list[PageFields], fetched_at: datetime) -> Article:
        return merge_pages(pages, site=self.site.name, fetched_at=fetched_at)


def failure_kind(failure: Failure, request: Request) -> str:
    """What a failed request ran into: ``"robots"`` (refused by robots.txt), ``"redirect"`` (it was
    redirected, then failed: a dead or refused target, too many hops) or ``"fetch"``."""
    # Scrapy's RobotsTxtMiddleware says so only in its IgnoreRequest's message (2.19).
    if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
        return "robots"
    if request.meta.get("redirect_urls") or (
        failure.check(IgnoreRequest) and "redirections" in str(failure.value)
    ):
        return "redirect"
    return "fetch"


def _original_url(request: Request | None) -> str:
    """The URL a request was made for, before any redirect."""
    if request is None:
        return "?"
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
