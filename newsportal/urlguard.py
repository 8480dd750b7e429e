"""The URL policy (newsportal.urlpolicy) enforced on every request of a crawl, whatever made it.

* ``UrlGuardSpiderMiddleware`` (closest to the spider) checks every request the spider yields: start
  URLs, articles, listings, pagination, related stories, the next page of a split article and
  unknown-shape links alike, so no site profile can opt out. Links are also made http(s)-only where
  they are extracted (``newsportal.urls.absolute``).
* ``UrlGuardDownloaderMiddleware`` (before robots.txt and every other downloader middleware) sees
  every request just before it is downloaded, including the journal's resumed requests and those
  redirects and meta refreshes make (they re-enter the downloader): the scheme and literal hosts
  again, then the address a host name resolves to, looked up through the reactor's resolver (the one
  Scrapy installs, with its DNS cache, so the connection uses the same answer).
* ``RedirectGuardMiddleware`` (after Scrapy's redirect middlewares on the way back) refuses a
  response that came from a refused address (DNS rebinding) and a redirect or meta refresh whose
  target is refused: Scrapy would hand a ``Location: file:///...`` response to the spider as a
  failed 3xx page (an error); here it is a counted refusal.

A refusal is counted (``newsportal/refused/<reason>``: scheme, no_host, private_host), logged with the
URL, and is no error: the request's errback is not called (it would count a fetch error), and an
article request's resume-journal entry is finished (``newsportal.signals.article_finished``). A later
page of a split article keeps its errback, which emits what the earlier pages gave.

``NEWSPORTAL_ALLOW_PRIVATE_HOSTS`` lets private and loopback hosts through (intranet crawls).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import get_meta_refresh
from twisted.internet.error import DNSLookupError
from w3lib.url import safe_url_string

from newsportal import signals as np_signals
from newsportal.journal import callback_name
from newsportal.urlpolicy import UrlPolicy, origin

logger = logging.getLogger(__name__)

# A later page of a split article: its errback emits the pages fetched so far (keep it).
_KEEP_ERRBACK = frozenset({"parse_article_page"})


class RefusedURL(IgnoreRequest):
    """A request the URL policy refused (never an error: counted apart)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused ({reason}): {url}")
        self.url = url
        self.reason = reason


class UrlGuard:
    """The crawl's policy and its refusals, shared by the middlewares below (one per crawler)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("NEWSPORTAL_ALLOW_PRIVATE_HOSTS")
        self._policy = UrlPolicy(self.allow_private)
        self._key: tuple[tuple[str, ...], bool] = ((), False)

    @classmethod
    def of(cls, crawler: Any) -> UrlGuard:
        guard = getattr(crawler, "_newsportal_url_guard", None)
        if guard is None:
            guard = cls(crawler)
            crawler._newsportal_url_guard = guard
        return guard

    @property
    def policy(self) -> UrlPolicy:
        """The policy with the site's own origins: what the spider says the operator chose (a
        ``-a start_url=`` on a private host, the bundled portal's local server); asked each time,
        because the local server starts with the crawl."""
        spider = self.crawler.spider
        own_urls = getattr(spider, "operator_urls", None)
        urls = tuple(own_urls()) if callable(own_urls) else ()
        # the sample portal is served on loopback, by the crawl and by `scrapy check` alike
        local = getattr(getattr(spider, "site", None), "served_from", None) is not None
        if (urls, local) != self._key:
            self._key = (urls, local)
            self._policy = UrlPolicy(self.allow_private, local_site=local).with_own(urls)
        return self._policy

    def refuse(self, request: Request, url: str, reason: str, why: str = "") -> RefusedURL:
        """Count and log the refusal, finish the request's journal entry, and return the exception
        that drops it without calling its errback."""
        self.crawler.stats.inc_value(f"newsportal/refused/{reason}")
        logger.info("refused %s (%s%s)", url, reason, f": {why}" if why else "")
        if callback_name(request) not in _KEEP_ERRBACK:
            request.errback = None  # a refusal is no fetch error: nothing for the errback to count
            first = (request.meta.get("redirect_urls") or [request.url])[0]
            for req in {request, request.replace(url=first)}:
                self.crawler.signals.send_catch_log(np_signals.article_finished, request=req)
        return RefusedURL(url, reason)


class UrlGuardSpiderMiddleware:
    """Drops every request the spider yields (start requests included) that the policy refuses."""

    def __init__(self, crawler: Any) -> None:
        self.guard = UrlGuard.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> UrlGuardSpiderMiddleware:
        return cls(crawler)

    async def process_start(self, start: Any) -> Any:
        async for obj in start:
            if self._allowed(obj):
                yield obj

    async def process_spider_output(self, response: Any, result: Any) -> Any:
        async for obj in result:
            if self._allowed(obj):
                yield obj

    def _allowed(self, obj: Any) -> bool:
        if not isinstance(obj, Request):
            return True
        reason = self.guard.policy.refusal(obj.url)
        if reason is None:
            return True
        # not scheduled yet, so not journaled: nothing to finish
        self.guard.crawler.stats.inc_value(f"newsportal/refused/{reason}")
        logger.info("refused %s (%s)", obj.url, reason)
        return False


class UrlGuardDownloaderMiddleware:
    """Refuses a request before it is downloaded: scheme, literal hosts, then the host's address."""

    def __init__(self, crawler: Any) -> None:
        self.guard = UrlGuard.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> UrlGuardDownloaderMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        policy = self.guard.policy
        reason = policy.refusal(request.url)
        if reason is not None:
            raise self.guard.refuse(request, request.url, reason)
        if not policy.needs_lookup(request.url):
            return
        host = origin(request.url)[0]  # type: ignore[index]  # needs_lookup: it has a host
        address = await _resolve(host)
        reason = policy.resolved_refusal(request.url, address)
        if reason is not None:
            raise self.guard.refuse(request, request.url, reason, f"{host} resolves to {address}")


async def _resolve(host: str) -> str | None:
    """host's IPv4 address from the reactor's resolver (Scrapy's, with its DNS cache), without
    blocking the reactor; None when the lookup fails (the download then fails as it would)."""
    from twisted.internet import reactor

    try:
        return await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
    except (DNSLookupError, OSError, ValueError):
        return None


class RedirectGuardMiddleware:
    """On the way back, before Scrapy's redirect middlewares: refuses a response from a refused
    address, and a redirect or an immediate meta refresh to a refused URL."""

    def __init__(self, crawler: Any) -> None:
        self.guard = UrlGuard.of(crawler)
        settings = crawler.settings
        self.meta_refresh = settings.getbool("METAREFRESH_ENABLED")
        self.meta_refresh_max_delay = settings.getfloat("METAREFRESH_MAXDELAY")
        self.meta_refresh_ignore_tags = settings.getlist("METAREFRESH_IGNORE_TAGS")

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        policy = self.guard.policy
        reason = policy.resolved_refusal(response.url, response.ip_address)
        if reason is not None:
            raise self.guard.refuse(request, response.url, reason, f"served from {response.ip_address}")
        if request.meta.get("dont_redirect"):
            return response
        target = self._redirect_target(request, response)
        if target is not None and (reason := policy.refusal(target)) is not None:
            raise self.guard.refuse(request, target, reason, f"redirect from {request.url}")
        return response

    def _redirect_target(self, request: Request, response: Response) -> str | None:
        """Where Scrapy's redirect middlewares would send this request next, if anywhere."""
        location = response.headers.get(b"Location")
        if location and response.status in (301, 302, 303, 307, 308):
            if location.startswith(b"//"):
                return f"{request.url.split(':', 1)[0]}:{safe_url_string(location)}"
            return response.urljoin(safe_url_string(location))
        if self.meta_refresh and isinstance(response, HtmlResponse) and request.method != "HEAD":
            interval, url = get_meta_refresh(response, ignore_tags=self.meta_refresh_ignore_tags)
            if url and interval is not None and interval < self.meta_refresh_max_delay:
                return url
        return None
