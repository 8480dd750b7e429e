"""DEPTH_LIMIT never cuts a multi-page article after its first page."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsportal.middlewares import ArticleDepthMiddleware
from newsportal.spiders.portal import PortalSpider


def _middleware(limit: int) -> tuple[ArticleDepthMiddleware, PortalSpider]:
    crawler = get_crawler(PortalSpider, settings_dict={"DEPTH_LIMIT": limit, "DEPTH_PRIORITY": 1})
    spider = PortalSpider.from_crawler(crawler, site="sample")
    return ArticleDepthMiddleware.from_crawler(crawler), spider


def test_a_later_page_of_an_article_at_the_depth_limit_is_still_fetched():
    mw, spider = _middleware(limit=2)
    first_page = HtmlResponse(
        "http://127.0.0.1/a/1_301.html", request=Request("http://127.0.0.1/a/1_301.html", meta={"depth": 2})
    )
    first_page.meta["depth"] = 2
    page_two = Request("http://127.0.0.1/a/1_301_p2.html", callback=spider.parse_article_page)
    related = Request("http://127.0.0.1/a/2_302.html", callback=spider.parse_article)

    assert mw.get_processed_request(page_two, first_page) is page_two
    assert page_two.meta["depth"] == 2  # the same article: the same depth
    assert page_two.priority == -2  # and the same DEPTH_PRIORITY share
    assert mw.get_processed_request(related, first_page) is None  # a link one hop further: cut
    assert mw.stats.get_value("depth/request_ignored_count") == 1
