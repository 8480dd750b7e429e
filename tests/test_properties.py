"""Properties of the pure code on any input (Hypothesis): dates, cleaning, and extraction of generated
HTML. No input may raise, and the outputs keep their promises (aware +08:00 dates, cleaned text with
no control or zero-width characters, fields of their declared types). Each bug these found is fixed
in the code and kept here as an ``@example``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
import unicodedata
from datetime import datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsportal.cli.extract import extract_page
from newsportal.extract.article import PageFields
from newsportal.extract.dates import CHINA_TZ, find_datetime_in_scripts, format_datetime, parse_datetime
from newsportal.extract.links import PageLinks
from newsportal.extract.page import AnalysedPage, analyse_page
from newsportal.extract.text import (
    content_hash,
    normalize_for_hash,
    normalize_space,
    parse_count,
    split_boilerplate,
    strip_title,
)
from newsportal.items import Article
from newsportal.pipelines.clean import clean_article
from newsportal.sites import get_site

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=CHINA_TZ)
# Moderate example counts: the whole file runs in a few seconds. No deadline: a slow example on a
# busy machine is not a failure.
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def words(text: str) -> list[str]:
    return text.split()


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
# Characters cleaning must deal with: controls, zero-width / format characters, odd spaces.
AWKWARD = st.sampled_from(
    list("\x00\x01\x08\x0b\x0c\x0e\x1b\x1f\x7f\x85\x9f\xa0\xad\u034f\u061c\u180e\u200b\u200c\u200d")
    + list("\u200e\u200f\u2028\u2029\u202a\u202e\u2060\u2061\u2066\u2069\u3000\ufeff\ufff9\t\r\n ")
)
TEXT = st.text(st.one_of(CJK, AWKWARD, st.characters(codec="utf-8")), max_size=60)

# --- dates -----------------------------------------------------------------------------------------

DATE_PARTS = st.one_of(
    st.integers(0, 99999).map(str),
    st.sampled_from(
        [
            *words(
                "年 月 日 号 - / . : ： T Z +08:00 -14:00 +23:59 前 上午 下午 中午 凌晨 晚上 am pm 点 时 "
                "分 秒 半 小时 分钟 天 周 个星期 今天 昨天 前天 刚刚 星期五 (周五) ２０２６ １２ "
                "发布时间： 0000 9999 12 31 "
                "24 60 0 "
            ),
            " ",
        ]
    ),
    st.text(max_size=2),
)
DATE_TEXT = st.one_of(st.lists(DATE_PARTS, max_size=12).map("".join), st.text(max_size=40))


def assert_sane_datetime(found: datetime | None, relative_to: datetime) -> None:
    if found is None:
        return
    assert isinstance(found, datetime)
    assert found.utcoffset() == timedelta(hours=8)
    assert datetime.fromisoformat(format_datetime(found)) == found.replace(microsecond=0)
    assert 1 <= found.year <= 9999


@FAST
@given(DATE_TEXT, st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2100, 1, 1)))
@example("9999-12-31T23:59-14:00", NOW.replace(tzinfo=None))  # was OverflowError in astimezone
@example("0001-01-01T00:00+14:00", NOW.replace(tzinfo=None))  # was OverflowError in astimezone
@example("100000周前", NOW.replace(tzinfo=None))
@example("昨天", datetime(1980, 1, 1))
def test_any_text_parses_to_none_or_an_aware_china_time(text, now):
    now = now.replace(tzinfo=CHINA_TZ)
    assert_sane_datetime(parse_datetime(text, now), now)


RELATIVE_PARTS = st.one_of(
    st.integers(0, 999).map(str),
    st.sampled_from(words("前 之前 秒 分钟 小时 个小时 天 日 周 个星期 刚刚 刚才 "))
    | st.sampled_from(words("今天 昨天 前天 今日 上午 下午 凌晨 : 点 时 分 半 ")),
)


@FAST
@given(st.lists(RELATIVE_PARTS, max_size=8).map(" ".join))
def test_relative_dates_are_never_after_today(text):
    found = parse_datetime(text, NOW)
    assert_sane_datetime(found, NOW)
    assert found is None or found.date() <= NOW.date()


@FAST
@given(st.integers(0, 10**13).map(str))
def test_any_timestamp_parses_to_none_or_an_aware_china_time(digits):
    assert_sane_datetime(parse_datetime(digits, NOW), NOW)


@FAST
@given(
    st.lists(
        st.one_of(
            DATE_PARTS,
            st.sampled_from(['"pubtime": "', '"', "publish_time: ", '<meta name="publishdate" content="']),
        ),
        max_size=12,
    ).map("".join)
)
def test_dates_in_scripts_never_raise(html):
    assert_sane_datetime(find_datetime_in_scripts(html, NOW), NOW)


# --- cleaning --------------------------------------------------------------------------------------

BOILERPLATE = st.sampled_from(
    [
        *words(
            "来源： 责任编辑： 编辑： 本报记者 作者： 原创 【原创】 （ ） | _新浪网 "
            "分享到： 微信 微博 版权所有 © 原标题： 文/ 图/"
        ),
        "记者 ",
        " - 腾讯新闻",
        "\u3000\u3000",
    ]
)
LINE = st.lists(st.one_of(TEXT, BOILERPLATE, CJK), max_size=8).map("".join)
BODY = st.lists(LINE, max_size=8).map("\n".join)


def invisible(ch: str) -> bool:
    """A control character (other than the line break) or a zero-width / format character."""
    return (unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n") or ch in "\u2028\u2029"


def assert_clean_line(line: str) -> None:
    assert line == line.strip()
    assert not any(invisible(ch) for ch in line), ascii(line)
    assert "\n" not in line


@FAST
@given(TEXT)
@example("a\x00b\x1bc\x7f")  # controls were left in
@example("\u2061\u180e\u202e\u2066x")  # format characters other than the zero-width five were left in
def test_normalize_space_leaves_one_clean_line_and_is_idempotent(text):
    line = normalize_space(text)
    assert_clean_line(line)
    assert normalize_space(line) == line


@FAST
@given(st.lists(LINE, max_size=8))
@example(["\x1b", "来源：新华社\x00"])  # controls were kept
def test_split_boilerplate_gives_clean_lines(lines):
    split = split_boilerplate(lines)
    for line in split.paragraphs:
        assert line and not line.isspace()
        assert_clean_line(line)
    for value in (split.source, split.editor, split.author):
        assert value is None or (value and value == normalize_space(value))


@FAST
@given(LINE)
@example("0【原创】【原创】")
def test_strip_title_is_clean_and_idempotent(title):
    stripped = strip_title(title)
    assert_clean_line(stripped)
    assert strip_title(stripped) == stripped


articles = st.builds(
    Article,
    url=st.just("http://news.example.cn/a/1.html"),
    canonical_url=st.one_of(st.none(), TEXT),
    site=st.one_of(st.none(), TEXT),
    channel=st.one_of(st.none(), TEXT),
    title=st.one_of(st.none(), LINE),
    author=st.one_of(st.none(), LINE),
    source=st.one_of(st.none(), LINE),
    editor=st.one_of(st.none(), LINE),
    body=st.one_of(st.none(), BODY),
    tags=st.lists(TEXT, max_size=4),
    images=st.lists(
        st.fixed_dictionaries({"url": st.one_of(st.none(), TEXT), "caption": st.one_of(st.none(), TEXT)}),
        max_size=3,
    ),
)


@FAST
@given(articles)
@example(Article(url="http://x/", title="0【原创】【原创】"))  # one mark came off a cleaning
@example(Article(url="http://x/", title="郑州地铁新线开通_新浪网【原创】"))  # the mark hid the suffix
@example(Article(url="http://x/", channel="\x08", body="正文\x1b\n\u2061"))  # controls were kept
def test_a_cleaned_article_is_clean_and_cleaning_is_idempotent(article):
    cleaned = clean_article(article)
    if cleaned.body is not None:
        assert cleaned.body
        for line in cleaned.body.split("\n"):
            assert line
            assert_clean_line(line)
        assert cleaned.content_hash == content_hash(cleaned.body)
    for name in ("title", "author", "source", "editor", "channel", "site"):
        value = getattr(cleaned, name)
        assert value is None or (value and assert_clean_line(value) is None)
    for tag in cleaned.tags:
        assert tag
        assert_clean_line(tag)
    assert clean_article(cleaned) == cleaned


@FAST
@given(TEXT)
def test_hash_normalisation_and_counts_never_raise(text):
    assert not any(ch.isspace() for ch in normalize_for_hash(text))
    assert len(content_hash(text)) == 40
    count = parse_count(text)
    assert count is None or (isinstance(count, int) and count >= 0)


# --- extraction on generated HTML ------------------------------------------------------------------

TAGS = ["html", "head", "body", "title", "meta", "div", "p", "span", "a", "h1", "h2", "ul", "li", "table"]
TAGS += ["tr", "td", "br", "img", "script", "style", "article", "section", "time", "em", "font", "iframe"]
TAGS += ["noscript", "link", "form", "input", "b", "strong", "!--", "![CDATA["]
ATTRS = ["class", "id", "href", "src", "content", "name", "property", "itemprop", "datetime", "charset"]
ATTRS += ["rel", "title", "alt", "http-equiv", "style", "data-src"]
VALUES = st.one_of(
    TEXT,
    st.sampled_from(
        [
            *words(
                "article-content content main title time source author og:title "
                "canonical description keywords "
                "http://news.example.cn/2026/03/14/b.html /a/2.html javascript: "
                "//img.example.cn/x.jpg gbk big5 utf-8 file:///etc/passwd "
                "mailto:x@example.cn http://[::1 http://%zz/ ?page=2 #top "
            ),
            "2026-03-14 20:02",
            "text/html; charset=gbk",
        ]
    ),
    DATE_TEXT,
)
ENTITIES = st.sampled_from(words("&#xD800; &#0; &#1114112; &#x1b; &#x200b; &nbsp; &#x3000; &amp "))
WORDS = st.one_of(st.text(CJK, min_size=1, max_size=40), TEXT, DATE_TEXT, BOILERPLATE, ENTITIES)


def _render(tree) -> str:
    if isinstance(tree, str):
        return tree
    tag, attrs, children, closed = tree
    inner = "".join(_render(child) for child in children)
    if tag == "!--":
        return f"<!--{inner}" + ("-->" if closed else "")
    if tag == "![CDATA[":
        return f"<![CDATA[{inner}" + ("]]>" if closed else "")
    attributes = "".join(f' {name}="{value}"' for name, value in attrs)
    return f"<{tag}{attributes}>{inner}" + (f"</{tag}>" if closed else "")


def _node(children):
    return st.tuples(
        st.sampled_from(TAGS),
        st.lists(st.tuples(st.sampled_from(ATTRS), VALUES), max_size=3),
        st.lists(children, max_size=5),
        st.booleans(),  # closed or not: broken markup
    )


TREES = st.recursive(WORDS, _node, max_leaves=40)
# A long chain of nested elements (not deep enough for the recursion limit: that guard is the
# extraction-limits row of issue 12).
CHAINS = st.integers(1, 150).flatmap(
    lambda depth: st.sampled_from(words("div span p font ")).map(
        lambda tag: f"<{tag}>" * depth + "正文内容，新华社北京电。" * 5 + f"</{tag}>" * (depth // 2)
    )
)
HTML = st.one_of(TREES.map(_render), CHAINS)
ENCODINGS = st.sampled_from(words("utf-8 gbk gb18030 big5 latin-1 utf-16 shift_jis cp1252 "))
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            *words("text/html "),
            "text/html; charset=iso-8859-1",
            "text/html; charset=gbk",
            "text/html; charset=utf-8",
        ]
    ),
    st.text(max_size=30),
)
PAGES = st.one_of(
    st.tuples(HTML, ENCODINGS).map(lambda pair: pair[0].encode(pair[1], "replace")),
    st.binary(max_size=2000),
)
URLS = st.sampled_from(
    words(
        "http://news.example.cn/2026/03/14/a.html "
        "http://127.0.0.1:8631/news/1.html https://www.sohu.com/a/1_2 "
        "http://news.example.cn/ file:///tmp/saved.html "
    )
)
SITES = st.sampled_from(words("generic sample sohu 163 ")).map(get_site)


def _matches(value, hint) -> bool:
    """isinstance against a type annotation of the few shapes the dataclasses use."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_matches(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items()
        )
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def assert_typed(obj) -> None:
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        assert _matches(value, hints[f.name]), f"{type(obj).__name__}.{f.name} = {value!r}"


@SLOW
@given(PAGES, URLS, SITES, CONTENT_TYPES, st.booleans(), st.sampled_from(words("unknown article listing ")))
def test_analyse_page_never_raises_and_gives_typed_fields(body, url, site, content_type, judge, prior):
    page = analyse_page(body, url, site, NOW, content_type, judge=judge, prior=prior, article_links=True)
    assert isinstance(page, AnalysedPage)
    assert page.kind in ("article", "listing", "other", "bot_wall")  # page.AnalysedPage.kind
    if page.fields is not None:
        assert isinstance(page.fields, PageFields)
        assert_typed(page.fields)
        if page.fields.published_at is not None:
            assert page.fields.published_at.utcoffset() == timedelta(hours=8)
    if page.links is not None:
        assert isinstance(page.links, PageLinks)
        assert_typed(page.links)
    assert all(isinstance(link, str) for link in page.article_links)


@SLOW
@given(PAGES, URLS)
@example(b"000000\x1b?", "http://news.example.cn/2026/03/14/a.html")  # the body kept the ESC
def test_extract_page_never_raises_and_gives_an_article_of_declared_types(body, url):
    record = extract_page(body, url, None, NOW)
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # what the feed writes: no lone surrogate
    assert list(record) == [f.name for f in dataclasses.fields(Article)]
    article = Article(**record)
    assert_typed(article)
    if article.body is not None:
        for line in article.body.split("\n"):
            assert line
            assert_clean_line(line)
    if article.published_at is not None:
        assert article.published_at.endswith("+08:00")
