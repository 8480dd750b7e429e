"""What keeps the crawl process's CPU per page low, as specs (issue 16; benchmarks/crawl.py measures it).

* The spider's callbacks that analyse a page return their whole output once the analysis is done: Scrapy
  never iterates an output that waits (each would cost CONCURRENT_ITEMS waiting tasks a response).
* JSON Lines feeds are written by newsportal.feeds.JsonLinesExporter: Scrapy's bytes, without ItemAdapter.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
from datetime import datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exporters import JsonLinesItemExporter
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from newsportal.extract.dates import CHINA_TZ
from newsportal.feeds import JsonLinesExporter
from newsportal.items import Article
from newsportal.spiders.portal import PortalSpider

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "portal"
BASE = "http://127.0.0.1:8631"


def _spider(tmp_path: Path) -> PortalSpider:
    crawler = get_crawler(
        PortalSpider,
        settings_dict={"NEWSPORTAL_EXTRACT_WORKERS": 0, "NEWSPORTAL_STATE_DIR": str(tmp_path)},
    )
    spider = PortalSpider.from_crawler(crawler, site="sample")
    crawler.spider = spider
    return spider


def _response(path: str, callback, **cb_kwargs) -> HtmlResponse:
    url = f"{BASE}/{path}"
    request = Request(url, callback=callback, cb_kwargs=cb_kwargs)
    body = (SAMPLE / path).read_bytes()
    return HtmlResponse(url, body=body, request=request, headers={"Content-Type": "text/html"})


@pytest.mark.parametrize(
    ("callback", "path", "kwargs", "kinds"),
    [
        ("parse_article", "a/1001_301.html", {"hops": 0}, {Article}),
        ("parse_listing", "news/index.html", {"page": 1, "judge": False}, {Request}),
        ("parse_unknown", "a/1002_308.html", {"hops": 0}, {Article}),
        ("parse", "a/1003_301.html", {}, {Article}),
    ],
)
def test_an_analysing_callback_gives_its_whole_output_at_once(tmp_path, callback, path, kwargs, kinds):
    spider = _spider(tmp_path)
    method = getattr(spider, callback)
    response = _response(path, method, **kwargs)
    out = asyncio.run(method(response, **kwargs))  # a coroutine: awaited before Scrapy sees the output
    assert isinstance(out, list)
    assert kinds <= {type(o) for o in out}


def test_a_later_page_of_an_article_gives_its_whole_output_at_once(tmp_path):
    spider = _spider(tmp_path)
    first = _response("a/1001_301.html", spider.parse_article, hops=0)
    pages = [asyncio.run(spider._analyse(first))[0].fields]
    now = datetime.now(CHINA_TZ)
    page_two = _response("a/1003_301.html", spider.parse_article_page, pages=pages, fetched_at=now)
    out = asyncio.run(spider.parse_article_page(page_two, pages=pages, fetched_at=now))
    assert isinstance(out, list)
    assert [type(o) for o in out] == [Article]  # the two pages merged


@dataclasses.dataclass
class _Priced:
    name: str
    price: float = dataclasses.field(default=0.0, metadata={"serializer": lambda v: f"{v:.2f}"})
    note: str | None = None


def _lines(exporter_class, items, **options) -> bytes:
    out = io.BytesIO()
    exporter = exporter_class(out, encoding="utf-8", **options)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue()


@pytest.mark.parametrize(
    "options", [{}, {"fields_to_export": ["title", "url"]}, {"export_empty_fields": True}]
)
def test_the_feed_exporter_writes_scrapys_bytes(tmp_path, options):
    spider = _spider(tmp_path)
    response = _response("a/1001_301.html", spider.parse_article, hops=0)
    (article,) = [o for o in asyncio.run(spider.parse_article(response, hops=0)) if isinstance(o, Article)]
    odd = dataclasses.replace(article, title='引号"与\\斜杠\n', tags=["a", "б"], read_count=None)
    priced = _Priced("x", 3.14159)
    items = [article, odd, priced, _Priced("y", note="z"), {"url": "http://x.test/", "n": 1}]
    ours = _lines(JsonLinesExporter, items, **options)
    assert ours == _lines(JsonLinesItemExporter, items, **options)
    assert ours.count(b"\n") == len(items)


def test_json_lines_feeds_use_it():
    settings = Settings()
    settings.setmodule("newsportal.settings")
    exporters = settings.getwithbase("FEED_EXPORTERS")
    for fmt in ("jsonlines", "jsonl", "jl"):
        assert load_object(exporters[fmt]) is JsonLinesExporter
