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


_HEAD_TAGS_PAGE = """<html><head><meta name="keywords" content="一,二"><meta name="Keywords" content="大写">
<meta property="og:url" content="https://a.example/1"><meta name="author"><base href="https://a.example/">
<link rel="canonical" href="//a.example/1"><link rel="alternate" href="/m/1"><link rel="alternate"></head>
<body><meta name="keywords" content="三">
<div><link rel="canonical" href="/body-canonical"></div></body></html>"""


@pytest.mark.parametrize(
    "query",
    [
        'meta[name="keywords"]::attr(content)',  # one in <head>, one in <body>: both, in document order
        'meta[name="author"]::attr(content)',  # no content attribute: nothing
        'link[rel="canonical"]::attr(href)',
        'link[rel="alternate"]::attr(href)',
        "base::attr(href)",
        'meta[name="nothing"]::attr(content)',
        "meta::attr(name)",
    ],
)
def test_meta_link_base_attributes_from_the_index_are_what_xpath_gives(query):
    from lxml import etree

    from newsportal.extract.select import _CSS, _compiled_query, _TagAttributeQuery

    sel, _ = make_selector(_HEAD_TAGS_PAGE.encode("utf-8"))
    assert isinstance(_compiled_query(query), _TagAttributeQuery)  # the index answers it
    assert strings(sel, query) == etree.XPath(_CSS.css_to_xpath(query))(sel.root)
    for node in (sel.css("body")[0], sel.css("div")[0]):  # below the document: relative, own index
        assert strings(node, query) == etree.XPath(_CSS.css_to_xpath(query))(node.root)
    other, _ = make_selector(_HEAD_TAGS_PAGE.encode("utf-8"))  # another page: its own index
    assert strings(other, query) == etree.XPath(_CSS.css_to_xpath(query))(other.root)
