"""Finding the article body on a page no profile describes: score blocks by text, punctuation and
link density, as GNE-style extractors do, and pick the element whose blocks add up best.

Written here rather than taken from a library: the peers (GNE, trafilatura, readability) either
drop Chinese captions and sub-headings, keep 相关推荐 lists, or are several times slower; this
scorer is small, tuned on Chinese punctuation, and returns the container element so the profile's
strip rules and the shared paragraph walker apply to it.

How a container is chosen. Every block (``p``, ``div``, ``li``, ``td``, ... with the text that flows
in it directly) gets a value:

* a sentence (punctuation, mostly not link text): + its non-link characters;
* mostly link text (a list of links, a menu): − its characters;
* a short line without punctuation (a caption, a sub-heading, a date line): a small cost;
* an image outside a link: a small bonus (photos belong to articles, thumbnails sit in links).

An element's value is the sum over the blocks inside it, except that elements named like page
furniture (``comment``, ``related``, ``share``, ``footer``, ...) count as minus all their text. The
element with the highest value is the body: a parent wins over its child only when what it adds
is worth more than what it costs, so comments, hot lists and headers beside the article stay out.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

# Never visible or never part of an article.
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "iframe", "svg", "head", "button", "select", "input",
     "textarea", "nav", "footer", "aside", "link", "meta", "video", "audio", "canvas"]
)  # fmt: skip
BLOCK_TAGS = frozenset(
    ["p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
     "blockquote", "figcaption", "figure", "table", "tbody", "thead", "tr", "td", "th", "pre", "center",
     "dd", "dt", "dl", "header", "body", "html"]
)  # fmt: skip
# Class / id words of page furniture; matched against each word of a class or id (split on
# spaces, "-", "_" and camelCase), by prefix.
_FURNITURE_PREFIXES = (
    "comment", "recommend", "related", "relate", "share", "footer", "foot", "nav", "menu", "sidebar",
    "copyright", "advert", "banner", "breadcrumb", "crumb", "login", "hot", "rank", "toolbar", "bottom",
    "tags", "keyword", "sina-comment", "statement", "disclaimer", "reward", "qrcode", "erweima",
    "introduction", "summary", "abstract", "digest", "declare", "subscribe", "weixin", "wechat",
)  # fmt: skip
_FURNITURE_WORDS = frozenset(["ad", "ads", "tag", "more", "pager", "pagination", "wx"])
# Class words that hide an element in the browser (the saved page shows what a reader saw).
HIDDEN_WORDS = frozenset(["hide", "hidden", "hiden", "none", "invisible", "d-none", "display-none"])
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_SENTENCE_PUNCT = re.compile(r"[，。！？；…,!?;]")
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

_STRING = etree.XPath("string()")  # compiled once: is_furniture asks it of every block

# Images that are no photo of the story: avatars, logos, icons, emoticons, buttons.
_DECORATIVE_IMAGE = re.compile(
    r"avatar|logo|icon|face|portrait|emoti|smil|btn|button|userpic|head_?img", re.I
)


def _image_marks(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''} {el.get('src') or ''}"


_SHORT_LINE_COST = 4
_IMAGE_BONUS = 12
_MIN_SENTENCE = 8


def class_words(el) -> list[str]:
    """The lowercased words of an element's class and id ("post_content clearfix" → post, content...)."""
    raw = f"{el.get('class') or ''} {el.get('id') or ''}"
    return [w.lower() for w in _WORD_SPLIT.split(raw) if w]


# Headings that open a list of other stories; a block starting with one is not the article.
RELATED_HEADING = re.compile(
    r"^(?:相关|推荐|延伸|热点|热门|精彩|更多|最新|猜你|为您|大家都在|今日|编辑)"
    r"[\s·]*(?:阅读|新闻|文章|推荐|视频推荐|视频|报道|专题|链接|喜欢|都在看|热点|精选|搜索)+$|^作者最新文章$"
    r"|^(?:热门|精彩|最新|网友|读者)(?:评论|留言|跟帖)$"
)
_HEADING_TAGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6", "div", "p", "span", "strong", "b", "dt"])


def is_furniture(el) -> bool:
    """Whether the element's class or id names page furniture (comments, share bars, related...),
    or its first child is a heading such as 推荐阅读 / 相关新闻."""
    if (el.get("class") or el.get("id")) and any(
        word in _FURNITURE_WORDS or word.startswith(_FURNITURE_PREFIXES) for word in class_words(el)
    ):
        return True
    first = next((c for c in el if isinstance(c.tag, str)), None)
    if first is None or _tag(first) not in _HEADING_TAGS or len(first) > 3:
        return False
    # XPath string() is itertext joined, in C: no element proxy per node (a deep page asks this of
    # every level, each time over everything below it)
    text = _STRING(first).strip()
    return 0 < len(text) <= 12 and bool(RELATED_HEADING.match(text))


def is_hidden(el) -> bool:
    """Hidden by inline style, the hidden attribute, or a hiding class word."""
    attrib = el.attrib
    if not attrib:
        return False
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    cls = attrib.get("class")
    if not cls:
        return False
    lowered = cls.lower()
    if "hid" not in lowered and "none" not in lowered and "invisible" not in lowered:
        return False
    return any(w.lower() in HIDDEN_WORDS for w in _WORD_SPLIT.split(cls))


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def find_body(sel: Selector) -> Selector | None:
    """The element most likely to hold the article's paragraphs, or None on a page without text.
    Any depth of nesting is fine: the tree is walked with a stack of its own, not by recursion."""
    body = sel.xpath("//body")
    root = body[0].root if body else sel.root
    scorer = _Scorer()
    scorer.score(root)
    best = scorer.choose()
    return Selector(root=best) if best is not None else None


_NOTHING = (0.0, 0, 0, 0, 0)


class _Open:
    """An element being scored: what its children added so far (see _Scorer.score)."""

    __slots__ = ("chars", "children", "el", "flow", "flow_link", "flow_punct", "in_link", "tag", "value")

    def __init__(self, el, tag: str, in_link: bool) -> None:
        own = (el.text or "").strip()
        self.el, self.tag, self.in_link, self.children = el, tag, in_link, iter(el)
        self.value = 0.0
        self.chars = self.flow = len(own)
        self.flow_link = len(own) if in_link else 0
        self.flow_punct = len(_SENTENCE_PUNCT.findall(own))


# The page itself: a class on these names the page's state ("u-has-nav-bar", "sidebar-open"), and
# blocks inside them may be the body whatever it says.
_DOCUMENT_TAGS = frozenset(["html", "body", "main"])


# A unit holding this share of its parent's value, beside two or more positive units of its own
# kind, is the body without them (see _Scorer._dominant_unit).
_DOMINANT_SHARE = 0.65
# What a post, a story or a reply is wrapped in; paragraphs and cells are never such a unit.
_UNIT_TAGS = frozenset(["div", "table", "tbody", "tr", "li", "dl", "section", "article"])


class _Scorer:
    def __init__(self) -> None:
        self.values: dict[object, float] = {}  # every scored block's value
        self.candidates: list[tuple[float, object]] = []  # (value, block) of every block worth > 0
        self.furniture: set = set()  # furniture-named blocks (the document's own tags left out)

    def choose(self):
        """The block of highest value that is not inside page furniture (comments, related lists:
        a long comment must not be the body because its list scored below zero), narrowed to its
        dominant unit (see _dominant_unit); None when no block is worth anything."""
        self.candidates.sort(key=lambda c: c[0], reverse=True)
        for _value, el in self.candidates:
            if self.furniture.isdisjoint(el.iterancestors()):
                return self._dominant_unit(el)
        return None

    def _dominant_unit(self, el):
        """el, or the best block of the unit inside it that holds most of its value when the rest
        of its value is in sibling units of the same build after it: a thread's opening post above
        its replies (each post a table, a div, a list item of the same rows), a story above a run
        of short comment boxes. A run of paragraphs is never narrowed to one of them."""
        while True:
            units = self._units(el)
            if len(units) < 3:
                return el
            top = max(units, key=self.values.__getitem__)
            if _tag(top) not in _UNIT_TAGS or self.values[top] < _DOMINANT_SHARE * self.values[el]:
                return el
            shape = _shape(top)
            others = [u for u in units if u is not top and self.values[u] > 0]
            if len(others) < 2 or any(_shape(u) != shape for u in others):
                return el
            if next(u for u in units if _shape(u) == shape) is not top:
                return el  # a reply longer than the post that opens the thread: no narrowing
            # the post's own best block: its text cell, without the poster's name and its buttons
            el = max((e for e in top.iter() if self.values.get(e, 0) > 0), key=self.values.__getitem__)

    def _units(self, el) -> list:
        """The scored blocks nearest below el (through inline elements such as <font>, <form>)."""
        units = []
        stack = list(reversed(el))
        while stack:
            child = stack.pop()
            if child in self.values:
                units.append(child)
            elif isinstance(child.tag, str) and _tag(child) not in BLOCK_TAGS:
                stack.extend(reversed(child))
        return units

    def score(self, root) -> tuple[float, int, int, int, int]:
        """(value of the blocks inside root, all chars, inline chars, inline link chars, inline punct)
        where "inline" is the text that flows into the enclosing block. Post-order over an explicit
        stack of open elements: a page with thousands of nested elements cannot exhaust Python's
        recursion limit (1,500 unclosed <div>s once ended a whole crawl with RecursionError)."""
        top = self._open(root, False)
        if top is None:
            return _NOTHING
        stack = [top]
        while True:
            current = stack[-1]
            child = next(current.children, None)
            if child is not None:
                opened = self._open(child, current.in_link)
                if opened is not None:
                    stack.append(opened)
                else:
                    self._add(current, child, _NOTHING)
                continue
            stack.pop()
            result = self._close(current)
            if not stack:
                return result
            self._add(stack[-1], current.el, result)

    @staticmethod
    def _open(el, in_link: bool) -> _Open | None:
        """The element opened for scoring, or None when it counts for nothing (skipped, hidden)."""
        tag = _tag(el)
        if not tag or tag in _SKIP or is_hidden(el):
            return None
        return _Open(el, tag, in_link or tag == "a")

    @staticmethod
    def _add(parent: _Open, child, result: tuple[float, int, int, int, int]) -> None:
        """A finished child's result, and the text after it (its tail), added to its parent."""
        c_value, c_chars, c_flow, c_link, c_punct = result
        parent.value += c_value
        parent.chars += c_chars
        parent.flow += c_flow
        parent.flow_link += c_link
        parent.flow_punct += c_punct
        tail = (child.tail or "").strip()
        if tail:
            parent.chars += len(tail)
            parent.flow += len(tail)
            parent.flow_link += len(tail) if parent.in_link else 0
            parent.flow_punct += len(_SENTENCE_PUNCT.findall(tail))

    def _close(self, f: _Open) -> tuple[float, int, int, int, int]:
        """The element's own result, once all its children are added; the best block so far kept."""
        value = f.value
        if f.tag == "img" and not f.in_link and not _DECORATIVE_IMAGE.search(_image_marks(f.el)):
            value += _IMAGE_BONUS
        if f.tag not in BLOCK_TAGS:
            return value, f.chars, f.flow, f.flow_link, f.flow_punct
        # A headline is never a sentence of the body, whatever its punctuation.
        value += _block_value(f.flow, f.flow_link, 0 if f.tag in _HEADINGS else f.flow_punct)
        if is_furniture(f.el):
            if f.tag not in _DOCUMENT_TAGS:
                self.furniture.add(f.el)
            value = -float(f.chars)
        elif value > 0:
            self.candidates.append((value, f.el))
        self.values[f.el] = value
        return value, f.chars, 0, 0, 0


def _shape(el) -> tuple:
    """What makes units "of the same kind": tag, class and the tags of their children (a forum's
    posts are tables of the same rows; a paper's abstract and its full text are differently built)."""
    return _tag(el), el.get("class"), tuple(_tag(c) for c in el)


def _block_value(chars: int, link_chars: int, punct: int) -> float:
    if not chars:
        return 0.0
    if link_chars * 2 > chars:
        return -float(chars)
    text = chars - link_chars
    if punct and text >= _MIN_SENTENCE:
        return float(text)
    return -float(min(_SHORT_LINE_COST, chars))


_PRUNABLE = frozenset(["div", "ul", "ol", "li", "p", "table", "section", "dl", "aside", "nav", "span"])


def furniture_in(container) -> list:
    """The outermost elements inside container that are never the article: named like page
    furniture (comments, share bars, related lists, ...), or blocks whose text is mostly links.
    Walked with explicit stacks, not recursion, so any depth of nesting is fine."""
    sizes = _text_sizes(container)
    doomed: list = []
    # Pre-order, children in document order (pushed reversed), a doomed element's subtree skipped.
    stack = list(reversed(container))
    while stack:
        child = stack.pop()
        tag = _tag(child)
        if tag in _PRUNABLE:
            total, link = sizes.get(child, (0, 0))
            if is_furniture(child) or (tag != "span" and total and link * 2 > total):
                doomed.append(child)
                continue
        stack.extend(reversed(child))
    return doomed


def _text_sizes(container) -> dict[object, tuple[int, int]]:
    """(text characters, of which inside links) of every element under container (container
    included; skipped tags count nothing and are not listed), in post-order over an explicit stack."""
    sizes: dict[object, tuple[int, int]] = {}
    # A frame: [element, in a link, its children, total so far, link so far]
    stack: list[list] = []

    def open_(el, in_link: bool) -> list | None:
        tag = _tag(el)
        if tag in _SKIP:
            return None
        in_link = in_link or tag == "a"
        total = len((el.text or "").strip()) if tag else 0
        return [el, in_link, iter(el), total, total if in_link else 0]

    top = open_(container, False)
    if top is None:
        return sizes
    stack.append(top)
    while stack:
        frame = stack[-1]
        child = next(frame[2], None)
        if child is not None:
            opened = open_(child, frame[1])
            if opened is not None:
                stack.append(opened)
            else:
                _add_tail(frame, child, 0, 0)
            continue
        stack.pop()
        el, _, _, total, link = frame
        sizes[el] = (total, link)
        if stack:
            _add_tail(stack[-1], el, total, link)
    return sizes


def _add_tail(frame: list, child, total: int, link: int) -> None:
    tail = len((child.tail or "").strip())
    frame[3] += total + tail
    frame[4] += link + (tail if frame[1] else 0)
