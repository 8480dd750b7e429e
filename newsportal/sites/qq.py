"""Tencent 腾讯新闻 (new.qq.com/omn/..., news.qq.com/a/...): the 企鹅号 layout (``a.author`` = account +
企鹅号, ``meta[name=apub:time]``, body ``div.content-article`` after an ``div.introduction``
summary) and the older layout (``span.where`` source, ``span.pubTime``, ``#Cnt-Main-Article-QQ``)."""

from newsportal.sites.base import Site

SITE = Site(
    name="qq",
    domains=("qq.com",),
    asset_hosts=("gtimg.com", "gtimg.cn", "idqqimg.com", "qpic.cn"),
    start_urls=("https://news.qq.com/",),
    article_urls=(r"qq\.com/omn/\d{8}/\w+\.html", r"qq\.com/a/\d{8}/\d+\.htm", r"qq\.com/rain/a/\w+"),
    listing_urls=(r"^https?://(?:news|new)\.qq\.com/?(?:\?.*)?$", r"new\.qq\.com/ch/"),
    deny_urls=(r"v\.qq\.com", r"/video/"),
    title=("div.LEFT h1", "div.hd h1"),
    # The account and its 企鹅号 mark, written together: "扬眼企鹅号".
    source=(
        "concat(//a[@class='author']/div, //a[@class='author']/span[@class='qiehao'])",
        "span.where",
        "span[bosszone='jgname']",
    ),
    published_at=('meta[name="apub:time"]::attr(content)', "span.pubTime::text", "span.a_time::text"),
    body=("div.content-article", "div#Cnt-Main-Article-QQ"),
    body_strip=("div.introduction", "div.mbArticleShareBtn", "div#invideocon", "div.rv-root-v2"),
)
