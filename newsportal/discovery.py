"""URL sources beside listings: robots.txt ``Sitemap:`` lines, sitemaps, RSS / Atom feeds, date archives.

Pure functions over bytes: the spider (``newsportal.spiders.discovery``) fetches, these read. Parsing is
Scrapy's and feedparser's, never our own:

* sitemaps: ``scrapy.utils.sitemap.Sitemap`` (lxml ``iterparse`` with ``resolve_entities=False``, no
  DTD loading, no network: an XXE sitemap's entities and external DTD are never resolved) and
  ``scrapy.utils.gz.gunzip`` with a size cap (a gzip bomb costs at most the cap);
* robots.txt: ``scrapy.utils.sitemap.sitemap_urls_from_robots``;
* feeds: ``feedparser.parse`` on a byte stream (never a URL or a path, so it opens nothing itself);
  feedparser's SAX parser has external entities off and strips ENTITY declarations.

Bad input never raises out of here: ``read_sitemap`` and ``read_feed`` return what could be read and
a ``problem`` naming what was wrong (malformed, not a sitemap, a bad gzip, too large), which the spider
counts and logs with the URL.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin

import feedparser
import lxml.etree
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from newsportal.extract.dates import CHINA_TZ

__all__ = [
    "ARCHIVE_META",
    "LASTMOD_META",
    "PAGINATION_META",
    "FeedRead",
    "SitemapRead",
    "SourceEntry",
    "archive_urls",
    "feed_links",
    "in_range",
    "parse_w3c_datetime",
    "read_feed",
    "read_sitemap",
    "robots_sitemaps",
    "sitemap_bytes",
]

# Request meta: the sitemap lastmod (ISO 8601) a request was made under (newsportal.middlewares
# .IncrementalMiddleware compares it with the stored FetchMark), and "this is a next page of a listing".
LASTMOD_META = "newsportal_lastmod"
PAGINATION_META = "newsportal_pagination"
ARCHIVE_META = "newsportal_archive"  # a date archive page: its stories and pages, not its channel links
GZIP_MAGIC = b"\x1f\x8b"
# <link rel="alternate"> types that name a feed (RSS, Atom; some portals write application/xml)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml")


@dataclass(frozen=True)
class SourceEntry:
    """One URL a source gave: a story (or, in a sitemap index, a child sitemap)."""

    url: str  # absolute, as the source gives it joined with the source's own URL
    lastmod: datetime | None = None  # sitemap <lastmod>: when the page last changed
    published: datetime | None = None  # news:publication_date, or a feed entry's published / updated


@dataclass
class SitemapRead:
    kind: str  # "urlset", "sitemapindex", or the root tag of something else ("html", "" when unreadable)
    entries: list[SourceEntry] = field(default_factory=list)
    capped: int = 0  # entries left out beyond the URL cap
    problem: str | None = None  # "malformed: ...", "not_a_sitemap: ..."; entries hold what was read


@dataclass
class FeedRead:
    entries: list[SourceEntry] = field(default_factory=list)
    capped: int = 0
    problem: str | None = None


class SitemapTooLarge(ValueError):
    """A gzipped sitemap that decompresses beyond the size cap."""


def sitemap_bytes(body: bytes, max_size: int) -> bytes:
    """The XML of a sitemap response body: gunzipped when it is gzip (a ``.xml.gz`` served as
    application/gzip, by its magic number: servers label it every way), else the body itself.

    Raises SitemapTooLarge past max_size decompressed bytes (0: no cap) and OSError / EOFError for a
    gzip with nothing readable. A gzip cut off midway gives what was decompressed (Scrapy's gunzip is
    lenient); the truncated XML is then reported malformed by ``read_sitemap``."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:  # scrapy.utils._compression._DecompressionMaxSizeExceeded
        raise SitemapTooLarge(str(exc)) from exc


class _NewsSitemap(Sitemap):
    """Scrapy's Sitemap, keeping ``news:publication_date`` too.

    Sitemap reads each ``<url>``'s direct children only; Google's news extension nests the date
    (``<news:news><news:publication_date>``), so it is read here before the element is handed on."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict | None:
        published = None
        for el in elem.iter():
            if isinstance(el.tag, str) and el.tag.rpartition("}")[2] == "publication_date":
                published = (el.text or "").strip()
                break
        d = super()._process_sitemap_element(elem)
        if d is not None and published:
            d["publication_date"] = published
        return d


def read_sitemap(xml: bytes, url: str, max_urls: int) -> SitemapRead:
    """The entries of a sitemap index or urlset, with lastmod and news:publication_date parsed.

    Relative ``<loc>`` values are joined with url (the protocol wants absolute ones; some portals
    write paths). At most max_urls entries are kept (0: all); the rest are counted in ``capped``.
    A document that is not XML, or whose root is neither ``urlset`` nor ``sitemapindex`` (an HTML
    error page served for the sitemap), has a ``problem``; so has XML lxml had to recover from
    (a broken tag, a cut-off file), with the entries read before the damage."""
    try:
        sitemap = _NewsSitemap(xml)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        return SitemapRead("", problem=f"malformed: {_first_line(exc)}")
    if sitemap.type not in ("urlset", "sitemapindex"):
        return SitemapRead(sitemap.type, problem=f"not_a_sitemap: root element <{sitemap.type}>")
    out = SitemapRead(sitemap.type)
    try:
        for d in sitemap:
            loc = d.get("loc", "")
            if not loc:
                continue
            if max_urls and len(out.entries) >= max_urls:
                out.capped += 1
                continue
            out.entries.append(
                SourceEntry(
                    urljoin(url, loc),
                    lastmod=parse_w3c_datetime(d.get("lastmod")),
                    published=parse_w3c_datetime(d.get("publication_date")),
                )
            )
    except lxml.etree.XMLSyntaxError as exc:
        out.problem = f"malformed: {_first_line(exc)}"
    errors = [e for e in sitemap.xmliter.error_log if e.level >= lxml.etree.ErrorLevels.ERROR]
    if errors and out.problem is None:
        out.problem = f"malformed: {errors[0].message} (line {errors[0].line})"
    return out


def robots_sitemaps(body: bytes, url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, joined with its URL, each once, file order."""
    return list(dict.fromkeys(sitemap_urls_from_robots(body, base_url=url)))


def read_feed(body: bytes, url: str, max_entries: int) -> FeedRead:
    """The entries of an RSS or Atom feed: each entry's link (joined with url) and its published (or
    updated) time. A feed feedparser had to recover from is kept with a ``problem``; a document with
    no feed in it (HTML, garbage) has no entries and a problem."""
    # feedparser marks a feed "bozo" for its HTTP label alone (none, or text/html: portals serve RSS
    # every way); the document decides here, so it is read as XML whatever the server called it.
    headers = {"content-location": url, "content-type": "application/xml"}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    out = FeedRead()
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        if max_entries and len(out.entries) >= max_entries:
            out.capped += 1
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*stamp[:6], tzinfo=UTC).astimezone(CHINA_TZ) if stamp else None
        out.entries.append(SourceEntry(urljoin(url, link), published=published))
    if not parsed.get("version"):
        out.problem = "not_a_feed: no RSS or Atom root element"
    elif parsed.get("bozo"):
        out.problem = f"malformed: {_first_line(parsed.get('bozo_exception'))}"
    return out


def feed_links(sel: Selector, url: str) -> list[str]:
    """Feeds a page announces: ``<link rel="alternate" type="application/rss+xml|atom+xml" href>``,
    absolute, each once, page order."""
    out: list[str] = []
    for link in sel.xpath("//head/link[@href] | //link[@href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            target = urljoin(url, link.attrib["href"].strip())
            if target.startswith(("http://", "https://")) and target not in out:
                out.append(target)
    return out


def archive_urls(patterns: tuple[str, ...], first: date, last: date, base: str) -> Iterator[tuple[date, str]]:
    """(day, URL) of each date archive page from last back to first (newest first): each pattern is a
    strftime format (``/archive/%Y%m%d.html``), joined with base."""
    day = last
    while day >= first:
        for pattern in patterns:
            yield day, urljoin(base, day.strftime(pattern))
        day -= timedelta(days=1)


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A sitemap date (W3C datetime: ``2026-03-14``, ``2026-03-14T20:02:59+08:00``, ``...Z``) as an
    aware datetime; a date without a zone is read in China time. None for anything else."""
    if not text:
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)


def in_range(when: datetime, since: datetime | None, until: datetime | None) -> bool:
    """since <= when < until (either bound may be open)."""
    return (since is None or when >= since) and (until is None or when < until)


def _first_line(exc: object) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
