"""The article's header on any page: its headline, and the byline zone between the headline and the
body, where portals write the publish time, 来源 and the author. Pure functions over lxml elements.

The zone is what a reader sees under the headline: the visible text segments after the headline's
element, up to the body container or the first sentence-long segment, at most ``ZONE_SEGMENTS`` of
them. When the page has no headline element, it is the few segments just before the body.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import islice
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from newsportal.extract.dates import parse_datetime
from newsportal.extract.density import is_hidden
from newsportal.extract.select import strings
from newsportal.extract.text import normalize_space, split_boilerplate, strip_title

ZONE_SEGMENTS = 30
_BEFORE_BODY_SEGMENTS = 12
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "head", "title", "textarea", "select", "option"]
)
_SENTENCE = re.compile(r"[，。！？；]")
_SENTENCE_MIN = 40

# Elements a headline sits in: headings, and elements whose class or id says title.
# The class and id test runs over attribute nodes (the same elements as //*[contains(@class, ...)],
# in half the time: libxml2 then tests only elements that have the attribute).
_HEADLINE_QUERY = (
    "//h1 | //h2 | //h3 | (//@class[contains(.,'title') or contains(.,'Title')] | //@id[contains(.,'title')])"
    "/.."
)
_HEADLINE_XPATH = etree.XPath(_HEADLINE_QUERY)
_HEADLINE_MAX = 80
_DOC_TITLE_QUERIES = (
    "head title::text",
    'meta[property="og:title"]::attr(content)',
    'meta[name="title"]::attr(content)',
)

_NAME = r"[\u4e00-\u9fff·•]{2,6}"
_NAMES = rf"{_NAME}(?:\s*[、，,&和\s]\s*{_NAME})*"
_SOURCE_LABEL = re.compile(r"(?:来源|来自|出处|稿源)\s*[:：]\s*(?P<value>.*)$")
_SOURCE_VALUE = re.compile(r"[^\s|｜丨/]{2,30}")
_AUTHOR_LABEL = re.compile(
    rf"(?:^|[\s|｜丨◎□■●])(?:本文)?(?:作者|撰文|执笔|撰稿|编译|文字|采写|口述|整理|专栏作者|文)\s*[:：/]\s*(?P<names>{_NAMES})"
    r"(?![\u4e00-\u9fff])"
    # "特约评论员 张三", "本报评论员：张三": a commentator's byline, with or without a colon.
    rf"|(?:^|[\s|｜丨])(?:特约|本报|本台|本网|本刊)?(?:评论员|专栏作者)(?:\s*[:：/]\s*|\s+)(?P<commentator>{_NAMES})"
    r"(?![\u4e00-\u9fff])"
)
# "记者 张三", "记者：张三", and "记者张三/文" (no separator: only before "/", 报道 or 摄).
_REPORTER = re.compile(
    rf"(?:见习|实习)?记者(?:\s*[:：/]\s*|\s+)(?P<names>{_NAMES})"
    rf"|(?:见习|实习)?记者(?P<name>{_NAME}?)(?=\s*(?:/|报道|摄|发自))"
)
# "（记者 张三）", "（常书香 马丹阳）" closing the last paragraph: a byline in brackets.
_TRAILING_BYLINE = re.compile(
    rf"[（(]\s*(?:(?:本报|本台|本网)?(?P<label>记者|作者|文|通讯员)\s*[:：/]?\s*)?(?P<names>{_NAMES})\s*[)）]\s*$"
)
_NOT_NAMES = re.compile(r"新华社|中新|视觉中国|资料|图片|来源|供图|摄|网|报|社|台|客户端|编辑|通讯员")


@dataclass
class Header:
    title: str | None = None
    zone: list[str] = field(default_factory=list)  # visible text segments of the byline zone
    after_headline: bool = True  # False: no headline element, the zone is the text just before the body

    @property
    def zone_text(self) -> str:
        return " ".join(self.zone)


def find_header(
    sel: Selector, body_root=None, title_strip: tuple[str, ...] = (), site_names: Iterable[str] = ()
) -> Header:
    """The headline and the byline zone of the page; body_root is the body container, if known;
    site_names: what the page calls its own site (``SiteNames``), to cut from the title."""
    title, node = find_headline(sel, title_strip, site_names)
    root = sel.root
    # A <title> the page never shows (a greeting, the site's name, a script's name: "显示"): the
    # headline is the page's own, labelled or set off just above the body.
    any_title = title or clean_title(strings(sel, "string(//title)")[0], title_strip, site_names)
    if (
        node is None
        and body_root is not None
        and not _title_shown(sel, any_title)
        and (shown := headline_above_body(root, body_root))
    ):
        title, node = clean_title(shown[0], title_strip, site_names), shown[1]
    segments: list[str] = []
    marks: dict[str, int] = {}
    with contextlib.suppress(_Enough):
        _segments(root, segments, marks, node, body_root)
    body_start = marks.get("body_start", len(segments))
    if node is not None and "title_end" in marks:
        start = marks["title_end"]
        end = body_start if body_start >= start else len(segments)
        zone = segments[start : min(end, start + ZONE_SEGMENTS)]
    else:
        zone = segments[max(0, body_start - _BEFORE_BODY_SEGMENTS) : body_start]
    cut = next((i for i, s in enumerate(zone) if len(s) >= _SENTENCE_MIN and _SENTENCE.search(s)), None)
    after_headline = node is not None and "title_end" in marks
    return Header(title=title, zone=zone[:cut] if cut is not None else zone, after_headline=after_headline)


def find_headline(
    sel: Selector, title_strip: tuple[str, ...] = (), site_names: Iterable[str] = ()
) -> tuple[str | None, object]:
    """(headline, its element). The headline is the longest heading-like element text that the
    document title contains (the <title> adds site names, og:title is sometimes cut at a quote);
    without one, og:title / meta title, else the <title> without its site suffix."""
    doc_titles = [normalize_space(v) for q in _DOC_TITLE_QUERIES for v in strings(sel, q)]
    doc_titles = [t for t in doc_titles if t]
    best: tuple[str, object] | None = None
    root = sel.root
    nodes = (
        _HEADLINE_XPATH(root)
        if isinstance(root, etree._Element)
        else [n.root for n in sel.xpath(_HEADLINE_QUERY)]
    )
    texts = [normalize_space(" ".join(node.itertext())) for node in nodes]  # read once, used twice
    for text, node in zip(texts, nodes, strict=True):
        if not (4 <= len(text) <= _HEADLINE_MAX) or not any(text in t for t in doc_titles):
            continue
        if best is None or len(text) > len(best[0]):
            best = (text, node)
    stripped = clean_title(doc_titles[0], title_strip, site_names) if doc_titles else ""
    if best is not None and len(best[0]) * 2 >= len(stripped):
        return clean_title(best[0], title_strip, site_names), best[1]
    # The headline element is the one whose text is the stripped title, when there is one.
    node = None
    if stripped:
        node = next(
            (candidate for text, candidate in zip(texts, nodes, strict=True) if text == stripped), None
        )
    og = [t for t in doc_titles[1:] if len(t) >= len(stripped)]
    return (stripped or (og[0] if og else None)) or None, node


def is_title_label(line: str) -> bool:
    """Whether line is a bare headline label ("主题："), its value in the next line."""
    return bool((match := _TITLE_LABEL.match(line)) and not match.group("value"))


def _title_shown(sel: Selector, title: str | None) -> bool:
    """Whether the page shows title (4 characters or more), as a text or part of one."""
    if not title or len(title) < 4:
        return False
    # Its opening (12 characters, spaces left out) looked up by XPath's contains(), in C: reading
    # every text node into Python cost a third of a millisecond a page.
    needle = re.sub(r"\s+", "", title)[:_SHOWN_NEEDLE]
    return bool(_SHOWN_TEXT_HAS(sel.root, needle=needle, first=needle[:1]))


_SHOWN_NEEDLE = 12
# A text holding the needle once its spaces are out holds its first character: that cheap test
# (one string copy a text node) goes first, the translate() (three) only on the texts that pass it.
_SHOWN_TEXT_HAS = etree.XPath(
    "boolean(//body//text()[contains(., $first)][not(parent::script or parent::style or parent::title)]"
    "[contains(translate(., ' \t\r\n\u3000\u00a0', ''), $needle)])"
)
# (blank texts out first, as article._VISIBLE_TEXT)
_BEFORE_TEXTS = (
    "preceding::text()[normalize-space()][not(parent::script or parent::style or parent::title or parent::a)]"
)
_FIRST_BODY_TEXTS = ".//text()[normalize-space()][not(parent::script or parent::style)]"
# compiled once (el.xpath(string) compiles the query at every call)
_BEFORE_TEXTS_XPATH = etree.XPath(_BEFORE_TEXTS)
_FIRST_BODY_TEXTS_XPATH = etree.XPath(_FIRST_BODY_TEXTS)


# A headline's label on forums and old pages: "主题：…", "标题：…".
_TITLE_LABEL = re.compile(r"^(?:帖子主题|文章标题|主题|标题|题目)\s*[:：]\s*(?P<value>.*)$")
_EMPHASIS = frozenset(["b", "strong", "font", "h1", "h2", "h3", "h4", "h5", "h6", "center", "big"])
_NOT_HEADLINE = re.compile(
    r"。|^[\[【(（《].*[\]】)）》]$|版权|copyright|首页|当前位置|您的位置|欢迎", re.IGNORECASE
)
_ABOVE_BODY_TEXTS = 60
_OPENING_TEXTS = 8


def headline_above_body(root, body_root) -> tuple[str, object] | None:
    """(headline, its element) among the texts just above the body when no heading element gives
    one: the value of a 主题 / 标题 label (there, or among the body's first texts), else the last
    text set off as a heading (bold, a font, a heading tag or centred, outside links) that is no
    label, date, bracket or notice. None when nothing reads as one."""
    # The texts above the body (outside links), and the body's first texts before a sentence.
    texts = [(normalize_space(str(t)), _holder(t)) for t in _BEFORE_TEXTS_XPATH(body_root)]
    texts = [(t, p) for t, p in texts[-_ABOVE_BODY_TEXTS:] if not _in_link(p)]
    opening = []
    for text in _FIRST_BODY_TEXTS_XPATH(body_root):
        flat = normalize_space(str(text))
        if len(opening) >= _OPENING_TEXTS or (len(flat) >= _SENTENCE_MIN and _SENTENCE.search(flat)):
            break
        opening.append((flat, _holder(text)))
    # A label may sit inside the block taken for the body (a forum post's table).
    labelled = texts + opening
    for i, (text, parent) in enumerate(labelled):
        if match := _TITLE_LABEL.match(text):
            value, element = match.group("value").strip(), parent
            if not value and i + 1 < len(labelled):
                value, element = labelled[i + 1]
            if 4 <= len(value) <= _HEADLINE_MAX:
                return value, element
    for text, parent in reversed(texts):
        if not (4 <= len(text) <= _HEADLINE_MAX) or _NOT_HEADLINE.search(text):
            continue
        if _AUTHOR_LABEL.search(text) or _SOURCE_LABEL.search(text) or _DATE_WORDS.search(text):
            continue
        if _DATE_IN.search(text) or _CLOCK_ONLY.search(text):
            continue
        if _set_off(parent):
            return text, parent
    return None


_CLOCK_ONLY = re.compile(r"\d{1,2}[:：]\d{2}")


def _holder(text):
    """The element a text node (an lxml smart string) sits in: for a tail, its element's parent."""
    el = text.getparent()
    return el.getparent() if text.is_tail and el.getparent() is not None else el


def _in_link(el) -> bool:
    return el.tag == "a" or any(a.tag == "a" for a in el.iterancestors())


def _set_off(el) -> bool:
    """Whether el or one of its two nearest ancestors sets its text off as a heading."""
    for _ in range(3):
        if el is None or not isinstance(el.tag, str):
            return False
        if el.tag.lower() in _EMPHASIS or (el.get("align") or "").lower() == "center":
            return True
        el = el.getparent()
    return False


# --- the title without what is not the headline -------------------------------------------------

# A software credit closing a title: "… - powered by Discuz! Archiver", "… | Powered by WordPress".
_POWERED_BY = re.compile(r"\s*(?:[-_|｜–—]+\s*)?powered\s+by\b.*$", re.IGNORECASE)
# The page of a multi-page thread or story: "(页 1)", "（第2页）", "(1/3)".
_PAGE_MARK = re.compile(r"\s*[(（]\s*(?:页\s*\d+|第\s*\d+\s*页|\d+\s*/\s*\d+)\s*[)）]\s*$")
# Separators left hanging once the parts after them are cut ("标题__频道_新浪网" → "标题_").
_DANGLING_SEPARATOR = re.compile(r"(?<=\S)\s*[_|｜]+\s*$|\s+[-–—]+\s*$")


def clean_title(title: str, title_strip: tuple[str, ...] = (), site_names: Iterable[str] = ()) -> str:
    """strip_title (site and channel suffixes, 原创 marks), and also a software credit ("powered by
    …"), a page mark ("(页 1)") and a separator left hanging at the end."""
    title = _POWERED_BY.sub("", normalize_space(title))
    title = strip_title(title, title_strip, site_names)
    previous = None
    while previous != title:
        previous = title
        title = _DANGLING_SEPARATOR.sub("", _PAGE_MARK.sub("", title)).strip()
        title = strip_title(title, title_strip, site_names) if title != previous else title
    return title


# --- what the page calls its own site ------------------------------------------------------------

_SITE_NAME_QUERIES = (
    'meta[property="og:site_name"]::attr(content)',
    'meta[name="og:site_name"]::attr(content)',
    'meta[name="application-name"]::attr(content)',
    'meta[name="apple-mobile-web-app-title"]::attr(content)',
)
_LOGO_QUERY = (
    "//img[contains(@class,'logo') or contains(@id,'logo') or contains(@src,'logo') or "
    "ancestor::*[position() <= 3][contains(@class,'logo') or contains(@id,'logo')]]/@alt"
    # the elements whose class or id says logo, found over attribute nodes (as _HEADLINE_QUERY)
    " | (//@class[contains(.,'logo')] | //@id[contains(.,'logo')])/../@title"
)
# The page's texts that hold a copyright word. Filtered here, not by XPath: five contains() copy
# every text node five times in libxml2; the texts read once and one regex search each cost 0.24
# ms against 0.59 a page.
_BODY_TEXTS = etree.XPath("//body//text()", smart_strings=False)
_COPYRIGHT_WORD = re.compile("©|版权所有|Copyright|copyright|COPYRIGHT")
_OWNER = r"(?P<name>[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9.·&]{1,30})"
_COPYRIGHT_OWNER = (
    re.compile(
        r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:(?:19|20)\d{2}\s*(?:[-–—~至]\s*(?:19|20)\d{2})?\s*)?" + _OWNER,
        re.IGNORECASE,
    ),
    re.compile(_OWNER + r"\s*版权所有"),
    re.compile(r"版权所有\s*[:：©]?\s*" + _OWNER),
)
_PUBLISHER = re.compile(r'"publisher"\s*:\s*\{[^{}]*?"name"\s*:\s*"(?P<name>[^"]{2,40})"')
_NOT_A_SITE_NAME = re.compile(r"^(?:logo|首页|返回首页|home|版权所有|all|rights)$", re.IGNORECASE)
# Host labels that name no site: "news.qinghe.com.cn" → "qinghe".
_HOST_NOISE = frozenset(
    "www m wap news cn com net org gov edu co info cc tv mobile en big5 3g i".split()  # noqa: SIM905
)


# The first item of a breadcrumb is the site's own name: "清河论坛 » 学术前沿 » 标题",
# "当前位置：清河网 > 新闻 > 正文".
_FIRST_TEXTS = 100
_FIRST_ELEMENTS = 500  # and at most this many elements (a page may open with thousands of empty ones)


def _first_texts(root, limit: int) -> list[str]:
    """The first limit non-blank texts of the page's <body>, stripped, in document order (an lxml
    walk that stops there: an XPath position() filter would read every text node first)."""
    out: list[str] = []
    body = next(root.iter("body"), None)
    if body is None:
        return out
    # (written out: no list and generator an element, the loop runs up to _FIRST_ELEMENTS times)
    for el in islice(body.iter(), _FIRST_ELEMENTS):
        tag = el.tag
        if isinstance(tag, str) and tag != "script" and tag != "style":
            text = el.text
            if text and not text.isspace():
                out.append(text.strip())
        tail = el.tail
        if tail and not tail.isspace():
            out.append(tail.strip())
        if len(out) >= limit:
            break
    return out[:limit]


_BREADCRUMB_ROOT = re.compile(
    r"(?:^|\s|[:：])(?P<root>[^\s»›>:：|｜\d]{2,30})\s*[»›>]\s*[^»›>]{1,40}?\s*[»›>]"
)


def page_site_names(sel: Selector, url: str | None = None) -> tuple[str, ...]:
    """The names the page gives its own site, best evidence first: og:site_name and friends, the
    publisher in JSON-LD, the logo's alt or title text, the copyright holder in the page's text, the
    first item of a breadcrumb ("清河论坛 » 学术前沿 » …"), and the distinctive labels of url's host
    ("news.qinghe.com.cn" → "qinghe"). Never a list of portals:
    a page that names nothing gives ()."""
    names: list[str] = []

    def add(value: str | None) -> None:
        value = normalize_space(value or "").strip(" -_|｜丨:：")
        if 2 <= len(value) <= 40 and not _NOT_A_SITE_NAME.match(value) and value not in names:
            names.append(value)

    for query in _SITE_NAME_QUERIES:
        for value in strings(sel, query):
            add(value)
    for raw in strings(sel, 'script[type="application/ld+json"]::text'):
        if match := _PUBLISHER.search(raw):
            add(match.group("name"))
    for value in strings(sel, _LOGO_QUERY):
        add(value)
    for text in list(filter(_COPYRIGHT_WORD.search, _BODY_TEXTS(sel.root)))[:6]:
        for pattern in _COPYRIGHT_OWNER:
            for match in pattern.finditer(text):
                add(match.group("name"))
    if match := _BREADCRUMB_ROOT.search(" ".join(_first_texts(sel.root, _FIRST_TEXTS))):
        add(match.group("root"))
    host = (urlsplit(url).hostname or "") if url and url.startswith(("http://", "https://")) else ""
    for label in host.lower().split("."):
        if len(label) >= 3 and label not in _HOST_NOISE:
            add(label)
    return tuple(names)


class SiteNames:
    """page_site_names, looked up on first iteration (most titles never need them)."""

    def __init__(self, sel: Selector, url: str | None = None) -> None:
        self._sel, self._url = sel, url

    @cached_property
    def names(self) -> tuple[str, ...]:
        return page_site_names(self._sel, self._url)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)


class _Enough(Exception):
    """Raised by _segments once the zone is known: the rest of the page is not needed."""


def _segments(root, out: list[str], marks: dict[str, int], title_node, body_root) -> None:
    """Visible text segments in document order, marking where the body starts and the headline ends;
    stops (raising _Enough) once both are marked and a full zone lies past the headline. Walked
    with an explicit stack, not recursion, so any depth of nesting is fine."""
    # Steps, popped in document order: enter an element, take a child's tail, leave an element.
    stack: list[tuple[int, object]] = [(_ENTER, root)]
    while stack:
        step, el = stack.pop()
        if step == _TAIL:
            tail = el.tail
            if tail and not tail.isspace():
                out.append(normalize_space(tail))
            if "body_start" in marks and len(out) > marks.get("title_end", 1 << 30) + ZONE_SEGMENTS:
                raise _Enough
            continue
        if step == _LEAVE:
            if el is title_node:
                marks.setdefault("title_end", len(out))
            continue
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if el is body_root:
            marks.setdefault("body_start", len(out))
            if "title_end" in marks or title_node is None:
                raise _Enough
        stack.append((_LEAVE, el))
        if tag and tag not in _SKIP and not is_hidden(el):
            text = el.text
            if text and not text.isspace():
                out.append(normalize_space(text))
            for child in reversed(el):
                stack.append((_TAIL, child))
                stack.append((_ENTER, child))


_ENTER, _TAIL, _LEAVE = 0, 1, 2


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def zone_published_at(header: Header, now: datetime) -> tuple[datetime | None, bool]:
    """(the first date or relative date written in the byline zone, whether it is sure). A date
    read without a year while the zone writes a year elsewhere ("2019 ⏐ 09/07 ⏐ 19:02") is not
    sure: better evidence (meta tags, scripts) should win over it."""
    if not header.zone:
        return None, False
    # A sentence under the headline ("市园林局昨日发布通知，") is the story, not its dateline.
    text = " ".join(seg for seg in header.zone if not _SENTENCE.search(seg))
    found = parse_datetime(text, now)
    if found is None:
        return None, False
    years = set(_YEAR.findall(text))
    return found, not years or str(found.year) in years


def zone_source(header: Header) -> str | None:
    """The value after a 来源 label in the zone ("来源: 证券市场红周刊"), on its segment or the next,
    or the outlet of a "writer/outlet" line ("石佳/中国青年报")."""
    for i, segment in enumerate(header.zone):
        match = _SOURCE_LABEL.search(segment)
        if not match:
            continue
        value = match.group("value").strip() or (header.zone[i + 1] if i + 1 < len(header.zone) else "")
        return clean_source(value)
    for segment in header.zone:
        if match := _WRITER_SLASH_OUTLET.match(segment):
            return match.group("outlet")
    return None


def zone_source_guess(header: Header, author: str | None) -> str | None:
    """Without a 来源 label: an outlet-like name written right after (or else right before) the
    date ("2018年12月28日 19:55 ⏐ 新京报", "南方都市报 ⏐ 2019-09-09 16:01:46"), unless it is one of
    the author's names (some portals put the writers there)."""
    if not header.after_headline:
        return None  # the text before a body with no headline is navigation as often as a byline
    guess = _source_beside_date(header.zone)
    if guess and author and guess in author:
        return None
    return guess


_OUTLET = re.compile(r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·\-—]{1,19}")
_NOT_OUTLET = re.compile(
    r"发布|发表|更新|时间|日期|原创|分享|收藏|评论|举报|字号|关注|打印|纠错|阅读|点击|放大|缩小|首页|正文|责任编辑|编辑|作者|记者"
    r"|^(?:大|中|小|标准|超大|更多|APP|app)$|星期|周[一二三四五六日]|^[A-Za-z]{1,3}$"
)
_DATE_IN = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"
    # a date without its year, with its time of day: "09-30 22:46", "9月30日 22:46" (self-media pages)
    r"|(?<![\d.:/-])[01]?\d\s*[-/月]\s*[0-3]?\d\s*日?\s+[0-2]?\d[:：][0-5]\d"
    r"|(?:发布|发表|更新)(?:于|时间|日期)?\s*[:：]?\s*[01]?\d\s*[-/月]\s*[0-3]?\d(?!\d)"
)


# "石佳/中国青年报": a writer and the outlet, alone on their line.
_WRITER_SLASH_OUTLET = re.compile(
    r"^(?P<writer>[\u4e00-\u9fff·]{2,4})\s*/\s*(?P<outlet>[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·]{1,19})$"
)


_UNNAMED_OUTLET_MAX = 8
# Labels of a publish time ("发布于", "发布时间：", "更新："): never a 来源.
_DATE_WORDS = re.compile(
    r"(?:发布|发表|更新|刊发|上传|创建|编辑)(?:于|时间|日期)?\s*[:：]?|(?:时间|日期)\s*[:：]"
)


def _source_beside_date(zone: list[str]) -> str | None:
    bylines = [seg for seg in zone if _AUTHOR_LABEL.search(seg) or _REPORTER.search(seg)]
    for i, segment in enumerate(zone):
        if not _DATE_IN.search(segment):
            continue
        rest = _DATE_IN.sub("", segment)
        rest = _DATE_WORDS.sub("", re.sub(r"\d{1,2}[:：]\d{2}(?::\d{2})?|[日号]", "", rest)).strip()
        # A label on its own segment ("发布于") sits between the date and the name: look past it.
        before = [seg for seg in zone[max(0, i - 2) : i] if _DATE_WORDS.sub("", seg).strip()][-1:]
        neighbours = ([rest] if rest else []) + zone[i + 1 : i + 2] + before
        for candidate in neighbours:
            candidate = candidate.strip()
            if not _OUTLET.fullmatch(candidate) or _NOT_OUTLET.search(candidate):
                continue
            if len(candidate) > _UNNAMED_OUTLET_MAX and not _OUTLET_NAME.search(candidate):
                continue  # a long phrase that no outlet word ends is a link to a story, not a 来源
            if any(candidate in byline for byline in bylines):
                return None  # the name beside the date is the writer's
            return candidate
        return None
    return None


def clean_source(value: str | None) -> str | None:
    """A 来源 value without its label, brackets or what follows it ("来源：人民网 原创稿" → 人民网)."""
    if not value:
        return None
    value = re.sub(r"^\s*(?:来源|来自|出处|稿源)\s*[:：]\s*", "", normalize_space(value))
    value = value.strip(" ()（）[]【】")
    match = _SOURCE_VALUE.match(value)
    if not match or parse_datetime(match.group(0), datetime(2100, 1, 1)) is not None:
        return None
    if _DATE_WORDS.fullmatch(match.group(0)) or _NOT_A_SOURCE.search(match.group(0)):
        return None  # "来源：发布于 …", "来源：作者：…", "来源： size="20"": a label or markup, not an outlet
    return match.group(0)


# A 来源 value that is the next label ("作者：", "点击数：") or template markup left in the text.
_NOT_A_SOURCE = re.compile(
    r"[=\"<>{}]|[:：]$|^(?:作者|编辑|责任编辑|记者|发布|发表|时间|日期|点击|阅读|浏览|字号|评论)(?:[:：]|$)"
)


# A closing line naming where the story comes from: "本文来源于清河日报", "文章转自清河日报微信公众号".
_SOURCE_SENTENCE = re.compile(
    r"^[（(【\[]?\s*(?:(?:本文|文章|此文|本稿)(?:来源于|来自于?|转自|转载自|选自|摘自|原载于?|首发于)"
    r"|转自|转载自|选自|摘自|原载于?)\s*[:：]?\s*[《「“]?(?P<value>[\u4e00-\u9fffA-Za-z0-9·]{2,20}?)[》」”]?"
    r"(?:微信公众号|公众号|官方微博|官网|客户端)?\s*(?:[，,；;]\s*(?:转载|如需转载|版权).*)?[。.]?\s*[)）】\]]?$"
)


def closing_source_line(paragraphs: list[str]) -> tuple[str | None, int | None]:
    """(the 来源 a closing line names, its index in paragraphs) among the last three paragraphs:
    "本文来源于清河日报", "（转自清河日报微信公众号）"; (None, None) without one."""
    for index in range(len(paragraphs) - 1, max(-1, len(paragraphs) - 4), -1):
        line = paragraphs[index]
        if len(line) <= 60 and (match := _SOURCE_SENTENCE.match(line)):
            return clean_source(match.group("value")), index
    return None, None


def zone_author(header: Header) -> str | None:
    """A named writer in the zone: "作者：张三", "文/张三", "澎湃新闻记者 张三 李四"."""
    return byline_in(header.zone)


_EDGE_LINES = 3
_BYLINE_MAX = 40


def edge_byline(paragraphs: list[str]) -> str | None:
    """A named writer on a short byline line among the body's first or last few paragraphs
    ("顶端新闻·河南商报记者马俊峰/文", "采写：南都见习记者 林子沛")."""
    edges = paragraphs[:_EDGE_LINES] + paragraphs[-_EDGE_LINES:]
    return byline_in([p for p in edges if len(p) <= _BYLINE_MAX and not _SENTENCE.search(p)])


# Newspapers mark a byline with a sign and no label: "□张三", "◎ 张三 李四".
_MARKED_BYLINE = re.compile(rf"^[◎□■●]\s*(?P<names>{_NAMES})$")


def byline_in(segments: list[str]) -> str | None:
    """The names of the first byline among segments, or None."""
    for segment in segments:
        if (marked := _MARKED_BYLINE.match(segment)) and (names := clean_author(marked.group("names"))):
            return names
        if writer := _WRITER_SLASH_OUTLET.match(segment):
            return writer.group("writer")
        for pattern in (_AUTHOR_LABEL, _REPORTER):
            match = pattern.search(segment)
            if match and (names := clean_author(next(v for v in match.groups() if v))):
                return names
    return None


# --- who wrote it: names without roles, titles, outlets and editors ------------------------------

# Roles written before a name, with the outlet some bylines put first ("澎湃新闻记者", "本报特约记者").
_ROLE_BEFORE = re.compile(
    r"^[◎□■●]?\s*(?:[\u4e00-\u9fff]{0,8}?(?:本报|本台|本网|本刊|特约|首席|资深|驻[\u4e00-\u9fff]{1,6}?)?(?:见习|实习)?"
    r"(?:记者|评论员)|专栏作者|作者|撰文|撰稿|执笔|口述|整理|采写|文字|编译|文)\s*[:：/]?\s*"
)
_ROLE_AFTER = re.compile(r"\s*(?:[/／]\s*(?:文|图)|报道|摄影?|撰文|整理|口述|供稿|发自[\u4e00-\u9fff]{1,6})$")
# What follows these is not a writer: editors and checkers, correspondents and interns.
_NOT_WRITERS = re.compile(
    r"责任编辑|值班编辑|编辑|责编|校对|审核|审校|终审|初审|复审|监制|统筹|主编|总编|美编|编审|通讯员|实习生"
)
# An outlet given where a writer goes ("作者：某某日报"): a source, not a person.
_OUTLET_NAME = re.compile(
    r"(?:报|报社|网|社|台|电视台|客户端|新闻|杂志|周刊|频道|传媒|媒体|APP|app|公众号|头条|号|中心|集团)$"
    r"|新闻网|报业|通讯社|新华社|中新社"
)
# A person's title or affiliation after the name ("王某 某某大学经济学院教授").
_AFFILIATION = re.compile(
    r"大学|学院|研究院|研究所|研究员|研究中心|医院|公司|银行|集团|协会|学会|委员会|政府|教授|讲师|博士|硕士|院长|"
    r"主任|校长|局长|处长|部长|总监|经理|董事|总裁|分析师|律师|医生|医师|专家|学者|会长|秘书长|主席|代表|委员|老师"
)
_DATELINE = re.compile(r"^[\u4e00-\u9fff]{2,8}(?:报道|电|讯)$|^发自")
_PERSON = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}(?:[·•][\u4e00-\u9fff]{1,8})+")
_NAME_SPLIT = re.compile(r"(\s*[、&＆]\s*|\s*[，,;；/]\s*|\s+)")


def split_author(value: str | None) -> tuple[str | None, str | None]:
    """(the writers' names, an outlet) in a byline value. Role words before or after a name go
    (记者, 见习记者, 特约评论员, 专栏作者, 文/, 作者：, 撰文, 口述, 整理, 报道, 摄); so does everything from
    编辑 / 责任编辑 / 校对 / 审核 / 通讯员 / 实习生 on, and a title or affiliation after the names ("王某
    某某大学经济学院教授" → "王某"). Names are joined by one space, whatever the page
    joins them with (、, &, a comma). An outlet in the value ("作者：某某日报") is returned second,
    never as a name. Precision first: a value with a part that is neither a name, a role, nor an
    outlet gives no names."""
    value = normalize_space(value or "")
    if not value or len(value) > 60:
        return None, None
    if cut := _NOT_WRITERS.search(value):
        value = value[: cut.start()].strip()
    parts = _NAME_SPLIT.split(value)
    names: list[str] = []
    outlet: str | None = None
    for i in range(0, len(parts), 2):
        token = _ROLE_BEFORE.sub("", parts[i].strip(" :：()（）[]【】"))
        if names and _DATELINE.search(token):
            break  # "记者 彭冲 山东冠县报道": after the names, the place the story was filed from
        token = _ROLE_AFTER.sub("", token).strip()
        if not token:
            continue
        if _AFFILIATION.search(token):
            break
        if _OUTLET_NAME.search(token):
            outlet = outlet or token
            continue
        if not _PERSON.fullmatch(token):
            return None, outlet
        if token not in names:
            names.append(token)
    return (" ".join(names) or None), outlet


def clean_author(value: str | None) -> str | None:
    """The writers' names in a byline value (see split_author), or None."""
    return split_author(value)[0]


def trailing_byline(paragraphs: list[str]) -> str | None:
    """Names in brackets closing the body ("……。（记者 胡晓蓉）", "（常书香 马丹阳 ）", "（姚峰 上海报道）"):
    a byline when labelled, when it lists two names or more, or when the place the story was filed
    from follows the name."""
    for paragraph in reversed(paragraphs[-2:]):
        match = _TRAILING_BYLINE.search(paragraph)
        if not match:
            continue
        names = normalize_space(match.group("names"))
        filed = _FILED_FROM.search(names)
        if filed:
            names = names[: filed.start()].strip()
        if not names or _NOT_NAMES.search(names):
            continue
        if match.group("label") in ("记者", "作者", "文") or len(names.split()) >= 2 or filed:
            return clean_author(names)
    return None


# The place a story was filed from, after the writers' names: "上海报道", "发自北京", "报道".
_FILED_FROM = re.compile(r"(?:^|\s)(?:[\u4e00-\u9fff]{2,6}报道|报道|发自[\u4e00-\u9fff]{2,6})$")

# Words that head a body's first lines and are no one's name.
_NOT_A_NAME_LINE = re.compile(
    r"摘要|前言|引言|导语|导读|正文|内容|简介|概要|提要|按语|编者|附件|附录|图片|视频|目录|全文|原文|注释|"
    r"评论|相关|推荐|更多|返回|首页|上一|下一|点击|分享|收藏|打印|关闭|字号|专题|栏目|频道|本版|版面|声明|"
    r"公告|通知|消息|快讯|要闻|新闻|资讯|头条|热点|图文|直播|现场|视点|观点|言论|时评|社论|专访|访谈|综述|"
    # the nouns a section heading ends with ("学习目的", "活动要求", "本章小结")
    r"(?:目的|目标|要求|说明|背景|概述|介绍|要点|重点|难点|小结|总结|结论|方法|步骤|问题|思考|讨论|练习|作业|"
    r"答案|解析|参考|须知|指南|提示|意义|原则|任务|内容|安排|流程)$"
)
# A list item's number opening a line: "1.", "2、", "一、", "（一）", "(1)".
_LIST_ITEM = re.compile(
    r"^\s*(?:\d{1,2}\s*[.、．)）]|[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[\d一二三四五六七八九十]{1,3}\s*[)）])"
)
_NAMES_LINE_MAX = 4


def names_under_headline(
    paragraphs: list[str], headlines: Iterable[str], above_body: str | None = None
) -> str | None:
    """A line of names alone under the headline, with no label (an essay's, a paper's or a forum
    post's writers: "路是人走出来的" / "胡平", "社会资本……" / "赵延东、风笑天"). Precision first: the
    line must be among the body's first lines, before any sentence; the line above it must be
    the headline (or a part of one: a title split over two lines) and a line must follow it; every
    part must read as a person's name (no role, outlet, title or heading word). above_body: the
    text right above the body (the last segment of the header zone), the line above its first."""
    flat_heads = [re.sub(r"\s+", "", h) for h in headlines if h]
    flat_heads = [h for h in flat_heads if len(h) >= 4]
    if not flat_heads:
        return None
    lines = [above_body or "", *paragraphs[:_HEAD_LINES_FOR_NAMES]]
    for i, line in enumerate(lines):
        if len(line) > _SENTENCE_MIN and _SENTENCE.search(line):
            return None  # the story has started
        if i == 0 or i + 1 >= len(lines):
            continue
        above = re.sub(r"\s+", "", lines[i - 1])
        if len(above) < 4 or not any(above in head for head in flat_heads):
            continue
        parts = [p for p in _NAME_SPLIT.split(line.strip()) if p.strip()]
        names = [p for p in parts if not _NAME_SPLIT.fullmatch(p)]
        if not (1 <= len(names) <= _NAMES_LINE_MAX) or _NOT_A_NAME_LINE.search(line) or len(line) > 30:
            continue
        if not all(_STRICT_PERSON.fullmatch(n) for n in names):
            continue
        if _OUTLET_NAME.search(line) or _AFFILIATION.search(line) or _NOT_WRITERS.search(line):
            continue
        if _LIST_ITEM.match(lines[i + 1]):
            continue  # a heading over a numbered list, not a writer over the story
        return " ".join(names)
    return None


_HEAD_LINES_FOR_NAMES = 8
# A name with no label around it: 2-4 Han characters, or a transliterated name with its dot.
_STRICT_PERSON = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}(?:[·•][\u4e00-\u9fff]{1,8})+")


_CLOSING_BRACKET = re.compile(r"[（(](?P<inner>[^（()）]{2,60})[)）]\s*$")


def closing_bracket_fields(paragraphs: list[str]) -> tuple[str | None, str | None]:
    """(author, source) of a labelled bracket closing the body, on its own line or at the end of
    the last paragraphs: "（本文来源：某某日报 作者：某某）", "（来源：某某网）". (None, None) when
    the bracket is not made of labelled parts only."""
    for paragraph in reversed(paragraphs[-2:]):
        match = _CLOSING_BRACKET.search(paragraph)
        if not match:
            continue
        found = split_boilerplate([match.group("inner")])
        if found.paragraphs:  # not a line of labels
            continue
        author, outlet = split_author(found.author)
        source = clean_source(found.source) if found.source else None
        return author, source or outlet
    return None, None


_STAFF_LABEL = re.compile(
    rf"(?:责任编辑|值班编辑|编辑|责编|校对|审核|审校|终审|初审|复审|监制|美编)\s*[:：/]?\s*(?P<names>{_NAMES})"
)


def staff_names(segments: list[str]) -> set[str]:
    """Names written after 编辑 / 责任编辑 / 校对 / 审核 labels in segments: people who are never the
    author, even where a meta tag calls them so."""
    names: set[str] = set()
    for segment in segments:
        for match in _STAFF_LABEL.finditer(segment):
            names.update(re.split(r"\s*[、，,&和\s]\s*", match.group("names")))
    return names


def byline_outlet(segments: list[str]) -> str | None:
    """An outlet written where a writer goes in a labelled byline ("作者：某某日报"), or None."""
    for segment in segments:
        match = _AUTHOR_LABEL.search(segment)
        if match:
            names, outlet = split_author(next(v for v in match.groups() if v))
            if names:
                return None
            if outlet:
                return outlet
    return None


_NOT_A_PERSON = re.compile(r"www\.|https?:|\.com|\.cn|[,，;；]|\d|网|报|社|台|新闻|频道|客户端|编辑部|消息")


def plausible_author(value: str | None) -> str | None:
    """value when it can name a writer; None for the site names portals put in meta author."""
    if not value:
        return None
    value = normalize_space(value)
    if len(value) > 20 or _NOT_A_PERSON.search(value):
        return None
    return value
