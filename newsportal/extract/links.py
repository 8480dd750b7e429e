"""The links of a page, sorted by what following them means: articles, listings, pagination and links
of unknown shape (fetched only to be classified by content), each on the site and canonical."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from newsportal.extract.pagekind import is_listing_page_of, url_kind
from newsportal.extract.select import rule_values, strings
from newsportal.sites.base import Site
from newsportal.urls import absolute, canonical_url, refused_link


# Public suffixes under which a registrable domain keeps three labels (news.sina.com.cn → sina.com.cn).
@dataclass
class PageLinks:
    articles: list[str] = field(default_factory=list)  # canonical article URLs, page order
    listings: list[str] = field(default_factory=list)  # other listing / channel pages
    pagination: list[str] = field(default_factory=list)  # next / numbered pages of this listing
    unknown: list[str] = field(default_factory=list)  # on the site, shape unknown: classify by content
    refused: list[str] = field(default_factory=list)  # links of a refused scheme (file:, ftp:), first few


MAX_REFUSED_LISTED = 20  # refused links kept per page to be counted and logged (a page may have 100,000)


def page_links(sel: Selector, url: str, site: Site) -> PageLinks:
    """Links on the page that stay on the site, canonicalised, each once, in page order.

    Off-site links and denied URLs are left out. Pagination is what the site's pagination rules
    select plus links that are another page of this listing by URL shape (``index_2.shtml``,
    ``?page=2``); an article-shaped URL is never pagination.
    """
    out = PageLinks()
    here = canon_url(url, site)
    seen: set[str] = {here}

    def canon(href: str) -> str | None:
        target = absolute(url, href)
        if not target:
            if len(out.refused) < MAX_REFUSED_LISTED and (bad := refused_link(url, href)):
                out.refused.append(bad)
            return None
        if not site.owns(target):
            return None
        target = canon_url(target, site)
        if target in seen or site.is_denied(target):
            return None
        return target

    for rule in site.pagination:
        for href in rule_values(sel, rule):
            if (target := canon(href)) and not site.is_article_url(target):
                seen.add(target)
                out.pagination.append(target)
    for href in strings(sel, "a::attr(href)"):
        target = canon(href)
        if target is None:
            continue
        kind = url_kind(target, site)
        if kind == "article":
            out.articles.append(target)
        elif is_listing_page_of(target, here):
            out.pagination.append(target)
        elif kind == "listing":
            out.listings.append(target)
        elif kind == "unknown":
            out.unknown.append(target)
        else:
            continue
        seen.add(target)
    return out


def rule_links(sel: Selector, url: str, site: Site, rules: tuple) -> list[str]:
    """Canonical on-site, not denied URLs the rules select, each once, page order (not url itself)."""
    here = canon_url(url, site)
    out: list[str] = []
    for rule in rules:
        for href in rule_values(sel, rule):
            target = absolute(url, href)
            if not target or not site.owns(target):
                continue
            target = canon_url(target, site)
            if target != here and target not in out and not site.is_denied(target):
                out.append(target)
    return out


def canon_url(url: str, site: Site) -> str:
    return canonical_url(url, tracking_params=site.tracking_params, rewrites=site.url_rewrites)
