"""The Paper 澎湃 (www.thepaper.cn/newsDetail_forward_<id>): header ``div.news_about`` with either
"记者 X" or "X/来源" on its first line, then the time and "来源：X"; body ``div.news_txt``."""

from newsportal.sites.base import Site

SITE = Site(
    name="thepaper",
    domains=("thepaper.cn",),
    asset_hosts=("thepaper.cn", "thepaper.com.cn"),
    start_urls=("https://www.thepaper.cn/",),
    article_urls=(r"thepaper\.cn/newsDetail_forward_\d+", r"thepaper\.cn/detail/\d+"),
    listing_urls=(r"^https?://www\.thepaper\.cn/?(?:\?.*)?$", r"thepaper\.cn/channel_\d+"),
    deny_urls=(r"/video_", r"/gov_", r"/user_"),
    title=("h1.news_title",),
    # "石佳/中国青年报": the writer, then the outlet.
    author=(("div.news_about > p:first-child", r"^\s*([\u4e00-\u9fff·]{2,8})\s*/\s*\S+\s*$"),),
    source=(
        ("div.news_about > p", r"来源[:：]\s*(\S+)"),
        ("div.news_about > p:first-child", r"^\s*[\u4e00-\u9fff·]{2,8}\s*/\s*(\S+)\s*$"),
    ),
    published_at=(("div.news_about > p", r"(\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2})"),),
    body=("div.news_txt",),
)
