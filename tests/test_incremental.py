"""IncrementalMiddleware's decisions against a real state store in a temporary directory (the crawl
tests in test_cron.py cover incremental runs end to end)."""

from __future__ import annotations

from pathlib import Path

from newsportal.middlewares import DECISION_CACHE, IncrementalMiddleware
from newsportal.state import StoredArticle, close_state, state_for
from tests.test_dedup_pipeline import crawler_for

OLD = "2025-01-02T03:04:05+08:00"  # older than NEWSPORTAL_REFRESH_HOURS: skipped, not refreshed


def test_a_story_of_an_earlier_run_is_skipped_and_touched_once(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    store = state_for(crawler)
    store.add(StoredArticle(canonical_url="http://a.cn/old.html", published_at=OLD))
    store.db.execute("UPDATE article SET first_seen = ?, last_seen = ?", (OLD, OLD))  # an earlier run's
    middleware = IncrementalMiddleware.from_crawler(crawler)
    assert middleware.decision("http://a.cn/old.html") == ("skip", True)
    assert store.article("http://a.cn/old.html").last_seen >= middleware.run_started  # met again now
    assert middleware.decision("http://a.cn/new.html") == ("fetch", False)
    close_state(crawler)


def test_a_story_met_again_in_the_same_run_is_not_written_again(tmp_path: Path) -> None:
    """A story stored (or met) earlier in this run, its decision gone from the cache, is looked up
    again but not touched: on a large portal every related link would be a write transaction."""
    crawler = crawler_for(tmp_path)
    store = state_for(crawler)
    middleware = IncrementalMiddleware.from_crawler(crawler)
    store.add(StoredArticle(canonical_url="http://a.cn/1.html", published_at=OLD))  # emitted this run
    writes = store.db.total_changes
    for n in range(DECISION_CACHE + 1):  # its decision leaves the cache
        middleware.decision(f"http://a.cn/other/{n}.html")
    assert store.db.total_changes == writes
    assert middleware.decision("http://a.cn/1.html") == ("skip", False)
    assert store.db.total_changes == writes  # no touch: last_seen is this run's already
    assert crawler.stats.get_value("newsportal/skipped/stored") == 1
    close_state(crawler)


def test_decisions_are_remembered_per_url_within_the_cache(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    store = state_for(crawler)
    middleware = IncrementalMiddleware.from_crawler(crawler)
    assert middleware.decision("http://a.cn/2.html") == ("fetch", False)
    store.add(StoredArticle(canonical_url="http://a.cn/2.html", published_at=OLD))
    # one lookup per URL while remembered: a later link to it keeps the first decision
    assert middleware.decision("http://a.cn/2.html") == ("fetch", False)
    close_state(crawler)
