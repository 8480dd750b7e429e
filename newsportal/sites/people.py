"""People's Daily Online 人民网 (*.people.com.cn/n1/YYYY/MMDD/c<ch>-<id>.html; page 2 is
``-2.html``): header ``div.box01`` (time, 来源), body ``div#rwb_zw`` / ``div.box_con``."""

from newsportal.sites.base import Site

SITE = Site(
    name="people",
    domains=("people.com.cn",),
    asset_hosts=("people.cn", "peopleimg.com"),
    start_urls=("http://www.people.com.cn/",),
    article_urls=(r"people\.com\.cn/n1/\d{4}/\d{4}/c\d+-\d+\.html",),
    listing_urls=(r"^https?://\w+\.people\.com\.cn/?(?:\?.*)?$", r"people\.com\.cn/GB/\d+/index\d*\.html"),
    deny_urls=(r"bbs\d*\.people", r"tv\.people", r"video\.people"),
    article_pages=("//div[@id='rwb_zw']//a[contains(., '下一页')]/@href",),
    title=("div.text_title h1", "div.clearfix h1"),
    source=(("div.box01 div.fl", r"来源[:：]\s*(\S+)"),),
    published_at=(("div.box01 div.fl", r"(\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2})"),),
    body=("div#rwb_zw", "div.box_con", "div.rm_txt_con"),
    body_strip=("div.zdfy", "center", "div.edit", "div.otitle"),
)
