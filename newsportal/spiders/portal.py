"""PortalSpider: home and channel pages → listings (with pagination) → articles → related stories.

The spider never names a portal: a Site profile (``newsportal.sites``) says which URLs are
listings and articles, where pagination and related links are, and how fields are read.

    scrapy crawl portal                          # the bundled sample portal, served offline
    scrapy crawl portal -a site=NAME             # a portal we have a profile for
    scrapy crawl portal -a start_url=URL         # any portal: its profile if known, else generic
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from scrapy import signals
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from newsportal.extract.article import PageFields, extract_article, make_selector, merge_pages
from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.links import page_links
from newsportal.items import Article
from newsportal.localserver import LocalServer
from newsportal.sites import DEFAULT_SITE, get_site, site_for
from newsportal.sites.base import Site

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class PortalArgs(BaseModel):
    """The spider's arguments (``-a name=value``), validated once at start."""

    model_config = ConfigDict(extra="forbid")

    site: str | None = Field(None, description="site profile name (see newsportal.sites)")
    start_url: str | None = Field(None, description="start here instead of the profile's start URLs")

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


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        own = {k: kwargs.pop(k) for k in list(kwargs) if k in PortalArgs.model_fields}
        unknown = {k: v for k, v in kwargs.items() if k not in ("name", "start_urls")}
        try:
            self.args = PortalArgs(**own, **unknown)
        except ValidationError as exc:
            raise ValueError(f"bad spider arguments: {exc}") from exc
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in unknown})
        self.site = self._resolve_site()
        self._server: LocalServer | None = None

    def _resolve_site(self) -> Site:
        if self.args.start_url:
            site = get_site(self.args.site) if self.args.site else site_for(self.args.start_url)
            return site.with_start(self.args.start_url)
        return get_site(self.args.site or DEFAULT_SITE)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        local = spider.site.served_from is not None or all(_is_loopback(u) for u in spider.site.start_urls)
        if local and settings.getbool("NEWSPORTAL_LOCAL_UNTHROTTLED"):
            # Our own server on loopback: politeness delays only slow the crawl down.
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
        spider.max_listing_pages = settings.getint("NEWSPORTAL_MAX_LISTING_PAGES")
        spider.max_article_pages = settings.getint("NEWSPORTAL_MAX_ARTICLE_PAGES")
        spider.follow_related = settings.getbool("NEWSPORTAL_FOLLOW_RELATED")
        ref = settings.get("NEWSPORTAL_REFERENCE_TIME") or ""
        spider.reference_time = datetime.fromisoformat(ref) if ref else None
        if spider.reference_time is not None and spider.reference_time.tzinfo is None:
            spider.reference_time = spider.reference_time.replace(tzinfo=CHINA_TZ)
        crawler.signals.connect(spider._close_server, signal=signals.spider_closed)
        return spider

    # --- start ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        base = self._base_url()
        for url in self.site.start_urls:
            yield Request(urljoin(base, url), callback=self.parse_listing, cb_kwargs={"page": 1})

    def _base_url(self) -> str:
        if self.site.served_from is None:
            return ""
        self._server = LocalServer(PROJECT_ROOT / self.site.served_from)
        self.logger.info("serving %s offline at %s", self.site.served_from, self._server.base_url)
        return self._server.base_url

    def _close_server(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    # --- listings ------------------------------------------------------------------------------

    def parse_listing(self, response: Response, page: int = 1) -> Iterator[Request]:
        """Home, channel and listing pages: follow articles, listings and pagination."""
        self.crawler.stats.inc_value("newsportal/pages/listing")
        sel, _ = make_selector(response.body, _content_type(response))
        links = page_links(sel, response.url, self.site)
        articles = 0
        for url in links.articles:
            articles += 1
            yield Request(url, callback=self.parse_article, errback=self.article_failed)
        if page < self.max_listing_pages:
            for url in links.pagination:
                yield Request(url, callback=self.parse_listing, cb_kwargs={"page": page + 1})
        for url in links.listings:
            yield Request(url, callback=self.parse_listing, cb_kwargs={"page": 1})
        self.crawler.stats.inc_value("newsportal/links/article", articles)

    # --- articles ------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.reference_time or datetime.now(CHINA_TZ)

    def parse_article(self, response: Response) -> Iterator[Request | Article]:
        """An article's first page: extract, follow its related stories, merge its next pages."""
        self.crawler.stats.inc_value("newsportal/pages/article")
        fetched_at = datetime.now(CHINA_TZ)
        fields = self._extract(response)
        if self.follow_related:
            for url in fields.related_urls:
                if self.site.is_article_url(url):
                    yield Request(url, callback=self.parse_article, errback=self.article_failed)
        yield from self._continue(response, [fields], fetched_at)

    def parse_article_page(
        self, response: Response, pages: list[PageFields], fetched_at: datetime
    ) -> Iterator[Request | Article]:
        """Page 2+ of a multi-page article."""
        self.crawler.stats.inc_value("newsportal/pages/article_continued")
        yield from self._continue(response, [*pages, self._extract(response)], fetched_at)

    def _continue(
        self, response: Response, pages: list[PageFields], fetched_at: datetime
    ) -> Iterator[Request | Article]:
        nxt = pages[-1].next_page_url
        seen = {p.url for p in pages}
        if nxt and nxt not in seen and len(pages) < self.max_article_pages:
            yield Request(
                nxt,
                callback=self.parse_article_page,
                errback=self.article_page_failed,
                cb_kwargs={"pages": pages, "fetched_at": fetched_at},
                dont_filter=True,  # page N belongs to this article even if another link reached it
            )
            return
        yield self.build_article(pages, fetched_at)

    def article_page_failed(self, failure: Failure) -> Iterator[Article]:
        """A later page failed: emit what the earlier pages gave rather than lose the article."""
        request = failure.request  # type: ignore[attr-defined]
        pages = request.cb_kwargs["pages"]
        self.crawler.stats.inc_value("newsportal/errors/article_page")
        self.logger.warning(
            "article page %s failed (%s); emitting %d page(s)", request.url, failure.value, len(pages)
        )
        yield self.build_article(pages, request.cb_kwargs["fetched_at"])

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("newsportal/errors/article_fetch")
        self.logger.warning("article %s not fetched: %s", request.url, failure.getErrorMessage())

    def _extract(self, response: Response) -> PageFields:
        return extract_article(
            response.body, response.url, self.site, now=self._now(), content_type=_content_type(response)
        )

    def build_article(self, pages: list[PageFields], fetched_at: datetime) -> Article:
        return merge_pages(pages, site=self.site.name, fetched_at=fetched_at)


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
