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

from parsel import Selector

# Never visible or never part of an article.
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "iframe", "svg", "head", "button", "select", "input",
     "textarea", "form", "nav", "footer", "aside", "link", "meta", "video", "audio", "canvas"]
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
    text = "".join(first.itertext()).strip()
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
    """The element most likely to hold the article's paragraphs, or None on a page without text."""
    body = sel.xpath("//body")
    root = body[0].root if body else sel.root
    scorer = _Scorer()
    scorer.visit(root, False)
    if scorer.best is None or scorer.best_value <= 0:
        return None
    return Selector(root=scorer.best)


class _Scorer:
    def __init__(self) -> None:
        self.best = None
        self.best_value = 0.0

    def visit(self, el, in_link: bool) -> tuple[float, int, int, int, int]:
        """(value of the blocks inside el, all chars, inline chars, inline link chars, inline punct)
        where "inline" is the text that flows into the enclosing block."""
        tag = _tag(el)
        if not tag or tag in _SKIP or is_hidden(el):
            return 0.0, 0, 0, 0, 0
        in_link = in_link or tag == "a"
        is_block = tag in BLOCK_TAGS
        value = 0.0
        own = (el.text or "").strip()
        chars = len(own)
        flow, flow_link, flow_punct = len(own), len(own) if in_link else 0, len(_SENTENCE_PUNCT.findall(own))
        images = 1 if tag == "img" and not in_link and not _DECORATIVE_IMAGE.search(_image_marks(el)) else 0
        for child in el:
            c_value, c_chars, c_flow, c_link, c_punct = self.visit(child, in_link)
            value += c_value
            chars += c_chars
            flow += c_flow
            flow_link += c_link
            flow_punct += c_punct
            tail = (child.tail or "").strip()
            if tail:
                chars += len(tail)
                flow += len(tail)
                flow_link += len(tail) if in_link else 0
                flow_punct += len(_SENTENCE_PUNCT.findall(tail))
        if images:
            value += _IMAGE_BONUS
        if not is_block:
            return value, chars, flow, flow_link, flow_punct
        # A headline is never a sentence of the body, whatever its punctuation.
        value += _block_value(flow, flow_link, 0 if tag in _HEADINGS else flow_punct)
        if is_furniture(el):
            value = -float(chars)
        elif value > self.best_value:
            self.best, self.best_value = el, value
        return value, chars, 0, 0, 0


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
    furniture (comments, share bars, related lists, ...), or blocks whose text is mostly links."""
    sizes: dict[object, tuple[int, int]] = {}

    def measure(el, in_link: bool) -> tuple[int, int]:
        tag = _tag(el)
        if tag in _SKIP:
            return 0, 0
        in_link = in_link or tag == "a"
        total = len((el.text or "").strip()) if tag else 0
        link = total if in_link else 0
        for child in el:
            c_total, c_link = measure(child, in_link)
            tail = len((child.tail or "").strip())
            total += c_total + tail
            link += c_link + (tail if in_link else 0)
        sizes[el] = (total, link)
        return total, link

    measure(container, False)
    doomed: list = []

    def walk(el) -> None:
        for child in el:
            tag = _tag(child)
            if tag in _PRUNABLE:
                total, link = sizes.get(child, (0, 0))
                if is_furniture(child) or (tag != "span" and total and link * 2 > total):
                    doomed.append(child)
                    continue
            walk(child)

    walk(container)
    return doomed
