"""ifeng (news.ifeng.com/c/<id>): header ``p.time-*`` (time, 来源), body ``div.text-*`` (class
names carry build hashes, so rules match their prefixes)."""

from newsportal.sites.base import Site

SITE = Site(
    name="ifeng",
    domains=("ifeng.com",),
    asset_hosts=("ifengimg.com",),
    start_urls=("https://news.ifeng.com/",),
    article_urls=(r"ifeng\.com/c/[0-9a-zA-Z]{8,}", r"ifeng\.com/a/\d{8}/\d+_0\.shtml"),
    listing_urls=(r"^https?://(?:news|finance|tech)\.ifeng\.com/?(?:\?.*)?$",),
    deny_urls=(r"v\.ifeng\.com", r"/video/"),
    title=("//h1[starts-with(@class,'topic-')]",),
    source=("//span[starts-with(@class,'source-')]", "//span[starts-with(@class,'source')]//a"),
    published_at=("//span[starts-with(@class,'time-')]",),
    body=("//div[starts-with(@class,'main_content')]//div[starts-with(@class,'text-')]", "div#main_content"),
)
