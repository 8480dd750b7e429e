"""Sina (news.sina.com.cn, finance.sina.com.cn, ...): ``/doc-i<id>.shtml`` article pages.

Header ``div.date-source`` (``span.date``, ``.source`` without a 来源 label); body ``div#artibody``
/ ``div#article``; photo captions ``span.img_descr`` and video blocks are not story text.
"""

from newsportal.sites.base import Site

SITE = Site(
    name="sina",
    domains=("sina.com.cn", "sina.cn"),
    asset_hosts=("sinaimg.cn", "sinajs.cn"),
    start_urls=("https://news.sina.com.cn/",),
    article_urls=(r"sina\.com\.cn/.*doc-i[a-z0-9]{6,}\.shtml", r"sina\.cn/.*detail-i[a-z0-9]{6,}\.d\.html"),
    listing_urls=(r"^https?://(?:news|finance|tech|sports)\.sina\.com\.cn/?(?:\?.*)?$", r"/roll/"),
    deny_urls=(r"video\.sina", r"/zt_", r"slide\."),
    url_rewrites=(
        (
            r"^https?://news\.sina\.cn/gn/(\d{4}-\d{2}-\d{2})/detail-(i\w+)\.d\.html",
            r"https://news.sina.com.cn/c/\1/doc-\2.shtml",
        ),
    ),
    title=("h1.main-title", "h1#artibodyTitle"),
    title_strip=(r"[|｜][^|｜_]{1,12}_(?:新浪\w{0,4})(?:_新浪网)?\s*$",),
    source=(".date-source .source", ".date-source a.ent-source", "span#media_name"),
    published_at=(".date-source .date::text", "span#pub_date::text"),
    body=("div#artibody", "div#article", "div.article"),
    # Photo captions describe the image; the story text runs without them.
    image_captions=("span.img_descr", "div.img_descr"),
    body_strip=(
        "div.video-list",
        "div[id^='video']",
        "div.appendQr_wrap",
        "p.show_author",
        "#left_hzh_ad",
        "div.ct_hqimg",
        "div#wx-tg-cont",
    ),
)
