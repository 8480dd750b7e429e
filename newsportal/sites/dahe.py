"""Dahe 大河网 and its e-paper editions (newpaper.dahe.cn/<paper>/html/YYYY-MM/DD/content_<id>.htm):
the e-paper puts headline and sub-headline in a table inside ``h1``; body ``div.dContents`` (photo
with caption, then ``div#ozoom``); the byline ("记者X/文") is the body's first line."""

from newsportal.sites.base import Site

SITE = Site(
    name="dahe",
    domains=("dahe.cn",),
    start_urls=("https://www.dahe.cn/",),
    article_urls=(r"dahe\.cn/.*content_\d+\.htm", r"dahe\.cn/\d{4}/\d{2}-\d{2}/\d+\.html"),
    listing_urls=(r"^https?://www\.dahe\.cn/?(?:\?.*)?$",),
    title=("div.dTit2 td.font01", "div.dTit2 h1"),
    author=(("(//div[@id='ozoom']//p[contains(., '记者')])[1]", r"记者\s*([\u4e00-\u9fff]{2,4})\s*/"),),
    body=("div.dContents", "div#ozoom"),
)
