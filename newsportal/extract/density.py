"""Finding the article body on a page no profile describes: score blocks by text, punctuation and
link density, as GNE-style extractors do, and pick the best.

Written here rather than taken from a library: the peers (GNE, trafilatura, readability) either
drop Chinese captions and sub-headings, keep 相关推荐 lists, or are several times slower; this
scorer is small, tuned on Chinese punctuation, and returns the container element so the profile's
strip rules and the shared paragraph walker apply to it.
"""

from __future__ import annotations

import math
import re

from parsel import Selector

_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "svg",
        "head",
        "header",
        "footer",
        "nav",
        "aside",
        "form",
        "button",
    ]
)
_NEGATIVE = re.compile(
    r"comment|footer|header|nav|menu|sidebar|side-|aside|related|recommend|hot|rank|share|toolbar|"
    r"copyright|advert|\bad\b|ad-|banner|breadcrumb|login|tags?\b|foot",
    re.I,
)
_POSITIVE = re.compile(r"article|content|post|text|body|main|detail|news|story|entry", re.I)
_PUNCT = re.compile(r"[，。！？；：、“”（）,.!?;:]")


def find_body(sel: Selector) -> Selector | None:
    """The element most likely to hold the article's paragraphs, or None on an empty page."""
    best: tuple[float, object] | None = None
    body = sel.xpath("//body")
    root = body[0].root if body else sel.root
    for el, score in _scores(root):
        if best is None or score > best[0]:
            best = (score, el)
    if best is None or best[0] <= 0:
        return None
    return Selector(root=best[1])


def _scores(root):
    """(element, score) for every candidate container."""
    stats: dict[object, tuple[int, int, int, int]] = {}

    def visit(el) -> tuple[int, int, int, int]:
        """(text chars, link chars, punctuation, paragraph children) under el."""
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP:
            return (0, 0, 0, 0)
        own = (el.text or "").strip()
        text, links, punct, paras = len(own), 0, len(_PUNCT.findall(own)), 0
        for child in el:
            t, lk, pu, _ = visit(child)
            text += t
            links += lk
            punct += pu
            ctag = child.tag.lower() if isinstance(child.tag, str) else ""
            if ctag in ("p", "br", "section") or (ctag == "div" and t > 20):
                paras += 1
            tail = (child.tail or "").strip()
            text += len(tail)
            punct += len(_PUNCT.findall(tail))
        if tag == "a":
            links = text
        stats[el] = (text, links, punct, paras)
        return stats[el]

    visit(root)
    for el, (text, links, punct, paras) in stats.items():
        if text < 40:
            continue
        link_density = links / text
        if link_density > 0.5:
            continue
        score = (text - links) * (1 - link_density) * math.log(2 + punct) * math.log(2 + paras)
        cls = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _NEGATIVE.search(cls):
            score *= 0.3
        if _POSITIVE.search(cls):
            score *= 1.5
        yield el, score
