"""Runs one real crawl in this process and writes what it saw as JSON (used by tests/conftest.py).

    python tests/crawl_runner.py OUT.json [-a name=value ...] [-s NAME=VALUE ...]

Items are collected through the ``item_scraped`` signal, dropped items through ``item_dropped``;
the file holds ``{"items": [...], "dropped": [...], "stats": {...}}``. A subprocess per crawl,
because Twisted's reactor starts once per process.
"""

from __future__ import annotations

import argparse
import json
import sys

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("-a", dest="spider_args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    args = parser.parse_args(argv)

    settings = get_project_settings()
    settings.set("NEWSPORTAL_DEFAULT_FEED", "", priority="cmdline")  # items come from the signal
    for pair in args.settings:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    spider_args = dict(pair.partition("=")[::2] for pair in args.spider_args)

    items: list[dict] = []
    dropped: list[dict] = []
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("portal")

    # named functions: Scrapy's signals hold receivers weakly, an inline lambda would be collected
    def on_scraped(item: object, **_: object) -> None:
        items.append(ItemAdapter(item).asdict())

    crawler.signals.connect(on_scraped, signals.item_scraped)
    crawler.signals.connect(
        lambda item, exception, **_: dropped.append(
            {"url": ItemAdapter(item).get("url"), "reason": str(exception)}
        ),
        signals.item_dropped,
    )
    process.crawl(crawler, **spider_args)
    process.start()
    stats = crawler.stats.get_stats()
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump({"items": items, "dropped": dropped, "stats": stats}, fh, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
