"""Baidu 百家号 (baijiahao.baidu.com/s?id=<id>): the author account (``p.author-name``) is the
source; the time line shows no year ("发布时间：09-30" + "22:46"); body ``div.article-content``."""

from newsportal.sites.base import Site

SITE = Site(
    name="baijiahao",
    domains=("baijiahao.baidu.com",),
    asset_hosts=("bdstatic.com",),
    page_markers=("div.author-txt p.author-name", "div.article-source-bjh"),
    start_urls=(),
    article_urls=(r"baijiahao\.baidu\.com/s\?id=\d+",),
    deny_urls=(r"baijiahao\.baidu\.com/u\?",),
    title=("div.article-title h2", "div.article-title"),
    source=("div.author-txt p.author-name", "p.author-name"),
    published_at=("//div[contains(@class,'article-source')]",),
    body=("div.article-content",),
)
