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


def _profile_queries() -> list[str]:
    """Every CSS and XPath query of every site profile (generic included)."""
    import dataclasses
    import importlib
    import pkgutil

    import newsportal.sites as sites
    from newsportal.sites.base import Site

    skip = {"article_urls", "listing_urls", "deny_urls", "domains", "start_urls", "title_strip"}
    skip |= {"body_drop_lines", "tracking_params", "url_rewrites", "date_archives"}
    found: set[str] = set()
    for module in pkgutil.iter_modules(sites.__path__):
        site = getattr(importlib.import_module(f"newsportal.sites.{module.name}"), "SITE", None)
        if not isinstance(site, Site):
            continue
        for f in dataclasses.fields(site):
            value = getattr(site, f.name)
            if f.name in skip or not isinstance(value, tuple):
                continue
            for rule in value:
                query = rule[0] if isinstance(rule, tuple) else rule
                if isinstance(query, str) and not query.endswith((".cn", ".com", ".net")):
                    found.add(query)
    return sorted(found)


# Shapes the split evaluation answers or must leave to XPath: nesting, unions, positions, odd
# predicates, quoted brackets and parentheses, every axis out of a subtree.
EXTRA_QUERIES = [
    "div p::text", "div *", "div div::text", "div div", "p", "[id]", "*.x", "div.a.b", "a::attr(href)",
    "div[class]", "div[class] a::text", "li a", "ul li a::attr(href)", "span::text", "div::text",
    "body *::text",
    "//div", "//div[@id]/p", "//p/text()", "//div//p", "//div//a/@href", "//div/div/text()", "//*[@id]",
    "//div[@class='a b']", "//div[(@id='main')]", "//div[@id = 'main']//text()", "//a[@href]/@href",
    "//div[@class='x' and @id='y']", "//div[@id='(a]']/p", "//li[1]", "//li/a[1]/@href", "//div/p[last()]",
    "//div/..", "//p/parent::div", "//div/following-sibling::p", "//div[@id]/ancestor::body",
    "//div[contains(@class,'a')]/p", "//h1 | //h2", "//span/text()[normalize-space()]", "//div[not(@id)]",
    "//div/a[contains(., '下')]/@href", "//body//text()", "//div[@class]", "div.a::text, p::text",
    "a[href]::attr(href)", "img[src]::attr(src)", "//div[@id]/@id", "//a[@class]/@href",
    "[class]::attr(class)",
]  # fmt: skip


def _select_pages() -> list:
    from tests.conftest import every_page_file

    pages = every_page_file()
    assert len(pages) > 100
    return pages


def _same(got: list, expected: list) -> bool:
    if len(got) != len(expected):
        return False
    return all(g is e if not isinstance(e, str) else g == e for g, e in zip(got, expected, strict=True))


@pytest.mark.parametrize("path", _select_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_split_queries_select_what_the_whole_xpath_selects(path):
    """select's split evaluation (first step from the page's index, the rest by XPath) gives the
    nodes the whole XPath gives, in the same order, for every profile's query and some odd ones: on
    the page's own tree (indexed), below it, and on a copy of part of it (walked)."""
    import copy

    from newsportal.extract.select import _compiled_query, _SplitQuery

    sel, _ = make_selector(path.read_bytes())
    root = sel.root
    divs = list(root.iter("div"))
    inner = divs[len(divs) // 2] if divs else root
    contexts = [root, inner, copy.deepcopy(inner)]
    split = 0
    for query in _profile_queries() + EXTRA_QUERIES:
        compiled = _compiled_query(query)
        if not isinstance(compiled, _SplitQuery):
            continue
        split += 1
        for context in contexts:
            expected = compiled.whole(context)  # the query's XPath as it was compiled, whole
            assert _same(compiled(context), expected), (query, context)
    assert split >= 40  # the profiles' and the odd queries the split answers (44 today): not a vacuous check
