"""Toutiao 今日头条 (www.toutiao.com/a<id>/): header ``div.article-sub`` (原创 mark, account, time);
body ``div.article-content``."""

from newsportal.sites.base import Site

SITE = Site(
    name="toutiao",
    domains=("toutiao.com",),
    asset_hosts=("pstatp.com", "snssdk.com", "bytecdn.cn", "toutiaostatic.com", "toutiaoimg.com"),
    start_urls=("https://www.toutiao.com/",),
    article_urls=(r"toutiao\.com/(?:a|i|group/|article/)\d{10,}",),
    listing_urls=(r"^https?://www\.toutiao\.com/?(?:\?.*)?$", r"toutiao\.com/ch/"),
    deny_urls=(r"toutiao\.com/(?:c/user|video|search)",),
    url_rewrites=((r"^https?://m\.toutiao\.com/(?:a|i)(\d+)/?", r"https://www.toutiao.com/a\1/"),),
    title=("h1.article-title",),
    is_original=("div.article-sub span.original",),
    # The account is the outlet the story comes from.
    source=("//div[@class='article-sub']/span[not(contains(@class,'original'))][1]",),
    published_at=("//div[@class='article-sub']/span[last()]",),
    body=("div.article-content",),
)
