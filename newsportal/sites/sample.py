"""The bundled sample portal (samples/portal/): a static, Sohu-shaped portal served on 127.0.0.1.

Page shapes the rules below rely on (samples/portal/README.md lists the traps):

* article ``/a/<id>_<account>.html``: ``div.location`` breadcrumb (首页 > 频道 > 正文),
  ``div.text-title > h1`` (optional ``span.original-tag`` 原创 before the title text),
  ``div.article-info`` (``span.time``, ``span.author`` link to ``/profile/<account>``, optional
  ``span.source`` 来源：X, optional ``span.read-num`` 阅读 (N)), body ``article#mp-editor`` of ``<p>``s
  ending in boilerplate lines, ``div.article-pager`` inside it on multi-page articles, then
  ``div.related-news`` (相关内容) and ``div.hot-article`` (热门资讯);
* listings ``/<channel>/`` (= ``index.html``), ``index_2.html``, ...: ``div.pagination``;
* ``/local/`` and its articles are GBK bytes declared only by ``<meta http-equiv>`` gb2312.
"""

from __future__ import annotations

from newsportal.sites.base import Site

SITE = Site(
    name="sample",
    served_from="samples/portal",
    domains=("127.0.0.1", "localhost"),
    start_urls=("/",),  # root-relative: the engine joins it with the local server's base URL
    # --- page kinds (regexes searched in the full URL) ---
    # Anchored at the host so /m/a/... (mobile copies), /private/a/... (robots-disallowed drafts) and
    # /a/..._p2.html (continuation pages) never count as article first pages; a query is allowed.
    article_urls=(r"^https?://[^/]+/a/\d+_\d+\.html(?:\?[^#]*)?(?:#.*)?$",),
    listing_urls=(
        r"^https?://[^/]+/(?:index\.html)?(?:\?[^#]*)?$",  # home
        r"^https?://[^/]+/(?:news|finance|tech|sports|local)/(?:index(?:_\d+)?\.html)?(?:\?[^#]*)?$",
        r"^https?://[^/]+/topic/(?:index\.html)?$",  # topic index: links to articles, no item
        r"^https?://[^/]+/archive/\d{8}\.html$",  # a day's archive (date_archives below)
    ),
    # private/ is disallowed by robots.txt; video pages, profiles, login and app pages carry no article.
    deny_urls=(
        r"/private/",
        r"/video/",
        r"/profile/",
        r"/passport/",
        r"/app/",
        r"\.(?:jpg|jpeg|png|gif|mp4|css|js)(?:\?|$)",
    ),
    # --- links ---
    pagination=("div.pagination a::attr(href)",),  # numbered pages, 上一页 and 下一页 on listings
    # Only 下一页: page 2 also links back to page 1 (上一页 and "1"), which must not be followed.
    article_pages=("//div[@class='article-pager']/a[contains(., '下一页')]/@href",),
    # One rule for both lists so the hrefs come in page order (相关内容 first, then 热门资讯);
    # entries may use tracking or mobile URLs of desktop articles.
    related=("div.related-news a::attr(href), div.hot-article a::attr(href)",),
    channel_links=("div.head-nav a::attr(href)",),
    # --- URL sources (issue 17): sitemaps (robots.txt) and feeds (<link rel="alternate">) are
    # discovered; the archive by day is where only the profile can know it is.
    date_archives=("/archive/%Y%m%d.html",),
    listing_dates=("div.news-list span.time::text",),  # 03-14 20:02, 3小时前, 2026-03-14 20:02
    # --- fields ---
    # The h1's own text node, without the 原创 span: a stripping regex cannot tell the mark from a
    # title that starts with the word (/a/1010_306.html, "原创剪纸课..." is not marked 原创).
    # <title> is "标题_搜狐" as a fallback. No h1 and an empty <title> → no title (dropped).
    title=("//div[@class='text-title']/h1/text()[normalize-space()]", "title::text"),
    title_strip=(r"_(?:手机)?搜狐(?:网|视频)?\s*$",),
    is_original=("div.text-title h1 span.original-tag::text",),  # no match → False (the page says so)
    author=("div.article-info span.author a::text",),  # the account name; never 责任编辑
    # 来源 is either on the info line or a body paragraph "来源：X" (removed from the body).
    source=(
        ("div.article-info span.source", r"来源[:：]\s*(\S+)"),
        ("//article[@id='mp-editor']/p[starts-with(normalize-space(.), '来源')]", r"来源[:：]\s*(\S+)"),
    ),
    editor=(
        (
            "//article[@id='mp-editor']/p[starts-with(normalize-space(.), '责任编辑')]",
            r"责任编辑[:：]\s*(\S+)",
        ),
    ),
    # Five forms: "2026-03-14 20:02:59", "2026年03月14日 20:02", "03-14 20:02", "3小时前", "昨天 12:30";
    # relative and year-less forms are resolved against the crawl time (the manifest's reference_time).
    published_at=("div.article-info span.time::text",),
    read_count=(("div.article-info span.read-num::text", r"阅读\s*[(（]\s*(\d+)\s*[)）]"),),  # absent → None
    tags=("meta[name=keywords]::attr(content)",),  # one comma-separated string
    channel=("(//div[@class='location']/a)[last()]/text()",),  # 首页 > 财经 > 正文 → "财经"
    # --- body ---
    body=("article#mp-editor",),
    # The pager, ad slots and the hidden 原标题 line sit inside the container but are not text.
    body_strip=(
        "div.article-pager",
        "div.ad-box",
        "p[data-role=original-title]",
        "#backsohucom",
        "p.statement",
        "script",
        "style",
    ),
    # Boilerplate paragraphs at the body's end; image captions (p.img-caption) stay in the body.
    body_drop_lines=(
        r"^来源[:：]",
        r"^责任编辑[:：]",
        r"^返回搜狐[，,]?\s*查看更多",
        r"^声明[:：]",
        r"^扫码关注「[^」]+」",
    ),
    # --- URLs ---
    tracking_params=("spm", "from"),
    url_rewrites=((r"/m/a/", "/a/"),),  # mobile copy → desktop article
)
