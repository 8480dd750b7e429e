"""A synthetic portal of N articles in the sample portal's page shape, served fast on 127.0.0.1.

    .venv/bin/python benchmarks/synthetic_portal.py --articles 5000 [--port 8800]

Pages are rendered on demand from their URL (a seeded generator per page, so a page is the same
bytes every time it is asked for), nothing is held in memory, and a raw asyncio HTTP/1.1 server
with keep-alive sends them: serving costs far less than crawling, so the crawler is what a
benchmark measures. What it serves (URL scheme of ``newsportal/sites/sample.py``):

* ``/`` home: channel nav and a few top stories; ``/robots.txt`` (``Disallow: /private/``);
* ``/<channel>/index.html``, ``index_<k>.html`` for news, finance, tech, sports, local: 40 articles a
  page, newest first, ``div.pagination`` with 上一页, pages k-5..k+5, every 10th page and 下一页,
  so every listing page is within three hops of its channel. /local/ is GBK bytes declared only by
  ``<meta http-equiv>`` gb2312, like the sample portal's;
* ``/a/<id>_<account>.html``: articles 100001..100000+N, the markup of samples/portal/a/*.html
  (breadcrumb, 原创 tag on some, author, time in the portal's forms, 来源, 阅读 count, body with an
  image caption and boilerplate lines, 3 相关内容 and 4 热门资讯 links to other articles); one in
  50 has a second page ``<id>_<account>_p2.html``; one in 100 reprints an
  earlier article's body, one in 100 a near copy of one;
* ``/profile/<account>``, ``/video/2001.html``, ``/topic/index.html``, ``/about.html``: small pages;
  anything else is a 404;
* with ``--sitemap`` (benchmarks/discovery.py): a ``Sitemap:`` line in robots.txt naming
  ``/sitemap_index.xml``, which lists ``/sitemaps/<k>.xml``, urlsets of SITEMAP_CHUNK articles each
  (by id), each with its newest ``<lastmod>``; an article's lastmod is fixed by its id.

Run as a script it reads commands on stdin, one a line, and answers on stdout with one JSON line:
``stats`` → ``{"requests": n, "first": t, "last": t}`` (time.monotonic of the first and last
request since the last ``reset``), ``reset``, ``quit``. Its first stdout line is
``listening http://127.0.0.1:PORT/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from functools import cache
from html import escape

PER_PAGE = 40
SITEMAP_CHUNK = 1000  # articles per urlset (--sitemap)
FIRST_ID = 100001
ACCOUNTS = 200
CHANNELS = (("news", "新闻"), ("finance", "财经"), ("tech", "科技"), ("sports", "体育"), ("local", "本地"))
CHANNEL_NAMES = dict(CHANNELS)

# Word lists the generated text is drawn from (all GB2312, so /local/ pages encode to GBK).
PLACES = ("江城", "南湖", "东湖", "城北", "滨江", "高新区", "南部新城", "老城区", "开发区", "西山")
SUBJECTS = (
    "市民", "居民", "企业", "学校", "医院", "社区", "街道", "园区", "商户", "游客", "骑手", "志愿者",
    "运营公司", "交通部门", "市场监管局", "图书馆", "博物馆", "体育中心", "气象台", "供电公司",
)  # fmt: skip
VERBS = (
    "启动", "完成", "推进", "发布", "上线", "开通", "调整", "扩大", "升级", "改造", "试点", "新增",
    "延长", "优化", "举办", "接待", "受理", "公布", "部署", "落实",
)  # fmt: skip
OBJECTS = (
    "地铁线路", "公交线路", "口袋公园", "社区食堂", "养老服务", "夜间经济", "电梯加装", "垃圾分类",
    "智慧停车", "便民服务", "春季招聘", "科技展会", "马拉松赛事", "文旅活动", "消费券", "充电桩",
    "雨污分流", "老旧小区", "校园午餐", "健康体检",
)  # fmt: skip
DETAILS = (
    "工作日晚间开放至21时", "覆盖全部街道", "惠及近十万户家庭", "通勤时间缩短近半", "同比增长6.2%",
    "首批20家挂牌运营", "计划新增800处", "可线上预约", "实行分时预约", "准确率超过九成",
    "下周起正式实施", "将分三批推进", "较去年提前一个月", "沿线居民受益明显",
)  # fmt: skip
CLAUSES = (
    "据了解，", "记者从有关部门获悉，", "相关负责人介绍，", "数据显示，", "截至目前，", "下一步，",
    "与此同时，", "业内人士认为，", "按照计划，", "从现场情况看，",
)  # fmt: skip
SOURCES = ("江城发布", "江城日报", "新华社", "人民网", "中国新闻网", "江城晚报", "南湖观察")
AUTHORS = ("江城观察", "城事速递", "财经早知道", "科技前哨", "体育直播间", "本地生活家", "民生热线")
COMMENTS = ("支持，希望早日推广到我们小区。", "这个好，点赞！", "什么时候到我们这边？", "期待！")


def _common_hanzi() -> str:
    """The 3,755 level-1 (most common) characters of GB2312, in GB2312 order."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # D7FA-D7FE are unassigned
    return "".join(chars)


# Two-character "words" of common characters: bodies drawn from them share almost no character
# 3-grams, so unrelated articles stay far apart for the near-duplicate detector, as real ones do.
_HANZI = _common_hanzi()
WORDS = tuple(_HANZI[i % len(_HANZI)] + _HANZI[(i * 7919 + 13) % len(_HANZI)] for i in range(0, 3755 * 3, 3))

HEADER = """<header id="main-header">
  <div class="logo"><a href="/">搜狐 · 样例门户</a></div>
  <nav class="channel-nav">
    <a href="/news/">新闻</a><a href="/finance/">财经</a><a href="/tech/">科技</a>
    <a href="/sports/">体育</a><a href="/local/">本地</a>
  </nav>
  <div class="head-extra">
    <a href="/topic/index.html">专题</a><a href="/video/2001.html">视频</a>
    <a href="javascript:void(0)" class="login">登录</a>
  </div>
</header>"""
FOOTER = """<footer class="footer">
  <p><a href="/about.html">关于我们</a> | <a href="/about.html#contact">联系方式</a>
    | 样例站点，内容均为虚构</p>
  <p>Copyright &copy; 2026 newsportal sample portal. All Rights Reserved.</p>
</footer>
</body>
</html>
"""
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def _head(title: str, keywords: str, canonical: str, gbk: bool) -> str:
    charset = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        if gbk
        else '<meta charset="utf-8">'
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  {charset}
  <title>{escape(title)}</title>
  <meta name="keywords" content="{escape(keywords)}">
  <link rel="canonical" href="{canonical}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/static/main.css">
  <script>window.__pv = {{page: 'sample'}};</script>
</head>
<body>
{HEADER}
"""


@dataclass(frozen=True)
class SyntheticPortal:
    """N articles spread round-robin over the five channels; renders any of its pages as bytes."""

    articles: int
    sitemap: bool = False

    # --- the portal's shape ----------------------------------------------------------------------

    def channel_of(self, article_id: int) -> int:
        return article_id % len(CHANNELS)

    def account_of(self, article_id: int) -> int:
        return 300 + article_id % ACCOUNTS

    def article_path(self, article_id: int) -> str:
        return f"/a/{article_id}_{self.account_of(article_id)}.html"

    def channel_articles(self, channel: int) -> range:
        """The channel's article ids, newest (highest) first."""
        last = FIRST_ID + self.articles - 1
        top = last - (last - channel) % len(CHANNELS)
        return range(top, FIRST_ID - 1, -len(CHANNELS))

    def listing_pages(self, channel: int) -> int:
        return max(1, -(-len(self.channel_articles(channel)) // PER_PAGE))

    def is_multipage(self, article_id: int) -> bool:
        return article_id % 50 == 7

    def body_seed(self, article_id: int) -> int:
        """Articles ending in 55 (one in 100) reprint the body of the article 5 before them; those
        ending in 77 (one in 100) too, with their last paragraph rewritten (a near-duplicate)."""
        if article_id % 100 == 55 and article_id - 5 >= FIRST_ID:
            return article_id - 5
        if self.is_near_copy(article_id):
            return article_id - 10
        return article_id

    def is_near_copy(self, article_id: int) -> bool:
        return article_id % 100 == 77 and article_id - 10 >= FIRST_ID

    def page_count(self) -> int:
        """Pages a crawl of the whole portal fetches (robots.txt and the small pages included)."""
        listings = sum(self.listing_pages(c) for c in range(len(CHANNELS)))
        second = sum(1 for i in range(FIRST_ID, FIRST_ID + self.articles) if self.is_multipage(i))
        return 1 + 1 + listings + self.articles + second

    # --- rendering -------------------------------------------------------------------------------

    def render(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path (query string ignored)."""
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path == "/robots.txt":
            return 200, "text/plain", ROBOTS + (b"Sitemap: /sitemap_index.xml\n" if self.sitemap else b"")
        if self.sitemap and path == "/sitemap_index.xml":
            return 200, "application/xml", self.sitemap_index().encode()
        if self.sitemap and (m := _SITEMAP.match(path)) and int(m[1]) < self.sitemap_chunks():
            return 200, "application/xml", self.urlset(int(m[1])).encode()
        if path in ("/", "/index.html"):
            return 200, "text/html", self.home().encode()
        if m := _ARTICLE.match(path):
            article_id, account, second = int(m[1]), int(m[2]), bool(m[3])
            known = FIRST_ID <= article_id < FIRST_ID + self.articles and account == self.account_of(
                article_id
            )
            if known and (not second or self.is_multipage(article_id)):
                return self._html(self.article(article_id, second), self.channel_of(article_id))
        elif m := _LISTING.match(path):
            channel = next(i for i, (slug, _) in enumerate(CHANNELS) if slug == m[1])
            page = int(m[2] or 1)
            if 1 <= page <= self.listing_pages(channel):
                return self._html(self.listing(channel, page), channel)
        elif path.startswith(("/profile/", "/video/", "/topic/", "/about.html")):
            return 200, "text/html", self.small_page(path).encode()
        return 404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>"

    def _html(self, text: str, channel: int) -> tuple[int, str, bytes]:
        # No charset in the header: pages declare their own, as on the sample portal.
        if CHANNELS[channel][0] == "local":
            return 200, "text/html", text.encode("gbk")
        return 200, "text/html", text.encode()

    # --- sitemaps (--sitemap) ----------------------------------------------------------------------

    def sitemap_chunks(self) -> int:
        return -(-self.articles // SITEMAP_CHUNK)

    def chunk_ids(self, k: int) -> range:
        start = FIRST_ID + k * SITEMAP_CHUNK
        return range(start, min(start + SITEMAP_CHUNK, FIRST_ID + self.articles))

    def sitemap_index(self) -> str:
        entries = "".join(
            f"<sitemap><loc>/sitemaps/{k}.xml</loc><lastmod>{_lastmod(self.chunk_ids(k)[-1])}</lastmod></sitemap>\n"
            for k in range(self.sitemap_chunks())
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n'
        )

    def urlset(self, k: int) -> str:
        entries = "".join(
            f"<url><loc>{self.article_path(i)}</loc><lastmod>{_lastmod(i)}</lastmod></url>\n"
            for i in reversed(self.chunk_ids(k))
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
        )

    def home(self) -> str:
        rng = random.Random(0)
        top = rng.sample(range(FIRST_ID, FIRST_ID + self.articles), min(8, self.articles))
        items = "\n".join(f'    <li><a href="{self.article_path(i)}">{_title(i)}</a></li>' for i in top)
        return (
            _head("搜狐 · 样例门户", "新闻,财经,科技,体育,本地", "/", gbk=False)
            + f"""<div class="area home">
  <div class="top-news">
    <h2>要闻</h2>
    <ul>
{items}
    </ul>
  </div>
  <div class="home-topic">
    <a href="/topic/index.html">专题：春日城市生活</a> · <a href="/video/2001.html">视频：樱花季航拍</a>
  </div>
</div>
"""
            + FOOTER
        )

    def listing(self, channel: int, page: int) -> str:
        slug, name = CHANNELS[channel]
        ids = self.channel_articles(channel)[(page - 1) * PER_PAGE : page * PER_PAGE]
        items = "\n".join(
            f'    <li class="news-item"><h4><a href="{self.article_path(i)}">{_title(i)}</a></h4>'
            f'<p class="summary">{_summary(i)}</p><span class="time">{_time_text(i)}</span></li>'
            for i in ids
        )
        canonical = f"/{slug}/index.html" if page == 1 else f"/{slug}/index_{page}.html"
        return (
            _head(f"{name}频道_搜狐", f"{name},搜狐", canonical, gbk=slug == "local")
            + f"""<div class="area listing" id="channel-{slug}">
  <div class="location"><a href="/">首页</a> &gt; <span>{name}</span></div>
  <h2 class="channel-title">{name}</h2>
  <ul class="news-list">
{items}
  </ul>
  {self.pagination(channel, page)}
</div>
"""
            + FOOTER
        )

    def pagination(self, channel: int, page: int) -> str:
        slug = CHANNELS[channel][0]
        last = self.listing_pages(channel)

        def href(k: int) -> str:
            return f"/{slug}/index.html" if k == 1 else f"/{slug}/index_{k}.html"

        parts = []
        if page > 1:
            parts.append(f'<a class="prev" href="{href(page - 1)}">上一页</a>')
        shown = sorted({*range(max(1, page - 5), min(last, page + 5) + 1), *range(10, last + 1, 10)})
        for k in shown:
            parts.append(f'<span class="current">{k}</span>' if k == page else f'<a href="{href(k)}">{k}</a>')
        if page < last:
            parts.append(f'<a class="next" href="{href(page + 1)}">下一页</a>')
        return f'<div class="pagination">{"".join(parts)}</div>'

    def article(self, article_id: int, second: bool) -> str:
        rng = random.Random(article_id)
        slug, name = CHANNELS[self.channel_of(article_id)]
        account = self.account_of(article_id)
        title = _title(article_id)
        path = self.article_path(article_id)
        original = '<span class="original-tag">原创</span>' if article_id % 3 == 0 else ""
        source = f'<span class="source">来源：{rng.choice(SOURCES)}</span>' if article_id % 4 else ""
        read_num = (
            f'<span class="read-num">阅读 ({rng.randrange(100, 99999)})</span>' if article_id % 5 else ""
        )
        body_rng = random.Random(self.body_seed(article_id) * 2 + second)
        paragraphs = [_paragraph(body_rng) for _ in range(body_rng.randrange(5, 10))]
        if self.is_near_copy(article_id):
            paragraphs[-1] = _paragraph(rng)  # a reprint with its last paragraph rewritten
        body = "\n".join(f"    <p>{p}</p>" for p in paragraphs)
        tail = ""
        if article_id % 7 == 0:
            tail += f"\n    <p>责任编辑：{rng.choice(AUTHORS)[:2]}</p>"
        tail += '\n    <p><a href="/" id="backsohucom">返回搜狐，查看更多</a></p>'
        pager = ""
        if self.is_multipage(article_id):
            p2 = path.replace(".html", "_p2.html")
            pager = (
                f'  <div class="article-pager"><span class="current">1</span><a href="{p2}">2</a>'
                f'<a href="{p2}">下一页</a></div>\n'
                if not second
                else f'  <div class="article-pager"><a href="{path}">上一页</a><a href="{path}">1</a>'
                '<span class="current">2</span></div>\n'
            )
        others = [rng.randrange(FIRST_ID, FIRST_ID + self.articles) for _ in range(7)]
        related = "\n".join(
            f'      <li><a href="{self.article_path(i)}">{_title(i)}</a></li>' for i in others[:3]
        )
        hot = "\n".join(
            f'      <li><a href="{self.article_path(i)}"><span class="hot-title">{_title(i)[:12]}...</span>'
            f'<span class="hot-summary">{_summary(i)[:20]}...</span></a></li>'
            for i in others[3:]
        )
        comments = "\n".join(
            f'    <div class="comment-item"><p>{c}</p></div>' for c in rng.sample(COMMENTS, 2)
        )
        canonical = path.replace(".html", "_p2.html") if second else path
        return (
            _head(f"{title}_搜狐", _keywords(article_id, name), canonical, gbk=slug == "local")
            + f"""<div class="area clearfix" id="article-container">
  <div class="location"><a href="/">首页</a> &gt; <a href="/{slug}/">{name}</a></div>
  <div class="text-title">
    <h1>
      {original}{title}
    </h1>
    <div class="article-info">
      <span class="author"><a href="/profile/{account}">{AUTHORS[account % len(AUTHORS)]}</a></span>
      <span class="time" id="news-time">{_time_text(article_id)}</span>
      {source}
      {read_num}
    </div>
  </div>
  <div class="share-bar"><span>分享到：</span>
    <a href="javascript:void(0)">微信</a><a href="javascript:void(0)">微博</a>
    <a href="javascript:void(0)">QQ空间</a>
  </div>
  <article class="article" id="mp-editor">
    <script>var articleId = {article_id};</script>
{body}
    <p style="text-align: center;"><img src="/img/{article_id}.jpg" alt=""></p>
    <p class="img-caption" style="text-align: center;">{_caption(self.body_seed(article_id))}</p>{tail}
  </article>
{pager}  <div class="related-news">
    <h3>相关内容</h3>
    <ul>
{related}
    </ul>
  </div>
  <div class="hot-news">
    <h3>热门资讯</h3>
    <ul>
{hot}
    </ul>
  </div>
  <div class="comment-area" id="comment_area">
    <h3>评论 <span class="comment-count">2</span></h3>
{comments}
  </div>
</div>
"""
            + FOOTER
        )

    def small_page(self, path: str) -> str:
        return (
            _head("样例门户_搜狐", "搜狐", path, gbk=False)
            + '<div class="area"><p>样例站点，内容均为虚构。</p></div>\n'
            + FOOTER
        )


_SITEMAP = re.compile(r"^/sitemaps/(\d+)\.xml$")
_ARTICLE = re.compile(r"^/a/(\d+)_(\d+)(_p2)?\.html$")
_LISTING = re.compile(r"^/(news|finance|tech|sports|local)/(?:index(?:_(\d+))?\.html)?$")


@cache  # titles and summaries appear on many pages; the server's memory is not what is measured
def _title(article_id: int) -> str:
    rng = random.Random(-article_id)
    return (
        f"{rng.choice(PLACES)}{rng.choice(SUBJECTS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}，"
        f"{rng.choice(DETAILS)}（第{article_id}期）"
    )


@cache
def _summary(article_id: int) -> str:
    rng = random.Random(article_id * 2)
    return (rng.choice(CLAUSES) + rng.choice(PLACES) + "".join(rng.choices(WORDS, k=14)))[:38] + "…"


def _caption(article_id: int) -> str:
    rng = random.Random(article_id + 7)
    return f"{rng.choice(PLACES)}{rng.choice(OBJECTS)}现场，{rng.choice(SUBJECTS)}正在参观。"


def _keywords(article_id: int, channel_name: str) -> str:
    rng = random.Random(article_id + 3)
    return ",".join([rng.choice(OBJECTS), rng.choice(PLACES), channel_name])


def _time_text(article_id: int) -> str:
    """Absolute times in two of the sample portal's forms, 2025, older for lower ids."""
    minutes = 60 * 24 * 300 - article_id % (60 * 24 * 300)
    day, rest = divmod(minutes, 60 * 24)
    month, mday = 1 + day // 28 % 12, 1 + day % 28
    hour, minute = divmod(rest, 60)
    if article_id % 2:
        return f"2025-{month:02d}-{mday:02d} {hour:02d}:{minute:02d}:{article_id % 60:02d}"
    return f"2025年{month:02d}月{mday:02d}日 {hour:02d}:{minute:02d}"


def _lastmod(article_id: int) -> str:
    """An article's sitemap lastmod: fixed by its id, later for higher ids (published in that order)."""
    at = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=8))) + timedelta(minutes=article_id - FIRST_ID)
    return at.isoformat()


def _paragraph(rng: random.Random) -> str:
    """Two to four sentences of words drawn at random, the first in a news-like frame (clause, place,
    subject, verb ... detail). The frame's phrases come from short lists, so every article has them:
    framing every sentence made unrelated bodies share ~10 % of their 3-grams (30x the sample
    portal's stories) and gave the near-duplicate index hundreds of chance candidates a lookup."""
    count = rng.randrange(2, 5)
    words = rng.choices(WORDS, k=21 * count)
    clauses, places, subjects = (
        rng.choices(CLAUSES, k=count),
        rng.choices(PLACES, k=count),
        rng.choices(SUBJECTS, k=count),
    )
    verbs, details = rng.choices(VERBS, k=count), rng.choices(DETAILS, k=count)
    sentences = []
    for i in range(count):
        run = words[21 * i : 21 * i + 21]
        if i == 0:
            head, tail = f"{clauses[i]}{places[i]}{subjects[i]}{verbs[i]}", details[i]
        else:  # as long as a frame, in words
            head, tail = "".join(run[12:17]), "".join(run[17:21])
        sentences.append(f"{head}{''.join(run[:6])}，{''.join(run[6 : 6 + 3 + i % 4])}{tail}。")
    return "".join(sentences)


# --- the server --------------------------------------------------------------------------------


@dataclass
class Counters:
    requests: int = 0
    first: float = 0.0
    last: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)  # requests by what was asked for (page_kind)

    def hit(self, path: str = "") -> None:
        now = time.monotonic()
        if not self.requests:
            self.first = now
        self.requests += 1
        self.last = now
        kind = page_kind(path)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def page_kind(path: str) -> str:
    """robots, sitemap, article, listing (home and channel pages) or other."""
    path = path.split("?", 1)[0]
    if path == "/robots.txt":
        return "robots"
    if path == "/sitemap_index.xml" or _SITEMAP.match(path):
        return "sitemap"
    if _ARTICLE.match(path):
        return "article"
    if path in ("/", "/index.html") or _LISTING.match(path):
        return "listing"
    return "other"


_REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.([01])\r\n", re.ASCII)
_REASONS = {200: "OK", 404: "Not Found", 400: "Bad Request"}


class _HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 GET/HEAD with keep-alive; requests are answered in order as they arrive."""

    def __init__(self, portal: SyntheticPortal, counters: Counters) -> None:
        self.portal = portal
        self.counters = counters
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[: end + 4], self.buffer[end + 4 :]
            self._answer(head)

    def _answer(self, head: bytes) -> None:
        assert self.transport is not None
        m = _REQUEST_LINE.match(head)
        if not m:
            self.transport.write(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            self.transport.close()
            return
        method, target, minor = m[1], m[2].decode("latin-1"), m[3]
        self.counters.hit(target)
        status, ctype, body = self.portal.render(target)
        close = minor == b"0" or b"\r\nconnection: close" in head.lower()
        headers = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
            f"Date: {formatdate(usegmt=True)}\r\nServer: synthetic-portal\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        ).encode("latin-1")
        self.transport.write(headers if method == b"HEAD" else headers + body)
        if close:
            self.transport.close()


async def serve(portal: SyntheticPortal, port: int, commands: asyncio.StreamReader | None) -> None:
    counters = Counters()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _HttpProtocol(portal, counters), "127.0.0.1", port, reuse_address=True, backlog=256
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"listening http://127.0.0.1:{bound}/", flush=True)
    async with server:
        if commands is None:
            await server.serve_forever()
            return
        while line := await commands.readline():
            command = line.decode().strip()
            if command == "stats":
                print(json.dumps(vars(counters)), flush=True)
            elif command == "reset":
                counters.requests, counters.first, counters.last = 0, 0.0, 0.0
                counters.kinds.clear()
                print(json.dumps({"reset": True}), flush=True)
            elif command == "quit":
                break


async def _main(args: argparse.Namespace) -> None:
    portal = SyntheticPortal(args.articles, sitemap=args.sitemap)
    commands = None
    if not sys.stdin.isatty():
        commands = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    await serve(portal, args.port, commands)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=5000, help="number of articles (default 5000)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--sitemap", action="store_true", help="serve robots.txt Sitemap:, an index, urlsets")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
