"""What a site profile is: declarative data the engine reads. No engine code lives in a profile.

Selector syntax used by every rule below (see ``newsportal.extract.select``):

* a string is a CSS selector, or XPath when it starts with ``/``, ``./``, ``(`` or a string
  function (``concat(``, ``string(``, ``normalize-space(``: its string is the value);
* a selector that ends in ``::text`` / ``::attr(x)`` (CSS) or selects ``text()`` / ``@x`` (XPath)
  yields those strings; a selector that selects elements yields each element's visible text;
* a ``(selector, regex)`` pair applies the regex to each selected string and keeps group 1
  (or the whole match when the regex has no group).

A field's rules are ordered fallbacks: the first rule that gives a non-empty value wins. When
every profile rule fails, the generic rules (``sites/generic.py``: JSON-LD, meta tags, text
density) are tried, so a profile only needs rules where the generic ones are wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

Rule = str | tuple[str, str]


@dataclass(frozen=True)
class Site:
    name: str  # profile name used by -a site=NAME and in items' "site"
    domains: tuple[str, ...] = ()  # hosts (and their subdomains) that belong to the portal
    start_urls: tuple[str, ...] = ()  # home and channel pages a crawl starts from
    served_from: str | None = None  # a directory of the project (newsportal.offline), served on 127.0.0.1

    # --- recognising a saved page without its URL (see sites.site_for_page) ---
    asset_hosts: tuple[str, ...] = ()  # CDN / static hosts of the portal's scripts, styles and images
    page_markers: tuple[Rule, ...] = ()  # rules whose values are marks of the portal's pages

    # --- page kinds, by URL (regexes searched in the full URL) ---
    article_urls: tuple[str, ...] = ()  # URLs of article pages (first page only)
    listing_urls: tuple[str, ...] = ()  # URLs of home / channel / listing pages (any page number)
    deny_urls: tuple[str, ...] = ()  # never followed (login, video, app download, ...)

    # --- links ---
    pagination: tuple[Rule, ...] = ()  # on listings: hrefs of next / numbered pages
    article_pages: tuple[Rule, ...] = ()  # on an article: href of its next page (multi-page articles)
    related: tuple[Rule, ...] = ()  # on an article: hrefs of related / hot stories to follow
    channel_links: tuple[Rule, ...] = ()  # on home: hrefs of channel pages

    # --- URL sources beside listings (issue 17; newsportal.spiders.discovery) ---
    # Where the portal has a known place for them; left empty, they are discovered: sitemaps from
    # robots.txt Sitemap: lines, feeds from listing pages' <link rel="alternate">.
    sitemaps: tuple[str, ...] = ()  # sitemap or sitemap index URLs (absolute, or relative to the start)
    feeds: tuple[str, ...] = ()  # RSS / Atom feed URLs
    date_archives: tuple[str, ...] = ()  # strftime patterns of a day's archive page: "/roll/%Y%m%d.html"
    listing_dates: tuple[Rule, ...] = ()  # on listings: each entry's shown time (backfill stops paging)

    # --- fields (ordered fallbacks) ---
    title: tuple[Rule, ...] = ()
    title_strip: tuple[str, ...] = ()  # regexes removed from the title (site-name suffixes, 原创 marks)
    is_original: tuple[Rule, ...] = ()  # any non-empty match means the page marks it 原创
    author: tuple[Rule, ...] = ()
    source: tuple[Rule, ...] = ()
    editor: tuple[Rule, ...] = ()
    published_at: tuple[Rule, ...] = ()
    read_count: tuple[Rule, ...] = ()
    tags: tuple[Rule, ...] = ()
    channel: tuple[Rule, ...] = ()  # breadcrumb / channel name on the article page

    # --- body ---
    body: tuple[str, ...] = ()  # container selectors, first that matches; empty → text density
    body_strip: tuple[str, ...] = ()  # selectors of nodes removed from inside the container
    body_drop_lines: tuple[str, ...] = ()  # regexes: whole paragraphs matching are dropped
    image_captions: tuple[str, ...] = ()  # selectors of captions kept on their image, not in the text

    # --- URLs ---
    tracking_params: tuple[str, ...] = ()  # query parameters that never change the page
    url_rewrites: tuple[tuple[str, str], ...] = ()  # (regex, replacement): mobile → desktop URL

    def owns(self, url: str) -> bool:
        """True when url's host is one of the site's domains or a subdomain of one."""
        return host_in(host_of(url), self.domains)

    # Each kind's patterns searched as one regex (see _Searcher): a page's every link is asked
    # whether it is denied, an article, a listing (the denial up to three times).
    @cached_property
    def _article_search(self) -> _Searcher:
        return _Searcher(self.article_urls)

    @cached_property
    def _listing_search(self) -> _Searcher:
        return _Searcher(self.listing_urls)

    @cached_property
    def _deny_search(self) -> _Searcher:
        return _Searcher(self.deny_urls)

    def is_article_url(self, url: str) -> bool:
        return not self._deny_search(url) and self._article_search(url)

    def is_listing_url(self, url: str) -> bool:
        return not self._deny_search(url) and self._listing_search(url)

    def is_article_shaped(self, url: str) -> bool:
        """Whether an article pattern matches url, denied or not (is_article_url for a URL known
        not to be denied, without asking again)."""
        return self._article_search(url)

    def is_listing_shaped(self, url: str) -> bool:
        """Whether a listing pattern matches url, denied or not (see is_article_shaped)."""
        return self._listing_search(url)

    def is_denied(self, url: str) -> bool:
        return self._deny_search(url)

    def with_start(self, start_url: str) -> Site:
        """This profile started from start_url instead (its host joins the site's domains)."""
        return replace(
            self, start_urls=(start_url,), domains=(*self.domains, host_of(start_url)), served_from=None
        )


# A crawl asks owns() of every link of every page, most of them seen before (menus, hot lists):
# the host read once a URL (urlsplit's hostname parsing is the cost), the answer once a host.
@lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    """url's host, lower case ("" for none)."""
    return (urlsplit(url).hostname or "").lower()


@lru_cache(maxsize=256)
def host_in(host: str, domains: tuple[str, ...]) -> bool:
    """Whether host is one of domains or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


class _Searcher:
    """Whether any of some patterns is found in a string: one alternation (?:p1)|(?:p2)|..., which
    matches where one of them does, when none has a group (so none refers to one) or a global
    flag; each in turn otherwise. A class, not a closure: a Site goes to the extraction worker's
    process pickled, with what its cached properties hold."""

    __slots__ = ("each", "one")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.each = tuple(re.compile(p) for p in patterns)
        self.one = None
        if self.each and all(c.groups == 0 and c.flags == re.UNICODE for c in self.each):
            self.one = re.compile("|".join(f"(?:{p})" for p in patterns))

    def __call__(self, url: str) -> bool:
        if self.one is not None:
            return self.one.search(url) is not None
        return any(r.search(url) for r in self.each)

    def __getstate__(self) -> tuple:
        return self.each, self.one

    def __setstate__(self, state: tuple) -> None:
        self.each, self.one = state
