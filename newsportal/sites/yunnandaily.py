"""Yunnan Daily 云南日报网 (www.yndaily.com, yndaily.yunnan.cn): title ``div.layer81``, time and 来源
line under it, body ``div.layer83``; the reporter closes the story as "（记者 X）"."""

from newsportal.sites.base import Site

SITE = Site(
    name="yunnandaily",
    domains=("yndaily.com", "yunnan.cn"),
    start_urls=("https://www.yndaily.com/",),
    article_urls=(r"(?:yndaily\.com|yunnan\.cn)/html/\d{4}/\w+_\d{4}/\d+\.html",),
    listing_urls=(r"^https?://www\.yndaily\.com/?(?:\?.*)?$", r"/html/\w+/?$"),
    title=("div.layer81",),
    published_at=(("div.layer82", r"发布时间[:：]\s*(\S+\s+\S+)"),),
    source=(("div.layer82", r"来源[:：]\s*(\S+)"),),
    body=("div.layer83",),
)
