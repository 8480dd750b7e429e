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
from functools import cached_property
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
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    @cached_property
    def _article_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.article_urls)

    @cached_property
    def _listing_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.listing_urls)

    @cached_property
    def _deny_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.deny_urls)

    def is_article_url(self, url: str) -> bool:
        return not self.is_denied(url) and any(r.search(url) for r in self._article_res)

    def is_listing_url(self, url: str) -> bool:
        return not self.is_denied(url) and any(r.search(url) for r in self._listing_res)

    def is_denied(self, url: str) -> bool:
        return any(r.search(url) for r in self._deny_res)

    def with_start(self, start_url: str) -> Site:
        """This profile started from start_url instead (its host joins the site's domains)."""
        host = (urlsplit(start_url).hostname or "").lower()
        return replace(self, start_urls=(start_url,), domains=(*self.domains, host), served_from=None)
