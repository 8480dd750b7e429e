"""The StateStore contract, checked on every backend (SQLite, and Redis on a real redis-server): what is
stored is found again after reopening, by URL, content hash and near-duplicate signature; updates keep
first_seen; kept duplicates never become first copies; reset forgets; a store built with other signature
parameters is refused."""

from __future__ import annotations

import time

import pytest

from newsportal.extract.text import content_hash
from newsportal.state import StateError, StoredArticle, near_signature
from newsportal.state.base import FetchMark
from tests.statestores import BODY, OTHER, Backend, record, state_backend_fixture  # noqa: F401 (the fixture)


def test_a_stored_article_is_found_by_url_hash_and_signature_after_reopening(state_backend: Backend) -> None:
    with state_backend.open() as store:
        stored = record(
            "http://a.cn/1.html",
            url="http://a.cn/1.html?from=home",
            title="江城地铁5号线南段开通",
            published_at="2026-03-14T20:02:59+08:00",
        )
        store.add(stored, near_signature(BODY))
    with state_backend.open() as store:
        assert store.seen_url("http://a.cn/1.html")
        assert not store.seen_url("http://a.cn/2.html")
        assert store.find_content(content_hash(BODY)) == "http://a.cn/1.html"
        assert store.find_content(content_hash(OTHER)) is None
        near = store.find_near(near_signature(BODY.replace("。", "！", 2) + "\n来源：新华网"), 0.4)
        assert near is not None and near.canonical_url == "http://a.cn/1.html" and near.similarity > 0.8
        assert store.find_near(near_signature(OTHER), 0.4) is None
        stored = store.article("http://a.cn/1.html")
        assert store.article("http://a.cn/2.html") is None
    assert stored is not None
    assert (stored.url, stored.title) == ("http://a.cn/1.html?from=home", "江城地铁5号线南段开通")
    assert (stored.published_at, stored.version, stored.site) == ("2026-03-14T20:02:59+08:00", 1, "sample")
    assert stored.content_hash == content_hash(BODY) and stored.duplicate_of is None
    assert stored.first_seen and stored.first_seen == stored.last_seen


def test_a_record_with_no_optional_fields_round_trips(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.add(StoredArticle(canonical_url="http://a.cn/bare.html"))
        stored = store.article("http://a.cn/bare.html")
        assert store.stats().sites == {"?": 1}
    assert (stored.url, stored.site, stored.title, stored.content_hash) == (None, None, None, None)


def test_adding_the_same_url_again_updates_it_and_keeps_first_seen(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.add(record("http://a.cn/1.html", first_seen="2026-03-01T08:00:00+08:00"), near_signature(BODY))
        first = store.article("http://a.cn/1.html")
        store.add(record("http://a.cn/1.html", body=OTHER, version=2), near_signature(OTHER))
        second = store.article("http://a.cn/1.html")
        stats = store.stats()
        assert (stats.articles, stats.content_hashes, stats.near_signatures) == (1, 1, 1)
        # the new body is what duplicates are matched against now
        assert store.find_near(near_signature(OTHER), 0.4).canonical_url == "http://a.cn/1.html"
        assert store.find_near(near_signature(BODY), 0.4) is None
        assert store.find_content(content_hash(OTHER)) == "http://a.cn/1.html"
        assert store.find_content(content_hash(BODY)) is None
    assert first.first_seen == "2026-03-01T08:00:00+08:00"
    assert second.version == 2 and second.first_seen == first.first_seen
    assert second.content_hash != first.content_hash


def test_adding_the_same_record_twice_changes_nothing(state_backend: Backend) -> None:
    """At-least-once delivery: a record added again must not count, index or match twice."""
    with state_backend.open() as store:
        for _ in range(2):
            store.add(record("http://a.cn/1.html"), near_signature(BODY))
        store.add_many([(record("http://a.cn/1.html"), near_signature(BODY))])
        stats = store.stats()
        assert (stats.articles, stats.content_hashes, stats.near_signatures) == (1, 1, 1)
        assert stats.sites == {"sample": 1}
        assert store.find_near(near_signature(BODY), 0.4).similarity == 1.0


def test_the_oldest_first_copy_is_the_one_found(state_backend: Backend) -> None:
    with state_backend.open() as store:
        added = store.add_many(
            [(record(f"http://a.cn/{n}.html", site=f"s{n % 2}"), near_signature(BODY)) for n in range(3)]
        )
        assert added == 3
        assert store.find_content(content_hash(BODY)) == "http://a.cn/0.html"
        assert store.find_near(near_signature(BODY), 0.4).canonical_url == "http://a.cn/0.html"
        stats = store.stats()
    assert (stats.articles, stats.content_hashes, stats.near_signatures) == (3, 1, 3)
    assert stats.sites == {"s0": 2, "s1": 1}


def test_a_kept_duplicate_is_remembered_by_url_but_never_becomes_the_first_copy(
    state_backend: Backend,
) -> None:
    with state_backend.open() as store:
        store.add(record("http://b.cn/copy.html", duplicate_of="http://a.cn/1.html"), near_signature(BODY))
        assert store.seen_url("http://b.cn/copy.html")
        assert store.article("http://b.cn/copy.html").duplicate_of == "http://a.cn/1.html"
        assert store.find_content(content_hash(BODY)) is None
        assert store.find_near(near_signature(BODY), 0.4) is None
        stats = store.stats()
    assert (stats.articles, stats.kept_duplicates, stats.near_signatures) == (1, 1, 0)


def test_a_first_copy_stored_again_as_a_kept_duplicate_leaves_the_indexes(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.add(record("http://b.cn/2.html"), near_signature(BODY))
        store.add(record("http://b.cn/2.html", duplicate_of="http://a.cn/1.html"), near_signature(BODY))
        assert store.find_content(content_hash(BODY)) is None
        assert store.find_near(near_signature(BODY), 0.4) is None
        stats = store.stats()
    assert (stats.articles, stats.kept_duplicates, stats.content_hashes, stats.near_signatures) == (
        1,
        1,
        0,
        0,
    )


def test_touch_moves_last_seen_only(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.add(record("http://a.cn/1.html"))
        before = store.article("http://a.cn/1.html")
        time.sleep(1.05 - time.time() % 1)  # times have a resolution of one second
        store.touch("http://a.cn/1.html")
        store.touch("http://a.cn/unknown.html")
        after = store.article("http://a.cn/1.html")
        assert not store.seen_url("http://a.cn/unknown.html")
    assert after.last_seen > before.last_seen
    assert (after.first_seen, after.version, after.content_hash) == (
        before.first_seen,
        before.version,
        before.content_hash,
    )


def test_empty_body_has_no_near_signature(state_backend: Backend) -> None:
    assert near_signature("").empty and near_signature("短").empty
    with state_backend.open() as store:
        store.add(record("http://a.cn/empty.html", body=""), near_signature(""))
        assert store.find_near(near_signature(""), 0.4) is None
        assert store.stats().near_signatures == 0


def test_reset_forgets_everything(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.add(record("http://a.cn/1.html"), near_signature(BODY))
        store.reset()
        stats = store.stats()
        assert (stats.articles, stats.content_hashes, stats.near_signatures, stats.sites) == (0, 0, 0, {})
        assert not store.seen_url("http://a.cn/1.html")
        assert store.find_content(content_hash(BODY)) is None
        assert store.find_near(near_signature(BODY), 0.4) is None
        store.add(record("http://a.cn/2.html"), near_signature(BODY))
        assert store.find_near(near_signature(BODY), 0.4).canonical_url == "http://a.cn/2.html"
    with state_backend.open() as store:
        assert store.stats().articles == 1


def test_a_store_built_with_other_signature_parameters_is_refused(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.add(record("http://a.cn/1.html"))
    state_backend.set_signature_version("minhash-old")
    with pytest.raises(StateError, match="newsportal state reset"):
        state_backend.open()


def test_a_closed_store_refuses_calls_and_closing_twice_is_harmless(state_backend: Backend) -> None:
    store = state_backend.open()
    store.close()
    store.close()
    with pytest.raises(StateError, match="closed"):
        store.seen_url("http://a.cn/1.html")


# --- fetch marks (issue 17) and identity (the corpus export) ------------------------------------------

NOW = "2026-03-15T08:00:00+08:00"


def test_fetch_marks_round_trip_replace_and_survive_reopening(state_backend: Backend) -> None:
    with state_backend.open() as store:
        assert store.fetch_mark("http://a.cn/1.html") is None
        store.mark_fetched([])  # writes nothing
        store.mark_fetched(
            [
                FetchMark("http://a.cn/1.html", NOW, "2026-03-14T20:00:00+08:00"),
                FetchMark("http://a.cn/sitemap.xml.gz", NOW),
                FetchMark("http://a.cn/中文.html?x=1", NOW, ""),
            ]
        )
        assert store.stats().articles == 0  # a mark is no article
    with state_backend.open() as store:
        assert store.fetch_mark("http://a.cn/1.html") == FetchMark(
            "http://a.cn/1.html", NOW, "2026-03-14T20:00:00+08:00"
        )
        assert store.fetch_mark("http://a.cn/sitemap.xml.gz") == FetchMark("http://a.cn/sitemap.xml.gz", NOW)
        assert store.fetch_mark("http://a.cn/中文.html?x=1") == FetchMark(
            "http://a.cn/中文.html?x=1", NOW, ""
        )
        assert store.fetch_mark("http://a.cn/2.html") is None
        later = "2026-03-16T08:00:00+08:00"
        store.mark_fetched([FetchMark("http://a.cn/1.html", later)])  # replaced, lastmod None included
        assert store.fetch_mark("http://a.cn/1.html") == FetchMark("http://a.cn/1.html", later, None)
        assert store.stats().details["fetch_marks"] == 3


def test_many_marks_in_one_call(state_backend: Backend) -> None:
    with state_backend.open() as store:
        store.mark_fetched(
            FetchMark(f"http://a.cn/{n}.html", NOW, f"2026-03-{n % 28 + 1:02d}") for n in range(500)
        )
        assert store.fetch_mark("http://a.cn/77.html") == FetchMark("http://a.cn/77.html", NOW, "2026-03-22")
        assert store.stats().details["fetch_marks"] == 500


def test_reset_forgets_marks_and_takes_a_new_identity(state_backend: Backend) -> None:
    with state_backend.open() as store:
        identity = store.identity()
        assert identity and len(identity) >= 16
        store.mark_fetched([FetchMark("http://a.cn/1.html", NOW)])
        store.add(record("http://a.cn/1.html"), near_signature(BODY))
        store.reset()
        assert store.fetch_mark("http://a.cn/1.html") is None
        assert store.stats().details["fetch_marks"] == 0
        assert store.identity() not in (None, identity)
        renewed = store.identity()
    with state_backend.open() as store:
        assert store.identity() == renewed


def test_identity_is_kept_from_creation_across_connections(state_backend: Backend) -> None:
    with state_backend.open() as first, state_backend.open() as second:
        assert first.identity() == second.identity() is not None
        first.add(record("http://a.cn/1.html"), near_signature(BODY))
        assert second.identity() == first.identity()
