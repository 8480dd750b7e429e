"""Deduplication in real crawls of the sample portal (tests/conftest.py run_crawl: a subprocess, real
HTTP on 127.0.0.1), with the state directory kept between runs."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CrawlResult, run_crawl
from dedup_fixtures.labelled import changed_source_line, punctuation_width, trimmed_last_paragraph

from newsportal.extract.text import content_hash
from newsportal.localserver import LocalServer
from newsportal.state import StoredArticle, near_signature
from newsportal.state.sqlite import SQLiteStateStore

OTHER_PORTAL_URL = "https://news.other-portal.cn/a/20260314/0001.html"


def crawl(tmp_path: Path, server: LocalServer, **settings: str) -> CrawlResult:
    return run_crawl(
        tmp_path, spider_args={"site": "sample", "start_url": server.base_url}, settings=settings or None
    )


def drop_lines(result: CrawlResult, reason: str) -> list[str]:
    """What follows "Dropped <reason>: " in the crawl log: the URL and the detail."""
    marker = f"Dropped {reason}: "
    return [line.split(marker, 1)[1] for line in result.log.splitlines() if marker in line]


def paths(items: list[dict]) -> Counter:
    return Counter(urlsplit(i["canonical_url"]).path for i in items)


@pytest.fixture(scope="module")
def two_runs(sample_server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlResult, ...]:
    """The sample portal crawled twice with one state directory; the second run re-fetches every
    article (NEWSPORTAL_INCREMENTAL off) so that deduplication, not the incremental skip, is tested."""
    tmp_path = tmp_path_factory.mktemp("dedup-twice")
    return crawl(tmp_path, sample_server), crawl(tmp_path, sample_server, NEWSPORTAL_INCREMENTAL="False")


def test_first_run_emits_each_manifest_article_once(two_runs, sample_manifest: dict) -> None:
    first, _ = two_runs
    assert paths(first.items) == Counter(a["path"] for a in sample_manifest["articles"])
    assert first.stat("newsportal/state/recorded") == len(sample_manifest["articles"])


def test_first_run_counts_the_exact_copy_as_a_content_duplicate(two_runs, sample_manifest: dict) -> None:
    first, _ = two_runs
    copies = [e["path"] for e in sample_manifest["not_emitted"] if e["reason"] == "duplicate_content"]
    assert first.stat("newsportal/duplicates/content") == len(copies)
    assert first.stat("newsportal/duplicates/near") == 0
    logged = drop_lines(first, "content")
    assert [urlsplit(line.split()[0]).path for line in logged] == copies


def test_second_run_emits_nothing_and_counts_every_article_as_unchanged_not_duplicate(
    two_runs, sample_manifest: dict
) -> None:
    first, second = two_runs
    assert second.items == []
    # fetched again and found unchanged: a refresh, not a duplicate
    assert second.stat("newsportal/refresh/unchanged") == len(first.items)
    assert second.stat("newsportal/duplicates/url") == 0
    assert second.stat("newsportal/state/recorded") == 0
    # what run 1 dropped for another reason is dropped for it again, not remembered as emitted
    assert second.stat("newsportal/dropped/no_title") == first.stat("newsportal/dropped/no_title") == 1


def _seed_syndicated_copy(state_dir: Path, body: str) -> None:
    """An earlier crawl of another portal stored a re-published copy of this story."""
    rng = random.Random(7)
    copy = changed_source_line(punctuation_width(trimmed_last_paragraph(body, rng), rng), rng)
    assert content_hash(copy) != content_hash(body)
    with SQLiteStateStore(state_dir) as store:
        store.add(
            StoredArticle(canonical_url=OTHER_PORTAL_URL, site="other", content_hash=content_hash(copy)),
            near_signature(copy),
        )


def test_story_syndicated_on_another_portal_earlier_is_dropped_as_near_duplicate(
    sample_server: LocalServer, sample_manifest: dict, tmp_path: Path
) -> None:
    article = sample_manifest["articles"][0]
    _seed_syndicated_copy(tmp_path / "state", article["body"])
    result = crawl(tmp_path, sample_server)
    assert result.stat("newsportal/duplicates/near") == 1
    assert article["path"] not in paths(result.items)
    assert len(result.items) == len(sample_manifest["articles"]) - 1
    (line,) = drop_lines(result, "near")
    assert urlsplit(line.split()[0]).path == article["path"]
    assert f"first copy {OTHER_PORTAL_URL}" in line


def test_keep_duplicates_emits_the_near_copy_with_duplicate_of(
    sample_server: LocalServer, sample_manifest: dict, tmp_path: Path
) -> None:
    article = sample_manifest["articles"][0]
    _seed_syndicated_copy(tmp_path / "state", article["body"])
    result = crawl(tmp_path, sample_server, NEWSPORTAL_KEEP_DUPLICATES="True")
    by_path = {urlsplit(i["canonical_url"]).path: i for i in result.items}
    assert by_path[article["path"]]["duplicate_of"] == OTHER_PORTAL_URL
    assert result.stat("newsportal/duplicates/near") == 1
    assert result.stat("newsportal/kept_duplicates") == result.stat("newsportal/duplicates/content") + 1
    others = [i for p, i in by_path.items() if p != article["path"] and i["duplicate_of"] is None]
    assert len(others) == len(sample_manifest["articles"]) - 1
    # the exact copy is kept too, pointing at the first copy on this portal
    kept_exact = [i for i in result.items if i["duplicate_of"] and i["duplicate_of"] != OTHER_PORTAL_URL]
    assert len(kept_exact) == result.stat("newsportal/duplicates/content")
    second = crawl(tmp_path, sample_server, NEWSPORTAL_KEEP_DUPLICATES="True")
    assert second.items == []
