"""The links of a listing page, sorted into articles, listings and pagination by a Site's rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from newsportal.extract.select import rule_values
from newsportal.sites.base import Site
from newsportal.urls import absolute, canonical_url


@dataclass
class PageLinks:
    articles: list[str] = field(default_factory=list)  # canonical article URLs, page order
    listings: list[str] = field(default_factory=list)  # other listing / channel pages
    pagination: list[str] = field(default_factory=list)  # next / numbered pages of this listing


def page_links(sel: Selector, url: str, site: Site) -> PageLinks:
    """Links on the page that stay on the site, canonicalised, each once, in page order.

    Off-site links, denied URLs and links that are neither article nor listing are left out.
    """
    out = PageLinks()
    seen: set[str] = {canonical_url(url, tracking_params=site.tracking_params, rewrites=site.url_rewrites)}

    def canon(href: str) -> str | None:
        target = absolute(url, href)
        if not target or not site.owns(target):
            return None
        target = canonical_url(target, tracking_params=site.tracking_params, rewrites=site.url_rewrites)
        if target in seen or site.is_denied(target):
            return None
        return target

    for rule in site.pagination:
        for href in rule_values(sel, rule):
            if (target := canon(href)) and not site.is_article_url(target):
                seen.add(target)
                out.pagination.append(target)
    for href in sel.css("a::attr(href)").getall():
        target = canon(href)
        if target is None:
            continue
        if site.is_article_url(target):
            out.articles.append(target)
        elif site.is_listing_url(target):
            out.listings.append(target)
        else:
            continue
        seen.add(target)
    return out
