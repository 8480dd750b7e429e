"""Huanqiu 环球网 (*.huanqiu.com/article/<id>): header ``div.t-container`` (time, 来源), body
``div.a-con``; 责编 and the reading / feedback tools follow the body."""

from newsportal.sites.base import Site

SITE = Site(
    name="huanqiu",
    domains=("huanqiu.com",),
    asset_hosts=("huanqiucdn.cn", "huanqiu.cn"),
    start_urls=("https://www.huanqiu.com/",),
    article_urls=(r"huanqiu\.com/article/\w{8,}", r"huanqiu\.com/a/\w+/\w{8,}"),
    listing_urls=(r"^https?://\w+\.huanqiu\.com/?(?:\?.*)?$",),
    deny_urls=(r"/video/", r"/gallery/"),
    title=("div.t-container h1", "div.t-container-title h3"),
    source=(("div.t-container .source", r"(?:来源[:：]\s*)?(\S+)"),),
    published_at=("div.t-container .time",),
    body=("div.a-con", "article"),
    body_strip=("div.a-edit", "div.a-btool"),
)
