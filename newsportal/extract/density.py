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

Three rules of issue 13 (a short post in a busy layout, old pages):

* no block inside page furniture is the body (a long comment under a short post); the page's own
  ``html`` / ``body`` / ``main`` never count as furniture, whatever state class they carry;
* a ``<form>`` is scored like any element: old ASP.NET pages wrap the whole page in one;
* the winner is narrowed to its dominant unit: when one unit inside it (a table, div, list item)
  holds most of its value and the rest comes from two or more units built the same way after it
  (a thread's replies, a row of comment boxes), the body is that unit's best block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from lxml import etree
from parsel import Selector

from newsportal.extract.select import select

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


# The same words without re.I, for ASCII marks lowercased first: an ignore-case alternation is
# tried at every position of a long src (12 us a mark against 0.9); on ASCII text, lowercasing and
# re.I agree (the case pairs re.I adds beyond ASCII, such as "ſ" for "s", are not ASCII).
_DECORATIVE_WORDS = re.compile(_DECORATIVE_IMAGE.pattern)


def _image_marks(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''} {el.get('src') or ''}"


def _decorative(marks: str) -> bool:
    """Whether an image's class, id and src name a decoration (_DECORATIVE_IMAGE)."""
    if marks.isascii():
        return _DECORATIVE_WORDS.search(marks.lower()) is not None
    return _DECORATIVE_IMAGE.search(marks) is not None


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


@lru_cache(maxsize=256)
def _names_furniture(raw: str) -> bool:
    """Whether a class and id text ("post_content clearfix main") has a furniture word (asked of
    every block of every page: a page repeats its class names, so the answers are kept; few, so
    that a benchmark's next pass over the same pages finds them gone)."""
    return any(
        word in _FURNITURE_WORDS or word.lower().startswith(_FURNITURE_PREFIXES)
        for word in (w.lower() for w in _WORD_SPLIT.split(raw) if w)
    )


def is_furniture(el) -> bool:
    """Whether the element's class or id names page furniture (comments, share bars, related...),
    or its first child is a heading such as 推荐阅读 / 相关新闻."""
    if _named_furniture(el):
        return True
    if not len(el):
        return False
    first = _first_heading(el)
    if first is None:
        return False
    inside = len(first)
    return inside <= 3 and _heading_names_related(first, first.text, inside, _STRING)


def _named_furniture(el) -> bool:
    """Whether the element's class or id names page furniture."""
    cls, id_ = el.get("class"), el.get("id")
    return bool(cls or id_) and _names_furniture(f"{cls or ''} {id_ or ''}")


def _first_heading(children) -> etree._Element | None:
    """The first element of children (an element's, or a list of them) when it is a heading, else
    None."""
    first = children[0]  # most often the first child element
    if not isinstance(first.tag, str):
        first = next((c for c in children if isinstance(c.tag, str)), None)
        if first is None:
            return None
    return first if first.tag.lower() in _HEADING_TAGS else None


def _heading_names_related(heading, head: str | None, inside: int, string) -> bool:
    """Whether a furniture heading reads like 推荐阅读 / 相关新闻: its text (head: its own text;
    inside: how many child elements it holds; string: its XPath string()) at most 12 characters."""
    # The scorer asks this of every block of the page (0.3 of its 1.2 ms a wild page went to the
    # XPath call below), so the heading's own text answers first where it can: with nothing inside
    # it, its text is its string(); a text already longer than 12 characters makes string() longer.
    if not inside:
        text = head.strip() if head else ""
    elif head and len(head.strip()) > 12:
        return False
    else:
        # XPath string() is itertext joined, in C: no element proxy per node (a deep page asks this
        # of every level, each time over everything below it)
        text = string(heading).strip()
    return 0 < len(text) <= 12 and bool(RELATED_HEADING.match(text))


def _may_hide(style: str) -> bool:
    if not style.isascii():
        return True
    lowered = style.lower()
    return "none" in lowered or "hidden" in lowered


def is_hidden(el) -> bool:
    """Hidden by inline style, the hidden attribute, or a hiding class word."""
    attrib = el.attrib
    if not attrib:  # most elements: no attribute at all, answered without reading one
        return False
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    # (an ASCII style without "none" or "hidden" in any case cannot match: that test first, as
    # the ignore-case regex costs 2 us a style; beyond ASCII, the regex alone, see _decorative)
    if style and _may_hide(style) and _HIDDEN_STYLE.search(style):
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
    return find_body_and_sizes(sel)[0]


def find_body_and_sizes(sel: Selector) -> tuple[Selector | None, dict[object, tuple[int, int]] | None]:
    """find_body's element, and what _text_sizes gives for it, read in the same walk of the page (no
    second walk of the body for furniture_in); None for the sizes when they cannot be (the element
    inside a link: _text_sizes counts its text as outside one)."""
    body = select(sel, "//body")  # compiled once (parsel compiles a query at every call)
    root = body[0].root if body else sel.root
    scorer = _Scorer()
    scorer.score(root)
    best = scorer.choose()
    if best is None:
        return None, None
    inside_link = any(_tag(a) == "a" for a in best.iterancestors()) or _tag(best) == "a"
    return Selector(root=best), None if inside_link else scorer.sizes


_NOTHING = (0.0, 0, 0, 0, 0)


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
        # (text characters, of which inside links) of every element walked whose size is_pruned
        # reads (_SIZED), hidden elements' text included, as _text_sizes counts them (see score)
        self.sizes: dict[object, tuple[int, int]] = {}

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
        """(value of the blocks inside root, all chars, inline chars, inline link chars, inline texts
        with sentence punctuation) where "inline" is the text that flows into the enclosing block.
        One pass of lxml's iterwalk (the tree walked in C, no recursion: a page with thousands of
        nested elements cannot exhaust Python's recursion limit, as 1,500 unclosed <div>s once did),
        each open element a flat list frame: [element, tag, in a link, value, chars, flow, flow link
        chars, flow texts with punctuation]."""
        # iterwalk gives no comments: the text after one (its tail) belongs to the comment's parent.
        after_comments: dict[object, str] = {}
        for node in root.iter(etree.Comment, etree.ProcessingInstruction):
            tail = (node.tail or "").strip()
            parent = node.getparent()
            if tail and parent is not None:
                after_comments[parent] = after_comments.get(parent, "") + tail
        walker = etree.iterwalk(root, events=("start", "end"))
        stack: list[list | None] = []
        result = _NOTHING
        # Only whether a block's flow has sentence punctuation counts (_block_value), so a text adds
        # 1 when it has any: a search stops at the first mark and builds no list (findall counting
        # every mark: 0.19 M more instructions a wild page of 52 M, callgrind; same blocks' values).
        punct = _SENTENCE_PUNCT.search
        sizes = self.sizes
        # The loop runs twice per element of every page (~420 on a wild page): an inline element's
        # sums are handed to its parent here rather than through _close (what _close returns for
        # it unchanged); blocks and images go through _close.
        for event, el in walker:
            if event == "start":
                tag = el.tag
                tag = tag.lower() if isinstance(tag, str) else ""
                if not tag or tag in _SKIP or is_hidden(el):
                    walker.skip_subtree()
                    if tag and tag not in _SKIP and stack and stack[-1] is not None:
                        # hidden: no value, but its text counts in the sizes (as in _text_sizes)
                        parent = stack[-1]
                        total, link = _text_sizes(el).get(el, (0, 0))
                        parent[9] += total
                        parent[8] += total if parent[2] else link
                    stack.append(None)  # counts nothing; its tail still flows into its parent
                    continue
                in_link = tag == "a" or (bool(stack) and stack[-1][2])
                own = el.text
                own = own.strip() if own else ""
                if after_comments and el in after_comments:
                    own += after_comments[el]
                if own:
                    n = len(own)
                    link = n if in_link else 0
                    stack.append([el, tag, in_link, 0.0, n, n, link, 1 if punct(own) else 0, link, 0])
                else:
                    stack.append([el, tag, in_link, 0.0, 0, 0, 0, 0, 0, 0])
                continue
            frame = stack.pop()
            if frame is not None and frame[1] in _SIZED:
                sizes[el] = (frame[4] + frame[9], frame[8])
            if not stack:
                result = _NOTHING if frame is None else self._close(frame)
                continue
            parent = stack[-1]
            if frame is not None:
                parent[8] += frame[8]
                parent[9] += frame[9]
                if frame[1] in _CLOSED:  # a block (its value recorded) or an image (its bonus)
                    value, chars, flow, flow_link, flow_punct = self._close(frame)
                    parent[3] += value
                    parent[4] += chars
                    parent[5] += flow
                    parent[6] += flow_link
                    parent[7] += flow_punct
                else:
                    parent[3] += frame[3]
                    parent[4] += frame[4]
                    parent[5] += frame[5]
                    parent[6] += frame[6]
                    parent[7] += frame[7]
            tail = el.tail
            if tail and (tail := tail.strip()):
                n = len(tail)
                parent[4] += n
                parent[5] += n
                if parent[2]:
                    parent[6] += n
                    parent[8] += n
                if punct(tail):
                    parent[7] += 1
        return result

    def _close(self, f: list) -> tuple[float, int, int, int, int]:
        """The element's own result, once all its children are added; blocks recorded."""
        el, tag, in_link, value, chars, flow, flow_link, flow_punct = f[:8]
        if tag == "img" and not in_link and not _decorative(_image_marks(el)):
            value += _IMAGE_BONUS
        if tag not in BLOCK_TAGS:
            return value, chars, flow, flow_link, flow_punct
        # A headline is never a sentence of the body, whatever its punctuation.
        value += _block_value(flow, flow_link, 0 if tag in _HEADINGS else flow_punct)
        if is_furniture(el):
            if tag not in _DOCUMENT_TAGS:
                self.furniture.add(el)
            value = -float(chars)
        elif value > 0:
            self.candidates.append((value, el))
        self.values[el] = value
        return value, chars, 0, 0, 0


_CLOSED = BLOCK_TAGS | {"img"}  # what score() hands to _close; the rest only adds up


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


PRUNABLE = frozenset(["div", "ul", "ol", "li", "p", "table", "section", "dl", "aside", "nav", "span"])
# The elements whose sizes is_pruned reads (a span's never): the only ones the body finder keeps.
_SIZED = PRUNABLE - {"span"}


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
        if tag in PRUNABLE and is_pruned(child, tag, sizes):
            doomed.append(child)
            continue
        stack.extend(reversed(child))
    return doomed


def is_pruned(el, tag: str, sizes: dict[object, tuple[int, int]]) -> bool:
    """Whether furniture_in takes el out, for an element of a PRUNABLE tag (lowercased) below the
    container: named like furniture, or (a span aside) mostly link text by sizes (_text_sizes)."""
    if is_furniture(el):
        return True
    if tag == "span":
        return False
    total, link = sizes.get(el, (0, 0))
    return bool(total) and link * 2 > total


def _text_sizes(container, strip: set | frozenset = frozenset()) -> dict[object, tuple[int, int]]:
    """(text characters, of which inside links) of every element under container (container
    included; skipped tags count nothing and are not listed), as if the elements of strip were
    removed with their tails kept where removal puts them (StrippedView). One pass of lxml's
    iterwalk (the tree walked in C, no recursion), each open element a flat frame [in a link,
    total, link, the text run before its next child, that run's counted length]; a skipped
    element's frame is None (its tail still counts for its parent), a stripped one's False (its
    tail joins the run before it, whose stripped length is counted once, as on a stripped copy); a
    comment's or processing instruction's tail counts for the element it stands in."""
    sizes: dict[object, tuple[int, int]] = {}
    if _tag(container) in _SKIP:
        return sizes
    walker = etree.iterwalk(container, events=("start", "end", "comment", "pi"))
    stack: list = []
    for event, el in walker:
        if event == "start":
            if el in strip:
                walker.skip_subtree()
                stack.append(False)
                continue
            tag = el.tag.lower()
            if tag in _SKIP:
                walker.skip_subtree()
                stack.append(None)
                continue
            in_link = tag == "a" or (bool(stack) and stack[-1][0])
            text = el.text or ""
            total = len(text.strip())
            stack.append([in_link, total, total if in_link else 0, text, total])
            continue
        if event == "end":
            frame = stack.pop()
            if frame is False:  # stripped: its tail joins the parent's current run
                parent = stack[-1]
                run = parent[3] + (el.tail or "")
                counted = len(run.strip())
                parent[1] += counted - parent[4]
                if parent[0]:
                    parent[2] += counted - parent[4]
                parent[3], parent[4] = run, counted
                continue
            total, link = (0, 0) if frame is None else (frame[1], frame[2])
            if frame is not None:
                sizes[el] = (total, link)
        else:  # a comment or processing instruction: only its tail counts, in the open element
            total = link = 0
        if stack:
            parent = stack[-1]
            tail = el.tail or ""
            counted = len(tail.strip())
            parent[1] += total + counted
            parent[2] += link + (counted if parent[0] else 0)
            parent[3], parent[4] = tail, counted
    return sizes


class StrippedView:
    """A container as if the elements of strip (found on the page's own tree, below the container)
    were removed from it with their tails kept where removal puts them (article._remove: appended to
    the previous sibling's tail, or to the parent's text): what furniture_in decides on such a
    stripped copy, answered on the tree itself, without copying it (issue 16, speed)."""

    __slots__ = ("strip", "touched")

    def __init__(self, container, strip: Iterable) -> None:
        self.strip = {el for el in strip if el is not container}
        # The elements whose own view changes: those holding a stripped element (their children,
        # their first child's text, their text sizes); the container's own is never asked.
        touched: set = set()
        for el in self.strip:
            for above in el.iterancestors():
                if above is container or above in touched:
                    break
                touched.add(above)
        self.touched = touched

    def text_sizes(self, container) -> dict[object, tuple[int, int]]:
        """_text_sizes of the stripped container."""
        return _text_sizes(container, self.strip)

    def pruning_sizes(self, container) -> dict[object, tuple[int, int]]:
        """What is_pruned needs of text_sizes: all of it, or nothing when no link is left in the
        stripped container (then no element is mostly link text, as every one holds 0 link
        characters, and is_pruned reads (0, 0) for an element missing: the same answers). A
        profile's article body often holds no link once stripped: its walk is skipped."""
        strip = self.strip
        for link in container.iter("a", "A"):
            if link not in strip and not any(a in strip for a in _up_to(link, container)):
                return self.text_sizes(container)
        return {}

    def is_pruned(self, el, tag: str, sizes: dict[object, tuple[int, int]]) -> bool:
        """is_pruned on the stripped container (sizes: text_sizes or pruning_sizes)."""
        if el not in self.touched:
            return is_pruned(el, tag, sizes)
        if self._is_furniture(el):
            return True
        if tag == "span":
            return False
        total, link = sizes.get(el, (0, 0))
        return bool(total) and link * 2 > total

    def _is_furniture(self, el) -> bool:
        """is_furniture of el on the stripped container, step by step as is_furniture asks it."""
        strip = self.strip
        if _named_furniture(el):
            return True
        kept = [c for c in el if c not in strip]
        if not kept:
            return False
        first = _first_heading(kept)
        if first is None:
            return False
        inside = sum(1 for c in first if c not in strip)
        if inside > 3:
            return False
        head = first.text
        for child in first:  # stripped children before any other: their tails join its text
            if child not in strip:
                break
            if child.tail:
                head = (head or "") + child.tail
        string = self._string if first in self.touched else _STRING
        return _heading_names_related(first, head, inside, string)

    def _string(self, el) -> str:
        """XPath string() of el on the stripped container: its text nodes in document order, a
        stripped element's tail kept, its content left out (explicit stack: any depth)."""
        strip = self.strip
        parts = [el.text or ""]
        stack = list(reversed(el))
        while stack:
            node = stack.pop()
            if isinstance(node, str):  # a tail, queued after the element's content
                parts.append(node)
                continue
            if node.tail:
                stack.append(node.tail)
            if node in strip or not isinstance(node.tag, str):
                continue  # a comment's or processing instruction's content is no text node
            if node.text:
                parts.append(node.text)
            stack.extend(reversed(node))
        return "".join(parts)


def _up_to(el, container) -> Iterator:
    """el's ancestors below container."""
    for above in el.iterancestors():
        if above is container:
            return
        yield above
