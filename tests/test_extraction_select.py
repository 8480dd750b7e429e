"""newsportal.extract.select.strings gives what parsel's getall() gives, from the compiled query."""

from __future__ import annotations

import pytest

from newsportal.extract.article import make_selector
from newsportal.extract.select import is_xpath, strings

PAGE = """<html><head><title>标题 <b>一</b></title><meta property="og:url" content="https://a.example/1">
<link rel="canonical" href="//a.example/1"><script type="application/ld+json">{"a": 1}</script></head>
<body><div class="x">正文<a href="/2">链接</a>尾巴<script>var t = 1;</script></div><a href=" /3 ">三</a>
<img src="//img.example/1.png"></body></html>"""


@pytest.mark.parametrize(
    "query",
    [
        "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::template)]",
        "a::attr(href)",
        "//title//text()",
        'link[rel="canonical"]::attr(href)',
        'meta[property="og:url"]::attr(content)',
        'script[type="application/ld+json"]::text',
        "//link/@href | //script/@src | //img/@src",
        "head title::text, meta[property='og:title']::attr(content)",
    ],
)
def test_strings_are_what_parsel_gives(query):
    sel, _ = make_selector(PAGE.encode("utf-8"))

    def parsel(s):
        return s.xpath(query).getall() if is_xpath(query) else s.css(query).getall()

    assert strings(sel, query) == parsel(sel)
    assert parsel(sel)  # every query selects something on this page
    node = sel.css("div.x")[0]  # below the document: relative queries stay relative
    assert strings(node, query) == parsel(node)
