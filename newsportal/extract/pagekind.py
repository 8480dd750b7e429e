"""What kind of page a URL or a page is: an article, a listing, or something else.

Two pure classifiers (no Scrapy), used by the spider on portals no profile fully describes:

* ``url_kind(url, site)`` decides by URL shape alone, before fetching: the site's article / listing /
  deny rules, else ``"unknown"`` (fetch it and ask ``page_kind``);
* ``page_kind(sel, url, site)`` decides by content: an article has a title, a publish date and one
  long, dense block of text with few links in it; a listing has many links to article pages (or to
  headline-like link texts); anything else (a gallery, a video page, a calendar, an author card) is
  ``"other"``.

``listing_page_key`` tells the pages of one paginated listing apart by URL shape
(``index_2.shtml``, ``?page=2``, ``&p=3``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsel import Selector

from newsportal.extract import density
from newsportal.sites.base import Site
from newsportal.urls import absolute

UrlKind = Literal["article", "listing", "other", "unknown"]
PageKind = Literal["article", "listing", "other"]

# --- thresholds ------------------------------------------------------------------------------------
# The shortest real stories (a 快讯 of three sentences) run to ~100 characters; video pages,
# galleries, author cards and stubs carry a caption or a bio well under that.
MIN_ARTICLE_TEXT_CHARS = 100
# Article bodies link rarely; a block that is a quarter link text is a list, not prose.
MAX_ARTICLE_LINK_DENSITY = 0.25
# A body may hold a few inline links (a source, an earlier story); beyond that, links per thousand
# characters tell prose (≈0-4) from a list of headlines with summaries (≈10 and more).
MAX_ARTICLE_BODY_LINKS = 3
MAX_ARTICLE_LINKS_PER_KCHAR = 5.0
# A page with more headings than this is a portal front, not one story.
MAX_ARTICLE_H1 = 2
# A listing links to many stories: five article-shaped URLs, or eight links whose text reads like a
# headline (navigation words are 2-4 characters; headlines are longer).
MIN_LISTING_ARTICLE_LINKS = 5
MIN_LISTING_HEADLINE_LINKS = 8
HEADLINE_MIN_CHARS = 8

_SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "head"])
_SPACE = re.compile(r"\s+")
# A full calendar date, as portals print it: 2026-03-14, 2026/3/14, 2026.03.14, 2026年3月14日.
_FULL_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[-/.年]\s*[01]?\d\s*[-/.月]\s*[0-3]?\d(?!\d)")
_DATE_META = (
    'meta[property="article:published_time"]::attr(content)',
    'meta[name="publishdate"]::attr(content)',
    'meta[name="pubdate"]::attr(content)',
    'meta[itemprop="datePublished"]::attr(content)',
    "time::attr(datetime)",
)
# Query parameters that number the pages of a listing.
_PAGE_PARAMS = frozenset(["page", "p", "pn", "pg", "pageno", "pagenum", "page_no", "pageindex", "cur"])
_PAGE_SUFFIX = re.compile(r"^(?P<stem>.*?)_(?P<n>\d{1,4})(?P<ext>\.s?html?)$")


def url_kind(url: str, site: Site) -> UrlKind:
    """The page kind url's shape says, by the site's rules.

    ``"other"`` for denied URLs (login, video, images, ...) and, when the site knows its domains,
    for URLs off the site; ``"article"`` / ``"listing"`` when a rule says so; else ``"unknown"``.
    """
    if site.is_denied(url) or (site.domains and not site.owns(url)):
        return "other"
    if site.is_article_shaped(url):  # (not denied: asked above)
        return "article"
    if site.is_listing_shaped(url):
        return "listing"
    return "unknown"


@dataclass
class PageSignals:
    """What page_kind measured on a page (kept for logs and tests)."""

    h1_count: int = 0
    has_title: bool = False
    has_date: bool = False
    body_chars: int = 0  # non-space characters of the densest block, outside links
    body_links: int = 0  # <a> elements in that block
    body_link_density: float = 0.0  # link characters / all characters in that block
    article_links: int = 0  # distinct links on the page whose URL is article-shaped
    headline_links: int = 0  # distinct links whose text is headline-long

    @property
    def links_per_kchar(self) -> float:
        return 1000.0 * self.body_links / self.body_chars if self.body_chars else float("inf")

    def looks_like_article(self, *, need_date: bool = True) -> bool:
        return (
            self.has_title
            and self.h1_count <= MAX_ARTICLE_H1
            and (self.has_date or not need_date)
            and self.body_chars >= MIN_ARTICLE_TEXT_CHARS
            and self.body_link_density <= MAX_ARTICLE_LINK_DENSITY
            and (
                self.body_links <= MAX_ARTICLE_BODY_LINKS
                or self.links_per_kchar <= MAX_ARTICLE_LINKS_PER_KCHAR
            )
        )

    def looks_like_listing(self) -> bool:
        return (
            self.article_links >= MIN_LISTING_ARTICLE_LINKS
            or self.headline_links >= MIN_LISTING_HEADLINE_LINKS
        )


def page_signals(sel: Selector, url: str, site: Site | None = None) -> PageSignals:
    """Measure the page (see PageSignals). Never raises on odd markup; an empty page measures 0."""
    if site is None:
        from newsportal.sites.generic import SITE as site
    signals = PageSignals()
    signals.h1_count = len(sel.xpath("//h1"))
    signals.has_title = bool(
        signals.h1_count
        or sel.css('meta[property="og:title"]::attr(content)').get("").strip()
        or sel.xpath("normalize-space(//title)").get("")
    )
    signals.has_date = _has_date(sel)
    block = density.find_body(sel)
    if block is not None and not isinstance(block.root, str):
        text, link_text, links = _block_text(block.root)
        signals.body_chars = text
        signals.body_links = links
        signals.body_link_density = link_text / (text + link_text) if text + link_text else 0.0
    articles: set[str] = set()
    headlines: set[str] = set()
    for a in sel.xpath("//a[@href]"):
        target = absolute(url, a.attrib.get("href"))
        if not target or urlsplit(target)._replace(fragment="") == urlsplit(url)._replace(fragment=""):
            continue
        kind = url_kind(target, site)
        if kind == "other":
            continue
        if kind == "article":
            articles.add(target)
        if len(_SPACE.sub("", a.xpath("normalize-space(.)").get(""))) >= HEADLINE_MIN_CHARS:
            headlines.add(target)
    signals.article_links = len(articles)
    signals.headline_links = len(headlines)
    return signals


def page_kind(sel: Selector, url: str, site: Site | None = None, prior: UrlKind = "unknown") -> PageKind:
    """``"article"``, ``"listing"`` or ``"other"`` by the page's content (site: for the URL shapes of
    the links it counts; generic when None). Article wins over listing: a story's page also links to
    many others (related, hot lists) but a listing has no long link-free text.

    ``prior="article"`` (the URL is article-shaped) waives the visible date: the URL already says
    story, and some portals print the date only from a script."""
    signals = page_signals(sel, url, site)
    if signals.looks_like_article(need_date=prior != "article"):
        return "article"
    if signals.looks_like_listing():
        return "listing"
    return "other"


def _has_date(sel: Selector) -> bool:
    """A publish-date meta / <time>, or a full date in the visible text outside links."""
    for query in _DATE_META:
        if sel.css(query).get("").strip():
            return True
    for text in sel.xpath(
        "//body//text()[not(ancestor::a) and not(ancestor::script) and not(ancestor::style)]"
    ):
        if _FULL_DATE.search(text.get()):
            return True
    return False


def _block_text(root) -> tuple[int, int, int]:
    """(non-space characters outside links, inside links, number of links) under root."""
    text = link_text = links = 0

    def count(value: str, in_link: bool) -> None:
        nonlocal text, link_text
        n = len(_SPACE.sub("", value))
        if in_link:
            link_text += n
        else:
            text += n

    # An explicit stack, not recursion: a page may nest elements thousands deep. (Sums: the
    # order of the walk does not matter.)
    stack = [(root, False)]
    while stack:
        el, in_link = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS:
            continue
        here = in_link or tag == "a"
        if tag == "a":
            links += 1
        if tag and el.text:
            count(el.text, here)
        for child in el:
            stack.append((child, here))
            if child.tail:
                count(child.tail, here)

    return text, link_text, links


def listing_page_key(url: str) -> str:
    """url with its page number taken out: the pages of one listing share a key.

    ``/roll/index_3.shtml`` → ``/roll/index.shtml``; ``/list/?page=2&cat=5`` → ``/list/?cat=5``.
    A URL without a page number is its own key (page 1).
    """
    parts = urlsplit(url)
    path = parts.path
    segments = path.rsplit("/", 1)
    if len(segments) == 2 and (m := _PAGE_SUFFIX.match(segments[1])):
        path = f"{segments[0]}/{m['stem']}{m['ext']}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _PAGE_PARAMS
    ]
    return urlunsplit(parts._replace(path=path, query=urlencode(sorted(query)), fragment=""))


def is_listing_page_of(target: str, url: str) -> bool:
    """True when target is another page of the listing at url, by URL shape alone."""
    if target == url:
        return False
    if not _has_page_number(target):
        # page 1 is often the bare listing URL: /roll/index.shtml from /roll/index_2.shtml
        return _has_page_number(url) and listing_page_key(target) == listing_page_key(url)
    return listing_page_key(target) == listing_page_key(url)


def _has_page_number(url: str) -> bool:
    parts = urlsplit(url)
    if _PAGE_SUFFIX.match(parts.path.rsplit("/", 1)[-1]):
        return True
    return any(k.lower() in _PAGE_PARAMS and v.isdigit() for k, v in parse_qsl(parts.query))
