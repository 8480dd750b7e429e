"""The generic profile: rules for a portal no profile knows. Every profile falls back to these.

Fields come from JSON-LD (NewsArticle), Open Graph / article: meta, the meta tags Chinese portals
use (publishdate, author, source), then visible text; the body from the text-density finder in
``newsportal.extract.density``.
"""

from newsportal.sites.base import Site

_DATE_TEXT = (
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?)"
)

SITE = Site(
    name="generic",
    # Article pages by URL shape: dated paths, doc-/a//article/ ids, numeric .shtml/.html names.
    article_urls=(
        r"/(?:19|20)\d{2}[-/]?[01]\d[-/]?[0-3]\d/.*\w{4,}",
        r"/doc-[a-z0-9]{6,}",
        r"/a/[\w-]{6,}",
        r"/article/[\w-]{5,}",
        r"/(?:c|news|content|detail|newsDetail_forward)_?/?[\w-]*\d{5,}[\w-]*(?:\.s?html?)?(?:$|\?)",
        r"/\d{5,}(?:_\d+)?\.s?html?(?:$|\?)",
    ),
    listing_urls=(r"^https?://[^/]+/?$", r"/(?:index|list)(?:_\d+)?\.s?html?$", r"/$", r"[?&]page=\d+"),
    deny_urls=(
        r"/(?:login|register|signup|passport|search|download|app|help|about|contact|video|live|tag)s?(?:/|\.|$)",
        r"\.(?:jpg|jpeg|png|gif|webp|svg|css|js|pdf|zip|rar|exe|apk|mp4|mp3)(?:$|\?)",
    ),
    pagination=(
        "//a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>']/@href",
        "a[rel=next]::attr(href)",
        ".page a::attr(href), .pages a::attr(href), .pagination a::attr(href), .pager a::attr(href)",
    ),
    article_pages=(),
    related=(),
    title=(
        'meta[property="og:title"]::attr(content)',
        'meta[name="title"]::attr(content)',
        "h1",
        "title",
    ),
    author=(
        'meta[name="author"]::attr(content)',
        'meta[property="article:author"]::attr(content)',
        ("//*[contains(@class,'author')]", r"(?:作者|记者|文)[：:/\s]*([^\s　|｜/]{2,12})"),
    ),
    source=(
        'meta[name="source"]::attr(content)',
        'meta[name="mediaid"]::attr(content)',
        'meta[property="og:article:source"]::attr(content)',
        ("//*[contains(@class,'source')]", r"来源[：:]\s*([^\s　|｜]{2,30})"),
    ),
    published_at=(
        'meta[property="article:published_time"]::attr(content)',
        'meta[name="publishdate"]::attr(content)',
        'meta[name="PubDate"]::attr(content)',
        'meta[name="pubdate"]::attr(content)',
        'meta[itemprop="datePublished"]::attr(content)',
        'meta[name="weibo: article:create_at"]::attr(content)',
        "time::attr(datetime)",
        ("//*[contains(@class,'time') or contains(@class,'date') or contains(@id,'time')]", _DATE_TEXT),
    ),
    tags=('meta[name="keywords"]::attr(content)',),
)
