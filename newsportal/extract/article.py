"""Fields of an article page, given its bytes (or a Selector), its URL and a Site profile.

Pure: no Scrapy. The spider, ``newsportal extract`` and the tests call ``extract_article``.
Profile rules are tried first; where they give nothing, the generic rules (JSON-LD, meta tags,
text density) fill in, so every field has a fallback.
"""

from __future__ import annotations

import codecs
import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from lxml import etree
from parsel import Selector

from newsportal.extract import density
from newsportal.extract.dates import (
    CHINA_TZ,
    clock_time,
    datetimes_in_scripts,
    format_datetime,
    has_time_of_day,
    parse_datetime,
)
from newsportal.extract.encoding import decode_html
from newsportal.extract.header import (
    Header,
    SiteNames,
    byline_in,
    byline_outlet,
    clean_author,
    clean_source,
    clean_title,
    closing_bracket_fields,
    closing_source_line,
    edge_byline,
    find_header,
    is_title_label,
    names_under_headline,
    plausible_author,
    staff_names,
    trailing_byline,
    zone_author,
    zone_published_at,
    zone_source,
    zone_source_guess,
)
from newsportal.extract.select import (
    Rule,
    all_values,
    first_value,
    remember_page_tree,
    rule_values,
    select,
    strings,
    structural_union,
)
from newsportal.extract.text import (
    is_posted_line,
    normalize_space,
    parse_count,
    split_boilerplate,
)
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
        root = _parse_utf8(body) if encoding == "utf-8" and _decoded_as_is(body, text) else None
    else:
        text, encoding, root = body, None, None
    sel = Selector(root=root if root is not None else _parse_html(text), type="html")
    if text and "<noframes" in text and sel.root.find("frameset") is not None:
        _open_noframes(sel.root)
    # From here on the page's tree is only read (the body is stripped on a copy): its queries may
    # keep the elements they find (select.remember_page_tree).
    remember_page_tree(sel.root)
    return sel, encoding


def _parse_html(text: str):
    """The page's tree, parsed as parsel parses it (libxml2's HTML parser, recovering, NULs out)
    but into plain lxml elements: lxml.html's element classes look every element up in Python
    each time one is handed out, and the body finder and paragraph walker hand out all of them."""
    data = text.strip().replace("\x00", "").encode("utf-8") if text else b""
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(data, parser=parser) if data else None
    return root if root is not None else etree.fromstring(b"<html/>", parser=parser)


def _decoded_as_is(body: bytes, text: str) -> bool:
    """Whether text, decode_html's UTF-8 reading of body, is body's bytes decoded as they are: no
    byte order mark left out, no bad byte replaced (a replacement character in the page itself
    only sends it the long way)."""
    return not body.startswith(codecs.BOM_UTF8) and "\ufffd" not in text


# The ASCII characters str.strip() takes for whitespace (str.isspace), as bytes.
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _parse_utf8(body: bytes):
    """_parse_html of UTF-8 bytes decoded as they are, parsing the bytes themselves when they are
    what _parse_html would encode again (no NUL; stripped, they start with "<" and end with ">", so
    str.strip() takes the same ASCII whitespace): the page's text is not encoded back (a copy and a
    conversion of the whole page). None for other bytes."""
    data = body.strip(_ASCII_SPACE)
    if data[:1] != b"<" or data[-1:] != b">" or b"\x00" in data:
        return None
    return etree.fromstring(data, parser=etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True))


def _open_noframes(root) -> None:
    """A frameset page's text is what its <noframes> part shows, which the HTML parser keeps as one
    raw string: parsed here into the page's <body> (a page of frames has none of its own)."""
    for noframes in root.iter("noframes"):
        markup = noframes.text or ""
        if "<" not in markup:
            continue
        parsed = etree.HTML(markup)
        inner = parsed.find("body") if parsed is not None else None
        if inner is not None:
            body = etree.SubElement(root, "body")
            body.text = inner.text
            body.extend(list(inner))
            return


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
    container, sizes = _body_container(sel, site)
    # The header (headline and byline zone) is read only when a field needs it: a profile whose own
    # rules give every field never walks the page for it.
    found_header: list[Header] = []
    site_names = SiteNames(sel, fields.canonical_url or url)

    def header() -> Header:
        if not found_header:
            body_root = container.root if container is not None else None
            found_header.append(find_header(sel, body_root, site.title_strip, site_names))
        return found_header[0]

    # Each field: the profile's own rules, then what the page's header says, then the generic rules.
    def own(name: str) -> tuple[Rule, ...]:
        return () if site is generic else getattr(site, name)

    own_title = first_value(sel, own("title"))
    raw_title = own_title or header().title or first_value(sel, generic.title)
    fields.title = clean_title(raw_title, site.title_strip, site_names) if raw_title else None
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
    if fields.published_at is None:
        fields.published_at = posted_line_date(container, now) or labelled_date_in_page(sel, container, now)
    if fields.published_at is not None and not has_time_of_day(fields.published_at):
        fields.published_at = _with_time_of_day(fields.published_at, sel, header(), generic, now)
    count = first_value(sel, site.read_count)
    fields.read_count = parse_count(count) if count else None
    fields.tags = _tags(all_values(sel, rules("tags")))
    fields.related_urls = _links(sel, site.related, url, site, exclude=fields.canonical_url)
    next_pages = _links(sel, site.article_pages, url, site, canonicalize=False)
    fields.next_page_url = next_pages[0] if next_pages else None

    links_are_menus = False
    if container is None:
        # No block reads as an article: the block holding the most sentence text outside links, its
        # links taken for menus (an old page's story sharing one table cell with the navigation).
        container, links_are_menus = sentence_container(sel), True
    paragraphs, images = (
        _container_paragraphs(container, url, site, drop_links=links_are_menus, sizes=sizes)
        if container is not None
        else ([], [])
    )
    # A forum's posting line inside the post's cell (its replies and their lines may follow).
    posted_line = next((p for p in paragraphs if len(p) <= _POSTED_LINE_MAX and _posted_by([p])), None)
    posted = _posted_by([posted_line]) if posted_line else None
    if fields.published_at is None and posted is not None:
        fields.published_at = parse_datetime(posted[1], now)
    if fields.published_at is None:
        fields.published_at = _opening_date(paragraphs, now) or _closing_date(paragraphs, now)
    paragraphs = _without_title_label(trim_edges(paragraphs, fields.title))
    cleaned = split_boilerplate(paragraphs)
    cleaned.paragraphs = drop_page_furniture_lines(cleaned.paragraphs)
    if container is not None and not site.body and not links_are_menus and _too_little(cleaned.paragraphs):
        # The block chosen was boilerplate (a 声明, a copyright box): the block with the most
        # sentence text outside links instead, its links taken for menus.
        other = sentence_container(sel, exclude=container.root)
        if other is not None:
            container, links_are_menus = other, True
            paragraphs, images = _container_paragraphs(container, url, site, drop_links=True)
            paragraphs = trim_edges(paragraphs, fields.title)
            cleaned = split_boilerplate(paragraphs)
            cleaned.paragraphs = drop_page_furniture_lines(cleaned.paragraphs)
    drop = [re.compile(p) for p in site.body_drop_lines]
    fields.paragraphs = [p for p in cleaned.paragraphs if not any(r.search(p) for r in drop)]
    fields.images = images
    # A line in the body is a fallback only: the page's own labelled fields win.
    fields.source = fields.source or clean_source(cleaned.source)
    fields.editor = fields.editor or cleaned.editor
    closing_author, closing_source = closing_bracket_fields(fields.paragraphs)
    own_author = fields.author
    fields.author = (
        fields.author
        or clean_author(cleaned.author)
        or edge_byline(paragraphs)
        or trailing_byline(fields.paragraphs)
        or closing_author
        or clean_author(plausible_author(_jsonld_value(sel, "author")))
        or clean_author(plausible_author(first_value(sel, generic.author)))
        or (posted and (clean_author(posted[0]) or _handle(posted[0])))
        or folded_byline(container)
        or labelled_author_in_page(sel, container)
        or blog_owner(sel)
        or _names_under_headline(sel, header(), fields.title, paragraphs)
    )
    if fields.author and not own_author:
        # 编辑 / 校对 / 审核 are never the author, whatever a meta tag says.
        staff = staff_names(header().zone + paragraphs[-_STAFF_LINES:]) | {fields.editor, cleaned.editor}
        if set(fields.author.split()) <= staff:
            fields.author = None
    # An outlet where the writer goes ("作者：某某日报") or a closing "（来源：…）" is the 来源.
    fields.source = fields.source or closing_source or byline_outlet(header().zone)
    line_source, line_index = closing_source_line(paragraphs)
    if line_source is not None and line_index is not None:
        fields.source = fields.source or line_source
        # a 来源 line is not the article's text (boilerplate rules may have taken it out already)
        fields.paragraphs = [p for p in fields.paragraphs if p != paragraphs[line_index]]
    if posted_line is not None:  # who posted it and when: the page's data, not the post's text
        fields.paragraphs = [p for p in fields.paragraphs if p != posted_line]
    fields.source = fields.source or zone_source_guess(header(), fields.author)
    if fields.author and fields.author == fields.source:
        fields.author = None  # portals put the outlet in meta author; it is not a writer
    return fields


_STAFF_LINES = 4  # the body's last lines, where 编辑 / 校对 lines sit
_POSTED_LINE_MAX = 80  # a posting line is short: a sentence of the story is not read for one


def _without_title_label(paragraphs: list[str]) -> list[str]:
    """paragraphs without a bare headline label ("主题：") opening them: its headline was the title."""
    return paragraphs[1:] if paragraphs and is_title_label(paragraphs[0]) else paragraphs


# Elements that may be hidden (density.is_hidden decides): a cheap first cut of a container's elements,
# read from the attributes up (the elements below the container with a hidden attribute, a style or
# a class that may hide them; in document order), as select._attribute_first does: testing each
# element for six attribute conditions cost 0.16 ms a wild page, this 0.03.
_MAYBE_HIDDEN = (
    "(.//*/@hidden | .//*/@style[contains(., 'none') or contains(., 'hidden')]"
    " | .//*/@class[contains(., 'hid') or contains(., 'none') or contains(., 'invisible')])/.."
)


_MAYBE_HIDDEN_XPATH = etree.XPath(_MAYBE_HIDDEN)  # compiled once (el.xpath(string) compiles every call)


def folded_byline(container: Selector | None) -> str | None:
    """The byline closing a story whose end the page folds away until a reader clicks (展开全文):
    a labelled byline among the last lines of a hidden block inside the body container. The folded
    text stays out of the body (what a reader sees is what is kept); its byline still names the
    writer."""
    if container is None:
        return None
    for el in _MAYBE_HIDDEN_XPATH(container.root):
        if density.is_hidden(el):
            lines = [normalize_space("".join(p.itertext())) for p in el.iter("p")]
            lines = [line for line in lines if line]
            if names := byline_in([p for p in lines[-3:] if len(p) <= 40 and not _SENTENCE_MARK.search(p)]):
                return names
    return None


def _names_under_headline(
    sel: Selector, header: Header, title: str | None, paragraphs: list[str]
) -> str | None:
    """names_under_headline with the page's headlines: the title found, the document's titles and,
    on a page where no headline element was found, the segments just above the body."""
    heads = [
        title or "",
        *(
            normalize_space(t)
            for t in strings(sel, "head title::text, meta[property='og:title']::attr(content)")
        ),
    ]
    if not header.after_headline:
        heads += header.zone
    above = header.zone[-1] if header.zone else title
    return names_under_headline(paragraphs, heads, above)


def page_canonical_url(sel: Selector, url: str, site: Site) -> str:
    """<link rel=canonical> when it stays on the site, else the fetched URL; canonicalised."""
    # through the page's index of <link> elements (select.strings), not a parsel query over the tree
    href = next(iter(strings(sel, 'link[rel="canonical"]::attr(href)')), None)
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
    return next(datetimes_in_scripts(sel.get(), now), None)


# A publish date with its label anywhere in the page's text: "发表于 2005-3-21 11:21", "发布时间：…".
_LABELLED_DATE = re.compile(
    r"(?:发布|发表|更新|刊发|刊登|上传|录入|添加|创建|出版)(?:于|时间|日期)?\s*[:：]?\s*"
    r"|(?:时间|日期)\s*[:：]\s*|posted\s+(?:on|at|@)?\s*",
    re.IGNORECASE,
)
_YEAR_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_AFTER_BODY_TEXTS = 12
_BEFORE_BODY_TEXTS = 60


_AROUND_BEFORE = 80
_AROUND_AFTER = 40
# (blank texts out first: most text nodes are indentation, and normalize-space() costs less than the
# parent:: tests, which XPath evaluates as a path each; same nodes, a quarter faster)
_VISIBLE_TEXT = "[normalize-space()][not(parent::script or parent::style)]"


def texts_around(sel: Selector, container: Selector | None) -> list[str]:
    """The visible text nodes nearest the body, stripped, in document order: up to _AROUND_BEFORE
    before it and _AROUND_AFTER after it (where a blog, forum or old portal writes its labels); the
    whole page's when there is no body. Bounded: a portal page has thousands of text nodes."""
    if container is None:
        return [t.strip() for t in sel.root.xpath(f"//body//text(){_VISIBLE_TEXT}")]
    return _near(container, "preceding", _AROUND_BEFORE) + _near(container, "following", _AROUND_AFTER)


# The texts read nearest the last container, per axis: (container, how many, texts). A page asks for
# them up to four times (texts_around for the author and for the date, labelled_date_in_page's
# nearest 60 before and 12 after), each an XPath over the axis (0.1 ms); the page's tree is not
# changed after parsing, and the next page's container replaces them.
_NEAR_MOST = {"preceding": _AROUND_BEFORE, "following": _AROUND_AFTER}
_last_near: dict[str, tuple[object, int, list[str]]] = {}


@lru_cache(maxsize=16)
def _near_query(axis: str, most: int) -> etree.XPath:
    # compiled once: el.xpath(string) compiles the query and sets up an evaluator at every call
    return etree.XPath(f"{axis}::text(){_VISIBLE_TEXT}[position() <= {most}]")


def _near(container: Selector, axis: str, limit: int) -> list[str]:
    """The limit visible text nodes nearest container along axis, in document order, stripped."""
    root = container.root
    kept = _last_near.get(axis)
    if kept is None or kept[0] is not root or kept[1] < limit:
        most = max(limit, _NEAR_MOST.get(axis, 0))
        texts = [t.strip() for t in _near_query(axis, most)(root)]
        kept = _last_near[axis] = (root, most, texts)
    texts = kept[2]
    if len(texts) <= limit:
        return list(texts)
    # the nearest: the last ones before the container, the first ones after it
    return texts[len(texts) - limit :] if axis == "preceding" else texts[:limit]


# A writer labelled anywhere on the page: a blog's or forum's "作者：", "发表者：", "楼主：", "博主：".
_LABELLED_AUTHOR = re.compile(
    r"(?:^|[\s|｜丨])(?:原?作者|撰文|撰稿|发表者|发帖人|楼主|博主)\s*[:：]\s*|\bposted\s+by\s+", re.IGNORECASE
)
# A user name as blogs and forums show it ("duscha", "river_2005"): taken only after a writer label.
_HANDLE = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{2,19}")


# A forum's or blog's posting line: "本贴由大卫于2005年8月12日16:12:21在〖某某论坛〗发表", "由 duscha 于
# 2005-3-15 22:36 发布": who posted it and when, in one sentence.
_POSTED_BY = re.compile(
    r"由\s*(?P<who>[^\s于:：,，。]{2,20}?)\s*于\s*(?P<when>(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"
    r"\s*日?\s*(?:\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?)[^。！？]{0,40}?(?:发表|发布|发帖|贴出|上传)"
)


def _posted_by(texts: list[str]) -> tuple[str, str] | None:
    """(who, when) of the first posting line among texts (joined: the name is often in a <b> of
    its own), or None."""
    joined = " ".join(texts)
    if "由" not in joined:
        return None
    match = _POSTED_BY.search(joined)
    return (match.group("who"), match.group("when")) if match else None


def _handle(value: str) -> str | None:
    value = value.strip()
    return value if _HANDLE.fullmatch(value) else None


def labelled_author_in_page(sel: Selector, container: Selector | None) -> str | None:
    """For a page where no byline gave a writer: the names after the first writer label in the text
    around the body (texts_around; on the label's text or the next one), cleaned by split_author."""
    texts = texts_around(sel, container)
    posted = _posted_by(texts)
    if posted is not None and (names := clean_author(posted[0]) or _handle(posted[0])):
        return names
    for i, text in enumerate(texts):
        for match in _LABELLED_AUTHOR.finditer(text):
            tail = text[match.end() :].strip() or (texts[i + 1] if i + 1 < len(texts) else "")
            value = re.split(
                r"\s*[|｜丨@]\s*|\s{2,}|(?:发表|发布|时间|日期|来源)|\s(?:at|on)\s", tail, maxsplit=1
            )[0]
            if names := clean_author(value):
                return names
            if _HANDLE.fullmatch(value.strip()):
                return value.strip()
    return None


# A personal blog names its writer in its own name: "茉莉的博客", "张三的BLOG", "李四的个人空间".
_BLOG_NAME = re.compile(
    r"^(?P<name>[^\s_|｜丨\-–—]{2,12}?)\s*(?:的)(?:博客|blog|BLOG|Blog|个人空间|空间|专栏|日志|文集|小站)$"
)


def blog_owner(sel: Selector) -> str | None:
    """The writer a personal blog names in its own name, from the <title>'s parts ("游园记_茉莉的博客_
    某某博客" → 茉莉); None when no part reads "X的博客" with X a name."""
    title = normalize_space(strings(sel, "string(//head/title)")[0])  # compiled once (select._compiled_query)
    if "的" not in title:
        return None
    parts = [p.strip() for p in re.split(r"[_|｜丨]|\s[-–—]\s", title)]
    for part in parts:
        if (match := _BLOG_NAME.match(part)) and (names := clean_author(match.group("name"))):
            return names
    return None


_POSTED_LINE_TEXTS = 400  # text nodes of the body looked at: a post's own date line is near its text
# compiled once (el.xpath(string) compiles at every call)
_POSTED_LINE_CANDIDATES = etree.XPath(
    f".//text()[position() <= {_POSTED_LINE_TEXTS}][contains(., '19') or contains(., '20')]"
)


def posted_line_date(container: Selector | None, now: datetime) -> datetime | None:
    """The date of a post's own date line inside the body's block ("发表于 2004年12月27日 12:40 -
    (阅读:37)", "〓 某某论坛 发布时间 2005/05/17 22:11 〓": a line the body leaves out, see
    text.is_posted_line), for a page no header, meta tag or script dates; None without one."""
    if container is None:
        return None
    # only text with a year in it (19xx / 20xx), filtered in libxml2 rather than line by line here
    for node in _POSTED_LINE_CANDIDATES(container.root):
        line = normalize_space(node)
        if line and is_posted_line(line) and (found := parse_datetime(line, now)) is not None:
            return found
    return None


def labelled_date_in_page(sel: Selector, container: Selector | None, now: datetime) -> datetime | None:
    """For a page where no header, meta tag or script gives the time: the first date written with a
    year after a publish label in the text around the body ("发表于 2005-3-21 11:21"), else the date
    with a time of day closest above the body, else the first dated text that follows the body (a
    blog's or forum's footer line). None without one; dates inside the body's text are never taken."""
    texts = texts_around(sel, container)
    posted = _posted_by(texts)
    if posted is not None and (found := parse_datetime(posted[1], now)):
        return found
    for i, text in enumerate(texts):
        for match in _LABELLED_DATE.finditer(text):
            # the label's line and the next text (a date in the element after its label)
            tail = text[match.end() :].strip() or (texts[i + 1] if i + 1 < len(texts) else "")
            if _YEAR_DATE.match(tail) and (found := parse_datetime(tail, now)):
                return found
    if container is None:
        return None
    # Closest to the body first; a time of day required: a portal's top bar shows today's date alone.
    for text in reversed(_near(container, "preceding", _BEFORE_BODY_TEXTS)):
        if _YEAR_DATE.search(text) and (found := parse_datetime(text, now)) and has_time_of_day(found):
            return found
    for text in _near(container, "following", _AFTER_BODY_TEXTS):
        if _YEAR_DATE.search(text) and (found := parse_datetime(text, now)):
            return found
    return None


_CLOCK_SEGMENTS = (0, 1, 2, 3, -1)  # where a time of day sits beside the date's segment, in order


def _with_time_of_day(day: datetime, sel: Selector, header: Header, generic: Site, now: datetime) -> datetime:
    """day (a date read without its time) with the time of day the page gives elsewhere for that
    same day: a clock time in a zone segment beside the date ("2026-10-30 ⏐ 来源：… ⏐ 09:30"),
    else a meta tag, JSON-LD or a script value on that day. day unchanged when there is none."""
    local_day = day.astimezone(CHINA_TZ).date()
    zone = header.zone
    for i, segment in enumerate(zone):
        found = parse_datetime(segment, now)
        if found is None or found.astimezone(CHINA_TZ).date() != local_day:
            continue
        for offset in _CLOCK_SEGMENTS:
            j = i + offset
            if 0 <= j < len(zone) and (at := clock_time(_DATE_IN_SEGMENT.sub(" ", zone[j]))):
                return datetime.combine(local_day, at, tzinfo=CHINA_TZ)
        break
    machine = [parse_datetime(v, now) for rule in generic.published_at for v in rule_values(sel, rule)]
    machine.append(parse_datetime(_jsonld_value(sel, "datePublished") or "", now))
    for found in [*machine, *datetimes_in_scripts(sel.get(), now)]:
        if found is not None and has_time_of_day(found) and found.astimezone(CHINA_TZ).date() == local_day:
            return found
    return day


# A date inside a segment, taken out before looking for a clock time beside it.
_DATE_IN_SEGMENT = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")


def _jsonld_value(sel: Selector, key: str) -> str | None:
    """key from the first JSON-LD object that has it (NewsArticle and friends)."""
    for raw in strings(sel, 'script[type="application/ld+json"]::text'):
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON; nested deeper than the json module goes
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
    """Every object in a JSON value, depth first in document order; an explicit stack, not
    recursion, so any depth of nesting is fine."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            yield value
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))


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
_CLASS_CHARS = 1000  # class text of an element and its ancestors kept while walking a body


def body_of(sel: Selector, url: str, site: Site) -> tuple[list[str], list[dict[str, str | None]]]:
    """The article's paragraphs (not yet boilerplate-split) and its images with captions."""
    container = body_container(sel, site)
    if container is None:
        return [], []
    return _container_paragraphs(container, url, site)


def body_container(sel: Selector, site: Site) -> Selector | None:
    """The element holding the article: the profile's first matching body selector, else the
    text-density finder's choice; None on a page without text."""
    return _body_container(sel, site)[0]


def _body_container(sel: Selector, site: Site) -> tuple[Selector | None, dict | None]:
    """body_container, and the text sizes of its elements when the density finder's walk gave them
    (see density.find_body_and_sizes), else None."""
    for query in site.body:
        found = select(sel, query)
        if found:
            return found[0], None
    return density.find_body_and_sizes(sel)


_SENTENCE_TEXT = (
    "//body//text()[not(ancestor::a) and not(ancestor::script) and not(ancestor::style) "
    "and not(ancestor::noscript) and not(ancestor::textarea)]"
)
_SENTENCE_MARKS = re.compile(r"[，。！？；]")
_MIN_SENTENCE_TEXT = 30


def sentence_container(sel: Selector, exclude=None) -> Selector | None:
    """The block element whose own sentences (text with Chinese punctuation, outside links) add up
    to the most characters, or the ancestor block that holds markedly more of them (paragraphs in
    blocks of their own); never inside exclude. None when the page has fewer than
    _MIN_SENTENCE_TEXT of them. The fallback when the density finder sees no article (its blocks
    all read as link lists), or picks a block with nothing left once boilerplate is out."""
    weights: dict[object, int] = {}  # sentence characters of each block, its own
    totals: dict[object, int] = {}  # and of each block with the blocks inside it
    for text in sel.root.xpath(_SENTENCE_TEXT):
        flat = text.strip()
        if len(flat) < 8 or not _SENTENCE_MARKS.search(flat):
            continue
        el = _block_of(text.getparent())
        if el is None or any(a is exclude for a in el.iterancestors()) or el is exclude:
            continue
        weights[el] = weights.get(el, 0) + len(flat)
        while el is not None:
            totals[el] = totals.get(el, 0) + len(flat)
            el = _block_of(el.getparent())
    if not weights:
        return None
    best = max(weights, key=weights.__getitem__)
    # Paragraphs in blocks of their own: climb while the parent adds a good share of sentences.
    parent = _block_of(best.getparent())
    while parent is not None and parent.tag.lower() not in ("body", "html"):
        if totals.get(parent, 0) < _CLIMB_GAIN * totals[best]:
            break
        best, parent = parent, _block_of(parent.getparent())
    return Selector(root=best) if totals[best] >= _MIN_SENTENCE_TEXT else None


_CLIMB_GAIN = 1.3


def _block_of(el):
    """el or its nearest ancestor that is a block element (None past the root)."""
    while el is not None and (not isinstance(el.tag, str) or el.tag.lower() not in density.BLOCK_TAGS):
        el = el.getparent()
    return el


_STRING = etree.XPath("string()")
_MENU_GAP = re.compile(r"[\s|｜丨/·•,，、\[\]【】]*")


def _is_menu_link(link) -> bool:
    """Whether a link is one of a run of links (a menu: links with only separators between them) or
    stands alone in its block; a link inside a sentence is the sentence's words."""
    if _SENTENCE_MARKS.search(_STRING(link)):
        return False
    prev, nxt = link.getprevious(), link.getnext()
    gap_after = _MENU_GAP.fullmatch(link.tail or "") is not None
    if nxt is not None and nxt.tag == "a" and gap_after:
        return True
    if prev is not None and prev.tag == "a" and _MENU_GAP.fullmatch(prev.tail or ""):
        return True
    parent = link.getparent()
    alone = parent is not None and not (parent.text or "").strip() and len(parent) == 1
    return alone and gap_after


def _too_little(paragraphs: list[str]) -> bool:
    return sum(len(p) for p in paragraphs) < _MIN_SENTENCE_TEXT


_SIGNATURE_LINES = 3
_SIGNATURE_MAX = 40


def _closing_date(paragraphs: list[str], now: datetime) -> datetime | None:
    """The date a notice or letter signs off with, on a short line of its own among the body's last
    lines ("吉林省人民政府 2022年1月27日", "二〇二二年一月二十七日"), for a page nothing else dated."""
    for line in reversed(paragraphs[-_SIGNATURE_LINES:]):
        if len(line) > _SIGNATURE_MAX or _SENTENCE_MARKS.search(line):
            continue
        found = parse_datetime(line, now)
        if found is not None and re.search(r"(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4}年", line):
            return found
    return None


_HAS_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def _opening_date(paragraphs: list[str], now: datetime) -> datetime | None:
    """A date (with its year) on a short line among the container's first lines, for a page where
    nothing else gave one: the date line an old page writes under its headline, inside the body cell."""
    for line in paragraphs[:_HEAD_LINES]:
        if _is_header_line(line) and _DATE_LINE.search(line) and re.search(r"(?:19|20)\d{2}", line):
            found = parse_datetime(line, now)
            if found is not None:
                return found
    return None


def _container_paragraphs(
    container: Selector, url: str, site: Site, *, drop_links: bool = False, sizes: dict | None = None
) -> tuple[list[str], list[dict[str, str | None]]]:
    """The container's paragraphs and images; sizes: its elements' density._text_sizes, when known."""
    if not drop_links and not site.image_captions and not site.body_strip:
        # Nothing to move or strip: the page's own tree is walked, furniture_in's elements skipped
        # on the way (as if removed: their tails still flow) rather than removed from a copy
        # (copying and the second walk cost 0.2 ms a wild page; same paragraphs and images).
        root = container.root
        return _paragraphs_and_images(root, url, pruned=density._text_sizes(root) if sizes is None else sizes)
    if not drop_links and not site.image_captions:
        strip = _strip_in_place(container.root, site.body_strip)
        if strip is not None:
            # The strip queries' elements skipped on the page's own tree, as if removed (their tails
            # flowing on), furniture_in's decisions taken as on the stripped copy: no copy, and one
            # walk of the body (the copy, its seven queries, furniture_in's walk: 7.64 -> 7.46 M instructions
            # a synthetic article, callgrind, before pruning_sizes; same paragraphs and images).
            root = container.root
            view = density.StrippedView(root, strip)
            return _paragraphs_and_images(root, url, pruned=view.pruning_sizes(root), view=view)
    return _copied_paragraphs(container, url, site, drop_links=drop_links)


def _copied_paragraphs(
    container: Selector, url: str, site: Site, *, drop_links: bool = False
) -> tuple[list[str], list[dict[str, str | None]]]:
    """_container_paragraphs on a detached copy of the container, changed: menu links, captions,
    strip rules and furniture removed, then walked."""
    root = _detached_copy(container.root)
    if drop_links:
        for link in [a for a in root.xpath(".//a") if _is_menu_link(a)]:
            _remove(link)
    stripped = Selector(root=root)
    for query in site.image_captions:
        for node in select(stripped, query):
            _caption_to_image(node.root, root)
    for query in site.body_strip:
        for node in select(stripped, query):
            _remove(node.root)
    if drop_links:
        # Links are gone already; what is left is sentences, so only furniture by name goes.
        for el in [
            e for e in root.iter() if isinstance(e.tag, str) and e is not root and density.is_furniture(e)
        ]:
            _remove(el)
    else:
        _prune_furniture(root)
    paragraphs, images = _paragraphs_and_images(root, url)
    if drop_links:  # what is left of a menu: its separators ("| | |")
        paragraphs = [p for p in paragraphs if _HAS_WORD.search(p)]
    return paragraphs, images


_CAPTION_ATTR = "data-newsportal-caption"


def _strip_in_place(root, queries: tuple[str, ...]) -> list | None:
    """The elements the body_strip queries select under root (root left out: removing it removes
    nothing), or None when a query is of another kind (XPath, positional or sibling CSS: see
    select.structural_union): those run on the copy, as they always did."""
    union = structural_union(queries)
    if union is None:
        return None
    found = union(root)
    return found if all(isinstance(el, etree._Element) and isinstance(el.tag, str) for el in found) else None


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


def _paragraphs_and_images(
    root,
    url: str,
    pruned: dict[object, tuple[int, int]] | None = None,
    view: density.StrippedView | None = None,
) -> tuple[list[str], list[dict[str, str | None]]]:
    """Walk the container: each block element starts a new paragraph; images collected in order.
    With pruned (the container's density._text_sizes), what density.furniture_in would remove is
    skipped, its tail kept where removing it puts it (the text before it, with no block between).
    With view (and pruned its text_sizes), its stripped elements are skipped so too, and what is
    pruned is what furniture_in would remove from the stripped container."""
    blocks: list[tuple[str, object]] = []  # ("text", str) | ("img", src) with its block index
    buf: list[str] = []
    block_classes: list[str] = []

    def flush() -> None:
        text = normalize_space("".join(buf))
        if text:
            blocks.append(("text", (text, " ".join(block_classes))))
        buf.clear()

    # (read per element: locals)
    is_hidden, prunable, is_pruned = density.is_hidden, density.PRUNABLE, density.is_pruned
    strip: set = set()
    if view is not None:
        strip, is_pruned = view.strip, view.is_pruned
    # Document order over an explicit stack, not recursion (a page may nest elements thousands
    # deep): entering an element gives its text and its children, leaving it ends its block.
    stack: list[tuple[bool, object, str, bool]] = [(True, root, "", False)]  # (enter, el, classes, block)
    while stack:
        enter, el, classes, is_block = stack.pop()
        if not enter:
            if is_block:
                flush()
                block_classes[:] = [classes]
            if el.tail:
                buf.append(el.tail)
            continue
        tag = el.tag
        tag = tag.lower() if isinstance(tag, str) else ""
        if (
            not tag
            or tag in _SKIP_TAGS
            or (strip and el in strip)
            or is_hidden(el)  # comments, processing instructions, hidden
            or (pruned is not None and tag in prunable and el is not root and is_pruned(el, tag, pruned))
        ):
            if el.tail:
                buf.append(el.tail)
            continue
        is_block = tag in _BLOCK_TAGS
        # The classes of the element and its ancestors, kept to their last _CLASS_CHARS characters:
        # a caption is told by a class word near it, and a page nesting thousands of elements with
        # long class names would otherwise hold a string the size of depth² here. (classes ends
        # stripped: without a class of its own, the element's are its parent's, left-stripped.)
        own_class = el.get("class")
        cls = f"{classes} {own_class}".strip()[-_CLASS_CHARS:] if own_class else classes.lstrip()
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
        stack.append((False, el, classes, is_block))
        if len(el):
            stack.extend((True, child, cls, False) for child in reversed(el))
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
# In two parts: the words found anywhere (each starting with a fixed character, so the regex engine
# skips to them) and the ones that open a line (matched at its start only). As one alternation, the
# anchored branches cost the whole search that skip: 6.8 us a line against 0.6.
_FURNITURE_LINE = re.compile(
    r"举报电话|举报邮箱|违法和不良信息|许可证编号|备案号|ICP备|公网安备"
    r"|回复【[^】]{1,12}】(?:查看|查询|获取|看看)|点【在看】|点击菜单栏|点个?在看"
)
_FURNITURE_LINE_START = re.compile(
    r"\d+[、.]\s*回复【|您的浏览器(?:暂时)?(?:不支持|无法播放)|正在加载|加载中|展开全文$|(?:收起|展开)$"
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
        if len(paragraph) <= _FURNITURE_LINE_MAX and (
            _FURNITURE_LINE.search(paragraph) or _FURNITURE_LINE_START.match(paragraph)
        ):
            continue
        out.append(paragraph)
    return out
