"""The registry of site profiles: every module in this package that defines ``SITE`` is one portal.

Adding a portal is adding a module here (and a folder of page fixtures in tests/pages/): no engine
code changes. ``generic`` is the fallback for portals no profile knows.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from urllib.parse import urlsplit

from parsel import Selector

from newsportal.extract.select import first_value
from newsportal.sites.base import Site

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
    for site in all_sites().values():
        if site.served_from or site.name == "generic":
            continue
        for domain in site.domains:
            if _host_matches(url, domain) and (best is None or len(domain) > best[0]):
                best = (len(domain), site)
    return best[1] if best else all_sites()["generic"]


def _host_matches(url: str, domain: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == domain or host.endswith("." + domain)


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


def page_urls(sel: Selector) -> list[str]:
    """Absolute http(s) URLs the page gives for itself, in the order above (no duplicates)."""
    out: list[str] = []
    for query in _PAGE_URL_QUERIES:
        for value in sel.css(query).getall():
            value = value.strip()
            if "url=" in value:  # mobile-agent: "format=html5; url=https://m.example.com/..."
                value = value.split("url=", 1)[1].strip()
            if value.startswith("//"):
                value = "https:" + value
            if value.startswith(("http://", "https://")) and value not in out:
                out.append(value)
    return out


def site_for_page(sel: Selector, url: str | None = None) -> Site:
    """The profile of a page: by its fetched URL's host; else by the addresses the page gives for
    itself (``page_urls``); else by the first profile whose ``page_markers`` match; else generic.
    A saved page (file:// URL, or none) is recognised from its own markup this way."""
    generic = all_sites()["generic"]
    for candidate in ([url] if url else []) + page_urls(sel):
        site = site_for(candidate)
        if site is not generic:
            return site
    for site in all_sites().values():
        if site.page_markers and not site.served_from and first_value(sel, site.page_markers):
            return site
    return generic
