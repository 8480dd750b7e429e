"""make_selector parses a UTF-8 page's own bytes when they are what decoding and encoding back would
give: the tree must be the one parsing the decoded text gives, on every page and odd byte we have."""

from __future__ import annotations

import codecs

import pytest
from lxml import etree

from newsportal.extract.article import _parse_html, _parse_utf8, make_selector
from newsportal.extract.encoding import decode_html
from tests.conftest import ROOT, SAMPLE_PORTAL, SHARED_PAGES

PAGE = "<html><head><title>标题</title></head><body><p>正文，一段。</p></body></html>"
ODD = [
    PAGE.encode(),
    b"  \n" + PAGE.encode() + b"\n\n",
    b"\x1c\x1f " + PAGE.encode() + b"\x0b\x0c",  # ASCII whitespace str.strip() takes, bytes.strip() not
    "\u3000\xa0".encode() + PAGE.encode() + "\u3000".encode(),  # Unicode whitespace at the ends
    "\x85".encode() + PAGE.encode(),
    codecs.BOM_UTF8 + PAGE.encode(),
    PAGE.encode().replace(b"<p>", b"<p>\x00"),  # NUL inside
    PAGE.encode() + b"\x00",
    PAGE.encode().replace("正文".encode(), b"\xff\xfe"),  # bad bytes: replaced
    PAGE.encode().replace("正文".encode(), "\ufffd".encode()),  # a replacement character of its own
    b"<p>no html element",
    b"just text",
    b"<!-- only a comment -->",
    b"<html></html> trailing text",
    b"   ",
    b"<",
    b">",
    b"<>",
    "<html><body>caf\u00e9 \u65b0\u95fb</body></html>".encode("latin-1", "replace"),
    '<meta charset="gbk"><p>新闻</p>'.encode("gbk"),
    '<meta charset="utf-8"><p>新闻</p>'.encode(),
    b'<?xml version="1.0" encoding="utf-8"?><html><body>x</body></html>',
    b"<frameset><frame src='a'><noframes><body><p>\xe6\x96\xb0</p></body></noframes></frameset>",
]


def _by_text(body: bytes) -> bytes:
    return etree.tostring(_parse_html(decode_html(body)[0]), encoding="utf-8")


def _pages() -> list:
    roots = [SHARED_PAGES, ROOT.parent / "shared" / "pages-wild", ROOT / "tests" / "pages", SAMPLE_PORTAL]
    pages = [p for root in roots if root.exists() for p in sorted(root.rglob("*.html"))]
    assert len(pages) > 100
    return pages


@pytest.mark.parametrize("body", ODD, ids=range(len(ODD)))
def test_odd_bytes_give_the_tree_the_decoded_text_gives(body: bytes):
    sel, _ = make_selector(body)
    if b"<noframes" not in body:
        assert etree.tostring(sel.root, encoding="utf-8") == _by_text(body)


def test_the_bytes_are_parsed_as_they_are_where_they_can_be():
    assert _parse_utf8(PAGE.encode()) is not None
    assert _parse_utf8(b"\x1c" + PAGE.encode()) is not None
    for body in (PAGE.encode() + b"\x00", "\u3000".encode() + PAGE.encode(), b"just text"):
        assert _parse_utf8(body) is None


@pytest.mark.parametrize("path", _pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_page_gives_the_tree_the_decoded_text_gives(path):
    body = path.read_bytes()
    sel, _ = make_selector(body)
    if b"<noframes" not in body:
        assert etree.tostring(sel.root, encoding="utf-8") == _by_text(body)
