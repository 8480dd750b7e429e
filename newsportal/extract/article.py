"""Fields of an article page, given its bytes (or a Selector), its URL and a Site profile.

Pure: no Scrapy. The spider, ``newsportal extract`` and the tests call ``extract_article``.
Profile rules are tried first; where they give nothing, the generic rules (JSON-LD, meta tags,
text density) fill in, so every field has a fallback.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from newsportal.extract import density
from newsportal.extract.dates import find_datetime_in_scripts, format_datetime, parse_datetime
from newsportal.extract.encoding import decode_html
from newsportal.extract.select import Rule, all_values, first_value, rule_values, select
from newsportal.extract.text import normalize_space, parse_count, split_boilerplate, strip_title
from newsportal.items import Article
from newsportal.sites.base import Site
from newsportal.urls import absolute, canonical_url, same_site


@dataclass
class PageFields:
    """What one page gives. Values are None / empty where the page does not say."""

    url: str
    canonical_url: str
    title: str | None = None
    is_original: bool | None = None
    author: str | None = None
    source: str | None = None
    editor: str | None = None
    published_at: datetime | None = None
    channel: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    related_urls: list[str] = field(default_factory=list)
    read_count: int | None = None
    next_page_url: str | None = None  # next page of a multi-page article
    encoding: str | None = None

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def make_selector(body: bytes | str, content_type: str | None = None) -> tuple[Selector, str | None]:
    """A Selector over the page, decoded from its bytes (see encoding.decode_html)."""
    if isinstance(body, bytes):
        text, encoding = decode_html(body, content_type)
    else:
        text, encoding = body, None
    return Selector(text=text or "<html></html>", type="html"), encoding


def extract_article(
    body: bytes | str,
    url: str,
    site: Site,
    *,
    now: datetime,
    content_type: str | None = None,
    generic: Site | None = None,
) -> PageFields:
    """Every field of the page. ``now`` is the reference for relative dates (the fetch time).

    Never raises on bad markup: missing parts come back None / empty. A malformed selector in a
    profile raises ValueError naming it (a bug in the profile, not in the page).
    """
    sel, encoding = make_selector(body, content_type)
    fields = extract_from_selector(sel, url, site, now=now, generic=generic)
    fields.encoding = encoding
    return fields


def _with_generic(site: Site, generic: Site | None, name: str) -> tuple[Rule, ...]:
    own: tuple[Rule, ...] = getattr(site, name)
    if generic is None or generic is site:
        return own
    return own + getattr(generic, name)


def extract_from_selector(
    sel: Selector, url: str, site: Site, *, now: datetime, generic: Site | None = None
) -> PageFields:
    if generic is None:
        from newsportal.sites.generic import SITE as generic  # the fallback rules for every field

    def rules(name: str) -> tuple[Rule, ...]:
        return _with_generic(site, generic, name)

    fields = PageFields(url=url, canonical_url=page_canonical_url(sel, url, site))

    raw_title = first_value(sel, rules("title"))
    fields.title = strip_title(raw_title, site.title_strip) if raw_title else None
    fields.is_original = bool(first_value(sel, site.is_original)) if site.is_original else None
    fields.author = first_value(sel, rules("author"))
    fields.source = first_value(sel, rules("source"))
    fields.editor = first_value(sel, site.editor)
    fields.channel = first_value(sel, site.channel)
    fields.published_at = _published_at(sel, rules("published_at"), now)
    count = first_value(sel, site.read_count)
    fields.read_count = parse_count(count) if count else None
    fields.tags = _tags(all_values(sel, rules("tags")))
    fields.related_urls = _links(sel, site.related, url, site, exclude=fields.canonical_url)
    next_pages = _links(sel, site.article_pages, url, site, canonicalize=False)
    fields.next_page_url = next_pages[0] if next_pages else None

    paragraphs, images = body_of(sel, url, site)
    cleaned = split_boilerplate(paragraphs)
    drop = [re.compile(p) for p in site.body_drop_lines]
    fields.paragraphs = [p for p in cleaned.paragraphs if not any(r.search(p) for r in drop)]
    fields.images = images
    # A line in the body is a fallback only: the page's own labelled fields win.
    fields.source = fields.source or cleaned.source
    fields.editor = fields.editor or cleaned.editor
    fields.author = fields.author or cleaned.author
    return fields


def page_canonical_url(sel: Selector, url: str, site: Site) -> str:
    """<link rel=canonical> when it stays on the site, else the fetched URL; canonicalised."""
    href = sel.css('link[rel="canonical"]::attr(href)').get()
    target = absolute(url, href) if href else None
    if not target or not (same_site(target, url) or site.owns(target)):
        target = url
    return canonical_url(target, tracking_params=site.tracking_params, rewrites=site.url_rewrites)


def _published_at(sel: Selector, rules: Iterable[Rule], now: datetime) -> datetime | None:
    for rule in rules:
        for value in rule_values(sel, rule):
            dt = parse_datetime(value, now)
            if dt is not None:
                return dt
    jsonld = _jsonld_value(sel, "datePublished")
    if jsonld and (dt := parse_datetime(jsonld, now)):
        return dt
    return find_datetime_in_scripts(sel.get(), now)


def _jsonld_value(sel: Selector, key: str) -> str | None:
    """key from the first JSON-LD object that has it (NewsArticle and friends)."""
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for obj in _walk_json(data):
            value = obj.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, dict) and isinstance(value.get("name"), str):
                return value["name"].strip()
            if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("name"):
                return str(value[0]["name"]).strip()
    return None


def _walk_json(data: object) -> Iterator[dict]:
    if isinstance(data, dict):
        yield data
        for v in data.values():
            yield from _walk_json(v)
    elif isinstance(data, list):
        for v in data:
            yield from _walk_json(v)


def _tags(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        for tag in re.split(r"[,，;；、|]\s*|\s{2,}", value):
            tag = normalize_space(tag)
            if tag and tag not in out:
                out.append(tag)
    return out


def _links(
    sel: Selector,
    rules: Iterable[Rule],
    base: str,
    site: Site,
    *,
    exclude: str | None = None,
    canonicalize: bool = True,
) -> list[str]:
    out: list[str] = []
    for rule in rules:
        for href in rule_values(sel, rule):
            url = absolute(base, href)
            if not url:
                continue
            if canonicalize:
                url = canonical_url(url, tracking_params=site.tracking_params, rewrites=site.url_rewrites)
            if url != exclude and url not in out:
                out.append(url)
    return out


# --- the body ------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "figcaption",
        "figure",
        "table",
        "tr",
        "td",
        "th",
        "pre",
        "center",
        "dd",
        "dt",
        "dl",
        "header",
        "footer",
        "aside",
        "nav",
        "form",
        "br",
        "hr",
    ]
)
_SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "iframe", "svg", "button", "select", "input", "textarea"]
)
_CAPTION_CLASS = re.compile(r"caption|pic|img|photo|desc|note", re.I)
_IMG_SRC_ATTRS = ("data-src", "data-original", "data-lazy-src", "src")


def body_of(sel: Selector, url: str, site: Site) -> tuple[list[str], list[dict[str, str | None]]]:
    """The article's paragraphs (not yet boilerplate-split) and its images with captions."""
    container = None
    for query in site.body:
        found = select(sel, query)
        if found:
            container = found[0]
            break
    if container is None:
        container = density.find_body(sel)
    if container is None:
        return [], []
    root = _detached_copy(container.root)
    stripped = Selector(root=root)
    for query in site.body_strip:
        for node in select(stripped, query):
            _remove(node.root)
    _prune_furniture(root)
    return _paragraphs_and_images(root, url)


def _prune_furniture(root) -> None:
    """Remove, inside the container, what is never the article (see density.furniture_in)."""
    for el in density.furniture_in(root):
        _remove(el)


def _detached_copy(el):
    # Stripping nodes must not change the page tree other fields read from.
    return copy.deepcopy(el)


def _remove(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    # keep the tail text (it belongs to the parent's flow)
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _paragraphs_and_images(root, url: str) -> tuple[list[str], list[dict[str, str | None]]]:
    """Walk the container: each block element starts a new paragraph; images collected in order."""
    blocks: list[tuple[str, object]] = []  # ("text", str) | ("img", src) with its block index
    buf: list[str] = []
    block_classes: list[str] = []

    def flush() -> None:
        text = normalize_space("".join(buf))
        if text:
            blocks.append(("text", (text, " ".join(block_classes))))
        buf.clear()

    def walk(el, classes: str) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag:  # comments, processing instructions
            if el.tail:
                buf.append(el.tail)
            return
        if tag in _SKIP_TAGS or _hidden(el):
            if el.tail:
                buf.append(el.tail)
            return
        is_block = tag in _BLOCK_TAGS
        cls = f"{classes} {el.get('class') or ''}".strip()
        if is_block:
            flush()
            block_classes[:] = [cls]
        if tag == "img":
            src = next(
                (el.get(a) for a in _IMG_SRC_ATTRS if el.get(a) and not el.get(a).startswith("data:")), None
            )
            if src:
                flush()
                blocks.append(("img", absolute(url, src)))
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child, cls)
        if is_block:
            flush()
            block_classes[:] = [classes]
        if el.tail:
            buf.append(el.tail)

    walk(root, "")
    flush()

    paragraphs: list[str] = []
    images: list[dict[str, str | None]] = []
    pending: dict[str, str | None] | None = None
    for kind, value in blocks:
        if kind == "img":
            pending = {"url": value, "caption": None}  # type: ignore[dict-item]
            images.append(pending)
            continue
        text, classes = value  # type: ignore[misc]
        if pending is not None and (_CAPTION_CLASS.search(classes) or len(text) <= 40):
            pending["caption"] = text
        pending = None
        paragraphs.append(text)
    return paragraphs, images


def _hidden(el) -> bool:
    return density.is_hidden(el)


def merge_pages(pages: list[PageFields], *, site: str, fetched_at: datetime) -> Article:
    """One Article from the pages of one story (a single page, or page 1..N of a split article).

    Header fields come from the first page; paragraphs, images and related links from all pages in
    order. Values are left as extracted: the clean pipeline normalises them.
    """
    first = pages[0]
    paragraphs = [p for page in pages for p in page.paragraphs]
    images = [img for page in pages for img in page.images]
    related: list[str] = []
    for page in pages:
        related.extend(u for u in page.related_urls if u not in related and u != first.canonical_url)
    return Article(
        url=first.url,
        canonical_url=first.canonical_url,
        site=site,
        channel=first.channel,
        title=first.title,
        is_original=first.is_original,
        author=first.author,
        source=first.source,
        editor=first.editor or next((p.editor for p in pages if p.editor), None),
        published_at=format_datetime(first.published_at) if first.published_at else None,
        body="\n".join(paragraphs),
        images=images,
        tags=first.tags,
        related_urls=related,
        read_count=first.read_count,
        page_count=len(pages),
        crawled_at=format_datetime(fetched_at),
    )
