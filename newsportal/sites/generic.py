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
    # Shapes not listed here are fetched once and judged by content (newsportal.extract.pagekind).
    article_urls=(
        r"/(?:19|20)\d{2}[-/]?[01]\d[-/]?[0-3]\d/.*\w{4,}",
        r"/doc-[a-z0-9]{6,}",
        r"/a/[\w-]{6,}",
        r"/article/[\w-]{5,}",
        r"/(?:c|news|content|detail|newsDetail_forward)_?/?[\w-]*\d{5,}[\w-]*(?:\.s?html?)?(?:$|\?)",
        r"/\d{5,}(?:_\d+)?\.s?html?(?:$|\?)",
    ),
    listing_urls=(
        r"^https?://[^/]+/?$",
        r"/(?:index|list|roll|more)(?:_\d+)?\.s?html?$",
        r"/$",
        r"[?&](?:page|pn|pageno)=\d+",
    ),
    deny_urls=(
        r"/(?:login|logout|register|signup|passport|search|download|app|help|about|contact|video|live|tag|"
        r"comment|print|user|member|author|vote|feedback|rss|sitemap)s?(?:/|\.|$|\?)",
        r"\.(?:jpg|jpeg|png|gif|webp|bmp|svg|ico|css|js|json|xml|pdf|docx?|xlsx?|zip|rar|exe|apk|mp4|mp3|flv)"
        r"(?:$|\?)",
        r"^(?!https?://)",  # ftp:, file:, app deep links
    ),
    # Listing pagination: next-page text links, rel=next, numbered links inside a pager-like block.
    # Links that are another page of the listing by URL shape (index_2.shtml, ?page=2, &p=3) count
    # too (newsportal.extract.links); NEWSPORTAL_MAX_LISTING_PAGES bounds them all.
    pagination=(
        "//a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='下一頁' or "
        "normalize-space(.)='后页' or normalize-space(.)='>' or normalize-space(.)='>>' or "
        "normalize-space(.)='›' or normalize-space(.)='»' or "
        "translate(normalize-space(.),'NEXT','next')='next' or "
        "starts-with(normalize-space(.),'下一页')]/@href",
        "//a[@rel='next']/@href | //link[@rel='next']/@href",
        "//*[contains(@class,'page') or contains(@class,'pag') or contains(@id,'page') or "
        "contains(@class,'fenye')][not(self::body) and not(self::html) and count(.//a) < 25]"
        "//a[string-length(normalize-space(.)) > 0 and "
        "translate(normalize-space(.),'0123456789','') = '']/@href",
    ),
    article_pages=(),
    # Related stories: links inside a block whose class or heading says related / 相关 / 推荐 / 更多.
    related=(
        # (a class holding "related" holds "relate": one test of the two, each a copy of every class)
        "//*[contains(@class,'relate') or contains(@class,'recommend') or "
        "contains(@class,'xiangguan') or contains(@class,'tuijian') or contains(@id,'related') or "
        "contains(@id,'recommend')]//a/@href",
        "//*[self::h2 or self::h3 or self::h4 or self::h5 or self::span or self::div or self::p or "
        "self::strong][not(.//a) and string-length(normalize-space(.)) < 12 and "
        "(contains(.,'相关') or contains(.,'推荐') or contains(.,'延伸阅读') or contains(.,'更多'))]"
        "/following-sibling::*[1]//a/@href",
    ),
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
        # An element named for the writer holding just a name (a forum post's or blog's author box);
        # the value still has to read as a person's name (article.py cleans every generic author).
        "//*[contains(@class,'author') or contains(@id,'author') or contains(@class,'writer') or "
        "contains(@class,'byline')][not(.//*[contains(@class,'author')])]"
        "[string-length(normalize-space(.)) >= 2 and string-length(normalize-space(.)) <= 12]",
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
