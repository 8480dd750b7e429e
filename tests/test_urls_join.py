"""urls.absolute joins the hrefs most links are (root-relative paths, absolute http(s) URLs) without
urljoin: the answer must be urljoin's, checked as before, for every href, tricky or not."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsportal.urlpolicy import scheme_allowed
from newsportal.urls import _plain_join, absolute


def absolute_by_urljoin(base: str, href: str | None) -> str | None:
    """absolute() as it was written before the shortcut: the reference."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return None
    return url if host and scheme_allowed(url) else None


BASES = [
    "http://127.0.0.1:8000/a/100001_301.html",
    "https://News.Example.com.cn/channel/index.html?page=2#top",
    "HTTP://www.example.cn",
    "http://www.example.cn/a/b/c/",
    "http://www.example.cn:99999/a.html",  # a bad port: every URL joined to it is refused
    "http://:80/a.html",
    "http://[::1]:8080/x/y.html",
    "http://user:pw@host.cn/x",
    "http://例子.中国/新闻/1.html",
    "https://host.cn/a;p?q#f",
    "file:///home/me/page.html",
    "ftp://files.example.cn/a/b",
    "http://host.cn/a\t/b\n.html",
]
HREFS = [
    "/", "/a", "/a/", "/a/b.html", "/a/100990_490.html", "/a/b.html?x=1", "/a?x=1&y=2", "/a?", "/a?#",
    "/a#f", "/a?x#f", "/a;p", "/a;", "/a/;p/b", "/./a", "/a/./b", "/a/../b", "/a/..", "/a/.",
    "/.well-known/x", "/a//b", "//host.cn/a", "///a", "/a/b/../../..", "/a\tb", "/a\nb", "/a b",
    "/a\x01b", "/新闻/1.html", "/a?x=/./..", "/a?x=;", "/a?x=1?y", "/%2e%2e/a", "/a:b", "/a@b", "/a\\b",
    "/\\a", "http://host.cn", "http://host.cn/", "http://host.cn/a/b.html", "http://host.cn?x=1",
    "http://host.cn/a?", "http://host.cn/a#f", "http://host.cn/./a", "http://host.cn/a/../b",
    "http://host.cn//a", "http://host.cn/a;p", "https://host.cn/a", "HTTP://host.cn/a",
    "Http://host.cn/a", "http://HOST.cn/A", "http://host.cn:8080/a", "http://host.cn:0/a",
    "http://host.cn:65536/a", "http://host.cn:abc/a", "http://host.cn:/a", "http://:80/a", "http:///a",
    "http://[::1]/a", "http://[::1/a", "http://u:p@host.cn/a", "http://例子.中国/a", "http://h/ a",
    "http://127.0.0.1:8000/a/1_2.html", "https://127.0.0.1:8000/a/1_2.html", "http://a..b/x",
    "http://-/x", "ftp://host.cn/a", "file:///etc/passwd", "mailto:a@b.cn", "javascript:void(0)", "#",
    "#top", "", "   ", " /a ", "\t/a\n", "a.html", "../a.html", "./a", "?x=1", "?", "a?x", "新闻.html",
    "http:/a", "http:a", "//127.0.0.1:8000/a", "data:text/html,x", "tel:123",
]  # fmt: skip


def test_absolute_is_urljoin_on_a_table_of_tricky_hrefs():
    fast = 0
    for base in BASES:
        for href in HREFS:
            assert absolute(base, href) == absolute_by_urljoin(base, href), (base, href)
            fast += _plain_join(base, href.strip()) is not None if href.strip() else 0
    assert fast > 100  # the shortcut answers a good part of the table (it is what is tested)


_chars = st.sampled_from(list("/?#;.:@%[]\\ \t\nab0Z-_=&~新"))


@given(
    base=st.sampled_from(BASES),
    prefix=st.sampled_from(["/", "http://host.cn", "https://host.cn", "http://host.cn:8", "HTTP://h", "//h"]),
    rest=st.text(_chars, max_size=20),
)
@example(base=BASES[0], prefix="/", rest="a/./b")
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_absolute_is_urljoin_on_generated_hrefs(base: str, prefix: str, rest: str):
    href = prefix + rest
    assert absolute(base, href) == absolute_by_urljoin(base, href)


@given(
    scheme=st.sampled_from(["http://", "https://", "HTTP://", "Https://", "ftp://", " http://", ""]),
    host=st.text(st.sampled_from(list("ab0.:-[]@ \t新")), max_size=10),
    rest=st.text(_chars, max_size=12),
    href=st.sampled_from(["/a/b.html", "/", "/a?x=1", "http://host.cn/a", "https://h.cn", "a.html"]),
)
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_absolute_is_urljoin_on_generated_bases(scheme: str, host: str, rest: str, href: str):
    base = scheme + host + rest
    assert absolute(base, href) == absolute_by_urljoin(base, href)
