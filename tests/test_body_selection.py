"""Spec of the body rules of issue 13 (classes 1 and 7) below the page level: which lines are a post's
furniture, which block is the body. Whole pages for each class are in ``tests/pages/short_post/``,
``tests/pages/old_pages/`` and ``tests/pages/body_block/`` (run by test_extraction_pages.py)."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from newsportal.extract.density import is_furniture
from newsportal.extract.text import split_boilerplate


@pytest.mark.parametrize(
    "line",
    [
        "发表于 2004年12月27日 12:40 - (阅读:3727;评论:63)",
        "发布于 2026-10-28 14:05",
        "posted @ 2005-03-21 11:21 by lee",
        "Posted on 2005/3/21 11:21",
        "2026-10-28 14:05 阅读(120) 评论(6)",
        "【发表时间：2006-5-12 8:30】",
        "〓 某某论坛 周边游 发布时间 2005/05/17 22:11:42 by 眉间尺 〓",
    ],
)
def test_a_posts_date_line_with_its_label_or_counters_leaves_the_body(line):
    opening = "正文第一段，写了一些事情。"
    assert split_boilerplate([opening, line]).paragraphs == [opening]


@pytest.mark.parametrize(
    "line",
    [
        "2026年10月28日，市政府召开新闻发布会，介绍冬季供暖安排。",  # a sentence that opens with a date
        "二〇二二年一月二十七日",  # a notice's signature date
        "2022年1月27日",  # the same, in digits: no label, no counters
        "发表于2005年的那篇文章，至今仍有人引用。",
    ],
)
def test_dates_in_the_articles_own_lines_stay(line):
    assert split_boilerplate([line]).paragraphs == [line]


@pytest.mark.parametrize("heading", ["热门评论", "最新评论", "网友评论", "精彩跟帖", "读者留言"])
def test_a_block_headed_as_comments_is_furniture(heading):
    block = lxml_html.fromstring(f"<div><h3>{heading}</h3><p>说得很好，支持一下。</p><p>同意楼上。</p></div>")
    assert is_furniture(block)


@pytest.mark.parametrize("heading", ["评论", "时评", "本报评论员文章"])
def test_a_story_headed_by_a_commentary_channel_is_not_furniture(heading):
    story = "<p>今年的粮食产量再创新高，这是多方努力的结果。</p>"
    block = lxml_html.fromstring(f"<div><h3>{heading}</h3>{story}</div>")
    assert not is_furniture(block)


def test_a_posts_own_date_line_inside_the_body_dates_the_page():
    from datetime import datetime

    from parsel import Selector

    from newsportal.extract.article import posted_line_date
    from newsportal.extract.dates import CHINA_TZ

    footer = "<p>〓 某某论坛 发布时间 2005/05/17 22:11:42 〓</p>"
    post = Selector(text=f"<div class='post'><p>正文，写了一些事情。</p>{footer}</div>").css("div.post")[0]
    now = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)
    assert posted_line_date(post, now) == datetime(2005, 5, 17, 22, 11, 42, tzinfo=CHINA_TZ)
    assert posted_line_date(Selector(text="<div><p>2005年5月17日，天气晴。</p></div>"), now) is None


# --- class 7: old pages that declare no charset ---------------------------------------------------

_OLD_STORY = (
    "<html><head><title>县里召开春耕生产会议</title></head>"
    "<body><p>昨日，县里召开春耕生产会议，部署今年的春耕工作。</p></body></html>"
)


def test_gbk_bytes_without_any_charset_decode_without_the_statistical_detector(monkeypatch):
    from newsportal.extract import encoding

    def no_detector(body):
        raise AssertionError("the detector was asked about bytes that read cleanly as GB18030")

    monkeypatch.setattr(encoding, "_detect", no_detector)
    assert encoding.decode_html(_OLD_STORY.encode("gbk")) == (_OLD_STORY, "gb18030")


def test_big5_bytes_without_any_charset_are_not_taken_for_gbk():
    from newsportal.extract.encoding import decode_html

    story = "<html><body><p>昨日，縣裡召開春耕生產會議，部署今年的春耕工作。各鄉鎮負責人參加會議。</p></body>"
    # Big5 bytes decode cleanly as GB18030 too, into rare characters: the shortcut must not take them
    assert decode_html(story.encode("big5"))[1] != "gb18030"


@pytest.mark.parametrize(
    "line",
    [
        "页面功能 【我来说两句】【我要“揪”错】【推荐】【字体：大 中 小】【打印】 【关闭】",
        "[推荐] [打印] [关闭窗口]",
    ],
)
def test_a_bar_of_bracketed_buttons_leaves_the_body(line):
    assert split_boilerplate([line]).paragraphs == []


@pytest.mark.parametrize(
    "line",
    [
        "【新华网】【人民网】报道，今年的粮食产量再创新高。",
        "【快讯】【独家】【现场】记者今天上午在现场看到，救援仍在进行。",
    ],
)
def test_bracketed_words_in_a_sentence_stay(line):
    assert split_boilerplate([line]).paragraphs == [line]


# --- speed: class-word queries read from the attributes up ----------------------------------------

_CLASS_PAGE = """<html><body>
<div class="post-author" id="a1"><span class="author-name">张三</span></div>
<div id="author-box"><p class="time">2026-10-01 08:00</p></div>
<ul class="relate-list"><li><a href="/1">一</a></li><li class="recommend"><a href="/2">二</a></li></ul>
<p class="date-line">2026-10-02</p>
</body></html>"""


@pytest.mark.parametrize(
    "query",
    [
        "//*[contains(@class,'author')]",
        "//*[contains(@class,'author') or contains(@id,'author')][not(.//*[contains(@class,'author')])]",
        "//*[contains(@class,'relate') or contains(@class,'recommend')]//a/@href",
        "//*[contains(@class,'time') or contains(@class,'date') or contains(@id,'time')]",
        "//*[contains(@class,'author') or contains(@id,'author')][1]",  # positional: kept as written
    ],
)
def test_class_word_queries_select_what_they_selected_before(query):
    from lxml import etree

    from newsportal.extract.select import _attribute_first

    root = lxml_html.fromstring(_CLASS_PAGE)
    assert etree.XPath(_attribute_first(query))(root) == etree.XPath(query)(root)
    if query.endswith("[1]"):
        assert _attribute_first(query) == query
    else:
        assert _attribute_first(query) != query and "//@" in _attribute_first(query)


_TAG_PAGE = """<html><body>
<div><h3>相关新闻</h3><ul><li><a href="/1">一</a></li></ul></div>
<p>正文，<strong>重点</strong>。<span>更多</span></p><div class="x"><a href="/2">二</a></div>
<h2>推荐</h2><p><a href="/3">三</a></p><span>延伸阅读</span><div><a href="/4">四</a></div>
</body></html>"""


@pytest.mark.parametrize(
    "query",
    [
        "//*[self::h2 or self::h3 or self::span or self::div or self::p or self::strong]",
        "//*[self::h2 or self::h3 or self::span or self::div or self::p][not(.//a) and "
        "string-length(normalize-space(.)) < 12]/following-sibling::*[1]//a/@href",
        "//*[self::div or self::p]/@*[name()='class']",
        "//*[self::h2 or self::span][1]",  # positional on the step itself: kept as written
        "//*[self::div or self::p][@title=']'][last()]//a",  # a bracket in a string does not hide it
    ],
)
def test_tag_test_queries_select_what_they_selected_before(query):
    from lxml import etree

    from newsportal.extract.select import _tags_first

    root = lxml_html.fromstring(_TAG_PAGE)
    assert etree.XPath(_tags_first(query))(root) == etree.XPath(query)(root)
    if query.endswith(("[1]", "[last()]//a")):
        assert _tags_first(query) == query
    else:
        assert _tags_first(query).startswith("(//")


# --- class 1: the document's own elements are never furniture -------------------------------------


def test_a_state_class_on_body_leaves_the_article_to_the_density_finder(monkeypatch):
    from pathlib import Path

    from newsportal.extract import density
    from newsportal.extract.article import make_selector

    page = Path(__file__).parent / "pages" / "short_post" / "state_class_on_body.html"
    sel, _ = make_selector(page.read_bytes())
    # the finder itself picks the story (the page-level fixture alone would pass through the
    # sentence fallback: the rule would not be pinned)
    assert density.find_body(sel).root.tag == "article"
    monkeypatch.setattr(density, "_DOCUMENT_TAGS", frozenset())
    assert density.find_body(sel) is None  # what the rule prevents: <body class="u-has-nav-bar">


def test_texts_near_the_body_are_the_same_read_once_or_again():
    """_near keeps the last container's texts; a smaller count is the nearest of them."""
    from parsel import Selector

    from newsportal.extract import article

    page = "".join(f"<p>前{i}</p>" for i in range(100)) + '<div id="b">正文</div>'
    page += "".join(f"<p>后{i}</p>" for i in range(50))
    root = lxml_html.fromstring(f"<html><body>{page}</body></html>")
    container = Selector(root=root.get_element_by_id("b"))
    article._last_near.clear()
    assert article._near(container, "preceding", 80)[-1] == "前99"
    assert article._near(container, "preceding", 60) == [f"前{i}" for i in range(40, 100)]
    assert article._near(container, "following", 40)[:2] == ["后0", "后1"]
    assert article._near(container, "following", 12) == [f"后{i}" for i in range(12)]
    other = Selector(root=root.xpath("//p")[10])  # another container: read anew
    assert article._near(other, "preceding", 60) == [f"前{i}" for i in range(10)]


def test_maybe_hidden_elements_are_those_the_element_test_found():
    """article._MAYBE_HIDDEN, read from the attributes up, selects what testing each element did:
    in document order, once each, never the container itself."""
    from lxml import etree

    from newsportal.extract.article import _MAYBE_HIDDEN

    page = """<div id="c" class="hidden"><p hidden>一</p><p style="display:none" class="x">二</p>
    <div class="nonex hid"><span style="visibility:hidden">三</span></div><p class="invisible-a">四</p>
    <p class="show">五</p></div>"""
    container = lxml_html.fromstring(page)
    by_element = (
        ".//*[@hidden or contains(@style, 'none') or contains(@style, 'hidden') or contains(@class, 'hid') "
        "or contains(@class, 'none') or contains(@class, 'invisible')]"
    )
    found = etree.XPath(_MAYBE_HIDDEN)(container)
    assert found == etree.XPath(by_element)(container)
    assert [e.text for e in found] == ["一", "二", None, "三", "四"]
