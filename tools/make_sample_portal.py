"""Generate the static sample portal (samples/portal/) and its manifest from samples/stories.txt.

Usage: ``python tools/make_sample_portal.py`` (rewrites samples/portal/ in place; deterministic).

The portal is shaped like a Sohu-style news site and carries the traps the crawler must survive;
samples/portal/README.md lists them. ``manifest.json`` says exactly which items a crawl of the
portal must emit (with every field) and why every other page under /a/, /m/ and /private/ emits
none. Everything the manifest says is derived here from the same data that writes the pages, so
the two cannot drift apart.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORIES = ROOT / "samples" / "stories.txt"
OUT = ROOT / "samples" / "portal"

CHINA_TZ = timezone(timedelta(hours=8))
# Relative dates on the pages ("3小时前", "昨天 12:30") are read against this time.
REFERENCE = datetime(2026, 3, 15, 10, 0, 0, tzinfo=CHINA_TZ)

CHANNELS: dict[str, str] = {
    "news": "新闻",
    "finance": "财经",
    "tech": "科技",
    "sports": "体育",
    "local": "本地",
}
GBK_CHANNELS = frozenset({"local"})
PER_PAGE = 4
PAGES_PER_CHANNEL = 3

ACCOUNTS: dict[int, str] = {
    301: "青湾城事",
    302: "经济观察手记",
    303: "数码前哨站",
    304: "绿茵与跑道",
    305: "青湾生活圈",
    306: "文化慢读",
    307: "财经转载汇",
    308: "晨报新闻眼",
    399: "内部草稿",
}
EDITORS = ("王磊", "陈晓雯", "李一凡", "赵敏", "周子航", "孙悦")
SOURCES = ("青湾日报", "青湾晚报", "东港商报", "北山新闻网", "青湾广播电视台")

# --- the traps (README.md lists them) -------------------------------------------------------
RELATED_ONLY = (1061, 1062, 1063, 1064, 1065, 1066)  # linked only from 相关内容 / 热门资讯 lists
# where each related-only story is linked from: (host story, "related" | "hot")
RELATED_ONLY_HOSTS = {
    1061: (1001, "related"),
    1062: (1061, "related"),  # two hops away from any listing
    1063: (1013, "hot"),
    1064: (1027, "related"),
    1065: (1040, "hot"),
    1066: (1055, "related"),  # GBK page linked from a GBK page
}
NO_TITLE = 1012  # no <h1>, empty <title>
MULTI_PAGE = 1030  # split over /a/1030_303.html and /a/1030_303_p2.html
TRACKED = 1005  # also linked with tracking parameters and as a mobile page
TRACKED_HOME_HREF = "/a/1005_302.html?spm=smpc.home.top-news.3&from=home"
TRACKED_RELATED_HREF = "/a/1005_302.html?spm=smpc.content.related.2"
MOBILE_HREF = "/m/a/1005_302.html"
SYNDICATED_FROM, SYNDICATED_ID, SYNDICATED_ACCOUNT = 1003, 1024, 307  # 转载 copy in 财经
EMPTY_BODY_ID, EMPTY_BODY_ACCOUNT = 1036, 303
DEAD_HREF = "/a/9999_399.html"  # linked from 体育 page 2, no file
PRIVATE_HREF = "/private/a/1099_399.html"  # article-shaped, but robots.txt disallows /private/
ZERO_WIDTH_IN = 1008  # a zero-width space hides inside one paragraph
# --- URL sources beside listings (issue 17) --------------------------------------------------
SITEMAP_ONLY = (1071, 1072, 1073)  # listed in the sitemaps only
FEED_ONLY = (1081, 1082)  # in the RSS feed (/rss.xml, announced by the home page) only
ATOM_ONLY = (1083,)  # in the Atom feed of 科技 (/tech/atom.xml, announced by the 科技 listings) only
SOURCE_ONLY = (*SITEMAP_ONLY, *FEED_ONLY, *ATOM_ONLY)
SITEMAP_INDEX = "/sitemap_index.xml.gz"  # gzipped index, named by robots.txt's Sitemap: line
ARTICLES_SITEMAP = "/sitemaps/articles.xml"  # every story of the portal but the feed-only ones
NEWS_SITEMAP = "/sitemaps/news.xml"  # news sitemap: stories of the last NEWS_SITEMAP_HOURS
NEWS_SITEMAP_HOURS = 48
RSS_FEED, ATOM_FEED = "/rss.xml", "/tech/atom.xml"
RSS_LATEST = 8  # listed stories in the RSS feed besides the feed-only ones (newest first)
ARCHIVE_DAYS = 15  # /archive/YYYYMMDD.html: one page a day, 2026-03-01 to the reference day


@dataclass
class Block:
    text: str = ""
    image: str | None = None  # file name under /img/ when the block is an image
    caption: str | None = None


@dataclass
class Story:
    id: int
    channel: str
    account: int
    title: str
    tags: list[str]
    pages: list[list[Block]]  # one list of blocks per page

    @property
    def path(self) -> str:
        return f"/a/{self.id}_{self.account}.html"

    def page_path(self, n: int) -> str:
        return self.path if n == 1 else f"/a/{self.id}_{self.account}_p{n}.html"

    @property
    def blocks(self) -> list[Block]:
        return [b for page in self.pages for b in page]

    @property
    def summary(self) -> str:
        return next((b.text for b in self.blocks if b.text and not b.image), "")


@dataclass
class Meta:
    """What a page shows around the story: the derived, varied per-article details."""

    shown_time: str
    published_at: str
    read_count: int | None
    is_original: bool
    source: str | None
    source_in_info: bool
    editor: str | None
    back_link: bool
    disclaimer: str | None
    follow_line: str | None
    hidden_original_title: bool
    ad_box: bool
    indent: str  # written before each paragraph: "", full-width spaces or &nbsp;
    empty_paragraphs: bool  # <p><br></p> and <p>&nbsp;</p> after the first paragraph
    related: list[str] = field(default_factory=list)  # hrefs, page order
    hot: list[str] = field(default_factory=list)


def parse_stories(text: str) -> list[Story]:
    """Stories of samples/stories.txt (format in its header); raises ValueError on a bad header."""
    stories: list[Story] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            m = re.fullmatch(r"@(\d+) (\w+) (\d+) \| (.+?) \| (.+)", line)
            if not m:
                raise ValueError(f"bad story header: {line!r}")
            sid, channel, account, title, tags = m.groups()
            stories.append(Story(int(sid), channel, int(account), title, tags.split(","), [[]]))
            continue
        story = stories[-1]
        if line == "[page]":
            story.pages.append([])
        elif m := re.fullmatch(r"\[img (\S+?)(?: \| (.+))?\]", line):
            story.pages[-1].append(Block(image=m.group(1), caption=m.group(2)))
        else:
            story.pages[-1].append(Block(text=line))
    return stories


# --- dates -------------------------------------------------------------------------------------


def make_time(rng: random.Random, form: int) -> tuple[str, datetime]:
    """A shown time in one of the five forms and the moment it means (against REFERENCE)."""
    hour, minute, second = rng.randint(7, 22), rng.randint(0, 59), rng.randint(0, 59)
    if form == 0:
        day = rng.randint(2, 13)
        at = datetime(2026, 3, day, hour, minute, second, tzinfo=CHINA_TZ)
        return at.strftime("%Y-%m-%d %H:%M:%S"), at
    if form == 1:
        at = datetime(2026, 3, rng.randint(1, 13), hour, minute, tzinfo=CHINA_TZ)
        return at.strftime("%Y年%m月%d日 %H:%M"), at
    if form == 2:
        at = datetime(2026, 3, rng.randint(8, 14), hour, minute, tzinfo=CHINA_TZ)
        return at.strftime("%m-%d %H:%M"), at
    if form == 3:
        hours = rng.randint(1, 9)
        return f"{hours}小时前", REFERENCE - timedelta(hours=hours)
    at = datetime(2026, 3, 14, hour, minute, tzinfo=CHINA_TZ)
    return f"昨天 {at:%H:%M}", at


def make_meta(story: Story, index: int) -> Meta:
    rng = random.Random(story.id)
    shown, at = make_time(rng, index % 5)
    source_mode = story.id % 4  # 0: in the info line, 1: a 来源 line in the body, else none
    source = SOURCES[story.id % len(SOURCES)] if source_mode in (0, 1) else None
    return Meta(
        shown_time=shown,
        published_at=at.isoformat(),
        read_count=None if story.id % 7 == 0 else rng.randint(120, 98000),
        is_original=story.id % 3 == 0,
        source=source,
        source_in_info=source_mode == 0,
        editor=EDITORS[story.id % len(EDITORS)] if story.id % 2 == 0 else None,
        back_link=story.id % 3 == 1,
        disclaimer="声明：本文观点仅代表作者个人立场，本站只提供信息存储与展示服务。"
        if story.id % 5 == 2
        else None,
        follow_line=f"扫码关注「{ACCOUNTS[story.account]}」，每天获取更多资讯" if story.id % 6 == 5 else None,
        hidden_original_title=story.id % 4 == 2,
        ad_box=story.id % 8 == 3,
        indent=("\u3000\u3000", "&nbsp;&nbsp;", "")[story.id % 3],
        empty_paragraphs=story.id % 9 == 4,
    )


# --- HTML --------------------------------------------------------------------------------------

E = html.escape


def head(title: str, channel: str, extra: str = "") -> str:
    charset = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        if channel in GBK_CHANNELS
        else '<meta charset="utf-8">'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{charset}\n<title>{title}</title>\n'
        '<meta name="renderer" content="webkit">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/static/main.css">\n'
        f"{extra}</head>\n"
    )


def top_nav() -> str:
    channels = "".join(f'<a href="/{slug}/">{name}</a>' for slug, name in CHANNELS.items())
    return (
        '<div class="top-nav">\n<a class="sohu-logo" href="/">搜狐</a>\n'
        f'<div class="head-nav left">{channels}<a href="/topic/index.html">专题</a>'
        '<a href="/video/2001.html">视频</a></div>\n'
        '<div class="right login"><a href="/passport/login">登录</a> <a href="/app/">下载客户端</a></div>\n'
        "</div>\n"
    )


def footer() -> str:
    return (
        '<div class="footer">\n<p><a href="/about.html">关于我们</a> | '
        '<a href="/about.html#contact">联系方式</a> | '
        '<a href="/about.html#ads">广告服务</a> | <a href="/about.html#jobs">加入我们</a></p>\n'
        "<p>Copyright &copy; 2026 青湾网络科技有限公司 版权所有 | 本站内容均为示例，纯属虚构</p>\n</div>\n"
    )


def paragraph_html(text: str, indent: str, zero_width: bool = False) -> str:
    body = E(text)
    if zero_width and len(body) > 4:
        body = body[:2] + "\u200b" + body[2:]  # invisible, must vanish from the cleaned text
    return f"<p>{indent}{body}</p>"


def hot_entry(href: str, story: Story) -> str:
    short_title = story.title[:10] + "..." if len(story.title) > 10 else story.title
    return (
        f'<li><a href="{href}"><span>{E(short_title)}</span><span>{E(story.summary[:18])}...</span></a></li>'
    )


def article_html(
    story: Story, meta: Meta, page: int, by_href: dict[str, Story], *, no_title: bool = False
) -> str:
    channel = CHANNELS[story.channel]
    n_pages = len(story.pages)
    title_tag = "" if no_title else f"{E(story.title)}_搜狐"
    extra = f'<meta name="keywords" content="{E(",".join(story.tags))}">\n'
    extra += f'<meta name="description" content="{E(story.summary[:60])}">\n'
    if not no_title:
        extra += '<meta property="og:type" content="news">\n'
        extra += f'<meta property="og:title" content="{E(story.title)}">\n'
    extra += f'<link rel="canonical" href="{story.path}">\n'
    if story.id == TRACKED:
        extra += f'<link rel="alternate" media="only screen and (max-width: 640px)" href="{MOBILE_HREF}">\n'
    out = [head(title_tag, story.channel, extra), "<body>\n", top_nav()]
    out.append('<div class="wrapper-box">\n')
    out.append(
        f'<div class="location"><a href="/">首页</a> &gt; <a href="/{story.channel}/">{channel}</a>'
        " &gt; <span>正文</span></div>\n"
    )
    out.append('<div class="left main">\n<div class="text">\n<div class="text-title">\n')
    if not no_title:
        mark = '<span class="original-tag">原创</span>\n' if meta.is_original else ""
        out.append(f"<h1>\n{mark}{E(story.title)}\n</h1>\n")
    info = [f'<span class="time" id="news-time">{meta.shown_time}</span>']
    info.append(
        f'<span class="author"><a href="/profile/{story.account}">{ACCOUNTS[story.account]}</a></span>'
    )
    if meta.source and meta.source_in_info:
        info.append(f'<span class="source">来源：{meta.source}</span>')
    if meta.read_count is not None:
        info.append(f'<span class="read-num">阅读 ({meta.read_count})</span>')
    out.append('<div class="article-info">\n' + "\n".join(info) + "\n</div>\n</div>\n")

    out.append('<article class="article" id="mp-editor">\n')
    if meta.hidden_original_title and page == 1:
        out.append(f'<p data-role="original-title" style="display:none">原标题：{E(story.title)}</p>\n')
    blocks = story.pages[page - 1]
    for i, block in enumerate(blocks):
        if block.image:
            out.append(f'<p><img src="/img/{block.image}" alt=""></p>\n')
            if block.caption:
                out.append(f'<p class="img-caption">{E(block.caption)}</p>\n')
            continue
        out.append(paragraph_html(block.text, meta.indent, story.id == ZERO_WIDTH_IN and i == 1) + "\n")
        if meta.empty_paragraphs and i == 0:
            out.append("<p><br></p>\n<p>&nbsp;</p>\n")  # editor spacing: no text, no paragraph
        if meta.ad_box and i == 1:
            out.append(
                '<div class="ad-box"><span>广告</span><a href="/app/">打开客户端，阅读体验更佳</a></div>\n'
            )
    if page == n_pages:
        if meta.follow_line:
            out.append(f"<p>{E(meta.follow_line)}</p>\n")
        if meta.source and not meta.source_in_info:
            gap = "&nbsp;" if story.id % 8 == 5 else ""
            out.append(f"<p>来源：{gap}{meta.source}</p>\n")
        if meta.back_link:
            out.append('<p><a href="/" id="backsohucom">返回<span>搜狐</span>，查看更多</a></p>\n')
        if meta.editor:
            out.append(f'<p data-role="editor-name">责任编辑：<span>{meta.editor}</span></p>\n')
        if meta.disclaimer:
            out.append(f'<p class="statement">{meta.disclaimer}</p>\n')
    if n_pages > 1:
        links = []
        if page > 1:
            links.append(f'<a href="{story.page_path(page - 1)}">上一页</a>')
        for n in range(1, n_pages + 1):
            links.append(f"<span>{n}</span>" if n == page else f'<a href="{story.page_path(n)}">{n}</a>')
        if page < n_pages:
            links.append(f'<a href="{story.page_path(page + 1)}">下一页</a>')
        out.append('<div class="article-pager">' + " ".join(links) + "</div>\n")
    out.append("</article>\n")
    out.append(
        '<div class="share-bar">分享到：<a href="javascript:void(0)">微信</a>'
        ' <a href="javascript:void(0)">微博</a>'
        ' <a href="javascript:void(0)">QQ空间</a></div>\n</div>\n'
    )
    out.append('<div class="related-news">\n<h3>相关内容</h3>\n<ul>\n')
    for href in meta.related:
        target = by_href[href]
        out.append(f'<li><a href="{href}">{E(target.title)}</a></li>\n')
    out.append("</ul>\n</div>\n")
    out.append('<div class="hot-article">\n<h3>热门资讯</h3>\n<ul>\n')
    for href in meta.hot:
        out.append(hot_entry(href, by_href[href]) + "\n")
    out.append("</ul>\n</div>\n")
    out.append(
        '<div class="comment-area" id="comment">\n<h3>评论</h3>\n'
        '<textarea placeholder="说点什么吧"></textarea>\n'
        '<p class="comment-empty">还没有评论，快来抢沙发吧！</p>\n'
        "</div>\n</div>\n"
    )
    out.append(
        f'<div class="sidebar right">\n<div class="user-info" id="user-info">\n'
        f'<h4><a href="/profile/{story.account}">{ACCOUNTS[story.account]}</a></h4>\n'
        f"<p>文章 {story.account % 97 + 40} 篇</p>\n</div>\n</div>\n"
    )
    out.append("</div>\n")
    out.append(footer())
    out.append("</body>\n</html>\n")
    return "".join(out)


def mobile_html(story: Story, meta: Meta) -> str:
    extra = f'<link rel="canonical" href="{story.path}">\n'
    paras = "\n".join(f"<p>{E(b.text)}</p>" for b in story.blocks if not b.image)
    return (
        head(f"{E(story.title)}_手机搜狐网", story.channel, extra)
        + '<body class="m">\n<header class="m-header"><a href="/">搜狐</a></header>\n'
        f'<section class="m-article">\n<h2 class="m-title">{E(story.title)}</h2>\n'
        f'<div class="m-info">{ACCOUNTS[story.account]} {meta.shown_time}</div>\n'
        f'<div class="m-content">\n{paras}\n</div>\n</section>\n'
        f'<footer class="m-footer"><a href="{story.path}">电脑版</a></footer>\n</body>\n</html>\n'
    )


def listing_html(channel: str, page: int, entries: list[tuple[str, str, str]]) -> str:
    """entries: (href, title, shown time)."""
    name = CHANNELS[channel]
    feed = FEED_LINK.format(type="application/atom+xml", title="科技频道", href=ATOM_FEED)
    out = [head(f"{name}频道_搜狐", channel, feed if channel == "tech" else ""), "<body>\n", top_nav()]
    out.append(f'<div class="location"><a href="/">首页</a> &gt; <span>{name}</span></div>\n')
    out.append('<div class="news-list">\n<ul>\n')
    for href, title, shown in entries:
        out.append(f'<li><h4><a href="{href}">{E(title)}</a></h4><span class="time">{shown}</span></li>\n')
    out.append("</ul>\n</div>\n")
    links = []
    if page > 1:
        links.append(f'<a href="{listing_path(channel, page - 1)}">上一页</a>')
    for n in range(1, PAGES_PER_CHANNEL + 1):
        links.append(
            f'<span class="current">{n}</span>'
            if n == page
            else f'<a href="{listing_path(channel, n)}">{n}</a>'
        )
    if page < PAGES_PER_CHANNEL:
        links.append(f'<a class="next" href="{listing_path(channel, page + 1)}">下一页</a>')
    out.append('<div class="pagination">' + " ".join(links) + "</div>\n")
    out.append(footer())
    out.append("</body>\n</html>\n")
    return "".join(out)


FEED_LINK = '<link rel="alternate" type="{type}" title="{title}" href="{href}">\n'


def archive_html(day: datetime, entries: list[tuple[str, str, str]]) -> str:
    """A day's archive page (/archive/YYYYMMDD.html): the stories published that day, newest first."""
    out = [head(f"{day:%Y年%m月%d日}新闻回顾_搜狐", "news"), "<body>\n", top_nav()]
    out.append(f'<div class="location"><a href="/">首页</a> &gt; <span>{day:%Y-%m-%d} 回顾</span></div>\n')
    out.append('<div class="news-list">\n<ul>\n')
    for href, title, shown in entries:
        out.append(f'<li><h4><a href="{href}">{E(title)}</a></h4><span class="time">{shown}</span></li>\n')
    if not entries:
        out.append("<li>当天没有新闻</li>\n")
    out.append("</ul>\n</div>\n")
    out.append(footer())
    out.append("</body>\n</html>\n")
    return "".join(out)


def w3c(at: datetime) -> str:
    return at.isoformat()


def urlset_xml(entries: list[tuple[str, str, str | None]], *, news: bool) -> str:
    """entries: (path, lastmod / publication date, title). Paths stay root-relative: the portal is
    served on any port (the crawler joins a <loc> with the sitemap's own URL)."""
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n')
    for path, when, title in entries:
        out.append(f"<url>\n<loc>{path}</loc>\n<lastmod>{when}</lastmod>\n")
        if news:
            out.append(
                "<news:news>\n<news:publication><news:name>青湾网</news:name>"
                "<news:language>zh</news:language></news:publication>\n"
                f"<news:publication_date>{when}</news:publication_date>\n"
                f"<news:title>{E(title or '')}</news:title>\n</news:news>\n"
            )
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out)


def sitemap_index_xml(entries: list[tuple[str, str]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
    for path, lastmod in entries:
        out.append(f"<sitemap>\n<loc>{path}</loc>\n<lastmod>{lastmod}</lastmod>\n</sitemap>\n")
    out.append("</sitemapindex>\n")
    return "".join(out)


def rss_xml(items: list[tuple[Story, datetime]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n']
    out.append("<title>青湾网 要闻</title>\n<link>/</link>\n<description>青湾网最新新闻</description>\n")
    for story, at in items:
        out.append(
            f"<item>\n<title>{E(story.title)}</title>\n<link>{story.path}</link>\n"
            f"<guid>{story.path}</guid>\n<pubDate>{at:%a, %d %b %Y %H:%M:%S %z}</pubDate>\n"
            f"<description>{E(story.summary[:60])}</description>\n</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out)


def atom_xml(items: list[tuple[Story, datetime]]) -> str:
    newest = max(at for _, at in items)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n']
    out.append("<title>青湾网 科技</title>\n<id>tag:qingwan.example,2026:tech</id>\n")
    out.append(f"<updated>{w3c(newest)}</updated>\n")
    for story, at in items:
        out.append(
            f'<entry>\n<title>{E(story.title)}</title>\n<link rel="alternate" href="{story.path}"/>\n'
            f"<id>tag:qingwan.example,2026:{story.id}</id>\n<published>{w3c(at)}</published>\n"
            f"<updated>{w3c(at)}</updated>\n</entry>\n"
        )
    out.append("</feed>\n")
    return "".join(out)


def listing_path(channel: str, page: int) -> str:
    return f"/{channel}/" if page == 1 else f"/{channel}/index_{page}.html"


def listing_file(channel: str, page: int) -> str:
    return f"{channel}/index.html" if page == 1 else f"{channel}/index_{page}.html"


def simple_page(title: str, body: str, extra: str = "") -> str:
    return head(title, "news", extra) + "<body>\n" + top_nav() + body + footer() + "</body>\n</html>\n"


# --- the portal --------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """The cleaner's whitespace rule: zero-width chars removed, space runs (any kind) → one space."""
    text = re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return re.sub(r"[\s\u3000\xa0]+", " ", text).strip()


def build() -> tuple[dict[str, bytes], dict]:
    """Every file of the portal (relative path → bytes) and the manifest."""
    stories = parse_stories(STORIES.read_text(encoding="utf-8"))
    by_id = {s.id: s for s in stories}
    original = by_id[SYNDICATED_FROM]
    copy = Story(
        SYNDICATED_ID,
        "finance",
        SYNDICATED_ACCOUNT,
        original.title,
        ["转载", *original.tags[:2]],
        original.pages,
    )
    empty = Story(EMPTY_BODY_ID, "tech", EMPTY_BODY_ACCOUNT, "本周科技要闻预告", ["科技", "预告"], [[]])
    stories += [copy, empty]
    stories.sort(key=lambda s: s.id)
    by_id = {s.id: s for s in stories}
    metas = {s.id: make_meta(s, i) for i, s in enumerate(stories)}

    # The syndicated pair: same paragraphs, different 来源 and boilerplate around them.
    m = metas[SYNDICATED_FROM]
    m.source, m.source_in_info, m.editor, m.disclaimer, m.back_link = "青湾晚报", False, "陈晓雯", None, False
    m.follow_line = None
    m = metas[SYNDICATED_ID]
    m.source, m.source_in_info, m.editor, m.is_original = "南湾都市报", False, None, False
    m.back_link, m.disclaimer = True, "声明：本文转载自合作媒体，转载目的在于传递更多信息，不代表本站观点。"
    m.follow_line = "扫码关注「财经转载汇」，每天获取更多资讯"
    # The empty page still carries every kind of boilerplate, and a hidden original title.
    m = metas[EMPTY_BODY_ID]
    m.back_link, m.editor, m.hidden_original_title = True, "周子航", True
    m.disclaimer = "声明：本文观点仅代表作者个人立场，本站只提供信息存储与展示服务。"

    listed: dict[str, list[Story]] = {
        c: [s for s in stories if s.channel == c and s.id not in (*RELATED_ONLY, *SOURCE_ONLY)]
        for c in CHANNELS
    }
    for c, items in listed.items():
        if len(items) != PER_PAGE * PAGES_PER_CHANNEL:
            raise ValueError(f"channel {c} has {len(items)} listed stories")
    emitted_listed = [
        s for c in CHANNELS for s in listed[c] if s.id not in (NO_TITLE, SYNDICATED_ID, EMPTY_BODY_ID)
    ]

    # 相关内容: same channel; 热门资讯: other channels. Deterministic rotations over listed stories.
    for s in stories:
        meta = metas[s.id]
        same = [t for t in emitted_listed if t.channel == s.channel and t.id != s.id]
        other = [t for t in emitted_listed if t.channel != s.channel]
        meta.related = [t.path for t in (same[(s.id + k) % len(same)] for k in (0, 3, 6))]
        meta.hot = [t.path for t in (other[(s.id * 7 + k * 11) % len(other)] for k in range(3))]
    for rid, (host, kind) in RELATED_ONLY_HOSTS.items():
        getattr(metas[host], kind).insert(1, by_id[rid].path)
    # The tracked story under other URLs: a tracking-parameter link and the mobile page.
    metas[1002].related.insert(0, TRACKED_RELATED_HREF)
    metas[1009].related.insert(0, MOBILE_HREF)
    metas[1009].hot.insert(0, by_id[TRACKED].path)
    for meta in metas.values():
        for lst in (meta.related, meta.hot):
            lst[:] = [h for i, h in enumerate(lst) if h not in lst[:i]]  # no repeated href in one list

    by_href: dict[str, Story] = {s.path: s for s in stories}
    by_href[TRACKED_RELATED_HREF] = by_href[MOBILE_HREF] = by_id[TRACKED]

    files: dict[str, str | bytes] = {}

    def put(rel: str, text: str, channel: str = "news") -> None:
        files[rel] = text.encode("gbk" if channel in GBK_CHANNELS else "utf-8")

    for s in stories:
        for page in range(1, len(s.pages) + 1):
            rel = s.page_path(page).lstrip("/")
            put(rel, article_html(s, metas[s.id], page, by_href, no_title=s.id == NO_TITLE), s.channel)
    put(MOBILE_HREF.lstrip("/"), mobile_html(by_id[TRACKED], metas[TRACKED]), by_id[TRACKED].channel)

    for c in CHANNELS:
        for page in range(1, PAGES_PER_CHANNEL + 1):
            chunk = listed[c][(page - 1) * PER_PAGE : page * PER_PAGE]
            entries = [(s.path, s.title or "", metas[s.id].shown_time) for s in chunk]
            if c == "sports" and page == 2:
                entries.insert(2, (DEAD_HREF, "青湾赛艇队冬训纪实（已删除）", "03-10 09:12"))
            put(listing_file(c, page), listing_html(c, page, entries), c)

    home_links = [
        (by_id[1001].path, by_id[1001].title),
        (TRACKED_HOME_HREF, by_id[TRACKED].title),
        (original.path, original.title),
        (by_id[1016].path, by_id[1016].title),
        (by_id[1026].path, by_id[1026].title),
        (by_id[1041].path, by_id[1041].title),
        (by_id[1049].path, by_id[1049].title),
    ]
    focus = "".join(f'<li><a href="{h}">{E(t)}</a></li>\n' for h, t in home_links)
    channel_blocks = "".join(
        f'<div class="channel-block"><h3><a href="/{c}/">{n}</a></h3>'
        f'<a class="more" href="/{c}/">更多</a></div>\n'
        for c, n in CHANNELS.items()
    )
    put(
        "index.html",
        simple_page(
            "搜狐",
            '<div class="wrapper-box">\n<div class="focus-news">\n<h2>要闻</h2>\n<ul>\n'
            f"{focus}</ul>\n</div>\n{channel_blocks}"
            '<div class="video-block"><a href="/video/2001.html">视频：航拍滨河公园夜跑步道</a></div>\n'
            f'<div class="preview-links"><a href="{PRIVATE_HREF}" rel="nofollow">内部预览</a></div>\n'
            "</div>\n",
            FEED_LINK.format(type="application/rss+xml", title="青湾网 要闻", href=RSS_FEED),
        ),
    )
    topic_links = "".join(
        f'<li><a href="{by_id[i].path}">{E(by_id[i].title)}</a></li>\n' for i in (1003, 1007, 1049, 1060)
    )
    put(
        "topic/index.html",
        simple_page(
            "专题：城市更新_搜狐",
            '<div class="topic-head"><h1>专题：城市更新进行时</h1>\n'
            "<p>老街、老厂房、老菜场，这座城市正在悄悄换上新模样。</p></div>\n"
            f'<ul class="topic-list">\n{topic_links}</ul>\n',
        ),
    )
    put(
        "video/2001.html",
        simple_page(
            "航拍滨河公园夜跑步道_搜狐视频",
            '<div class="video-page"><h1>航拍滨河公园夜跑步道</h1>\n'
            '<div class="player" data-vid="2001"><video src="/video/2001.mp4" controls></video></div>\n'
            '<p class="video-desc">夜幕降临，三公里的步道亮起一串暖黄色的灯。时长 02:16</p></div>\n',
        ),
    )
    put(
        "about.html",
        simple_page(
            "关于我们_搜狐",
            '<div class="about"><h1>关于我们</h1>\n'
            "<p>这是一个虚构的示例新闻网站，用来测试新闻抓取程序。站内所有新闻、人物和机构均为编写，"
            "与真实世界无关。</p>\n"
            '<h2 id="contact">联系方式</h2><p>示例邮箱：editor@example.com</p></div>\n',
        ),
    )
    private_story = Story(
        1099,
        "news",
        399,
        "（草稿）尚未发布的稿件",
        ["草稿"],
        [[Block(text="这是一篇尚未发布的内部草稿，不应被抓取。")]],
    )
    private_meta = make_meta(private_story, 0)
    put(PRIVATE_HREF.lstrip("/"), article_html(private_story, private_meta, 1, by_href))
    files["robots.txt"] = f"User-agent: *\nDisallow: /private/\n\nSitemap: {SITEMAP_INDEX}\n".encode()
    sources = put_sources(files, stories, metas, by_id)
    files["static/main.css"] = CSS.encode("utf-8")
    for s in stories:
        for block in s.blocks:
            if block.image:
                files[f"img/{block.image}"] = placeholder_jpeg(block.image)
    files["README.md"] = README.encode("utf-8")

    manifest = make_manifest(stories, metas, by_id)
    manifest["found_by"] = sources
    emitted = {a["path"] for a in manifest["articles"]}
    manifest["found_only_by"] = {
        name: sorted(p for p in paths if not any(p in other for n, other in sources.items() if n != name))
        for name, paths in sources.items()
    }
    for name, paths in sources.items():
        if not set(paths) <= emitted:
            raise ValueError(f"{name} lists stories that emit nothing: {sorted(set(paths) - emitted)}")
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return files, manifest  # type: ignore[return-value]


def put_sources(
    files: dict[str, str | bytes], stories: list[Story], metas: dict[int, Meta], by_id: dict[int, Story]
) -> dict[str, list[str]]:
    """The sitemaps, feeds and date archive pages; returns, per source, the emitted stories it lists
    (``listings``: those reachable from the home page through listings and related links)."""
    at = {s.id: datetime.fromisoformat(metas[s.id].published_at) for s in stories}
    # The portal's own stories: not the syndicated copy (a copy is not the portal's to list, and a
    # crawler meeting it before the original would keep the copy), not the pages that emit nothing.
    own = [s for s in stories if s.id not in (SYNDICATED_ID, *FEED_ONLY, *ATOM_ONLY)]
    newest_first = sorted(own, key=lambda s: (at[s.id], s.id), reverse=True)
    articles = [(s.path, w3c(at[s.id]), s.title) for s in newest_first]
    window = timedelta(hours=NEWS_SITEMAP_HOURS)
    recent = [e for e, s in zip(articles, newest_first, strict=True) if REFERENCE - at[s.id] < window]
    files[ARTICLES_SITEMAP.lstrip("/")] = urlset_xml(articles, news=False).encode("utf-8")
    files[NEWS_SITEMAP.lstrip("/")] = urlset_xml(recent, news=True).encode("utf-8")
    index = sitemap_index_xml([(ARTICLES_SITEMAP, articles[0][1]), (NEWS_SITEMAP, recent[0][1])])
    files[SITEMAP_INDEX.lstrip("/")] = gzip.compress(index.encode("utf-8"), mtime=0)  # mtime 0: deterministic

    listed = [s for s in newest_first if s.id not in (*RELATED_ONLY, *SITEMAP_ONLY)]
    rss = [(by_id[i], at[i]) for i in FEED_ONLY] + [(s, at[s.id]) for s in listed[:RSS_LATEST]]
    files[RSS_FEED.lstrip("/")] = rss_xml(sorted(rss, key=lambda e: e[1], reverse=True)).encode("utf-8")
    tech = [s for s in listed if s.channel == "tech"][:3]
    atom = [(by_id[i], at[i]) for i in ATOM_ONLY] + [(s, at[s.id]) for s in tech]
    files[ATOM_FEED.lstrip("/")] = atom_xml(sorted(atom, key=lambda e: e[1], reverse=True)).encode("utf-8")

    archived: list[str] = []
    for n in range(ARCHIVE_DAYS):
        day = datetime(2026, 3, 1, tzinfo=CHINA_TZ) + timedelta(days=n)
        that_day = [s for s in listed if at[s.id].date() == day.date()]
        entries = [(s.path, s.title, f"{at[s.id]:%Y-%m-%d %H:%M}") for s in that_day]
        files[f"archive/{day:%Y%m%d}.html"] = archive_html(day, entries).encode("utf-8")
        archived += [s.path for s in that_day]

    silent = {by_id[i].path for i in (NO_TITLE, EMPTY_BODY_ID, SYNDICATED_ID)}
    return {
        "listings": sorted(s.path for s in stories if s.id not in SOURCE_ONLY and s.path not in silent),
        "sitemap": sorted(p for p, _, _ in articles if p not in silent),
        "feed": sorted({s.path for s, _ in rss + atom} - silent),
        "archive": sorted(p for p in archived if p not in silent),
    }


def make_manifest(stories: list[Story], metas: dict[int, Meta], by_id: dict[int, Story]) -> dict:
    articles = []
    skipped = {NO_TITLE, SYNDICATED_ID, EMPTY_BODY_ID}
    for s in stories:
        if s.id in skipped:
            continue
        meta = metas[s.id]
        paragraphs = [
            normalize(b.caption if b.image else b.text) for b in s.blocks if not b.image or b.caption
        ]
        related = []
        for href in meta.related + meta.hot:
            path = re.sub(r"^/m/a/", "/a/", href.split("?", 1)[0])
            if path != s.path and path not in related:
                related.append(path)
        articles.append(
            {
                "path": s.path,
                "channel": CHANNELS[s.channel],
                "title": s.title,
                "is_original": meta.is_original,
                "author": ACCOUNTS[s.account],
                "source": meta.source,
                "editor": meta.editor,
                "published_at": meta.published_at,
                "body": "\n".join(paragraphs),
                "images": [{"url": f"/img/{b.image}", "caption": b.caption} for b in s.blocks if b.image],
                "tags": s.tags,
                "related_paths": related,
                "read_count": meta.read_count,
                "page_count": len(s.pages),
            }
        )
    tracked = by_id[TRACKED].path
    multi = by_id[MULTI_PAGE]
    not_emitted = [
        {"path": TRACKED_HOME_HREF, "reason": "duplicate_url", "duplicate_of": tracked},
        {"path": TRACKED_RELATED_HREF, "reason": "duplicate_url", "duplicate_of": tracked},
        {"path": MOBILE_HREF, "reason": "duplicate_url", "duplicate_of": tracked},
        {
            "path": multi.page_path(2),
            "reason": "not_article",
            "note": f"page 2 of {multi.path}, merged into it",
        },
        {
            "path": by_id[SYNDICATED_ID].path,
            "reason": "duplicate_content",
            "duplicate_of": by_id[SYNDICATED_FROM].path,
        },
        {"path": by_id[EMPTY_BODY_ID].path, "reason": "empty_body"},
        {"path": by_id[NO_TITLE].path, "reason": "no_title"},
        {"path": DEAD_HREF, "reason": "http_404"},
        {"path": PRIVATE_HREF, "reason": "not_article", "note": "robots.txt disallows /private/"},
        {"path": "/about.html", "reason": "not_article"},
        {"path": "/video/2001.html", "reason": "not_article"},
        {"path": "/topic/index.html", "reason": "not_article"},
    ]
    return {"reference_time": REFERENCE.isoformat(), "articles": articles, "not_emitted": not_emitted}


CSS = """\
body { font-family: "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; }
.top-nav { background: #f5f5f5; padding: 8px 16px; }
.head-nav a, .pagination a, .pagination span { margin-right: 12px; }
.wrapper-box { width: 1000px; margin: 0 auto; }
.left.main { float: left; width: 680px; }
.sidebar.right { float: right; width: 280px; }
.original-tag { background: #c00; color: #fff; font-size: 12px; padding: 0 4px; margin-right: 6px; }
.article-info span { margin-right: 12px; color: #888; }
.img-caption { color: #666; text-align: center; }
.footer { clear: both; text-align: center; color: #999; padding: 24px 0; }
"""


def placeholder_jpeg(name: str) -> bytes:
    """A small flat-colour JPEG (colour from the name): the image URLs resolve, nothing more."""
    from io import BytesIO

    from PIL import Image  # Pillow: only needed to regenerate the portal

    digest = sum(name.encode("utf-8"))
    colour = (90 + digest % 120, 110 + digest * 7 % 100, 130 + digest * 13 % 90)
    out = BytesIO()
    Image.new("RGB", (64, 40), colour).save(out, format="JPEG", quality=70)
    return out.getvalue()


README = """\
# The sample portal

A small static Chinese news portal, shaped like a Sohu-style site, that the crawler is tested
against. Every story, name and organisation on it is invented for this project. Generated by
`tools/make_sample_portal.py` from `samples/stories.txt`; edit those, then run
`.venv/bin/python tools/make_sample_portal.py` (never edit the pages by hand).

Serve it with any plain static server (`python -m http.server -d samples/portal`): all links are
root-relative, a directory serves its `index.html`, and no page gets a charset in Content-Type.

## Layout

| URL | what |
|-----|------|
| `/` | home: channel nav, 要闻 links, video, topic and a `/private/` link |
| `/news/`, `/finance/`, `/tech/`, `/sports/`, `/local/` | channel listings, 4 stories a page |
| `/<channel>/index_2.html`, `index_3.html` | pages 2 and 3 (numbered links + 下一页; none on page 3) |
| `/a/<id>_<account>.html` | article pages |
| `/a/1030_303_p2.html` | page 2 of the one multi-page article |
| `/m/a/1005_302.html` | mobile page of `/a/1005_302.html` (canonical → desktop URL) |
| `/topic/index.html`, `/video/2001.html`, `/about.html` | pages that are not articles |
| `/private/a/1099_399.html` | an article-shaped draft that `robots.txt` disallows |
| `/robots.txt` | `Disallow: /private/` and `Sitemap: /sitemap_index.xml.gz` |
| `/sitemap_index.xml.gz` | gzipped sitemap index of two urlsets, each with its `<lastmod>` |
| `/sitemaps/articles.xml` | every story but the syndicated copy and the feed-only ones, `<lastmod>` |
| `/sitemaps/news.xml` | news sitemap: the 48 hours before the reference time, `news:publication_date` |
| `/rss.xml` | RSS 2.0 (home page's `<link rel="alternate">`): the latest stories, two feed-only ones |
| `/tech/atom.xml` | Atom, announced by the 科技 listings: three 科技 stories and one feed-only one |
| `/archive/YYYYMMDD.html` | a day's stories, newest first, 2026-03-01 to 03-15 (profile `date_archives`) |
| `manifest.json` | what a crawl must emit (`articles`), must not (`not_emitted`), what each source finds |

Article pages: `<title>TITLE_搜狐</title>`, `<meta name="keywords">`, `<link rel="canonical">`,
breadcrumb `首页 > 频道 > 正文` (the item's channel), `<h1>` with an optional
`<span class="original-tag">原创</span>`, the info line (`.article-info`: time, author link to
`/profile/<account>`, sometimes `来源：`, sometimes `阅读 (N)`), the body in
`<article id="mp-editor">`, then 相关内容 (`.related-news`) and 热门资讯 (`.hot-article`).

## Traps

- **GBK channel**: `/local/` listings and articles are GBK bytes; the charset is only in
  `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`. Some names use characters
  outside GB2312 (堃, 喆), so a strict gb2312 decoder fails too.
- **Five date forms**: `2026-03-14 20:02:59`, `2026年03月14日 20:02`, `03-14 20:02`, `3小时前`,
  `昨天 12:30`; relative ones are read against `reference_time` in the manifest.
- **Related-only articles**: 1061-1066 appear in no listing, not on the home page and not on the
  topic page; 1062 is two related hops away from any listing; 1066 is a GBK page.
- **Same link in both lists**: 1009 links 1005 in 相关内容 (as the mobile URL) and in 热门资讯:
  `related_paths` keeps it once.
- **Multi-page article**: `/a/1030_303.html` + `_p2.html` must be one item (page_count 2); its
  责任编辑 line is at the end of page 2.
- **One story, three URLs**: `/a/1005_302.html`, with `?spm=...&from=...` (home and a related list),
  and `/m/a/1005_302.html` (related list of 1009): one item.
- **Syndicated copy (转载)**: `/a/1024_307.html` in 财经 repeats the paragraphs of `/a/1003_301.html`
  with another 来源, author and boilerplate; only the first copy is emitted (the manifest lists the
  original, which is linked from the home page; a crawler that reaches the copy first emits the copy).
- **Boilerplate inside the body container**: `来源：` / `责任编辑：` lines (→ source / editor),
  `返回搜狐，查看更多`, a `声明：` disclaimer, a `扫码关注` line, an `.ad-box`, a hidden
  `原标题：` paragraph (`display:none`), and the article pager.
- **Images**: an image paragraph followed by `<p class="img-caption">` (caption kept in the body and
  in images); 1064's image has no caption. `/img/*.jpg` are flat-colour placeholders.
- **Whitespace**: `\\u3000\\u3000` and `&nbsp;&nbsp;` paragraph indents, `来源：&nbsp;X`, empty
  `<p><br></p>` / `<p>&nbsp;</p>` paragraphs (dropped), a zero-width space in 1008.
- **原创 in the title text**: `/a/1010_306.html` 「原创剪纸课走进…」 has no 原创 mark: the title keeps
  the word and `is_original` is false (a title regex stripping `^原创` is wrong).
- **A news sentence that looks like promotion**: 1019 has a long paragraph starting 「扫码领券并不难」;
  it is the story and stays in the body (only the short `扫码关注「…」` lines go).
- **Author vs editor**: the author is the account in the info line; 责任编辑 is the editor, never
  the author.
- **Stories only a source finds** (issue 17): 1071-1073 are in the sitemaps only, 1081-1082 in the
  RSS feed only, 1083 in the Atom feed only; no page links them. Sitemap `<loc>`s and feed links are
  root-relative (the portal is served on any port): the crawler joins them with the source's URL.
- **Pages that yield nothing**: `/a/1036_303.html` (body only boilerplate), `/a/1012_301.html` (no
  `<h1>`, empty `<title>`, no og:title), a dead link `/a/9999_399.html` on 体育 page 2 (404),
  `/topic/`, `/video/`, `/about.html`, and the robots-disallowed `/private/` draft.

## manifest.json

`articles`: one entry per item, fields as in `newsportal/items.py` with root-relative `path`
(canonical, first page) and `related_paths` (related + hot links in page order, canonical desktop
form, deduplicated, without the article itself). Listing pages are not in `not_emitted`; every other
page under `/a/`, `/m/` and `/private/` and the non-article pages are, with a reason; `_p2` pages are
`not_article` (merged into page 1). `found_by`: per source (`listings`: from the home page through
listings and related links; `sitemap`, `feed`, `archive`), the emitted stories it lists;
`found_only_by`: those no other source lists.
"""


def main() -> None:
    files, manifest = build()
    if OUT.exists():
        shutil.rmtree(OUT)
    for rel, data in sorted(files.items()):
        target = OUT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    print(f"wrote {len(files)} files to {OUT.relative_to(ROOT)}: {len(manifest['articles'])} articles")


if __name__ == "__main__":
    main()
