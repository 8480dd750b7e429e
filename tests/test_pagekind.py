"""Page kinds by URL shape and by content (newsportal.extract.pagekind), the links a page offers
(newsportal.extract.links) and the generic site's URL, pagination and related rules."""

from __future__ import annotations

from dataclasses import replace

import pytest
from parsel import Selector

from newsportal.extract.links import page_links, rule_links
from newsportal.extract.pagekind import (
    MIN_ARTICLE_TEXT_CHARS,
    is_listing_page_of,
    listing_page_key,
    page_kind,
    page_signals,
    url_kind,
)
from newsportal.sites.generic import SITE as GENERIC
from newsportal.urls import registrable_domain

SITE = replace(GENERIC, domains=("example.com",))
BASE = "http://news.example.com"

SENTENCE = "记者了解到，江城社区居民启动智慧公交线路，首批项目已进入实施阶段。"  # 34 characters


def page(body: str, title: str = "望江新闻网") -> Selector:
    return Selector(text=f"<html><head><title>{title}</title></head><body>{body}</body></html>")


def article_html(paragraphs: int = 6, date: str = '<span class="date">2026年03月14日 20:02</span>') -> str:
    paras = "".join(f"<p>{SENTENCE}{SENTENCE}</p>" for _ in range(paragraphs))
    related = "".join(
        f'<li><a href="/2026-03-1{i}/doc-iabcd1234567{i}.shtml">江城社区居民启动智慧公交线路第{i}期</a></li>'
        for i in range(8)
    )
    return (
        '<div class="nav"><a href="/">首页</a><a href="/roll/index.shtml">滚动</a></div>'
        f"<h1>江城社区居民启动智慧公交线路</h1>{date}"
        f'<div class="article-content">{paras}</div>'
        f'<div class="blk-related"><h3>相关新闻</h3><ul>{related}</ul></div>'
    )


def listing_html(n: int = 12, summaries: bool = False) -> str:
    rows = []
    for i in range(n):
        summary = f"<p>{SENTENCE}{SENTENCE}</p>" if summaries else ""
        rows.append(
            f'<li><a href="/news/2026/03/14/{1000000 + i}.html">青州高校学生开展春季植树活动之{i}</a>'
            f"{summary}<span>2026-03-14 20:0{i % 10}</span></li>"
        )
    return f'<div class="list"><ul>{"".join(rows)}</ul></div>'


# --- url_kind ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"{BASE}/2026-03-14/doc-imhkuabc1234.shtml", "article"),
        (f"{BASE}/news/2026/03/14/4739996.html", "article"),
        (f"{BASE}/c/2026-03-14/123456.shtml", "article"),
        (f"{BASE}/roll/index.shtml", "listing"),
        (f"{BASE}/roll/index_2.shtml", "listing"),
        (f"{BASE}/news/china/?page=2", "listing"),
        (f"{BASE}/", "listing"),
        (f"{BASE}/kuaixun/spring-lake-4384.htm", "unknown"),
        (f"{BASE}/caijing/zixun.shtml", "unknown"),
        (f"{BASE}/tag/民生.shtml", "other"),
        (f"{BASE}/search?q=x", "other"),
        (f"{BASE}/video/2026-03-14/doc-iabcdef123.shtml", "other"),
        (f"{BASE}/img/2026/03/14/123456.jpg", "other"),
        ("http://other.org/2026-03-14/doc-imhkuabc1234.shtml", "other"),
    ],
)
def test_url_kind_by_shape(url: str, kind: str) -> None:
    assert url_kind(url, SITE) == kind


# --- page_kind -----------------------------------------------------------------------------------------


def test_page_with_title_date_and_long_dense_text_is_an_article() -> None:
    assert page_kind(page(article_html()), f"{BASE}/kuaixun/x.htm", SITE) == "article"


def test_article_with_a_long_related_list_is_still_an_article() -> None:
    signals = page_signals(page(article_html()), f"{BASE}/kuaixun/x.htm", SITE)
    assert signals.article_links >= 8  # it links like a listing...
    assert (
        page_kind(page(article_html()), f"{BASE}/kuaixun/x.htm", SITE) == "article"
    )  # ...but reads as a story


def test_article_without_a_visible_date_is_other_unless_its_url_says_article() -> None:
    sel = page(article_html(date=""))
    assert page_kind(sel, f"{BASE}/kuaixun/x.htm", SITE) == "listing"  # its related links remain
    assert page_kind(sel, f"{BASE}/2026-03-14/doc-iabcdef12.shtml", SITE, prior="article") == "article"


def test_date_in_a_meta_tag_counts() -> None:
    sel = page('<meta name="publishdate" content="2026-03-14">' + article_html(date=""))
    assert page_signals(sel, f"{BASE}/x.htm", SITE).has_date


def test_text_shorter_than_a_news_brief_is_not_an_article() -> None:
    short = page(
        '<h1>视频｜夜间经济街区</h1><span class="date">2026-03-12 21:10</span><p>时长 01:32。欢迎观看。</p>'
    )
    assert page_signals(short, f"{BASE}/v.htm", SITE).body_chars < MIN_ARTICLE_TEXT_CHARS
    assert page_kind(short, f"{BASE}/v.htm", SITE) == "other"


def test_many_links_to_article_shaped_urls_make_a_listing() -> None:
    assert page_kind(page(listing_html()), f"{BASE}/caijing/zixun.shtml", SITE) == "listing"


def test_listing_with_summaries_is_a_listing_not_an_article() -> None:
    sel = page("<h1>国内新闻</h1>" + listing_html(summaries=True))
    assert page_kind(sel, f"{BASE}/news/china/", SITE) == "listing"


def test_headline_like_links_make_a_listing_even_when_their_urls_say_nothing() -> None:
    rows = "".join(
        f'<li><a href="/kuaixun/story-{i}.htm">临海志愿者完成湿地保护计划第{i}期</a></li>' for i in range(10)
    )
    assert page_kind(page(f"<ul>{rows}</ul>"), f"{BASE}/caijing/zixun.shtml", SITE) == "listing"


def test_calendar_of_day_links_is_other() -> None:
    days = "".join(f'<a href="/archive/2026/03/{d:02d}/">{d}</a> ' for d in range(1, 29))
    sel = page(f'<h2>2026年03月 往期回顾</h2><a href="/calendar/2026-02.shtml">上个月</a><div>{days}</div>')
    assert page_kind(sel, f"{BASE}/calendar/2026-03.shtml", SITE) == "other"


def test_empty_page_is_other() -> None:
    assert page_kind(Selector(text="<html></html>"), f"{BASE}/x", SITE) == "other"


# --- pagination by URL shape ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://x.com/roll/index_3.shtml", "http://x.com/roll/index.shtml"),
        ("http://x.com/list/?page=2&cat=5", "http://x.com/list/?cat=5"),
        ("http://x.com/caijing/zixun.shtml?p=2", "http://x.com/caijing/zixun.shtml"),
        ("http://x.com/roll/index.shtml", "http://x.com/roll/index.shtml"),
    ],
)
def test_listing_page_key_drops_the_page_number(url: str, key: str) -> None:
    assert listing_page_key(url) == key


def test_other_pages_of_the_same_listing_are_recognised_by_shape() -> None:
    assert is_listing_page_of("http://x.com/roll/index_2.shtml", "http://x.com/roll/index.shtml")
    assert is_listing_page_of("http://x.com/roll/index.shtml", "http://x.com/roll/index_2.shtml")
    assert is_listing_page_of("http://x.com/list/?page=3", "http://x.com/list/?page=2")
    assert not is_listing_page_of("http://x.com/other/index_2.shtml", "http://x.com/roll/index.shtml")
    assert not is_listing_page_of("http://x.com/list/?cat=6", "http://x.com/list/?cat=5")


# --- page_links -------------------------------------------------------------------------------------


def test_page_links_sorts_links_and_keeps_unknown_shapes_on_the_site_only() -> None:
    body = (
        listing_html(3)
        + '<a href="/kuaixun/spring-lake-4384.htm">快讯</a>'
        + '<a href="http://video.example.com/2026-03-14/doc-iabcdef12.shtml">视频</a>'
        + '<a href="http://sports.example.com/2026-03-14/doc-iabcdef34.shtml">体育</a>'
        + '<a href="http://other.org/2026-03-14/doc-iabcdef56.shtml">友站</a>'
        + '<a href="/news/china/">国内</a><a href="/tag/x.shtml">标签</a><a href="/login.html">登录</a>'
    )
    links = page_links(page(body), f"{BASE}/roll/index.shtml", SITE)
    assert links.articles == [
        f"{BASE}/news/2026/03/14/1000000.html",
        f"{BASE}/news/2026/03/14/1000001.html",
        f"{BASE}/news/2026/03/14/1000002.html",
        "http://sports.example.com/2026-03-14/doc-iabcdef34.shtml",
    ]
    assert links.unknown == [f"{BASE}/kuaixun/spring-lake-4384.htm"]
    assert links.listings == [f"{BASE}/news/china/"]


@pytest.mark.parametrize(
    "pager",
    [
        '<a href="index_2.shtml">下一页</a>',
        '<div class="pagebox"><span>1</span><a href="index_2.shtml">2</a></div>',
        '<a href="/roll/index_2.shtml" rel="next">›</a>',
        '<a href="/roll/index_2.shtml">&gt;</a>',
        '<p>更多：<a href="/roll/index_2.shtml">第二页</a></p>',  # by URL shape alone
    ],
)
def test_generic_pagination_finds_the_next_page(pager: str) -> None:
    links = page_links(page(listing_html(3) + pager), f"{BASE}/roll/index.shtml", SITE)
    assert links.pagination == [f"{BASE}/roll/index_2.shtml"]


def test_query_pagination_is_pagination_not_a_new_listing() -> None:
    pager = '<div class="fy"><a href="zixun.shtml?p=2">下页</a></div><a href="?page=3">3</a>'
    links = page_links(page(listing_html(3) + pager), f"{BASE}/caijing/zixun.shtml", SITE)
    assert links.pagination == [f"{BASE}/caijing/zixun.shtml?p=2", f"{BASE}/caijing/zixun.shtml?page=3"]
    assert links.listings == []


def test_numbered_links_outside_a_pager_are_not_pagination() -> None:
    days = "".join(f'<a href="/archive/2026/03/{d:02d}/">{d}</a>' for d in range(1, 5))
    links = page_links(page(f'<div class="days">{days}</div>'), f"{BASE}/", SITE)
    assert links.pagination == []


# --- related stories ------------------------------------------------------------------------------


RELATED_LIST = '<ul><li><a href="/kuaixun/a-b-1234.htm">一</a></li></ul>'


@pytest.mark.parametrize(
    "block",
    [
        f'<div class="blk-related"><h3>相关新闻</h3>{RELATED_LIST}</div>',
        f"<h4>相关阅读</h4>{RELATED_LIST}",
        f'<div class="tuijian"><div class="tit">为你推荐</div>{RELATED_LIST}</div>',
    ],
)
def test_generic_related_rules_find_links_by_class_or_heading(block: str) -> None:
    sel = page('<a href="/kuaixun/nav-1111.htm">导航</a>' + block)
    assert rule_links(sel, f"{BASE}/2026-03-14/doc-iabcdef12.shtml", SITE, SITE.related) == [
        f"{BASE}/kuaixun/a-b-1234.htm"
    ]


# --- the portal's domain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("news.example.com", "example.com"),
        ("example.com", "example.com"),
        ("news.sina.com.cn", "sina.com.cn"),
        ("www.gov.cn", "www.gov.cn"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("News.Example.COM", "example.com"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_generic_spider_stays_on_the_start_urls_registrable_domain() -> None:
    from newsportal.spiders.portal import PortalSpider

    spider = PortalSpider(start_url="http://news.example.com/roll/")
    assert spider.site.name == "generic"
    assert spider.site.domains == ("example.com",)
    assert spider.allowed_domains == ["example.com"]
    assert spider.site.owns("http://www.example.com/a/abcdef12")
    assert not spider.site.owns("http://example.org/a/abcdef12")
