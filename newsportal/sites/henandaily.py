"""Henan Daily 河南日报网 (www.henandaily.cn/content/...): header ``div.content-title`` ... time and
来源 line; body ``div.content-content``; the writers close the last paragraph in brackets."""

from newsportal.sites.base import Site

SITE = Site(
    name="henandaily",
    domains=("henandaily.cn",),
    asset_hosts=("hndnews.com",),
    start_urls=("https://www.henandaily.cn/",),
    article_urls=(r"henandaily\.cn/content/.*\d{5,}", r"henandaily\.cn/\d{4}/\d{2}-\d{2}/\d+\.html"),
    listing_urls=(r"^https?://www\.henandaily\.cn/?(?:\?.*)?$",),
    body=("div.content-content",),
)
