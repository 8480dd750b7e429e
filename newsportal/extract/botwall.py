"""Bot walls: what a server sends, with status 200, instead of the page asked for.

A captcha form, a "访问过于频繁" notice, a JavaScript challenge that sets a cookie and reloads: the
status says OK, the page holds no story and no links, and each one used to pass as an empty page.
``bot_wall(sel)`` tells them apart from real pages by generic signals only (no portal names), so
the spider can count them and the run's verdict can say the portal walled us off.

Every signal needs a page with almost no visible text first: a wall is a short notice, while a
story, a listing or a portal front carries hundreds of characters. That gate keeps a real story
about captchas, or a login box with a 验证码 field beside an article, from counting as a wall.
Pure: a parsel Selector in, a reason or None out; never raises on odd markup.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from newsportal.extract.select import strings

# A wall notice is short; the shortest real pages (a 快讯, a video page's caption, a 404 page with a
# site map) still carry more visible text than this once the navigation is counted.
MAX_WALL_TEXT_CHARS = 400
# A JavaScript challenge shows next to nothing until its script has run.
MAX_CHALLENGE_TEXT_CHARS = 60

# Phrases of the notices, lower-cased; matched in the title and the visible text.
RATE_LIMIT_PHRASES = (
    "访问过于频繁",
    "访问太频繁",
    "请求过于频繁",
    "操作过于频繁",
    "访问频率过高",
    "访问频率过快",
    "请求次数过多",
    "too many requests",
    "rate limit exceeded",
)
CAPTCHA_PHRASES = (
    "验证码",
    "安全验证",
    "人机验证",
    "滑动验证",
    "拖动滑块",
    "完成验证",
    "点击验证",
    "访问验证",
    "请验证您",
    "验证您是",
    "检测到您的",
    "异常访问",
    "异常流量",
    "captcha",
    "verify you are human",
    "verify that you are human",
    "are you a robot",
    "not a robot",
    "unusual traffic",
    "human verification",
)
CHALLENGE_PHRASES = (
    "checking your browser",
    "checking if the site connection is secure",
    "enable javascript and cookies",
    "please enable javascript",
    "请开启javascript",
    "请启用javascript",
    "请打开javascript",
    "正在验证您的浏览器",
    "浏览器安全检查",
    "ddos protection",
    "just a moment...",
)
# Markup of captcha widgets (class, id or script/iframe address).
_WIDGET = re.compile(r"captcha|geetest|turnstile|verify-?code|slider-?verify", re.I)
# A script that stores a cookie and then reloads or leaves the page: the classic JS challenge.
_SETS_COOKIE = re.compile(r"document\.cookie\s*=")
_RELOADS = re.compile(
    r"location\.reload\s*\(|location\.(?:href|replace|assign)\b|window\.location\s*=|"
    r"document\.location\s*=|(?<![\w.])location\s*=",
)
_SPACE = re.compile(r"\s+")
_VISIBLE_TEXT = "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::template)]"


def visible_text(sel: Selector, limit: int) -> str | None:
    """The page's visible text without whitespace, or None once it is longer than limit."""
    root = sel.root
    bodies = list(root.iter("body")) if isinstance(root, etree._Element) else []
    if len(bodies) == 1 and not any(_tag(a) in _HIDING for a in bodies[0].iterancestors()):
        if _surely_longer(bodies[0], limit):
            return None
        return _joined_within(_walk_visible_text(bodies[0]), limit)
    return _joined_within(strings(sel, _VISIBLE_TEXT), limit)


def _surely_longer(body, limit: int) -> bool:
    """Whether body's visible text is sure to pass limit characters without whitespace, counted
    without walking it in Python: all its text (libxml2 gathers it, as XPath's string() does) less
    all the text inside its script, style and template elements (a nested one counted twice: the
    count stays a lower bound). Every text node of body is either visible (_walk_visible_text gives
    it) or inside one of those, so a real page (hundreds of characters) is settled here, a wall
    (short) still walked."""
    text = _nonspace_len(etree.tostring(body, method="text", encoding=str, with_tail=False))
    if text <= limit:
        return False
    for hidden in body.iter(*_HIDING):
        text -= _nonspace_len(etree.tostring(hidden, method="text", encoding=str, with_tail=False))
        if text <= limit:
            return False
    return True


def _nonspace_len(text: str) -> int:
    # str.split() splits at exactly the characters _SPACE (\s) matches (str.isspace), 4x faster
    return sum(map(len, text.split()))


def _joined_within(nodes, limit: int) -> str | None:
    """The text nodes without whitespace, joined; None as soon as they pass limit characters (nodes
    is read lazily, so a walk stops there)."""
    text: list[str] = []
    size = 0
    for node in nodes:
        part = _SPACE.sub("", node)
        size += len(part)
        if size > limit:
            return None
        text.append(part)
    return "".join(text)


_HIDING = frozenset(["script", "style", "template"])


def _tag(el) -> str:
    return el.tag if isinstance(el.tag, str) else ""


def _walk_visible_text(body):
    """The text nodes _VISIBLE_TEXT selects in a page with one <body>, in document order, yielded by
    walking the tree, which can stop once visible_text's limit is passed (a real page passes it in
    its first lines; the query reads every text node of the page first)."""
    # Pre-order over an explicit stack; ("tail", el) entries give el's tail after its subtree.
    stack: list[tuple[bool, object]] = [(False, body)]
    while stack:
        is_tail, el = stack.pop()
        if is_tail:
            value = el.tail
        else:
            tag = _tag(el)
            if el is not body:
                stack.append((True, el))  # a tail is text of the parent, shown even after a <script>
            if not tag or tag in _HIDING:
                continue  # a comment's or PI's content is no text node; hidden content is not shown
            stack.extend((False, child) for child in reversed(el))
            value = el.text
        if value:
            yield value


def bot_wall(sel: Selector) -> str | None:
    """Why this page is a bot wall, or None when it is not one.

    Reasons: ``"rate_limited"`` (a "too many requests" notice), ``"captcha"`` (a verification form
    or notice), ``"js_challenge"`` (a near-empty page whose script sets a cookie and reloads, or
    asks for JavaScript). A page with more than MAX_WALL_TEXT_CHARS of visible text is never a wall.
    """
    try:
        text = visible_text(sel, MAX_WALL_TEXT_CHARS)
        if text is None:
            return None
        title = _SPACE.sub("", " ".join(strings(sel, "//title//text()")))
        words = (title + " " + text).lower()
        if any(p.replace(" ", "") in words for p in RATE_LIMIT_PHRASES):
            return "rate_limited"
        if any(p.replace(" ", "") in words for p in CAPTCHA_PHRASES) or _has_widget(sel):
            return "captcha"
        if any(p.replace(" ", "") in words for p in CHALLENGE_PHRASES):
            return "js_challenge"
        if len(text) <= MAX_CHALLENGE_TEXT_CHARS and _cookie_and_reload(sel):
            return "js_challenge"
    except (ValueError, TypeError):  # odd markup lxml refuses to walk: not evidence of a wall
        return None
    return None


def _has_widget(sel: Selector) -> bool:
    attrs = strings(
        sel,
        "//*[self::div or self::form or self::input or self::iframe or self::script or self::img]"
        "/@*[name()='class' or name()='id' or name()='src' or name()='name']",
    )
    return any(_WIDGET.search(a) for a in attrs)


def _cookie_and_reload(sel: Selector) -> bool:
    for script in strings(sel, "//script[not(@src)]/text()"):
        if _SETS_COOKIE.search(script) and _RELOADS.search(script):
            return True
    return False
