"""JournalingScheduler: the frontier on disk (not in memory), in a directory of the run, removed after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from newsportal.scheduler import FRONTIER_DIR, JournalingScheduler


class _Spider(Spider):
    name = "frontier"

    def parse(self, response):  # pragma: no cover - never fetched
        return None


def _scheduler(state: Path, **settings) -> JournalingScheduler:
    crawler = get_crawler(
        _Spider,
        {
            "NEWSPORTAL_STATE_DIR": str(state),
            "NEWSPORTAL_RESUME": False,
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            **settings,
        },
    )
    crawler.spider = crawler._create_spider()
    scheduler = JournalingScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler


def test_requests_wait_on_disk_in_priority_order_and_the_directory_goes_with_the_run(tmp_path: Path):
    scheduler = _scheduler(tmp_path)
    spider = scheduler.spider
    frontier = Path(scheduler.dqdir)
    assert frontier.parent == tmp_path / FRONTIER_DIR
    for i in range(6):
        request = Request(f"http://x.test/{i}", callback=spider.parse, priority=100 * (i % 2))
        scheduler.enqueue_request(request)
    assert not scheduler.enqueue_request(Request("http://x.test/1", callback=spider.parse))  # seen
    assert len(scheduler) == 6
    assert len(scheduler.mqs) == 0  # nothing kept in memory
    urls = [scheduler.next_request().url for _ in range(6)]
    assert urls == [f"http://x.test/{i}" for i in (1, 3, 5, 0, 2, 4)]
    assert scheduler.next_request() is None
    scheduler.enqueue_request(Request("http://x.test/left", callback=spider.parse))
    scheduler.close("finished")
    assert not frontier.exists()  # left requests are the journal's business, not Scrapy's queue files
    assert list((tmp_path / FRONTIER_DIR).iterdir()) == []


def test_directories_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path):
    parent = tmp_path / FRONTIER_DIR
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    stale = parent / f"{int(dead.stdout)}-abc"
    (stale / "0").mkdir(parents=True)
    live = parent / f"{os.getppid()}-def"  # the test runner's parent: alive
    live.mkdir()
    scheduler = _scheduler(tmp_path)
    assert not stale.exists()
    assert live.exists()
    scheduler.close("finished")


def test_jobdir_keeps_scrapys_own_queue(tmp_path: Path):
    scheduler = _scheduler(tmp_path / "state", JOBDIR=str(tmp_path / "job"))
    assert Path(scheduler.dqdir) == tmp_path / "job" / "requests.queue"
    scheduler.close("finished")
    assert (tmp_path / "job" / "requests.queue" / "active.json").exists()
    assert not (tmp_path / "state" / FRONTIER_DIR).exists()


def test_requests_are_recorded_as_scrapy_records_them_and_the_journal_keeps_that_record(tmp_path: Path):
    """The frontier's records (and the journal's rows, the same bytes) name callbacks from a table of
    the spider's methods taken once, not by walking the spider per request: the same dicts as
    Request.to_dict(spider=spider), the same ValueError for a callback the spider does not have."""
    from newsportal.scheduler import _SpiderMethods, _to_dict
    from newsportal.spiders.portal import PortalSpider

    spider = PortalSpider(site="sample")
    table = _SpiderMethods(spider)
    requests = [
        spider._article_request("http://x.test/a/1.html", 2),
        Request("http://x.test/l/", callback=spider.parse_listing, errback=spider.listing_failed),
        Request("http://x.test/u/", callback=spider.parse_unknown, errback=spider.page_failed),
        Request("http://x.test/p/", callback=spider.parse_article_page, errback=spider.article_page_failed),
        Request("http://x.test/s/", callback=spider.parse_sitemap, errback=spider.source_failed),
        Request("http://x.test/n/"),
    ]
    for request in requests:
        assert _to_dict(request, spider, table) == request.to_dict(spider=spider)
    stranger = Request("http://x.test/w/", callback=lambda response: None)
    with pytest.raises(ValueError):
        _to_dict(stranger, spider, table)


class _ArticleSpider(Spider):
    name = "articles"

    def parse_article(self, response):  # pragma: no cover - never fetched
        return None

    def article_failed(self, failure):  # pragma: no cover - never fetched
        return None


def test_the_journal_keeps_the_record_the_frontier_wrote(tmp_path: Path):
    import pickle

    from newsportal.journal import journal_for

    crawler = get_crawler(
        _ArticleSpider,
        {
            "NEWSPORTAL_STATE_DIR": str(tmp_path),
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
            "SCHEDULER_DISK_QUEUE": "newsportal.scheduler.FrontierDiskQueue",
            "NEWSPORTAL_RESUME": True,
        },
    )
    crawler.spider = spider = crawler._create_spider()
    scheduler = JournalingScheduler.from_crawler(crawler)
    scheduler.open(spider)
    request = Request("http://x.test/a/1.html", callback=spider.parse_article, errback=spider.article_failed)
    assert scheduler.enqueue_request(request)
    journal = journal_for(crawler)
    (row,) = journal._db.execute("SELECT request FROM pending").fetchall()
    assert pickle.loads(row[0]) == request.to_dict(spider=spider)
    again = scheduler.next_request()
    assert (again.url, again.callback, again.errback) == (
        request.url,
        spider.parse_article,
        spider.article_failed,
    )
    scheduler.close("finished")
    journal.close()
