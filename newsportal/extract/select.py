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


class _TagAttributeQuery:
    """One of those queries, answered from the page's <meta>, <link> or <base> elements (the page
    tree's _PageIndex, below: found once a page; another tree is walked): the same strings in the
    same (document) order as the XPath. Only attribute values are answered this way, never elements,
    so no query that selects nodes to remove (a profile's body_strip, run on a copy that is then
    changed) goes through it."""

    __slots__ = ("attribute", "path", "tag", "value", "wanted")

    def __init__(self, xpath: str, match: re.Match[str]) -> None:
        self.path = xpath
        self.tag, self.attribute, self.value, self.wanted = match.groups()

    def __call__(self, root) -> list[str]:
        page = _page_index(root)
        out = []
        for el in page.by_tag(self.tag) if page is not None else root.iter(self.tag):
            got = el.get(self.wanted)
            if got is not None and (self.attribute is None or el.get(self.attribute) == self.value):
                out.append(got)
        return out


# --- queries whose first step picks elements by tag and attribute values --------------------------
#
# //div[@class='text-title']/h1/text(), div.article-info span.time::text (descendant-or-self::div[<class
# test>]/descendant::span[...]/text()): libxml2 walks every node of the page for the first step and
# evaluates its predicate, as string functions, on every element of the tag, for each of the ~20
# queries a page is asked. On the page's own tree (remember_page_tree: it is not changed after
# parsing) the elements of a tag are found once, and by class word or attribute value once per tag
# and attribute: the first step is a dictionary lookup; the rest of the query is XPath again, from
# each element found. The same nodes in the same (document) order as the whole XPath
# (tests/test_extraction_select.py compares them on every page we have, for every profile's query).

_FIRST_STEP = re.compile(r"(//|descendant-or-self::)([a-z][a-z0-9]*|\*)(?:\[((?:[^\[\]']|'[^']*')*)\])?")
# Axes that leave the subtree of the element the rest starts from, or a union: not split.
_LEAVES_SUBTREE = re.compile(r"\.\.|ancestor|parent::|preceding|following|namespace::|\||id\(")
_QUOTED = re.compile(r"'([^']*)'")
_CLASS_ATOM = re.compile(
    r"@class and contains\(@class, '(\d+)'\) and "
    r"contains\(concat\('(\d+)', normalize-space\(@class\), '(\d+)'\), '(\d+)'\)"
)
_EQUALS_ATOM = re.compile(r"@([A-Za-z_][\w.-]*) ?= ?'(\d+)'")
_PRESENT_ATOM = re.compile(r"@([A-Za-z_][\w.-]*)")
_XML_SPACE = re.compile("[ \t\r\n]+")  # XPath's whitespace (normalize-space)
_ONE_ATTRIBUTE = re.compile(r"/@([A-Za-z_][\w.-]*)")


class _Unsplit(Exception):
    """A query of another shape: evaluated as one XPath."""


def _predicate_tests(predicate: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(class words, (attribute, value) pairs, attributes present) of a predicate that is a conjunction
    of CSS class tests, @name = 'value' and @name (brackets allowed); _Unsplit for anything else."""
    values: list[str] = []

    def hide(match: re.Match[str]) -> str:  # quoted values out of the way of the parsing below
        values.append(match.group(1))
        return f"'{len(values) - 1}'"

    text = _QUOTED.sub(hide, predicate)
    classes: list[str] = []

    def take_class(match: re.Match[str]) -> str:
        word, before, after, padded = (values[int(i)] for i in match.groups())
        if not word or _XML_SPACE.search(word) or (before, after, padded) != (" ", " ", f" {word} "):
            raise _Unsplit
        classes.append(word)
        return "C"

    text = _CLASS_ATOM.sub(take_class, text).replace("(", " ").replace(")", " ")
    equals: list[tuple[str, str]] = []
    present: list[str] = []
    for atom in text.split(" and "):
        atom = atom.strip()
        if atom == "C":
            continue
        if match := _EQUALS_ATOM.fullmatch(atom):
            equals.append((match.group(1), values[int(match.group(2))]))
        elif match := _PRESENT_ATOM.fullmatch(atom):
            present.append(match.group(1))
        else:
            raise _Unsplit
    return tuple(classes), tuple(equals), tuple(present)


class _SplitQuery:
    """A query split after its first step (see above): that step answered in Python, the rest by
    XPath from each element it found. Rests that may leave those elements' subtrees, and rests from
    elements nested in one another (whose results interleave), are left to the whole XPath."""

    __slots__ = ("absolute", "attribute", "classes", "equals", "present", "rest", "tag", "whole")

    def __init__(self, whole: etree.XPath, match: re.Match[str], rest: etree.XPath | str | None) -> None:
        self.whole = whole
        self.absolute = match.group(1) == "//"  # from the document's root, whatever the context
        self.tag = None if match.group(2) == "*" else match.group(2)
        self.classes, self.equals, self.present = _predicate_tests(match.group(3) or "")
        if not (self.classes or self.equals or self.present):
            raise _Unsplit  # every element of a tag: libxml2 finds them as fast, and the rest in one go
        # a rest that is one attribute (/@href) is read from each element, not asked of XPath
        self.attribute = rest if isinstance(rest, str) else None
        self.rest = None if isinstance(rest, str) else rest

    def _matches(self, el) -> bool:
        get = el.get
        for name, value in self.equals:
            if get(name) != value:
                return False
        for name in self.present:
            if get(name) is None:
                return False
        if self.classes:
            value = get("class")
            if value is None:
                return False
            words = _XML_SPACE.split(value)
            return all(word in words for word in self.classes)
        return True

    def _first(self, root) -> list:
        start = root.getroottree().getroot() if self.absolute else root
        index = _page_index(start)
        if index is None:
            every = start.iter(self.tag) if self.tag is not None else start.iter(etree.Element)
            return [el for el in every if self._matches(el)]
        if self.classes:
            candidates = index.by_class(self.tag).get(self.classes[0], ())
        elif self.equals:
            candidates = index.by_attribute(self.tag, self.equals[0][0]).get(self.equals[0][1], ())
        else:
            candidates = index.by_tag(self.tag)
        return [el for el in candidates if self._matches(el)]

    def __call__(self, root) -> list:
        found = self._first(root)
        if self.attribute is not None:
            return [value for el in found if (value := el.get(self.attribute)) is not None]
        rest = self.rest
        if rest is None:
            return found
        if len(found) > 1 and any(found[i] in found[i + 1].iterancestors() for i in range(len(found) - 1)):
            return self.whole(root)
        out: list = []
        for el in found:
            got = rest(el)
            if not isinstance(got, list):
                return self.whole(root)
            out.extend(got)
        return out


class _PageIndex:
    """A page tree's elements by tag, and by class word or attribute value within a tag, each in
    document order, found when first asked for."""

    __slots__ = ("attributes", "classes", "root", "tags")

    def __init__(self, root) -> None:
        self.root = root
        self.tags: dict[str | None, list] = {}
        self.classes: dict[str | None, dict[str, list]] = {}
        self.attributes: dict[tuple[str | None, str], dict[str, list]] = {}

    def by_tag(self, tag: str | None) -> list:
        found = self.tags.get(tag)
        if found is None:
            every = self.root.iter(tag) if tag is not None else self.root.iter(etree.Element)
            found = self.tags[tag] = list(every)
        return found

    def by_class(self, tag: str | None) -> dict[str, list]:
        found = self.classes.get(tag)
        if found is None:
            found = self.classes[tag] = {}
            for el in self.by_tag(tag):
                value = el.get("class")
                if value:
                    for word in dict.fromkeys(_XML_SPACE.split(value)):
                        found.setdefault(word, []).append(el)
        return found

    def by_attribute(self, tag: str | None, name: str) -> dict[str, list]:
        found = self.attributes.get((tag, name))
        if found is None:
            found = self.attributes[tag, name] = {}
            for el in self.by_tag(tag):
                value = el.get(name)
                if value is not None:
                    found.setdefault(value, []).append(el)
        return found


# The page tree being read (make_selector registers each page it parses): held until the next page
# replaces it (lxml elements take no weak references). Only the root element registered is indexed: a copy
# (the body is stripped on one, and changed between queries) or another tree is walked each time.
_page: _PageIndex | None = None


def remember_page_tree(root) -> None:
    """Declare root the tree of the page being read, which nothing changes from now on: queries on
    it may keep what they find (see _SplitQuery)."""
    global _page
    _page = _PageIndex(root)


def _page_index(start) -> _PageIndex | None:
    page = _page
    return page if page is not None and page.root is start else None


def _split(xpath: str, whole: etree.XPath) -> _SplitQuery | etree.XPath:
    """The query split after its first step, or whole when it has another shape."""
    match = _FIRST_STEP.match(xpath)
    if match is None or "|" in xpath:
        return whole
    rest = xpath[match.end() :]
    if rest and (not rest.startswith("/") or _LEAVES_SUBTREE.search(rest)):
        return whole
    try:
        relative: etree.XPath | str | None = None
        if attribute := _ONE_ATTRIBUTE.fullmatch(rest):
            relative = attribute.group(1)
        elif rest:
            relative_path = "." + rest if rest.startswith("//") else rest[1:]
            relative = etree.XPath(relative_path, namespaces=_namespaces(xpath), smart_strings=False)
        return _SplitQuery(whole, match, relative)
    except (_Unsplit, etree.XPathError):
        return whole


def _namespaces(xpath: str) -> dict[str, str]:
    return {prefix: uri for prefix, uri in _EXSLT.items() if f"{prefix}:" in xpath}


@lru_cache(maxsize=2048)
def _compiled_query(query: str) -> etree.XPath | _TagAttributeQuery | _SplitQuery:
    try:
        xpath = _tags_first(_attribute_first(query)) if is_xpath(query) else _CSS.css_to_xpath(query)
        match = _TAG_ATTRIBUTE.match(xpath)
        if match is not None:
            return _TagAttributeQuery(xpath, match)
        return _split(xpath, etree.XPath(xpath, namespaces=_namespaces(xpath), smart_strings=False))
    except Exception as exc:  # cssselect and lxml raise several types for bad queries
        raise ValueError(f"bad selector {query!r}: {exc}") from exc


# A CSS query that selects by tag, class, id and attributes of an element and of its ancestors, the
# descendant and child combinators between (no pseudo-class, no sibling combinator): what it selects
# on a copy from which other such queries removed subtrees is what it selects on the untouched tree,
# less what those subtrees held.
_STRUCTURAL_CSS = re.compile(r"[\w\s.#>,*-]+")
_CSS_ATTRIBUTE = re.compile(r"\[[^\[\]]*\]")


@lru_cache(maxsize=256)
def structural_union(queries: tuple[str, ...]) -> etree.XPath | None:
    """One XPath selecting what any of the CSS queries selects (a union: one evaluation, in C, not
    one query and its Selectors each), when every query is structural (see _STRUCTURAL_CSS); None
    when one is XPath or of another kind. A malformed query raises ValueError naming it."""
    paths = []
    for query in queries:
        if is_xpath(query) or not _STRUCTURAL_CSS.fullmatch(_CSS_ATTRIBUTE.sub("", query)):
            return None
        try:
            paths.append(_CSS.css_to_xpath(query))
        except Exception as exc:  # cssselect raises several types for bad queries
            raise ValueError(f"bad selector {query!r}: {exc}") from exc
    return etree.XPath(" | ".join(paths), smart_strings=False)


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
