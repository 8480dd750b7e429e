"""Canonical URLs (newsportal.urls, page_canonical_url): one URL per story, whatever it was linked with."""

from __future__ import annotations

import pytest
from parsel import Selector

from newsportal.extract.article import page_canonical_url
from newsportal.sites import get_site
from newsportal.urls import absolute, apply_rewrites, canonical_url, refused_link, same_site, strip_tracking

SOHU_MOBILE = ((r"^https?://m\.sohu\.com/a/", "https://www.sohu.com/a/"),)


@pytest.mark.parametrize(
    "linked",
    [
        "https://www.sohu.com/a/123_456",
        "https://www.sohu.com/a/123_456?spm=smpc.home.top-news.3",
        "https://www.sohu.com/a/123_456?spm=smpc.home.top-news.3&from=home",
        "https://www.sohu.com/a/123_456?utm_source=wechat&utm_medium=share&UTM_Campaign=x",
        "https://www.sohu.com/a/123_456#comment_area",
        "  https://WWW.SOHU.COM/a/123_456  ",
        "https://www.sohu.com:443/a/123_456",
        "https://m.sohu.com/a/123_456?_f=index_news_0&pvid=abc",
        "http://m.sohu.com/a/123_456",
    ],
)
def test_tracking_fragment_case_port_and_mobile_variants_share_one_canonical_url(linked: str) -> None:
    canon = canonical_url(linked, tracking_params=("_f", "pvid"), rewrites=SOHU_MOBILE)
    assert canon == "https://www.sohu.com/a/123_456"


def test_parameters_that_change_the_page_are_kept_and_sorted() -> None:
    assert canonical_url("http://news.example.cn/list?page=2&cat=sh&spm=1") == (
        "http://news.example.cn/list?cat=sh&page=2"
    )


def test_default_http_port_is_dropped_other_ports_kept() -> None:
    assert canonical_url("http://example.cn:80/a.html") == "http://example.cn/a.html"
    assert canonical_url("http://127.0.0.1:8080/a.html") == "http://127.0.0.1:8080/a.html"


def test_chinese_path_and_query_are_percent_encoded_once() -> None:
    once = canonical_url("http://example.cn/新闻/a.html?q=江城")
    assert once == "http://example.cn/%E6%96%B0%E9%97%BB/a.html?q=%E6%B1%9F%E5%9F%8E"
    assert canonical_url(once) == once


def test_canonical_url_is_idempotent() -> None:
    url = "https://M.sohu.com/a/9_8?b=2&a=1&spm=x#top"
    once = canonical_url(url, rewrites=SOHU_MOBILE)
    assert canonical_url(once, rewrites=SOHU_MOBILE) == once


def test_strip_tracking_keeps_other_parameters_and_their_encoding() -> None:
    url = "http://example.cn/a.html?x=a+b&y=%2F&spm=1&from=timeline&Share_Token=z"
    assert strip_tracking(url, extra=("share_token",)) == "http://example.cn/a.html?x=a+b&y=%2F"


def test_strip_tracking_removes_site_parameters_case_insensitively() -> None:
    assert strip_tracking("http://example.cn/a?PVID=1&id=3", extra=("pvid",)) == "http://example.cn/a?id=3"


def test_strip_tracking_leaves_a_url_without_query_untouched() -> None:
    assert strip_tracking("http://example.cn/a.html") == "http://example.cn/a.html"


def test_only_tracking_parameters_leave_no_question_mark() -> None:
    assert canonical_url("http://example.cn/a.html?spm=1&utm_source=x") == "http://example.cn/a.html"


def test_rewrites_apply_in_order() -> None:
    rules = ((r"//m\.", "//www."), (r"/amp/", "/"))
    assert apply_rewrites("https://m.example.cn/amp/a.html", rules) == "https://www.example.cn/a.html"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://news.sina.com.cn/a", "http://sports.sina.com.cn/b", True),
        ("https://www.sohu.com/a/1", "https://m.sohu.com/a/1", True),
        ("https://www.sohu.com/a/1", "https://www.163.com/a/1", False),
        ("http://a.com.cn/x", "http://b.com.cn/x", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
        ("http://127.0.0.1/a", "http://10.0.0.1/b", False),
        ("http://example.cn/a", "not a url", False),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


def test_absolute_ignores_script_mail_and_fragment_links() -> None:
    base = "https://www.sohu.com/a/1_2"
    assert absolute(base, "/a/3_4?spm=1") == "https://www.sohu.com/a/3_4?spm=1"
    for href in ("javascript:void(0)", "mailto:x@sohu.com", "#top", "", None):
        assert absolute(base, href) is None


def _page(canonical: str | None) -> Selector:
    link = f'<link rel="canonical" href="{canonical}">' if canonical is not None else ""
    return Selector(text=f"<html><head>{link}</head><body><p>正文</p></body></html>")


def test_rel_canonical_on_the_site_is_honoured_and_canonicalised() -> None:
    site = get_site("sohu")
    url = "https://www.sohu.com/a/123_456?spm=smpc.home&scm=1"
    page = _page("https://www.sohu.com/a/123_456?_f=index#x")
    assert page_canonical_url(page, url, site) == "https://www.sohu.com/a/123_456"


def test_relative_rel_canonical_is_resolved_against_the_page() -> None:
    site = get_site("sohu")
    page = _page("/a/777_456")
    assert page_canonical_url(page, "https://www.sohu.com/a/777_456?pvid=9", site) == (
        "https://www.sohu.com/a/777_456"
    )


def test_rel_canonical_to_another_site_is_ignored() -> None:
    site = get_site("sohu")
    url = "https://www.sohu.com/a/123_456?spm=1"
    page = _page("https://www.163.com/news/article/ABC.html")
    assert page_canonical_url(page, url, site) == "https://www.sohu.com/a/123_456"


def test_without_rel_canonical_the_mobile_url_maps_to_desktop() -> None:
    site = get_site("sohu")
    page = _page(None)
    assert page_canonical_url(page, "https://m.sohu.com/a/123_456?_f=m", site) == (
        "https://www.sohu.com/a/123_456"
    )


@pytest.mark.parametrize(
    "href",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://127.0.0.1/tmp/a/1001_301.html",
        "ftp://ftp.example.cn/a.html",
        "gopher://example.cn/",
        "sohunews://article/123",
        "http://[::1",
        "http://example.cn:99999/a",
        "http:///no-host",
    ],
)
def test_absolute_makes_no_link_of_other_schemes_or_broken_urls(href: str) -> None:
    assert absolute("https://www.sohu.com/a/1_2", href) is None


def test_absolute_resolves_a_relative_link_of_a_saved_page_to_nothing() -> None:
    # a page read from disk (file://) must not turn its relative links into more files to read
    assert absolute("file:///tmp/page.html", "/a/1001_301.html") is None


def test_refused_link_names_the_url_a_file_link_would_have_read() -> None:
    base = "http://127.0.0.1:8000/"
    assert refused_link(base, " file:///etc/passwd ") == "file:///etc/passwd"
    assert refused_link(base, "ftp://x.cn/a") == "ftp://x.cn/a"
    for href in ("/a/1.html", "javascript:void(0)", "mailto:x@y.cn", "#top", "", None):
        assert refused_link(base, href) is None


@pytest.mark.parametrize(
    "linked",
    [
        "http://example.cn/a.html?sid=8f3a",
        "http://example.cn/a.html?SID=8f3a",
        "http://example.cn/a.html;jsessionid=0A1B2C3D",
        "http://example.cn/a.html;JSESSIONID=0A1B2C3D",
        "http://example.cn/a.html?jsessionid=1",
        "http://example.cn/a.html?PHPSESSID=abc",
        "http://example.cn/a.html?ASPSESSIONIDQACBDRST=KLMN",
        "http://example.cn/a.html?sessionid=1&session_id=2",
        "http://example.cn/a.html?CFID=1&CFTOKEN=2",
        "http://example.cn/a.html;jsessionid=X?phpsessid=Y#top",
    ],
)
def test_session_parameters_are_stripped_from_canonical_urls(linked: str) -> None:
    assert canonical_url(linked) == "http://example.cn/a.html"


def test_session_stripping_keeps_other_parameters_and_path_parameters() -> None:
    assert canonical_url("http://example.cn/a;v=2?sid=1&id=3") == "http://example.cn/a;v=2?id=3"
    assert canonical_url("http://example.cn/a.html?side=1&sids=2") == "http://example.cn/a.html?side=1&sids=2"
