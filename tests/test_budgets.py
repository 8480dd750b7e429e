"""CrawlBudgetMiddleware's bookkeeping, on its own (the crawls in test_faults_urls.py cover the budgets
end to end)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scrapy import Request, signals

from newsportal.budgets import CrawlBudgetMiddleware
from tests.test_dedup_pipeline import crawler_for


def _through(middleware: CrawlBudgetMiddleware, requests: list[Request]) -> list[Request]:
    async def output():
        for request in requests:
            yield request

    async def run() -> list[Request]:
        return [obj async for obj in middleware.process_spider_output(None, output())]

    return asyncio.run(run())


def test_links_the_dupefilter_drops_cost_nothing_and_leave_nothing_behind(tmp_path: Path) -> None:
    """Most related links point to pages seen already: each is let through, dropped by the dupefilter
    and given back to the budget, and nothing of it stays in the middleware (its memory would grow
    with the crawl, and a stale id could be a later request's)."""
    crawler = crawler_for(tmp_path)
    middleware = CrawlBudgetMiddleware.from_crawler(crawler)
    links = [Request(f"http://a.cn/{n}.html") for n in range(50)]
    assert _through(middleware, links) == links
    assert middleware.requests == 50
    for request in links[:10]:
        crawler.signals.send_catch_log(signals.request_scheduled, request=request, spider=None)
    for request in links[10:]:
        crawler.signals.send_catch_log(signals.request_dropped, request=request, spider=None)
    assert middleware.requests == 10
    assert middleware._admitted == set()
