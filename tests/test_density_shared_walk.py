"""The body finder's one walk serves the paragraph walk too (issue 13, speed): what it hands on must be
what the separate passes computed, so the body comes out the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsportal.extract import article, density
from newsportal.extract.article import make_selector
from newsportal.sites.generic import SITE as GENERIC

# A page written for this: a story with a hidden folded part, a link-heavy list, comments between
# texts, a share bar named as furniture, a span of links (never pruned by size) and an image.
PAGE = """<html><head><title>示例</title></head><body>
<div class="nav"><a href="/a">首页</a> <a href="/b">新闻</a></div>
<div class="main">
  <p>第一段正文，讲述事情的经过。<!-- note -->注释后的文字，仍是正文。</p>
  <p>第二段<a href="/x">链接文字</a>，后面还有句子。</p>
  <div style="display: NONE"><p>折叠的内容，读者点开才看到。</p><a href="/y">隐藏的链接</a></div>
  <div class="share-bar"><a href="/s1">微博</a><a href="/s2">微信</a></div>
  <ul><li><a href="/r1">相关新闻一</a></li><li><a href="/r2">相关新闻二</a></li></ul>
  <span><a href="/t">标签</a></span>尾巴文字。
  <div class="box">短句<a href="/z"><b>粗</b>链接里的尾巴文字</a></div>后面的文字。
  <div class="box">这一段的文字比链接长得多，所以留在正文里。<a href="/w"><i>斜</i>尾</a></div>
  <p>第三段：<img src="/p.jpg">图片之后的说明文字，较长的一句话。</p>
</div>
<div class="footer">版权所有</div>
</body></html>"""


def _pages() -> list[bytes]:
    pages = [PAGE.encode("utf-8")]
    pages += [p.read_bytes() for p in sorted(Path(__file__).parent.joinpath("pages").rglob("*.html"))]
    return pages


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(len(p)))
def test_the_body_finders_sizes_are_the_containers_own_text_sizes(page: bytes):
    sel, _ = make_selector(page)
    container, sizes = density.find_body_and_sizes(sel)
    if container is None or sizes is None:
        return
    separate = density._text_sizes(container.root)
    for el, size in separate.items():
        inside_hidden = any(density.is_hidden(a) for a in [el, *el.iterancestors()])
        if el.tag in density.PRUNABLE and el.tag != "span" and not inside_hidden:
            assert sizes.get(el) == size, (el.tag, el.get("class"))


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(len(p)))
def test_walking_the_page_with_furniture_skipped_gives_what_the_pruned_copy_gave(page: bytes):
    sel, _ = make_selector(page)
    container = density.find_body(sel)
    if container is None:
        return
    # the old way: furniture removed from a copy, then walked
    copy = article._detached_copy(container.root)
    article._prune_furniture(copy)
    expected = article._paragraphs_and_images(copy, "https://example.com/a.html")
    got = article._container_paragraphs(container, "https://example.com/a.html", GENERIC)
    assert got == expected
