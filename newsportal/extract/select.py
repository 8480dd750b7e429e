"""Evaluating a profile's rules (see ``newsportal.sites.base``) against a parsel Selector."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from parsel import Selector, SelectorList

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
    try:
        return sel.xpath(query) if is_xpath(query) else sel.css(query)
    except Exception as exc:  # parsel raises several types for bad queries
        raise ValueError(f"bad selector {query!r}: {exc}") from exc


def node_text(node: Selector) -> str:
    """Visible text of a node (a string node is itself), whitespace normalised, one line."""
    root = node.root
    if isinstance(root, str):
        return normalize_space(root)
    return normalize_space(" ".join(_iter_text(root)))


def _iter_text(el) -> Iterator[str]:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.lower() in _INVISIBLE:
        if el.tail:
            yield el.tail
        return
    if el.text and tag:
        yield el.text
    for child in el:
        yield from _iter_text(child)
    if el.tail:
        yield el.tail


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def rule_values(sel: Selector, rule: Rule) -> list[str]:
    """All non-empty strings one rule gives, in document order."""
    query, pattern = (rule, None) if isinstance(rule, str) else rule
    out: list[str] = []
    for node in select(sel, query):
        text = node_text(node)
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
