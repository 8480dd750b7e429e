"""A profile's body_strip rules are applied on the page's own tree (issue 16, speed): the elements
they select are skipped in the paragraph walk, and furniture is judged as on the stripped copy, so
the body comes out exactly as from the old copy-strip-prune-walk path, on every page we have."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from newsportal.extract import article, density
from newsportal.extract.article import make_selector
from newsportal.sites import all_sites
from tests.conftest import every_page_file

ROOT = Path(__file__).resolve().parent.parent
URL = "https://example.com/a/1.html"

# Strip rules that touch what furniture_in reads: links and spans inside paragraphs, a heading's
# first child, whole headings (their block's first child changes), list items (a list left empty),
# elements whose tails must join the text before them, comments' neighbours.
HEAVY = (
    "a",
    "span",
    "h2 > *",
    "h3",
    "li",
    "div > script",
    "strong",
    "img",
    "div[class] > p",
    "em, b",
    "#backsohucom",
)
# The same without links: link text stays, so text sizes decide (the tails joined around a stripped
# <em> count their characters between, once).
HEAVY_KEEPING_LINKS = tuple(q for q in HEAVY if q != "a")

# Written for this: every case where removing an element changes what furniture_in sees.
PAGE = """<html><head><title>示例</title></head><body><div class="main">
  <p>第一段正文，讲述事情的经过。<span>被去掉的</span>尾巴留下，<!-- c --><span>又一个</span> 接着。</p>
  <div><span>x</span><h3>相关新闻</h3><a href="/1">甲</a><a href="/2">乙</a></div>
  <div><h2><span>广告</span>相关新闻</h2><a href="/1">一条相关的新闻标题</a></div>
  <div><h2><span>广告</span> 相关<b>阅读</b><span>x</span></h2><p>正文一句，够长的一句话，是正文。</p></div>
  <div><h2><span>文字很长很长很长很长很长很长很长</span>推荐阅读</h2><a href="/3">一条</a></div>
  <ul><li><a href="/r1">相关新闻一</a></li><li><a href="/r2">相关新闻二</a></li></ul>
  <div><a href="/x">链接文字很多很多很多</a> 尾<span>去</span>  尾巴文字很长很长很长很长很长</div>
  <div class="box"><script>var a = 1;</script>短<a href="/z">链接里的文字</a></div>
  <p><a href="/" id="backsohucom">返回搜狐，查看更多</a></p>
  <div><a href="/x">一二三四五六七八</a>一 <em>x</em> 二三四五六</div>
  <div><!-- only a comment --><span>x</span></div>
  <div><span>x</span><!-- c --><h4>热门评论</h4></div>
</div></body></html>"""


def _synthetic_pages() -> list[bytes]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic_portal import FIRST_ID, SyntheticPortal

    portal = SyntheticPortal(400)
    out = []
    for article_id in range(FIRST_ID, FIRST_ID + 400, 7):
        out.append(portal.render(portal.article_path(article_id))[2])
    return out


def _pages() -> list[tuple[str, bytes]]:
    files = every_page_file()
    pages = [("written", PAGE.encode("utf-8"))]
    pages += [(f.name, f.read_bytes()) for f in files]
    pages += [(f"synthetic{i}", p) for i, p in enumerate(_synthetic_pages())]
    return pages


PAGES = _pages()
STRIPPING = [s for s in all_sites().values() if s.body_strip and not s.image_captions]


def _containers(sel) -> list:
    """The page's body, the density finder's container, and every profile's body container found on
    the page."""
    found = [*sel.css("body")[:1], density.find_body(sel)]
    for site in all_sites().values():
        for query in site.body:
            got = article.select(sel, query)
            if got:
                found.append(got[0])
                break
    return [c for c in found if c is not None]


def test_there_are_pages_and_profiles_to_compare():
    assert len(PAGES) > 100
    assert {"sample", "sohu"} <= {s.name for s in STRIPPING}


@pytest.mark.parametrize(("name", "page"), PAGES, ids=[n for n, _ in PAGES])
def test_stripping_in_place_gives_what_the_stripped_copy_gave(name: str, page: bytes):
    sel, _ = make_selector(page)
    generic = all_sites()["generic"]
    heavy = [
        dataclasses.replace(generic, body_strip=rules, image_captions=())
        for rules in (HEAVY, HEAVY_KEEPING_LINKS)
    ]
    for container in _containers(sel):
        for site in [*STRIPPING, *heavy]:
            assert article._strip_in_place(container.root, site.body_strip) is not None, site.name
            expected = article._copied_paragraphs(container, URL, site)
            assert article._container_paragraphs(container, URL, site) == expected, site.name


def test_the_written_page_is_changed_by_the_heavy_rules():
    # the rules above must make furniture_in decide differently on the stripped tree, or the test
    # would compare nothing that matters
    sel, _ = make_selector(PAGE.encode("utf-8"))
    container = sel.css("div.main")[0]
    strip = article._strip_in_place(container.root, HEAVY)
    view = density.StrippedView(container.root, strip)
    plain = density._text_sizes(container.root)
    stripped = view.text_sizes(container.root)
    assert plain != stripped
    changed = [
        el
        for el in container.root.iter("div", "p", "ul", "li")
        if el is not container.root
        and el not in view.strip
        and density.is_pruned(el, el.tag, plain) != view.is_pruned(el, el.tag, stripped)
    ]
    assert len(changed) >= 3


@pytest.mark.parametrize(
    "query", ["//div[@class='x']", "p:first-child", "h2 + p", "h2 ~ p", "p:contains('x')", "a::text"]
)
def test_rules_of_other_kinds_run_on_the_copy(query: str):
    sel, _ = make_selector(PAGE.encode("utf-8"))
    assert article._strip_in_place(sel.css("div.main")[0].root, ("script", query)) is None
