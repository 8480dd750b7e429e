"""DedupPipeline + StatePipeline on hand-built items, with a real state store in a temporary directory
or on a real redis-server (the crawl tests in test_dedup_crawl.py cover them end to end; two processes
racing in test_dedup_race.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from newsportal import settings as project_settings
from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop
from newsportal.pipelines.clean import clean_article
from newsportal.pipelines.dedup import DedupPipeline
from newsportal.pipelines.state import StatePipeline
from newsportal.state import close_state, state_for

BODY = (
    "3月14日上午9时，江城地铁5号线南段正式开通试运营，首趟列车从南湖站驶出，车厢里坐满了赶早体验的市民。\n"
    "5号线南段全长约18公里，设站12座，串联起南部新城、大学园区和高新产业园三个人口密集片区。\n"
    "运营公司介绍，试运营初期早晚高峰行车间隔为4分30秒，平峰时段为7分钟，首末班车时间分别为6时和23时。"
)
SYNDICATED = "编者按：本文转载自合作媒体。\n" + BODY.replace("，", ",")
OTHER = "市气象台发布消息，本周后半程受冷空气影响，全市将有一次明显降温降雨过程，最低气温跌至8℃，请注意添衣。"


def crawler_for(state_dir: Path, **settings):
    values = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    values.update(
        {
            "NEWSPORTAL_STATE_DIR": str(state_dir),
            "FEEDS": {},
            "EXTENSIONS": {},
            "NEWSPORTAL_EXTRACT_WORKERS": 0,  # the pipelines' own logic, in this process
            **settings,
        }
    )
    return get_crawler(settings_dict=values)


def article(url: str, body: str) -> Article:
    return clean_article(Article(url=url, canonical_url=url, title="t", site="sample", body=body))


class Pipelines:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.dedup = DedupPipeline.from_crawler(crawler)
        self.state = StatePipeline.from_crawler(crawler)

    def emit(self, item: Article) -> Article:
        """Through both pipelines, then item_scraped as the engine sends it once the feed has it."""
        out = self.state.process_item(self.check(item))
        self.crawler.signals.send_catch_log(signals.item_scraped, item=out, response=None, spider=None)
        return out

    def check(self, item: Article) -> Article:
        """DedupPipeline alone (raises NewsportalDrop for a duplicate)."""
        return asyncio.run(self.dedup.process_item(item))

    def stat(self, key: str) -> int:
        return self.crawler.stats.get_value(key, 0)

    def close(self) -> None:
        close_state(self.crawler)


@pytest.fixture(params=["sqlite", "redis"])
def pipelines(request: pytest.FixtureRequest, tmp_path: Path):
    """The pipelines on each state backend: the shared one (Redis) claims atomically, SQLite checks."""
    settings = {}
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings = {"NEWSPORTAL_REDIS_URL": server.url, "NEWSPORTAL_STATE_BACKEND": "redis"}
    p = Pipelines(crawler_for(tmp_path / "state", **settings))
    yield p
    p.close()


def test_url_content_and_near_duplicates_are_dropped_and_counted(pipelines: Pipelines) -> None:
    pipelines.emit(article("http://a.cn/1.html", BODY))
    with pytest.raises(NewsportalDrop, match="url"):
        pipelines.emit(article("http://a.cn/1.html", BODY))
    with pytest.raises(NewsportalDrop, match=r"content.*first copy http://a\.cn/1\.html"):
        pipelines.emit(article("http://b.cn/x.html", BODY.replace("，", ",")))
    with pytest.raises(NewsportalDrop, match=r"near.*first copy http://a\.cn/1\.html"):
        pipelines.emit(article("http://c.cn/y.html", SYNDICATED))
    pipelines.emit(article("http://a.cn/2.html", OTHER))
    stats = [pipelines.stat(f"newsportal/duplicates/{k}") for k in ("url", "content", "near")]
    assert stats == [1, 1, 1]
    assert pipelines.stat("newsportal/state/recorded") == 2


def test_emitted_story_whose_body_changed_is_emitted_again_as_next_version(pipelines: Pipelines) -> None:
    first = pipelines.emit(article("http://a.cn/1.html", BODY))
    assert first.version == 1 and first.updated_at is None
    changed = BODY + "\n（更新）记者了解到，有关部门已作出回应。"
    updated = pipelines.emit(article("http://a.cn/1.html", changed))
    assert updated.version == 2 and updated.updated_at and updated.updated_at.endswith("+08:00")
    assert pipelines.stat("newsportal/refresh/updated") == 1
    with pytest.raises(NewsportalDrop, match=r"url.*already seen in this run"):
        pipelines.emit(article("http://a.cn/1.html", updated.body))


def test_keep_duplicates_passes_copies_with_duplicate_of(tmp_path: Path) -> None:
    p = Pipelines(crawler_for(tmp_path / "state", NEWSPORTAL_KEEP_DUPLICATES=True))
    try:
        p.emit(article("http://a.cn/1.html", BODY))
        kept = p.emit(article("http://c.cn/y.html", SYNDICATED))
        assert kept.duplicate_of == "http://a.cn/1.html"
        assert p.stat("newsportal/duplicates/near") == 1 and p.stat("newsportal/kept_duplicates") == 1
        # a later copy still points at the first copy, not at the kept duplicate
        again = p.emit(article("http://d.cn/z.html", SYNDICATED + "\n来源：江城晚报"))
        assert again.duplicate_of == "http://a.cn/1.html"
        with pytest.raises(NewsportalDrop, match="url"):
            p.emit(article("http://c.cn/y.html", SYNDICATED))
    finally:
        p.close()


def test_copy_arriving_before_the_first_is_recorded_is_still_caught(pipelines: Pipelines) -> None:
    first = pipelines.check(article("http://a.cn/1.html", BODY))  # not recorded yet
    with pytest.raises(NewsportalDrop, match="near"):
        pipelines.check(article("http://c.cn/y.html", SYNDICATED))
    with pytest.raises(NewsportalDrop, match="url"):
        pipelines.check(article("http://a.cn/1.html", BODY))
    pipelines.state.process_item(first)
    assert not state_for(pipelines.crawler).seen_url("http://a.cn/1.html")  # not written to the feed yet
    pipelines.crawler.signals.send_catch_log(signals.item_scraped, item=first, response=None, spider=None)
    assert state_for(pipelines.crawler).seen_url("http://a.cn/1.html")


def test_item_dropped_by_a_later_pipeline_is_not_remembered(pipelines: Pipelines) -> None:
    item = pipelines.check(article("http://a.cn/1.html", BODY))
    later = NewsportalDrop("not_wanted", item.url)
    pipelines.crawler.signals.send_catch_log(
        signals.item_dropped, item=item, response=None, exception=later, spider=None
    )
    assert not state_for(pipelines.crawler).seen_url("http://a.cn/1.html")
    pipelines.emit(article("http://a.cn/1.html", BODY))  # passes: it was never emitted


def test_what_one_run_emitted_the_next_run_drops(tmp_path: Path) -> None:
    run1 = Pipelines(crawler_for(tmp_path / "state"))
    run1.emit(article("http://a.cn/1.html", BODY))
    run1.close()
    run2 = Pipelines(crawler_for(tmp_path / "state"))
    try:
        # fetched again, body unchanged: a refresh, counted apart from duplicates
        with pytest.raises(NewsportalDrop, match=r"unchanged.*emitted before as v1"):
            run2.emit(article("http://a.cn/1.html", BODY))
        assert run2.stat("newsportal/refresh/unchanged") == 1
        assert run2.stat("newsportal/duplicates/url") == 0
        with pytest.raises(NewsportalDrop, match=r"url.*already seen in this run"):
            run2.emit(article("http://a.cn/1.html", BODY))  # and again in the same run: a duplicate
        with pytest.raises(NewsportalDrop, match="near"):
            run2.emit(article("http://other-portal.cn/9.html", SYNDICATED))
    finally:
        run2.close()
