"""Evaluating a profile's rules (see ``newsportal.sites.base``) against a parsel Selector."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator

from newsportal.extract.text import normalize_space

Rule = str | tuple[str, str]

# Elements whose text is never visible content.
_INVISIBLE = {"script", "style", "noscript", "template"}


def is_xpath(query: str) -> bool:
    """XPath: a path, a parenthesised expression, or a string function (``concat(...)``, ``string(...)``,
    ``normalize-space(...)``) whose single string value is the rule's value."""
    return query.startswith(("/", "./", "(", "concat(", "string(", "normalize-space(")) or query == "."


def select(sel: Selector, query: str) -> SelectorList[Selector]:
    """Nodes matched by a CSS or XPath query; a malformed query raises ValueError naming it."""
    if isinstance(sel.root, etree._Element):
        return SelectorList(Selector(root=n, _expr=query, type="html") for n in _evaluate(sel.root, query))
    try:
        return sel.xpath(query) if is_xpath(query) else sel.css(query)
    except Exception as exc:  # parsel raises several types for bad queries
        raise ValueError(f"bad selector {query!r}: {exc}") from exc


# Profiles' queries compiled once each (CSS translated as parsel translates it), and evaluated on the
# lxml tree without parsel's per-call translation lookup, evaluator lookup and Selector wrapping:
# about 20 queries a page, each costing about as much in parsel as in lxml.
_CSS = HTMLTranslator()
# parsel's EXSLT prefixes (re:test, set:difference), bound only when the query uses them, as in parsel.
_EXSLT = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}


# "Every element whose class or id contains one of these words" as profiles write it:
# //*[contains(@class,'a') or contains(@id,'b')]..., the query starting with it.
_CLASS_WORDS_QUERY = re.compile(r"^//\*\[((?:contains\(@(?:class|id),'[^']*'\)(?: or )?)+)\]")
_CLASS_WORD = re.compile(r"contains\(@(class|id),'([^']*)'\)")
_POSITIONAL = re.compile(r"\[\s*\d|position\(|last\(")


def _attribute_first(xpath: str) -> str:
    """The same selection, read from the class and id attributes up: libxml2 turns the attribute
    into a new string for each contains() of each element, so //*[contains(@class,'a') or ...]
    costs that many copies of every attribute of the page; //@class[contains(.,'a') or ...]/..
    reads only the elements that have one, once per word (2-3x faster; the same nodes in the same
    order). Queries of any other shape, or whose next predicate is positional, are kept as they are."""
    match = _CLASS_WORDS_QUERY.match(xpath)
    rest = xpath[match.end() :] if match else ""
    if match is None or _POSITIONAL.search(rest):
        return xpath
    words: dict[str, list[str]] = {"class": [], "id": []}
    for attribute, word in _CLASS_WORD.findall(match.group(1)):
        words[attribute].append(f"contains(.,'{word}')")
    union = " | ".join(f"//@{a}[{' or '.join(w)}]" for a, w in words.items() if w)
    elements = f"({union})/.."
    return f"({elements}){rest}" if rest.startswith("[") else elements + rest


# "Every element of these tags" as profiles write it: //*[self::h2 or self::div or ...]..., the query
# starting with it.
_TAG_TEST_QUERY = re.compile(r"^//\*\[((?:self::[\w-]+(?: or )?)+)\]")
_TAG_TEST = re.compile(r"self::([\w-]+)")


def _leading_predicates(rest: str) -> str:
    """The predicates ("[...][...]") that open rest: those that apply to the query's first step
    (brackets inside quoted strings not counted)."""
    depth, quote, end = 0, "", 0
    for i, char in enumerate(rest):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                end = i + 1
        elif depth == 0:
            break
    return rest[:end]


def _tags_first(xpath: str) -> str:
    """The same selection, read from the named tags: libxml2 evaluates each self:: test of
    //*[self::h2 or self::div or ...] as a location path of its own for every element of the page,
    and a union of //h2 | //div | ... is the same nodes in the same (document) order at less than
    half the cost (the generic related-links heading query: 1.2 -> 0.5 ms a page on the shared and
    wild pages). Queries of any other shape, or whose own next predicate is positional, are kept."""
    match = _TAG_TEST_QUERY.match(xpath)
    rest = xpath[match.end() :] if match else ""
    if match is None or _POSITIONAL.search(_leading_predicates(rest)):
        return xpath
    union = " | ".join(f"//{tag}" for tag in _TAG_TEST.findall(match.group(1)))
    return f"({union}){rest}"


# An attribute of <meta>, <link> or <base> elements, chosen by another attribute's exact value:
# meta[name="keywords"]::attr(content), link[rel="canonical"]::attr(href), base::attr(href), as
# parsel translates them. A page asks some twenty of these; each XPath walks the whole tree.
_TAG_ATTRIBUTE = re.compile(
    r"^descendant-or-self::(meta|link|base)(?:\[@([\w:-]+) = '([^']*)'\])?/@([\w:-]+)$"
)
_INDEXED_TAGS = ("meta", "link", "base")


class _TagAttributeQuery:
    """One of those queries, answered from the page's <meta>, <link> and <base> elements, found in
    one walk per tree and kept (_tag_index): the same strings in the same (document) order as the
    XPath. Only attribute values are answered this way, never elements, so no query that selects
    nodes to remove (a profile's body_strip, run on a copy that is then changed) goes through it."""

    __slots__ = ("attribute", "path", "tag", "value", "wanted")

    def __init__(self, xpath: str, match: re.Match[str]) -> None:
        self.path = xpath
        self.tag, self.attribute, self.value, self.wanted = match.groups()

    def __call__(self, root) -> list[str]:
        out = []
        for el in _tag_index(root)[self.tag]:
            got = el.get(self.wanted)
            if got is not None and (self.attribute is None or el.get(self.attribute) == self.value):
                out.append(got)
        return out


# The last tree's index: one page is read by many queries in a row. The tree is held (lxml elements
# take no weak references) until the next page's first such query replaces it; a page's tree is not
# changed after it is parsed (the body is stripped on a copy).
_last_index: tuple[object, dict[str, list]] | None = None


def _tag_index(root) -> dict[str, list]:
    global _last_index
    last = _last_index
    if last is not None and last[0] is root:
        return last[1]
    index: dict[str, list] = {tag: [] for tag in _INDEXED_TAGS}
    for el in root.iter(*_INDEXED_TAGS):
        index[el.tag].append(el)
    _last_index = (root, index)
    return index


@lru_cache(maxsize=2048)
def _compiled_query(query: str) -> etree.XPath | _TagAttributeQuery:
    try:
        xpath = _tags_first(_attribute_first(query)) if is_xpath(query) else _CSS.css_to_xpath(query)
        match = _TAG_ATTRIBUTE.match(xpath)
        if match is not None:
            return _TagAttributeQuery(xpath, match)
        namespaces = {prefix: uri for prefix, uri in _EXSLT.items() if f"{prefix}:" in xpath}
        return etree.XPath(xpath, namespaces=namespaces, smart_strings=False)
    except Exception as exc:  # cssselect and lxml raise several types for bad queries
        raise ValueError(f"bad selector {query!r}: {exc}") from exc


def _evaluate(root: etree._Element, query: str) -> list:
    """What the query selects under root: elements, strings (text, attributes) or one scalar value."""
    try:
        result = _compiled_query(query)(root)
    except etree.XPathError as exc:
        raise ValueError(f"bad selector {query!r}: {exc}") from exc
    return result if isinstance(result, list) else [result]


def strings(sel: Selector, query: str) -> list[str]:
    """What ``sel.xpath(query).getall()`` gives for a query selecting text or attribute values, from
    the compiled query: parsel would wrap each of a page's thousands of text nodes in a Selector only
    to read its string back."""
    root = sel.root
    if isinstance(root, etree._Element):
        return [str(v) for v in _evaluate(root, query)]
    return sel.xpath(query).getall()


def node_text(node: Selector) -> str:
    """Visible text of a node (a string node is itself), whitespace normalised, one line."""
    return _value_text(node.root)


def _value_text(root) -> str:
    if isinstance(root, str):
        return normalize_space(root)
    return normalize_space(" ".join(_iter_text(root)))


def _iter_text(root) -> Iterator[str]:
    """The text of root and everything in it, its own tail last, invisible elements' content left
    out; an explicit stack, not recursion, so any depth of nesting is fine."""
    stack: list[tuple[object, bool]] = [(root, False)]  # (element, its content already given)
    while stack:
        el, entered = stack.pop()
        if entered:
            if el.tail:
                yield el.tail
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _INVISIBLE:
            if el.tail:
                yield el.tail
            continue
        if el.text and tag:
            yield el.text
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def rule_values(sel: Selector, rule: Rule) -> list[str]:
    """All non-empty strings one rule gives, in document order."""
    query, pattern = (rule, None) if isinstance(rule, str) else rule
    root = sel.root
    values = (
        _evaluate(root, query) if isinstance(root, etree._Element) else [n.root for n in select(sel, query)]
    )
    out: list[str] = []
    for value in values:
        text = _value_text(value)
        if pattern is not None:
            m = _compiled(pattern).search(text)
            if not m:
                continue
            text = normalize_space(m.group(1) if m.groups() else m.group(0))
        if text:
            out.append(text)
    return out


def first_value(sel: Selector, rules: Iterable[Rule]) -> str | None:
    """The first non-empty value of the first rule that gives one (ordered fallbacks)."""
    for rule in rules:
        values = rule_values(sel, rule)
        if values:
            return values[0]
    return None


def all_values(sel: Selector, rules: Iterable[Rule]) -> list[str]:
    """Every value of the first rule that gives any (for lists: tags, links)."""
    for rule in rules:
        values = rule_values(sel, rule)
        if values:
            return values
    return []
