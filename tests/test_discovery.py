"""URL sources beside listings (issue 17): sitemaps, feeds, date archives, backfill and lastmod runs.

Real crawls (``scrapy crawl portal`` in a subprocess) of the sample portal served by a FaultServer,
whose request log says what each run fetched, and of small hostile portals (malformed, looping,
over-large and XXE sitemaps) served the same way on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.faultserver import FaultHandler, FaultServer, article_html, crawl_cli, fault_server, listing_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "portal"
TYPES = {".html": "text/html", ".xml": "application/xml", ".gz": "application/gzip", ".txt": "text/plain"}


def static(root: Path):
    """A route serving root's files as a plain static host does (a directory → its index.html)."""

    def route(h: FaultHandler) -> None:
        path = h.path.split("?", 1)[0].split("#", 1)[0]
        target = root / path.lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        if not target.is_file() or root.resolve() not in target.resolve().parents:
            h.send_page("<html><body>not found</body></html>", status=404)
            return
        h.send_page(target.read_bytes(), content_type=TYPES.get(target.suffix, "application/octet-stream"))

    return route


def manifest() -> dict:
    return json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))


def paths(items: list[dict]) -> list[str]:
    return sorted("/" + item["url"].split("/", 3)[3] for item in items)


def sample_run(tmp_path: Path, server: FaultServer, **spider_args: str):
    return crawl_cli(
        tmp_path,
        spider_args={"site": "sample", "start_url": server.base_url, **spider_args},
        site_dir="sample",
    )


# --- the sample portal: every source, backfill, incremental ---------------------------------------


def test_crawl_finds_every_manifest_story_including_sitemap_only_and_feed_only(tmp_path: Path) -> None:
    with fault_server({"/*": static(SAMPLE)}) as server:
        run = sample_run(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    expected = sorted(a["path"] for a in manifest()["articles"])
    assert paths(run.items) == expected
    only = manifest()["found_only_by"]
    assert only["sitemap"] and only["feed"]
    assert set(only["sitemap"]) | set(only["feed"]) <= set(paths(run.items))
    fetched = {h.path for h in server.log}
    assert {"/robots.txt", "/sitemap_index.xml.gz", "/sitemaps/articles.xml", "/sitemaps/news.xml"} <= fetched
    # read once: Scrapy's RobotsTxtMiddleware is given the response discovery read for its Sitemap: lines
    assert [h.path for h in server.log].count("/robots.txt") == 1
    assert run.stat("robotstxt/response_count") == 1
    assert {"/rss.xml", "/tech/atom.xml"} <= fetched  # discovered through <link rel="alternate">
    assert {"/archive/20260315.html", "/archive/20260314.html"} <= fetched  # NEWSPORTAL_ARCHIVE_DAYS=2
    assert (
        run.stat("newsportal/discovery/sitemap_urls") > 0 and run.stat("newsportal/discovery/feed_urls") > 0
    )


def _source_dates(kind: str) -> dict[str, date]:
    """Story path → day the sitemaps give: ``news`` (news:publication_date) or ``lastmod``. (Feeds
    date stories too, but the sample's are found on listings, read after the stories are fetched.)"""
    from scrapy.utils.sitemap import Sitemap

    out: dict[str, date] = {}
    if kind == "lastmod":
        for name in ("articles.xml", "news.xml"):
            for e in Sitemap((SAMPLE / "sitemaps" / name).read_bytes()):
                out[e["loc"]] = date.fromisoformat(e["lastmod"][:10])
        return out
    news = (SAMPLE / "sitemaps" / "news.xml").read_text(encoding="utf-8")
    for loc, when in re.findall(r"<loc>([^<]+)</loc>.*?<news:publication_date>([^<]+)<", news, re.S):
        out[loc] = date.fromisoformat(when[:10])
    return out


def _in_range(since: str, until: str) -> list[str]:
    first, last = date.fromisoformat(since), date.fromisoformat(until)
    return sorted(
        a["path"]
        for a in manifest()["articles"]
        if first <= date.fromisoformat(a["published_at"][:10]) <= last
    )


@pytest.mark.parametrize(("since", "until"), [("2026-03-08", "2026-03-09"), ("2026-03-13", "2026-03-14")])
def test_since_until_gives_exactly_the_manifest_stories_published_in_the_range(
    tmp_path: Path, since: str, until: str
) -> None:
    expected = _in_range(since, until)
    assert len(expected) >= 6
    with fault_server({"/*": static(SAMPLE)}) as server:
        run = sample_run(tmp_path, server, since=since, until=until)
    assert run.code == 0, run.log[-3000:]
    assert paths(run.items) == expected
    # Stories a source dates outside the range are not even requested: a news sitemap's or a feed's
    # date outside it, or a sitemap lastmod before since (published before it changed). A lastmod
    # after until says nothing of the publication: those are fetched, dated by their page, dropped.
    first, last = date.fromisoformat(since), date.fromisoformat(until)
    dated_out = {p for p, day in _source_dates("news").items() if not first <= day <= last}
    dated_out |= {p for p, day in _source_dates("lastmod").items() if day < first}
    fetched = {h.path for h in server.log}
    assert dated_out and not dated_out & fetched, sorted(dated_out & fetched)
    assert run.stat("newsportal/discovery/out_of_range") >= len(dated_out)
    # every other story fetched is dated out by its page (beside the pages that emit nothing anyway)
    silent = {e["path"] for e in manifest()["not_emitted"]}
    dated_by_page = {p for p in fetched if p.startswith("/a/")} - set(expected) - silent
    # (the syndicated copy is in no source: fetched from a listing, it may be dated out too)
    assert len(dated_by_page) <= run.stat("newsportal/dropped/out_of_range") <= len(dated_by_page) + 1
    days = {f"/archive/{d}.html" for d in (since.replace("-", ""), until.replace("-", ""))}
    assert days <= fetched  # the range's archive pages
    assert not {p for p in fetched if p.startswith("/archive/")} - days


def test_since_drops_stories_whose_page_date_is_outside_and_counts_them(tmp_path: Path) -> None:
    """A listing and related links still lead to older stories: fetched, dated, dropped as out_of_range."""
    with fault_server({"/*": static(SAMPLE)}) as server:
        run = sample_run(tmp_path, server, since="2026-03-14", until="2026-03-14")
    assert paths(run.items) == _in_range("2026-03-14", "2026-03-14")
    assert run.stat("newsportal/dropped/out_of_range") > 0
    assert "out_of_range" in run.log


def test_second_run_on_an_unchanged_portal_fetches_no_article_and_only_first_listing_pages(
    tmp_path: Path,
) -> None:
    with fault_server({"/*": static(SAMPLE)}) as server:
        first = sample_run(tmp_path, server)
        assert first.code == 0 and len(first.items) == len(manifest()["articles"])
        server.log.clear()
        second = sample_run(tmp_path, server)
    assert second.code == 0, second.log[-3000:]
    assert second.items == []
    fetched = [h.path for h in server.log]
    assert [p for p in fetched if p.startswith(("/a/", "/m/"))] == []  # no article page
    assert [p for p in fetched if "index_" in p] == []  # each listing's first page only
    assert "/sitemap_index.xml.gz" in fetched
    assert "/sitemaps/articles.xml" not in fetched  # the index says it is unchanged
    assert second.stat("newsportal/listings/paging_stopped") >= 5
    assert second.stat("newsportal/skipped/lastmod") == 2  # the two urlsets


def test_a_story_whose_sitemap_lastmod_is_newer_is_fetched_again_whatever_its_age(tmp_path: Path) -> None:
    portal = tmp_path / "portal"
    shutil.copytree(SAMPLE, portal)
    story = manifest()["found_only_by"]["sitemap"][0]  # published 2026-03: long past any refresh window
    with fault_server({"/*": static(portal)}) as server:
        first = sample_run(tmp_path, server)
        assert story in paths(first.items)
        newer = "<lastmod>2026-11-30T08:00:00+08:00</lastmod>"
        sitemap = portal / "sitemaps" / "articles.xml"
        text = sitemap.read_text(encoding="utf-8")
        text, n = re.subn(
            f"(<loc>{re.escape(story)}</loc>\\s*)<lastmod>[^<]*</lastmod>", rf"\g<1>{newer}", text
        )
        assert n == 1
        sitemap.write_text(text, encoding="utf-8")
        index = gzip.decompress((portal / "sitemap_index.xml.gz").read_bytes()).decode("utf-8")
        index, n = re.subn(
            r"(<loc>/sitemaps/articles.xml</loc>\s*)<lastmod>[^<]*</lastmod>", rf"\g<1>{newer}", index
        )
        assert n == 1
        (portal / "sitemap_index.xml.gz").write_bytes(gzip.compress(index.encode("utf-8")))
        server.log.clear()
        second = sample_run(tmp_path, server)
    assert second.code == 0, second.log[-3000:]
    fetched = [h.path for h in server.log if h.path.startswith("/a/")]
    assert fetched == [story]
    assert second.stat("newsportal/refresh/lastmod") == 1
    # same body: not emitted again, counted as a refresh that found it unchanged (not a duplicate)
    assert second.stat("newsportal/refresh/unchanged") == 1
    assert second.stat("newsportal/duplicates/url") == 0 and second.items == []


def _dated_listing(page: int, days: list[int]) -> str:
    """A date-ordered listing page in the sample portal's shape (the sample profile reads it)."""
    entries = "".join(
        f'<li><h4><a href="/a/{d}00_301.html">第{d}日新闻</a></h4>'
        f'<span class="time">2026-03-{d:02d} 09:00</span></li>'
        for d in days
    )
    nxt = (
        f'<div class="pagination"><a href="/news/index_{page + 1}.html">下一页</a></div>' if page < 5 else ""
    )
    body = f'<div class="news-list"><ul>{entries}</ul></div>{nxt}'
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'


def test_since_stops_paging_a_date_ordered_listing_once_its_entries_are_older(tmp_path: Path) -> None:
    pages = {1: [14, 13], 2: [12, 11], 3: [10, 9], 4: [8, 7], 5: [6, 5]}
    routes = {"/": lambda h: h.send_page(_dated_listing(1, pages[1]))}
    for n, days in pages.items():
        path = "/news/" if n == 1 else f"/news/index_{n}.html"
        routes[path] = lambda h, n=n, days=days: h.send_page(_dated_listing(n, days))
        for d in days:
            routes[f"/a/{d}00_301.html"] = lambda h, d=d: h.send_page(
                article_html(f"第{d}日新闻", date=f"2026-03-{d:02d} 09:00")
            )
    routes["/"] = routes["/news/"]
    with fault_server(routes) as server:
        run = crawl_cli(
            tmp_path, spider_args={"site": "sample", "start_url": server.url("/news/"), "since": "2026-03-11"}
        )
    assert run.code == 0, run.log[-3000:]
    assert sorted(i["title"] for i in run.items) == [f"第{d}日新闻" for d in (11, 12, 13, 14)]
    fetched = [h.path for h in server.log]
    assert "/news/index_3.html" in fetched  # page 2 still reached since: page 3 may hold its last stories
    assert "/news/index_4.html" not in fetched and "/news/index_5.html" not in fetched
    assert run.stat("newsportal/listings/paging_stopped") == 1
    assert run.stat("newsportal/dropped/out_of_range") == 2  # page 3's stories, dated by their pages


# --- bad sources: counted and logged with the URL, never a crash ------------------------------------

STORIES = [f"/a/{n}.html" for n in range(1, 4)]


def _portal(sitemap_routes: dict, robots: str) -> dict:
    routes = {
        "/": lambda h: h.send_page(listing_html(["/a/1.html"])),
        "/robots.txt": lambda h: h.send_page(robots, content_type="text/plain"),
        **{p: (lambda h, p=p: h.send_page(article_html(f"新闻{p[3]}"))) for p in STORIES},
    }
    routes.update(sitemap_routes)
    return routes


def _urlset(locs: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>2026-03-14</lastmod></url>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def _xml(body: bytes, kind: str = "application/xml"):
    return lambda h: h.send_page(body, content_type=kind)


def generic_run(tmp_path: Path, server: FaultServer, **settings: str):
    return crawl_cli(tmp_path, spider_args={"start_url": server.base_url}, settings=settings)


def test_malformed_html_and_cut_off_gzip_sitemaps_are_counted_and_logged_and_the_good_one_read(
    tmp_path: Path,
) -> None:
    good = _urlset(["/a/2.html", "/a/3.html"])
    noise = "".join(random.Random(7).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=20_000))
    whole = gzip.compress(
        _urlset(["/a/2.html", "/a/3.html"]).replace(b"</urlset>", f"<!-- {noise} -->".encode())
    )
    cut = whole[: len(whole) // 2]  # the two entries and half the comment: no </urlset>
    routes = {
        "/good.xml": _xml(good),
        "/broken.xml": _xml(good[:-40] + b"<url><loc>/a/9.html</lo"),
        "/page.xml": _xml(b"<html><body><h1>Sitemap moved</h1></body></html>", "text/html"),
        "/cut.xml.gz": _xml(cut, "application/gzip"),
        "/empty.xml.gz": _xml(gzip.compress(good, mtime=0)[:12], "application/gzip"),
    }
    robots = "User-agent: *\n" + "".join(f"Sitemap: /{p.lstrip('/')}\n" for p in routes)
    with fault_server(_portal(routes, robots)) as server:
        run = generic_run(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    assert sorted(i["title"] for i in run.items) == ["新闻1", "新闻2", "新闻3"]
    assert run.stat("newsportal/discovery/sitemap_malformed") == 2  # broken.xml, and the cut-off gzip's XML
    assert run.stat("newsportal/discovery/sitemap_not_a_sitemap") == 1
    assert run.stat("newsportal/discovery/sitemap_bad_gzip") == 1
    for path in ("/broken.xml", "/page.xml", "/cut.xml.gz", "/empty.xml.gz"):
        assert server.url(path) in run.log, path
    assert "Traceback" not in run.log


def test_a_sitemap_index_naming_itself_is_read_once_and_the_loop_counted(tmp_path: Path) -> None:
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>/index.xml</loc></sitemap><sitemap><loc>/child.xml</loc></sitemap>"
        b"</sitemapindex>"
    )
    child = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>/index.xml</loc></sitemap></sitemapindex>"
    )
    routes = {"/index.xml": _xml(index), "/child.xml": _xml(child)}
    with fault_server(_portal(routes, "User-agent: *\nSitemap: /index.xml\n")) as server:
        run = generic_run(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    assert [h.path for h in server.log].count("/index.xml") == 1
    assert run.stat("newsportal/discovery/sitemap_loop") == 2
    assert f"sitemap_loop: {server.url('/index.xml')}" in run.log


def test_over_large_sitemaps_are_capped_in_urls_and_size_and_counted(tmp_path: Path) -> None:
    many = _urlset([f"/a/{n}.html" for n in (2, 3, *range(10, 40))])
    bomb = gzip.compress(_urlset(["/a/2.html"]) + b"<!-- " + b" " * 3_000_000 + b" -->", mtime=0)
    routes = {"/many.xml": _xml(many), "/bomb.xml.gz": _xml(bomb, "application/gzip")}
    robots = "User-agent: *\nSitemap: /many.xml\nSitemap: /bomb.xml.gz\n"
    with fault_server(_portal(routes, robots)) as server:
        run = generic_run(
            tmp_path,
            server,
            NEWSPORTAL_SITEMAP_MAX_URLS="2",
            NEWSPORTAL_SITEMAP_MAXSIZE="1000000",
            NEWSPORTAL_MAX_LINKS_PER_PAGE="1",  # a page's link limit: not a sitemap's (it has its own)
        )
    assert run.code == 0, run.log[-3000:]
    assert run.stat("newsportal/discovery/sitemap_urls_capped") == 30
    assert run.stat("newsportal/discovery/sitemap_too_large") == 1
    assert server.url("/bomb.xml.gz") in run.log
    past_cap = {f"/a/{n}.html" for n in range(10, 40)}
    assert not [h for h in server.log if h.path in past_cap]  # entries past the cap: never requested
    assert sorted(i["title"] for i in run.items) == ["新闻1", "新闻2", "新闻3"]


def test_xxe_sitemap_and_feed_never_resolve_entities_or_fetch_external_dtds(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4242", encoding="utf-8")
    with fault_server() as server:
        dtd = server.url("/evil.dtd")
        sitemap = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE urlset SYSTEM "{dtd}" [\n'
            f'<!ENTITY secret SYSTEM "file://{secret}">\n'
            f'<!ENTITY remote SYSTEM "{server.url("/evil-entity")}">\n'
            '<!ENTITY % param SYSTEM "' + server.url("/evil-param") + '"> %param;\n]>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            "<url><loc>/a/2.html?k=&secret;&remote;</loc></url><url><loc>/a/3.html</loc></url></urlset>"
        ).encode()
        feed = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE rss SYSTEM "{dtd}" [<!ENTITY secret SYSTEM "file://{secret}">]>\n'
            '<rss version="2.0"><channel><title>&secret;</title>'
            "<item><title>&secret;</title><link>/a/1.html?k=&secret;</link></item></channel></rss>"
        ).encode()
        server.routes.update(
            _portal(
                {
                    "/sitemap.xml": _xml(sitemap),
                    "/rss.xml": _xml(feed),
                    "/": lambda h: h.send_page(
                        listing_html(["/a/1.html"], extra="").replace(
                            "<head>",
                            '<head><link rel="alternate" type="application/rss+xml" href="/rss.xml">',
                        )
                    ),
                },
                "User-agent: *\nSitemap: /sitemap.xml\n",
            )
        )
        run = generic_run(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    requested = [h.path for h in server.log]
    assert "/sitemap.xml" in requested and "/rss.xml" in requested
    assert not [p for p in requested if p.startswith("/evil")]  # no external DTD, no external entity
    assert all("TOPSECRET" not in p for p in requested)
    assert "TOPSECRET" not in json.dumps(run.items, ensure_ascii=False) + run.log
    assert sorted(i["title"] for i in run.items) == ["新闻1", "新闻2", "新闻3"]
