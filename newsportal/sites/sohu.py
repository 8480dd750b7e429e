"""Sohu (www.sohu.com/a/<id>_<account>): the portal the sample portal mirrors.

Article page: ``div.text-title > h1``, ``div.article-info`` (time, account, 来源), body
``article#mp-editor``; the part after 展开全文 sits in ``div.hidden-content.control-hide`` and is
not shown until clicked (what a reader sees is what we keep); the reporter line ("新京报记者 张三
某地报道") closes the story, often inside that hidden part.
"""

from newsportal.sites.base import Site

SITE = Site(
    name="sohu",
    domains=("sohu.com",),
    asset_hosts=("itc.cn", "sohucs.com"),
    start_urls=("https://www.sohu.com/",),
    article_urls=(r"sohu\.com/a/\d+_\d+",),
    listing_urls=(r"^https?://(?:www|news|business|it)\.sohu\.com/?(?:\?.*)?$", r"sohu\.com/c/\d+"),
    deny_urls=(r"sohu\.com/(?:v|tv|video|passport|subject)/", r"mp\.sohu\.com/profile"),
    tracking_params=("spm", "_f", "pvid", "scm"),
    url_rewrites=((r"^https?://m\.sohu\.com/a/", "https://www.sohu.com/a/"),),
    title=("div.text-title h1", "//div[contains(@class,'article-title')]/h1"),
    title_strip=(r"_(?:手机)?搜狐(?:网|新闻)?\s*$",),
    # The reporter line closing the story names the writer; the info line names the account.
    author=(
        (
            "(//article[@id='mp-editor']//p[contains(., '记者')])[last()]",
            r"记者\s*([\u4e00-\u9fff]{2,4})(?:\s|$)",
        ),
    ),
    source=(("div.article-info span.source", r"来源[:：]\s*(\S+)"),),
    published_at=("div.article-info span.time::text", "#news-time::text"),
    body=("article#mp-editor", "article.article"),
    body_strip=("div.lookall-box", "#backsohucom", "p[data-role='editor-name']", "div.ad-box"),
    related=("div.related-news a::attr(href)",),
)
