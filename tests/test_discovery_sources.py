"""The readers of URL sources (newsportal.discovery), the backfill arguments, the fetch marks of the
state store and the requests a profile's known sources give (issue 17). No crawl: bytes in, values out."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newsportal.discovery import (
    SitemapTooLarge,
    archive_urls,
    feed_links,
    parse_w3c_datetime,
    read_feed,
    read_sitemap,
    robots_sitemaps,
    sitemap_bytes,
)
from newsportal.extract.dates import CHINA_TZ
from newsportal.spiders.portal import PortalSpider
from newsportal.state import FetchMark
from newsportal.state.sqlite import SQLiteStateStore

NEWS_URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>/a/1.html</loc><lastmod>2026-03-14</lastmod>
<news:news><news:publication><news:name>X</news:name><news:language>zh</news:language></news:publication>
<news:publication_date>2026-03-14T20:02:59+08:00</news:publication_date><news:title>T</news:title></news:news>
</url>
<url><loc>https://other.example.com/a/2.html</loc><lastmod>2026-03-13T01:00:00Z</lastmod></url>
<url><loc>/a/3.html</loc></url>
</urlset>"""


def test_urlset_entries_carry_lastmod_and_news_publication_date_with_locs_made_absolute() -> None:
    read = read_sitemap(NEWS_URLSET, "http://portal.example.com/sitemaps/news.xml", 0)
    assert read.kind == "urlset" and read.problem is None
    assert [e.url for e in read.entries] == [
        "http://portal.example.com/a/1.html",
        "https://other.example.com/a/2.html",
        "http://portal.example.com/a/3.html",
    ]
    first, second, third = read.entries
    assert first.lastmod == datetime(2026, 3, 14, tzinfo=CHINA_TZ)
    assert first.published == datetime(2026, 3, 14, 20, 2, 59, tzinfo=CHINA_TZ)
    assert second.lastmod == datetime(2026, 3, 13, 9, 0, tzinfo=CHINA_TZ)  # Z is UTC
    assert (second.published, third.lastmod) == (None, None)


def test_url_cap_keeps_the_first_entries_and_counts_the_rest() -> None:
    read = read_sitemap(NEWS_URLSET, "http://h/s.xml", 2)
    assert len(read.entries) == 2 and read.capped == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html><body><p>not here</p></body></html>", "not_a_sitemap"),
        (b"", "malformed"),
        (b"\x00\x01 garbage", "malformed"),
        (NEWS_URLSET[:-60], "malformed"),  # cut off: what came before is kept
    ],
)
def test_bad_sitemaps_give_a_problem_never_an_exception(body: bytes, problem: str) -> None:
    read = read_sitemap(body, "http://h/s.xml", 0)
    assert read.problem is not None and read.problem.startswith(problem + ":")


def test_a_cut_off_sitemap_keeps_the_entries_before_the_cut() -> None:
    read = read_sitemap(NEWS_URLSET[:-60], "http://h/s.xml", 0)
    assert [e.url for e in read.entries][:2] == ["http://h/a/1.html", "https://other.example.com/a/2.html"]


def test_sitemap_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOPSECRET", encoding="utf-8")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY s SYSTEM "file://{secret}">'
        '<!ENTITY big "AAAAAAAAAA"><!ENTITY b2 "&big;&big;&big;&big;&big;&big;&big;&big;">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>/a/&s;&b2;.html</loc></url></urlset>"
    ).encode()
    read = read_sitemap(xml, "http://h/s.xml", 0)
    assert [e.url for e in read.entries] == ["http://h/a/"]  # the text before the unresolved entities


def test_gzip_bodies_are_gunzipped_within_the_size_cap() -> None:
    packed = gzip.compress(NEWS_URLSET, mtime=0)
    assert sitemap_bytes(packed, 0) == NEWS_URLSET
    assert sitemap_bytes(NEWS_URLSET, 10) == NEWS_URLSET  # not gzip: as it is, the download cap applies
    with pytest.raises(SitemapTooLarge):
        sitemap_bytes(packed, 100)
    with pytest.raises((OSError, EOFError)):
        sitemap_bytes(packed[:12], 0)  # nothing readable
    assert NEWS_URLSET.startswith(sitemap_bytes(packed[: len(packed) // 2], 0))  # cut off: the start


def test_robots_sitemap_lines_are_joined_with_the_robots_url() -> None:
    robots = b"User-agent: *\nDisallow: /x/\nSitemap: /sm.xml.gz\nsitemap: https://cdn.example.com/b.xml\n"
    assert robots_sitemaps(robots, "http://h.example.com/robots.txt") == [
        "http://h.example.com/sm.xml.gz",
        "https://cdn.example.com/b.xml",
    ]


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>/a/1.html</link><pubDate>Sat, 14 Mar 2026 12:00:00 +0800</pubDate></item>
<item><title>b</title></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>
<updated>2026-03-14T00:00:00Z</updated><entry><title>a</title><link rel="alternate" href="/a/2.html"/>
<id>e</id><updated>2026-03-13T16:00:00Z</updated></entry></feed>"""


def test_rss_and_atom_entries_give_links_and_dates() -> None:
    rss = read_feed(RSS, "http://h/rss.xml", 0)
    assert [(e.url, e.published) for e in rss.entries] == [
        ("http://h/a/1.html", datetime(2026, 3, 14, 12, tzinfo=CHINA_TZ))
    ]
    assert rss.problem is None
    atom = read_feed(ATOM, "http://h/tech/atom.xml", 0)
    assert [(e.url, e.published) for e in atom.entries] == [
        ("http://h/a/2.html", datetime(2026, 3, 14, 0, tzinfo=CHINA_TZ))
    ]


def test_bad_feeds_give_a_problem_never_an_exception() -> None:
    assert read_feed(b"<html><body>x</body></html>", "http://h/f", 0).problem.startswith("not_a_feed:")
    cut = read_feed(RSS[:-40], "http://h/f", 0)
    assert cut.problem.startswith("malformed:") and cut.entries


def test_feed_links_are_the_alternate_rss_and_atom_links() -> None:
    sel = Selector(
        text='<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
        '<link rel="alternate" hreflang="en" href="/en/"><link rel="stylesheet" href="/s.css">'
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>'
    )
    assert feed_links(sel, "http://h/news/") == ["http://h/rss.xml", "http://h/news/atom.xml"]


def test_a_listings_feed_links_are_read_without_keeping_its_tree_on_the_response() -> None:
    """The parsed page is freed once its feed links are read: cached on the response, a listing's
    lxml tree lived as long as its links took to schedule (issue 16: the crawl's peak RSS)."""
    spider = PortalSpider.from_crawler(_crawler(), start_url="https://news.example.com/china/")
    response = HtmlResponse(
        "https://news.example.com/china/",
        body=b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head></html>',
        encoding="utf-8",
    )
    requests = list(spider.listing_sources(response))
    assert [(r.url, r.callback.__name__) for r in requests] == [
        ("https://news.example.com/rss.xml", "parse_feed")
    ]
    assert response._cached_selector is None  # Scrapy's cache behind response.selector: never filled


def test_archive_urls_cover_each_day_newest_first() -> None:
    got = list(archive_urls(("/roll/%Y%m%d.html",), date(2026, 2, 27), date(2026, 3, 1), "http://h/"))
    assert [u for _, u in got] == [
        "http://h/roll/20260301.html",
        "http://h/roll/20260228.html",
        "http://h/roll/20260227.html",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-14", datetime(2026, 3, 14, tzinfo=CHINA_TZ)),
        ("2026-03-14T20:02:59+08:00", datetime(2026, 3, 14, 20, 2, 59, tzinfo=CHINA_TZ)),
        ("2026-03-14T12:02:59Z", datetime(2026, 3, 14, 20, 2, 59, tzinfo=CHINA_TZ)),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_w3c_datetimes(text: str | None, expected: datetime | None) -> None:
    assert parse_w3c_datetime(text) == expected


# --- spider arguments ---------------------------------------------------------------------------


def test_since_and_until_are_days_and_until_needs_since_and_may_not_precede_it() -> None:
    spider = PortalSpider(since="2026-03-01", until="2026-03-31")
    assert (spider.args.since, spider.args.until) == (date(2026, 3, 1), date(2026, 3, 31))
    since, until = spider.date_range
    assert since == datetime(2026, 3, 1, tzinfo=CHINA_TZ) and until == datetime(2026, 4, 1, tzinfo=CHINA_TZ)
    assert PortalSpider().date_range is None
    bad_ones = {
        "bad spider arguments: until needs since": {"until": "2026-03-31"},
        r"bad spider arguments: until \(2026-03-01\) is before since": {
            "since": "2026-03-02",
            "until": "2026-03-01",
        },
        "bad spider argument since='March'": {"since": "March"},
    }
    for says, bad in bad_ones.items():
        with pytest.raises(ValueError, match=says):
            PortalSpider(**bad)


# --- a profile's known sources ---------------------------------------------------------------------


def _crawler(**settings: str):
    ours = {k: v for k, v in get_project_settings().copy_to_dict().items() if k.startswith("NEWSPORTAL_")}
    return get_crawler(PortalSpider, {**ours, "NEWSPORTAL_DEFAULT_FEED": "", **settings})


def test_a_profile_naming_its_sitemaps_and_feeds_is_not_asked_about_robots_txt() -> None:
    crawler = _crawler(NEWSPORTAL_REFERENCE_TIME="2026-03-15T10:00:00+08:00")
    spider = PortalSpider.from_crawler(crawler, start_url="https://news.example.com/")
    spider.site = replace(
        spider.site,
        sitemaps=("/sitemap/news.xml",),
        feeds=("https://news.example.com/rss/all.xml",),
        date_archives=("/roll/%Y-%m-%d/",),
    )
    sources, archives = spider.source_requests("")
    assert [r.url for r in sources] == [
        "https://news.example.com/sitemap/news.xml",
        "https://news.example.com/rss/all.xml",
    ]
    assert [r.callback.__name__ for r in sources] == ["parse_sitemap", "parse_feed"]
    assert [r.url for r in archives] == [
        "https://news.example.com/roll/2026-03-15/",
        "https://news.example.com/roll/2026-03-14/",
    ]  # NEWSPORTAL_ARCHIVE_DAYS = 2, from the reference day back


def test_without_known_sources_robots_txt_is_read_for_its_sitemaps() -> None:
    crawler = _crawler()
    spider = PortalSpider.from_crawler(crawler, start_url="https://news.example.com/china/")
    sources, archives = spider.source_requests("")
    assert [r.url for r in sources] == ["https://news.example.com/robots.txt"] and archives == []


# --- fetch marks in the state store ------------------------------------------------------------------


def test_fetch_marks_are_stored_replaced_and_forgotten_on_reset(tmp_path: Path) -> None:
    with SQLiteStateStore(tmp_path) as store:
        assert store.fetch_mark("http://h/a/1.html") is None
        store.mark_fetched(
            [FetchMark("http://h/a/1.html", "2026-03-15T10:00:00+08:00", "2026-03-14T00:00:00+08:00")]
        )
        store.mark_fetched([])
    with SQLiteStateStore(tmp_path) as store:  # durable
        assert store.fetch_mark("http://h/a/1.html") == FetchMark(
            "http://h/a/1.html", "2026-03-15T10:00:00+08:00", "2026-03-14T00:00:00+08:00"
        )
        store.mark_fetched([FetchMark("http://h/a/1.html", "2026-03-16T10:00:00+08:00", None)])
        assert store.fetch_mark("http://h/a/1.html").lastmod is None
        assert store.stats().details["fetch_marks"] == 1
        store.reset()
        assert store.fetch_mark("http://h/a/1.html") is None


def test_a_mark_is_unchanged_by_a_lastmod_not_newer_than_its_own_or_its_fetch_time() -> None:
    marked = FetchMark("u", "2026-03-15T10:00:00+08:00", "2026-03-14T00:00:00+08:00")
    assert marked.unchanged_by("2026-03-14T00:00:00+08:00")
    assert marked.unchanged_by("2026-03-13T16:00:00+00:00")  # the same moment in UTC
    assert not marked.unchanged_by("2026-03-14T00:00:01+08:00")
    fetched_only = FetchMark("u", "2026-03-15T10:00:00+08:00")
    assert fetched_only.unchanged_by("2026-03-15T09:00:00+08:00")
    assert not fetched_only.unchanged_by("2026-03-15T11:00:00+08:00")
    assert not marked.unchanged_by("not a date")
