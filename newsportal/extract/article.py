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
from newsportal.extract.header import (
    Header,
    clean_source,
    edge_byline,
    find_header,
    plausible_author,
    trailing_byline,
    zone_author,
    zone_published_at,
    zone_source,
    zone_source_guess,
)
from newsportal.extract.select import Rule, all_values, first_value, rule_values, select
from newsportal.extract.text import normalize_space, parse_count, split_boilerplate, strip_title
from newsportal.items import Article
from newsportal.sites.base import Site
from newsportal.urls import absolute, canonical_url, image_url, same_site


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
    container = body_container(sel, site)
    # The header (headline and byline zone) is read only when a field needs it: a profile whose own
    # rules give every field never walks the page for it.
    found_header: list[Header] = []

    def header() -> Header:
        if not found_header:
            body_root = container.root if container is not None else None
            found_header.append(find_header(sel, body_root, site.title_strip))
        return found_header[0]

    # Each field: the profile's own rules, then what the page's header says, then the generic rules.
    def own(name: str) -> tuple[Rule, ...]:
        return () if site is generic else getattr(site, name)

    own_title = first_value(sel, own("title"))
    raw_title = own_title or header().title or first_value(sel, generic.title)
    fields.title = strip_title(raw_title, site.title_strip) if raw_title else None
    fields.is_original = bool(first_value(sel, site.is_original)) if site.is_original else None
    fields.author = first_value(sel, own("author")) or zone_author(header())
    fields.source = (
        clean_source(first_value(sel, own("source")))
        or zone_source(header())
        or clean_source(first_value(sel, generic.source))
    )
    fields.editor = first_value(sel, site.editor)
    fields.channel = first_value(sel, site.channel)
    fields.published_at = _published_at(sel, own("published_at"), now, scripts=False)
    if fields.published_at is None:
        zone_time, zone_sure = zone_published_at(header(), now)
        fields.published_at = (
            (zone_time if zone_sure else None) or _published_at(sel, generic.published_at, now) or zone_time
        )
    count = first_value(sel, site.read_count)
    fields.read_count = parse_count(count) if count else None
    fields.tags = _tags(all_values(sel, rules("tags")))
    fields.related_urls = _links(sel, site.related, url, site, exclude=fields.canonical_url)
    next_pages = _links(sel, site.article_pages, url, site, canonicalize=False)
    fields.next_page_url = next_pages[0] if next_pages else None

    paragraphs, images = _container_paragraphs(container, url, site) if container is not None else ([], [])
    paragraphs = trim_edges(paragraphs, fields.title)
    cleaned = split_boilerplate(paragraphs)
    cleaned.paragraphs = drop_page_furniture_lines(cleaned.paragraphs)
    drop = [re.compile(p) for p in site.body_drop_lines]
    fields.paragraphs = [p for p in cleaned.paragraphs if not any(r.search(p) for r in drop)]
    fields.images = images
    # A line in the body is a fallback only: the page's own labelled fields win.
    fields.source = fields.source or clean_source(cleaned.source)
    fields.editor = fields.editor or cleaned.editor
    fields.author = (
        fields.author
        or cleaned.author
        or edge_byline(paragraphs)
        or trailing_byline(fields.paragraphs)
        or plausible_author(_jsonld_value(sel, "author"))
        or plausible_author(first_value(sel, generic.author))
    )
    fields.source = fields.source or zone_source_guess(header(), fields.author)
    if fields.author and fields.author == fields.source:
        fields.author = None  # portals put the outlet in meta author; it is not a writer
    return fields


def page_canonical_url(sel: Selector, url: str, site: Site) -> str:
    """<link rel=canonical> when it stays on the site, else the fetched URL; canonicalised."""
    href = sel.css('link[rel="canonical"]::attr(href)').get()
    target = absolute(url, href) if href else None
    if not target or not (same_site(target, url) or site.owns(target)):
        target = url
    return canonical_url(target, tracking_params=site.tracking_params, rewrites=site.url_rewrites)


def _published_at(
    sel: Selector, rules: Iterable[Rule], now: datetime, *, scripts: bool = True
) -> datetime | None:
    """The first value of the rules that parses as a time; with scripts, then JSON-LD
    datePublished and publish-time keys in inline scripts."""
    for rule in rules:
        for value in rule_values(sel, rule):
            dt = parse_datetime(value, now)
            if dt is not None:
                return dt
    if not scripts:
        return None
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
    container = body_container(sel, site)
    if container is None:
        return [], []
    return _container_paragraphs(container, url, site)


def body_container(sel: Selector, site: Site) -> Selector | None:
    """The element holding the article: the profile's first matching body selector, else the
    text-density finder's choice; None on a page without text."""
    for query in site.body:
        found = select(sel, query)
        if found:
            return found[0]
    return density.find_body(sel)


def _container_paragraphs(
    container: Selector, url: str, site: Site
) -> tuple[list[str], list[dict[str, str | None]]]:
    root = _detached_copy(container.root)
    stripped = Selector(root=root)
    for query in site.image_captions:
        for node in select(stripped, query):
            _caption_to_image(node.root, root)
    for query in site.body_strip:
        for node in select(stripped, query):
            _remove(node.root)
    _prune_furniture(root)
    return _paragraphs_and_images(root, url)


_CAPTION_ATTR = "data-newsportal-caption"


def _caption_to_image(caption, root) -> None:
    """Move a caption node out of the text onto the image it describes: the last <img> before it
    in document order (inside the container), which keeps it as its ``images`` caption."""
    text = normalize_space(" ".join(caption.itertext()))
    image = None
    for el in root.iter():
        if el is caption:
            break
        if isinstance(el.tag, str) and el.tag.lower() == "img":
            image = el
    if image is not None and text:
        image.set(_CAPTION_ATTR, text)
    _remove(caption)


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
                blocks.append(("img", (image_url(url, src), el.get(_CAPTION_ATTR))))
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
            src, caption = value  # type: ignore[misc]
            image = {"url": src, "caption": caption}
            images.append(image)
            # A caption moved onto the image is final; otherwise the next short line may be one.
            pending = None if caption else image
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


# Lines that open a page above the article: breadcrumbs, date/source lines, the headline again.
_BREADCRUMB = re.compile(r"^(?:当前位置|您的位置|你的位置|位置)\s*[:：]|(?:\S+\s*(?:>|&gt;|›|»)\s*){2,}")
_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}:\d{2}")
_SENTENCE_MARK = re.compile(r"[，。！？；]")
_PAGE_NUMBERS = re.compile(r"^(?:[【\[]?\s*(?:\d{1,3}|上一页|下一页|首页|尾页|末页)\s*[】\]]?\s*){2,}$")
_HEAD_LINES = 6


def trim_edges(paragraphs: list[str], title: str | None) -> list[str]:
    """paragraphs without the page header a container may start with (breadcrumb, the headline,
    the date / 来源 line) and without page-number bars ("【1】【2】【3】", "上一页 1 2 下一页")."""
    out = list(paragraphs)
    flat_title = re.sub(r"\s+", "", title or "")
    for i, paragraph in enumerate(out[:_HEAD_LINES]):
        if flat_title and re.sub(r"\s+", "", paragraph) == flat_title:
            del out[i]
            break
    while out and _is_header_line(out[0]) and (_BREADCRUMB.search(out[0]) or _DATE_LINE.search(out[0])):
        out.pop(0)
    return [p for p in out if not _PAGE_NUMBERS.match(p)]


def _is_header_line(line: str) -> bool:
    return len(line) <= 60 and not _SENTENCE_MARK.search(line)


# Lines of page furniture that the generic boilerplate rules (extract.text) do not know.
_FURNITURE_LINE = re.compile(
    r"举报电话|举报邮箱|违法和不良信息|许可证编号|备案号|ICP备|公网安备"
    r"|^\d+[、.]\s*回复【|回复【[^】]{1,12}】(?:查看|查询|获取|看看)|点【在看】|点击菜单栏|点个?在看"
    r"|^您的浏览器(?:暂时)?(?:不支持|无法播放)|^正在加载|^加载中|^展开全文$|^(?:收起|展开)$"
)
_FURNITURE_LINE_MAX = 80


def drop_page_furniture_lines(paragraphs: list[str]) -> list[str]:
    """paragraphs without furniture lines (licence numbers, 举报 lines, WeChat 回复【】 menus,
    player messages), without U+FFFD characters (a page's own broken bytes), and cut at a line
    that heads a list of other stories (推荐阅读, 相关新闻, ...) in the second half of the body."""
    out: list[str] = []
    for paragraph in paragraphs:
        if density.RELATED_HEADING.match(paragraph) and len(out) >= len(paragraphs) // 2:
            break
        if len(paragraph) <= _FURNITURE_LINE_MAX and _FURNITURE_LINE.search(paragraph):
            continue
        out.append(paragraph)
    return out
