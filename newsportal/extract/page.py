"""One fetched page, analysed in one call: what it is (by content where asked) and what it gives.

A single picklable entry point so the spider can run it in a worker process
(newsportal.workers) as well as in its own: bytes in, plain dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsportal.extract.article import PageFields, extract_from_selector, make_selector
from newsportal.extract.botwall import bot_wall
from newsportal.extract.links import PageLinks, page_links
from newsportal.extract.pagekind import page_kind
from newsportal.sites.base import Site


@dataclass
class AnalysedPage:
    kind: str  # "article", "listing", "other" or "bot_wall" (a captcha / challenge page: see botwall)
    fields: PageFields | None = None  # for an article
    links: PageLinks | None = None  # for a listing
    article_links: list[str] = field(default_factory=list)  # article-shaped links on an article page
    wall: str | None = None  # for a bot wall: what gave it away (newsportal.extract.botwall)


def analyse_page(
    body: bytes,
    url: str,
    site: Site,
    now: datetime,
    content_type: str | None = None,
    *,
    judge: bool = False,
    prior: str = "unknown",
    article_links: bool = False,
) -> AnalysedPage:
    """The page's kind and content. ``judge``: decide the kind from the content (pages no URL rule
    vouches for; ``prior`` is what the URL shape said), else it is what ``prior`` says (an article
    unless "listing"). A page reached as a listing stays one unless its content is a story. ``article_links``:
    also list the article-shaped links of an article page (related stories on unknown portals).
    A bot wall (captcha, rate-limit notice, JS challenge served as a page) is kind "bot_wall", whatever
    the URL said."""
    sel, encoding = make_selector(body, content_type)
    wall = bot_wall(sel)
    if wall:
        return AnalysedPage("bot_wall", wall=wall)
    kind = page_kind(sel, url, site, prior=prior) if judge else "article"
    if prior == "listing" and not (judge and kind == "article"):
        kind = "listing"  # a page reached as a listing is crawled as one unless judged a story
    if kind == "listing":
        return AnalysedPage(kind, links=page_links(sel, url, site))
    if kind != "article":
        return AnalysedPage(kind)
    fields = extract_from_selector(sel, url, site, now=now)
    fields.encoding = encoding
    links = page_links(sel, url, site).articles if article_links else []
    return AnalysedPage(kind, fields=fields, article_links=links)
