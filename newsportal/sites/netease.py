"""NetEase 163 (news.163.com, money.163.com, ...): ``/YY/MMDD/HH/<16 chars>.html`` article pages.

Header ``div.post_time_source`` ("2019-09-07 13:43:45　来源: <a id=ne_article_source>X</a>"); body
``div#endText``; the video player's fallback text and its 来源 caption are not story text.
"""

from newsportal.sites.base import Site

SITE = Site(
    name="163",
    domains=("163.com",),
    asset_hosts=("126.net", "127.net"),
    start_urls=("https://news.163.com/",),
    article_urls=(
        r"163\.com/\d{2}/\d{4}/\d{2}/[A-Z0-9]{16}\.html",
        r"163\.com/(?:dy/)?article/[A-Z0-9]{16}\.html",
    ),
    listing_urls=(r"^https?://(?:news|money|tech|sports|ent)\.163\.com/?(?:\?.*)?$",),
    deny_urls=(r"v\.163\.com", r"/video/", r"/photoview/", r"comment\.\w+\.163\.com"),
    title=("div.post_content_main h1", "h1.post_title"),
    source=("a#ne_article_source", (".post_time_source", r"来源[:：]\s*(\S+)")),
    published_at=((".post_time_source", r"(\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?)"),),
    body=("div#endText", "div.post_body"),
    body_strip=("div.video-wrapper", "div.video-inner", "div.ep-source", "div.special_tag_wrap", "pre"),
)
