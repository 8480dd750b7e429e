"""The registry of site profiles: every module in this package that defines ``SITE`` is one portal.

Adding a portal is adding a module here (and a folder of page fixtures in tests/pages/): no engine
code changes. ``generic`` is the fallback for portals no profile knows.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from newsportal.extract.select import rule_values, select, strings
from newsportal.sites.base import Site, host_in, host_of

__all__ = ["Site", "all_sites", "get_site", "page_urls", "site_for", "site_for_page"]

DEFAULT_SITE = "sample"


@cache
def all_sites() -> dict[str, Site]:
    """Every profile by name, generic included."""
    sites: dict[str, Site] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        site = getattr(module, "SITE", None)
        if isinstance(site, Site):
            if site.name in sites:
                raise RuntimeError(f"two site profiles are named {site.name!r}")
            sites[site.name] = site
    return sites


def get_site(name: str) -> Site:
    """The profile called name; ValueError listing the known names when there is none."""
    sites = all_sites()
    if name not in sites:
        raise ValueError(f"unknown site {name!r}; known sites: {', '.join(sorted(sites))}")
    return sites[name]


def site_for(url: str) -> Site:
    """The profile whose domains own url's host (the most specific domain wins), else generic."""
    best: tuple[int, Site] | None = None
    host = host_of(url)
    for site in all_sites().values():
        if site.served_from or site.name == "generic":
            continue
        for domain in site.domains:
            if host_in(host, (domain,)) and (best is None or len(domain) > best[0]):
                best = (len(domain), site)
    return best[1] if best else all_sites()["generic"]


# Where a saved page tells its own address: canonical link, Open Graph, <base>, mobile/alternate links.
_PAGE_URL_QUERIES = (
    'link[rel="canonical"]::attr(href)',
    'meta[property="og:url"]::attr(content)',
    'meta[name="og:url"]::attr(content)',
    "base::attr(href)",
    'meta[name="mobile-agent"]::attr(content)',
    'link[rel="alternate"]::attr(href)',
    'meta[name="url"]::attr(content)',
    'meta[itemprop="url"]::attr(content)',
)


# Browsers and save tools note the address in a comment at the top: "<!-- saved from url=(0043)https://...
# -->" (the "mark of the web"), or the bare URL.
_SAVED_FROM = re.compile(r"^\s*(?:saved from url=\(\d+\))?\s*(https?://\S+?)\s*$")


def page_urls(sel: Selector) -> list[str]:
    """Absolute http(s) URLs the page gives for itself, in the order above, then a saved-from
    comment before the page's markup (no duplicates)."""
    out: list[str] = []
    values = [v for query in _PAGE_URL_QUERIES for v in strings(sel, query)]
    # compiled once (select._compiled_query: parsel compiles a query at every call)
    for comment in select(sel, "/comment() | /html/comment()[1] | //head/comment()[1]").getall()[:3]:
        if match := _SAVED_FROM.match(comment.removeprefix("<!--").removesuffix("-->")):
            values.append(match.group(1))
    for value in values:
        value = value.strip()
        if "url=" in value:  # mobile-agent: "format=html5; url=https://m.example.com/..."
            value = value.split("url=", 1)[1].strip()
        if value.startswith("//"):
            value = "https:" + value
        if value.startswith(("http://", "https://")) and value not in out:
            out.append(value)
    return out


# A page is recognised by its assets when at least this many come from one portal's hosts.
_MIN_ASSET_EVIDENCE = 3
_MARKER_WEIGHT = 5


def site_for_page(sel: Selector, url: str | None = None, own_urls: list[str] | None = None) -> Site:
    """The profile of a page: by its fetched URL's host; else by the addresses the page gives for
    itself (``page_urls``); else by evidence of the portal itself in its markup: at least
    _MIN_ASSET_EVIDENCE of the page's scripts, styles and images served from the profile's own
    ``domains``, each value of its ``page_markers`` counting as several (its ``asset_hosts``, CDNs
    other sites share, then add weight, never decide alone); the profile with the most; else
    generic. A saved page (file:// URL, or none) is recognised from its own markup this way.
    ``own_urls``: ``page_urls(sel)`` when the caller has read it already."""
    generic = all_sites()["generic"]
    for candidate in ([url] if url else []) + (page_urls(sel) if own_urls is None else own_urls):
        site = site_for(candidate)
        if site is not generic:
            return site
    assets = [_suffixes(urlsplit(absolute_http(src)).hostname or "") for src in _asset_urls(sel)]
    best: tuple[int, Site] | None = None
    for site in all_sites().values():
        if site.served_from or site is generic:
            continue
        # Evidence of the portal itself: files served from its own domains, its own page markers.
        # Its CDN hosts only add weight to that: other sites embed the same share buttons, players
        # and hot-linked images, so a shared asset host alone never names the portal.
        own = _served_from(assets, site.domains)
        own += _MARKER_WEIGHT * sum(len(rule_values(sel, rule)) for rule in site.page_markers)
        if own < _MIN_ASSET_EVIDENCE:
            continue
        evidence = own + _served_from(assets, site.asset_hosts)
        if best is None or evidence > best[0]:
            best = (evidence, site)
    return best[1] if best else generic


def _suffixes(host: str) -> frozenset[str]:
    """host and every name it is under ("a.b.cn" → a.b.cn, b.cn, cn): host is d or under d exactly
    when d is one of them (a set lookup per domain, not a string test per domain and asset)."""
    return frozenset([host, *(host[i + 1 :] for i, c in enumerate(host) if c == ".")])


def _served_from(hosts: list[frozenset[str]], domains: tuple[str, ...]) -> int:
    """How many of hosts (each as its _suffixes) are one of domains or under one."""
    return sum(1 for names in hosts if not names.isdisjoint(domains))


_ASSET_QUERY = "//link/@href | //script/@src | //img/@src"
_ASSET_ATTRIBUTE = {"link": "href", "script": "src", "img": "src"}


def _asset_urls(sel: Selector) -> list[str]:
    """strings(sel, _ASSET_QUERY): the same values in the same (document) order, read in one walk of
    lxml's iter over the three tags; the XPath's union of three walks cost 0.05 ms a wild page."""
    root = sel.root
    if not isinstance(root, etree._Element):
        return strings(sel, _ASSET_QUERY)
    document = root.getroottree().getroot()  # // is the whole document's, whatever node sel holds
    found = []
    for el in document.iter("link", "script", "img"):
        value = el.get(_ASSET_ATTRIBUTE[el.tag])
        if value is not None:
            found.append(value)
    return found


def absolute_http(src: str) -> str:
    """A protocol-relative or absolute asset address as an http(s) URL ("" for anything else)."""
    src = src.strip()
    if src.startswith("//"):
        return "https:" + src
    return src if src.startswith(("http://", "https://")) else ""
