"""The baseline of benchmarks/crawl.py: a bare Scrapy spider that follows links and yields nothing.

    scrapy runspider benchmarks/bare_spider.py -a start_url=http://127.0.0.1:PORT/

It follows every same-host ``a::attr(href)`` of every HTML page, so it fetches what the portal
spider fetches (and the few pages the portal's profile denies), and costs only what Scrapy costs:
download, link selection, request scheduling and the dupefilter. crawl.py runs it outside the
project (no scrapy.cfg in its working directory) so none of newsportal's settings, pipelines or
extensions load; the engine settings both crawls share are passed with ``-s``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response, TextResponse


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_url = start_url
        self.host = urlsplit(start_url).netloc

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.start_url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == self.host:
                yield Request(url, callback=self.parse)
