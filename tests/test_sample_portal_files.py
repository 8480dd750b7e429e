"""The sample portal's static files and manifest agree with each other (no engine, no server needed).

These are checks of the test data itself: if one fails, the portal or its manifest is wrong, not the
crawler. The crawl-level expectations live in the manifest (samples/portal/manifest.json).
"""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

PORTAL = Path(__file__).resolve().parent.parent / "samples" / "portal"
BASE = "http://127.0.0.1:8000/"
REASONS = {"duplicate_url", "duplicate_content", "no_title", "empty_body", "not_article", "http_404"}


@cache
def manifest() -> dict:
    return json.loads((PORTAL / "manifest.json").read_text(encoding="utf-8"))


def file_for(path: str) -> Path:
    """The file a static server sends for a root-relative URL (query and fragment ignored)."""
    local = urlsplit(path).path
    if local.endswith("/"):
        local += "index.html"
    return PORTAL / local.lstrip("/")


def declares_gbk(raw: bytes) -> bool:
    return b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in raw[:600]


@cache
def page(path: str) -> Selector:
    raw = file_for(path).read_bytes()
    return Selector(text=raw.decode("gbk" if declares_gbk(raw) else "utf-8"))


def normalised(text: str) -> str:
    """The cleaner's rule: zero-width characters removed, any whitespace run → one space, ends stripped."""
    text = re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return re.sub(r"\s+", " ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


# <p>s of the body container a reader sees as text: not hidden, not in the ad slot or the pager.
VISIBLE_BODY_P = (
    "//article[@id='mp-editor']//p[not(contains(@style, 'display:none'))]"
    "[not(ancestor::div[@class='ad-box' or @class='article-pager'])]"
)
BOILERPLATE = re.compile(r"^(来源[:：]|责任编辑[:：]|返回搜狐|声明[:：]|扫码关注「)")


def paragraphs(sel: Selector) -> list[str]:
    """Normalised non-empty visible <p> texts of the article body container."""
    texts = (normalised("".join(p.xpath(".//text()").getall())) for p in sel.xpath(VISIBLE_BODY_P))
    return [t for t in texts if t]


def site_links(path: str, scope: str = "//a/@href") -> list[str]:
    """Root-relative hrefs (query kept) of one page that stay on the portal."""
    out = []
    for href in page(path).xpath(scope).getall():
        if href.startswith(("javascript:", "mailto:", "#")):
            continue
        parts = urlsplit(urljoin(BASE + path.lstrip("/"), href))
        if f"{parts.scheme}://{parts.netloc}/" == BASE:
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl_paths() -> dict[str, set[str]]:
    """BFS over the static files from "/": every reachable path → the set of pages linking to it."""
    linked_from: dict[str, set[str]] = {"/": set()}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        if not file_for(path).is_file() or file_for(path).suffix != ".html":
            continue
        for link in site_links(path):
            if link not in linked_from:
                linked_from[link] = set()
                queue.append(link)
            linked_from[link].add(path)
    return linked_from


def canonical(path: str) -> str:
    return re.sub(r"^/m/a/", "/a/", urlsplit(path).path)


def is_article_page(path: str) -> bool:
    return path.startswith(("/a/", "/m/"))


def test_manifest_lists_at_least_60_articles_with_every_field() -> None:
    fields = {
        "path",
        "channel",
        "title",
        "is_original",
        "author",
        "source",
        "editor",
        "published_at",
        "body",
        "images",
        "tags",
        "related_paths",
        "read_count",
        "page_count",
    }
    articles = manifest()["articles"]
    assert len(articles) >= 60
    assert all(set(a) == fields for a in articles)
    assert len({a["path"] for a in articles}) == len(articles)
    assert next(iter(manifest())) == "reference_time"
    assert manifest()["reference_time"] == "2026-03-15T10:00:00+08:00"


def test_every_manifest_path_is_a_file_except_the_declared_404() -> None:
    for a in manifest()["articles"]:
        assert file_for(a["path"]).is_file(), a["path"]
        assert all(file_for(i["url"]).is_file() for i in a["images"]), a["path"]
    for entry in manifest()["not_emitted"]:
        assert entry["reason"] in REASONS, entry
        assert file_for(entry["path"]).is_file() == (entry["reason"] != "http_404"), entry


def test_every_page_under_a_and_m_is_in_the_manifest_once() -> None:
    listed = [a["path"] for a in manifest()["articles"]]
    listed += [urlsplit(e["path"]).path for e in manifest()["not_emitted"]]
    on_disk = {
        "/" + p.relative_to(PORTAL).as_posix() for d in ("a", "m") for p in (PORTAL / d).rglob("*.html")
    }
    assert on_disk <= set(listed)
    assert {p for p in listed if is_article_page(p)} - on_disk == {"/a/9999_399.html"}


def test_every_manifest_article_and_trap_page_is_reachable_from_home() -> None:
    """Through links, except the stories only a sitemap or a feed lists (issue 17), which no page links."""
    reachable = crawl_paths()
    only = {p for paths in manifest()["found_only_by"].values() for p in paths}
    for a in manifest()["articles"]:
        assert (a["path"] in reachable) != (a["path"] in only), a["path"]
    assert sorted(manifest()["found_by"]["listings"]) == sorted(
        a["path"] for a in manifest()["articles"] if a["path"] in reachable
    )
    for entry in manifest()["not_emitted"]:
        assert entry["path"] in reachable, entry["path"]


def test_at_least_five_articles_are_reachable_only_through_related_or_hot_lists() -> None:
    reachable = crawl_paths()
    lists = "//div[@class='related-news' or @class='hot-article']//a/@href"
    related_only = []
    for a in manifest()["articles"]:
        sources = {src for link, srcs in reachable.items() if canonical(link) == a["path"] for src in srcs}
        if sources and all(is_article_page(src) for src in sources):
            related_only.append(a["path"])
            via_lists = {src for src in sources if a["path"] in map(canonical, site_links(src, lists))}
            assert via_lists == sources, a["path"]  # linked from the lists, not from article bodies
    assert len(related_only) >= 5, related_only


def test_local_channel_pages_are_gbk_declared_only_by_meta() -> None:
    gbk_paths = [f"/local/index{s}.html" for s in ("", "_2", "_3")]
    gbk_paths += [a["path"] for a in manifest()["articles"] if a["channel"] == "本地"]
    assert len(gbk_paths) >= 10
    for path in gbk_paths:
        raw = file_for(path).read_bytes()
        assert declares_gbk(raw), path
        assert b'charset="utf-8"' not in raw and b"charset=utf-8" not in raw, path
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "本地" in raw.decode("gbk"), path
    # Characters outside GB2312 but inside GBK: a strict gb2312 decoder fails on these pages.
    texts = "".join(file_for(p).read_bytes().decode("gbk") for p in gbk_paths)
    assert "喆" in texts and "堃" in texts


def test_other_pages_are_utf8() -> None:
    for path in ("/", "/news/index.html", "/a/1001_301.html", "/m/a/1005_302.html"):
        raw = file_for(path).read_bytes()
        assert not declares_gbk(raw)
        raw.decode("utf-8")


DATE_FORMS = {
    "full": re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$"),
    "cn": re.compile(r"^(\d{4})年(\d{2})月(\d{2})日 (\d{2}):(\d{2})$"),
    "no_year": re.compile(r"^(\d{2})-(\d{2}) (\d{2}):(\d{2})$"),
    "hours_ago": re.compile(r"^(\d+)小时前$"),
    "yesterday": re.compile(r"^昨天 (\d{2}):(\d{2})$"),
}


def resolve(shown: str, ref: datetime) -> tuple[str, datetime]:
    """The form of a shown date and the time it means against ref (a checker, not the library's parser)."""
    for form, rx in DATE_FORMS.items():
        m = rx.match(shown)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        if form == "full":
            return form, ref.replace(year=g[0], month=g[1], day=g[2], hour=g[3], minute=g[4], second=g[5])
        if form == "cn":
            return form, ref.replace(year=g[0], month=g[1], day=g[2], hour=g[3], minute=g[4], second=0)
        if form == "no_year":
            return form, ref.replace(month=g[0], day=g[1], hour=g[2], minute=g[3], second=0)
        if form == "hours_ago":
            return form, ref - timedelta(hours=g[0])
        return form, (ref - timedelta(days=1)).replace(hour=g[0], minute=g[1], second=0)
    raise AssertionError(f"unknown date form: {shown!r}")


def test_article_dates_use_all_five_forms_and_resolve_to_the_manifest_time() -> None:
    ref = datetime.fromisoformat(manifest()["reference_time"])
    forms = set()
    for a in manifest()["articles"]:
        shown = page(a["path"]).css("div.article-info span.time::text").get()
        form, when = resolve(shown, ref)
        forms.add(form)
        assert when.isoformat() == a["published_at"], a["path"]
        assert when < ref, a["path"]
    assert forms == set(DATE_FORMS)


def test_manifest_bodies_are_the_pages_paragraphs_without_boilerplate() -> None:
    for a in manifest()["articles"]:
        pages = [a["path"]] + ([a["path"].replace(".html", "_p2.html")] if a["page_count"] == 2 else [])
        shown = [t for p in pages for t in paragraphs(page(p))]
        assert a["body"].split("\n") == [t for t in shown if not BOILERPLATE.match(t)], a["path"]
        assert all(line and line == normalised(line) for line in a["body"].split("\n")), a["path"]
    sources_in_body = [
        a for a in manifest()["articles"] if any(t.startswith("来源") for t in paragraphs(page(a["path"])))
    ]
    assert sources_in_body and any(a["source"] for a in manifest()["articles"] if a not in sources_in_body)


def test_some_pages_use_full_width_indents_nbsp_and_empty_paragraphs() -> None:
    raw = "".join(file_for(a["path"]).read_bytes().decode("utf-8", "replace") for a in manifest()["articles"])
    assert "<p>\u3000\u3000" in raw
    assert "<p>&nbsp;&nbsp;" in raw
    assert "<p><br></p>" in raw
    assert "\u200b" in raw  # a zero-width space inside a paragraph


def test_manifest_titles_and_original_marks_match_the_h1() -> None:
    for a in manifest()["articles"]:
        h1 = page(a["path"]).css("div.text-title h1")
        assert normalised(" ".join(h1.xpath("./text()").getall())) == a["title"]
        assert bool(h1.css("span.original-tag")) == a["is_original"], a["path"]
        assert page(a["path"]).css("title::text").get() == a["title"] + "_搜狐"
    # A title that starts with the word 原创 without the mark: stripping "^原创" would be wrong.
    assert any(a["title"].startswith("原创") and not a["is_original"] for a in manifest()["articles"])


def test_multi_page_article_continues_on_a_p2_page_linked_by_next() -> None:
    multi = [a for a in manifest()["articles"] if a["page_count"] == 2]
    assert len(multi) == 1
    path = multi[0]["path"]
    p2 = path.replace(".html", "_p2.html")
    assert page(path).xpath("//div[@class='article-pager']/a[contains(., '下一页')]/@href").get() == p2
    assert not page(p2).xpath("//div[@class='article-pager']/a[contains(., '下一页')]")
    assert page(p2).css("div.text-title h1").get() == page(path).css("div.text-title h1").get()


def test_one_story_is_linked_under_tracking_and_mobile_urls() -> None:
    reachable = crawl_paths()
    assert "/a/1005_302.html?spm=smpc.home.top-news.3&from=home" in site_links("/")
    assert "/m/a/1005_302.html" in reachable
    assert page("/m/a/1005_302.html").css("link[rel=canonical]::attr(href)").get() == "/a/1005_302.html"
    assert paragraphs(page("/a/1005_302.html"))[:5] == [
        normalised(t) for t in page("/m/a/1005_302.html").css("div.m-content p::text").getall()
    ]


def test_syndicated_copy_repeats_the_original_paragraphs_under_another_channel_and_author() -> None:
    copy_path = next(e["path"] for e in manifest()["not_emitted"] if e["reason"] == "duplicate_content")
    original = next(
        a for a in manifest()["articles"] if a["body"].split("\n")[0] == paragraphs(page(copy_path))[0]
    )
    copy_lines = [t for t in paragraphs(page(copy_path)) if not BOILERPLATE.match(t)]
    assert copy_lines == original["body"].split("\n")
    info = page(copy_path).css("div.article-info span.author a::text").get()
    assert info != original["author"]
    assert page(copy_path).xpath("(//div[@class='location']/a)[last()]/text()").get() != original["channel"]


def test_trap_pages_have_no_title_or_no_body() -> None:
    reasons = {e["reason"]: e["path"] for e in manifest()["not_emitted"]}
    untitled = page(reasons["no_title"])
    assert not untitled.css("h1") and not untitled.css("title::text").get()
    assert paragraphs(untitled)
    empty = paragraphs(page(reasons["empty_body"]))
    assert empty and all(BOILERPLATE.match(t) for t in empty)
    # the hidden 原标题 line is there, but not as visible text
    assert page(reasons["empty_body"]).css("p[data-role=original-title]::text").get().startswith("原标题")


def test_robots_disallows_only_private_and_names_the_sitemap_index() -> None:
    rules = (PORTAL / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert rules == ["User-agent: *", "Disallow: /private/", "", "Sitemap: /sitemap_index.xml.gz"]


# --- URL sources (issue 17): what the sitemaps, feeds and archive pages list, read with the same
# parsers the crawler uses, must be what the manifest says each source finds.


def _sitemap(path: str) -> list[dict]:
    from scrapy.utils.gz import gunzip
    from scrapy.utils.sitemap import Sitemap

    raw = file_for(path).read_bytes()
    return list(Sitemap(gunzip(raw) if path.endswith(".gz") else raw))


def test_sitemap_index_is_gzipped_and_names_two_urlsets_one_a_news_sitemap() -> None:
    assert file_for("/sitemap_index.xml.gz").read_bytes()[:2] == b"\x1f\x8b"
    children = [e["loc"] for e in _sitemap("/sitemap_index.xml.gz")]
    assert children == ["/sitemaps/articles.xml", "/sitemaps/news.xml"]
    news = file_for("/sitemaps/news.xml").read_text(encoding="utf-8")
    assert news.count("<news:publication_date>") == len(_sitemap("/sitemaps/news.xml")) > 0


def test_each_source_lists_what_the_manifest_says_it_finds() -> None:
    import feedparser

    emitted = {a["path"] for a in manifest()["articles"]}
    found = manifest()["found_by"]
    in_sitemaps = {e["loc"] for p in ("/sitemaps/articles.xml", "/sitemaps/news.xml") for e in _sitemap(p)}
    assert set(found["sitemap"]) == in_sitemaps & emitted
    in_feeds = {
        e.link
        for p in ("/rss.xml", "/tech/atom.xml")
        for e in feedparser.parse(file_for(p).read_bytes()).entries
    }
    assert set(found["feed"]) == in_feeds & emitted
    archived = {link for f in PORTAL.glob("archive/*.html") for link in site_links("/archive/" + f.name)}
    assert set(found["archive"]) == archived & emitted
    assert manifest()["found_only_by"]["sitemap"] and manifest()["found_only_by"]["feed"]
    assert set(manifest()["found_only_by"]["sitemap"]).isdisjoint(in_feeds | archived)


def test_home_and_tech_listings_announce_their_feeds() -> None:
    feeds = "link[rel=alternate]::attr(href)"
    assert page("/").css(feeds).getall() == ["/rss.xml"]
    assert page("/tech/index_2.html").css(feeds).getall() == ["/tech/atom.xml"]


def test_listings_have_three_numbered_pages_and_next_links_except_the_last() -> None:
    for channel in ("news", "finance", "tech", "sports", "local"):
        urls = [f"/{channel}/index.html", f"/{channel}/index_2.html", f"/{channel}/index_3.html"]
        for n, url in enumerate(urls):
            pager = page(url).css("div.pagination")
            assert pager.css("a.next::attr(href)").getall() == ([urls[n + 1]] if n < 2 else [])
            assert pager.css("span.current::text").get() == str(n + 1)
            assert page(url).css("div.news-list li a::attr(href)").getall(), url


def depth_from_home() -> dict[str, int]:
    """Fewest clicks from "/" to each reachable path (query kept), by BFS over the static files."""
    depth = {"/": 0}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        if not file_for(path).is_file() or file_for(path).suffix != ".html":
            continue
        for link in site_links(path):
            if link not in depth:
                depth[link] = depth[path] + 1
                queue.append(link)
    return depth


def test_duplicates_name_an_emitted_original_that_a_breadth_first_crawl_meets_first() -> None:
    emitted = {a["path"] for a in manifest()["articles"]}
    depth = depth_from_home()
    for entry in manifest()["not_emitted"]:
        if entry["reason"] not in ("duplicate_url", "duplicate_content"):
            continue
        assert entry["duplicate_of"] in emitted, entry
        if entry["reason"] == "duplicate_content":
            # "only the first copy is emitted": the manifest's choice must be the one met first
            assert depth[entry["duplicate_of"]] < depth[entry["path"]], entry
