"""A real crawl of the sample portal over HTTP on 127.0.0.1, checked against its manifest.

The manifest (samples/portal/manifest.json) lists every item the crawl must emit, with its fields,
and every page that must yield none, with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.conftest import SAMPLE_PORTAL, CrawlResult, run_crawl

COMPARED = (
    "channel",
    "title",
    "is_original",
    "author",
    "source",
    "editor",
    "published_at",
    "body",
    "tags",
    "read_count",
    "page_count",
)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _as_manifest_entry(item: dict) -> dict:
    """An emitted item in the manifest's terms (paths instead of absolute URLs)."""
    entry = {"path": _path(item["url"]), **{k: item[k] for k in COMPARED}}
    entry["images"] = [{"url": urlsplit(i["url"]).path, "caption": i["caption"]} for i in item["images"]]
    entry["related_paths"] = [_path(u) for u in item["related_urls"]]
    return entry


def test_every_manifest_article_is_emitted_exactly_once(sample_crawl: CrawlResult, sample_manifest: dict):
    emitted = Counter(_path(item["url"]) for item in sample_crawl.items)
    expected = {a["path"] for a in sample_manifest["articles"]}
    assert {p: n for p, n in emitted.items() if n > 1} == {}
    assert sorted(expected - set(emitted)) == []
    assert sorted(set(emitted) - expected) == []


def test_items_equal_their_manifest_entries(sample_crawl: CrawlResult, sample_manifest: dict):
    by_path = {_path(item["url"]): _as_manifest_entry(item) for item in sample_crawl.items}
    for expected in sample_manifest["articles"]:
        got = by_path.get(expected["path"])
        assert got is not None, expected["path"]
        want = {k: expected[k] for k in got}
        assert got == want, expected["path"]


def test_no_item_from_pages_that_must_not_emit(sample_crawl: CrawlResult, sample_manifest: dict):
    emitted = {_path(item["url"]) for item in sample_crawl.items}
    for entry in sample_manifest["not_emitted"]:
        assert entry["path"] not in emitted, entry


def test_every_item_has_the_fixed_fields(sample_crawl: CrawlResult):
    for item in sample_crawl.items:
        assert item["site"] == "sample"
        assert item["canonical_url"] == item["url"].split("?")[0]
        assert item["content_hash"] and len(item["content_hash"]) == 40
        assert item["crawled_at"].endswith("+08:00")
        assert item["published_at"].endswith("+08:00")


def test_two_page_article_comes_out_as_one_item(sample_crawl: CrawlResult, sample_manifest: dict):
    multi = [a for a in sample_manifest["articles"] if a["page_count"] > 1]
    assert multi, "the sample portal must have a multi-page article"
    items = {_path(i["url"]): i for i in sample_crawl.items}
    for article in multi:
        assert items[article["path"]]["page_count"] == article["page_count"]
        assert items[article["path"]]["body"] == article["body"]


def test_gbk_channel_items_are_decoded_without_mojibake(sample_crawl: CrawlResult, sample_manifest: dict):
    listing = (SAMPLE_PORTAL / "local" / "index.html").read_bytes()
    assert b'charset=gb2312"' in listing and b"charset" not in listing[listing.find(b"</head>") :]
    gbk_paths = set(re.findall(r'href="(/a/\d+_\d+\.html)"', listing.decode("gb18030")))
    expected = {a["path"]: a for a in sample_manifest["articles"] if a["path"] in gbk_paths}
    assert expected, "the GBK channel lists no article"
    items = {_path(i["url"]): i for i in sample_crawl.items}
    for path, article in expected.items():
        assert items[path]["title"] == article["title"]
        assert items[path]["body"] == article["body"]
        assert "\ufffd" not in items[path]["body"]


@pytest.mark.parametrize(
    ("reason", "stat"),
    [
        ("no_title", "newsportal/dropped/no_title"),
        ("empty_body", "newsportal/dropped/empty_body"),
        ("duplicate_content", "newsportal/duplicates/content"),
    ],
)
def test_bad_and_duplicate_articles_are_dropped_and_counted(
    sample_crawl: CrawlResult, sample_manifest: dict, reason: str, stat: str
):
    expected = [e for e in sample_manifest["not_emitted"] if e["reason"] == reason]
    assert expected, f"the manifest has no {reason} page"
    assert sample_crawl.stat(stat) == len(expected)
    for entry in expected:
        assert f"{urlsplit(entry['path']).path}" in sample_crawl.log, f"drop of {entry['path']} not logged"


def test_url_variants_are_never_emitted_twice(sample_crawl: CrawlResult, sample_manifest: dict):
    variants = [e for e in sample_manifest["not_emitted"] if e["reason"] == "duplicate_url"]
    assert variants
    canon = Counter(item["canonical_url"] for item in sample_crawl.items)
    assert max(canon.values()) == 1


def test_dead_link_is_logged_and_counted_not_fatal(sample_crawl: CrawlResult, sample_manifest: dict):
    dead = [e for e in sample_manifest["not_emitted"] if e["reason"] == "http_404"]
    assert dead
    assert sample_crawl.stat("newsportal/errors/article_fetch") == len(dead)
    assert sample_crawl.stats["newsportal/verdict"] == "ok"
    for entry in dead:
        assert entry["path"] in sample_crawl.log


def test_crawl_obeys_robots_txt(sample_crawl: CrawlResult):
    assert sample_crawl.stat("robotstxt/response_count") == 1
    assert "/private/" not in " ".join(i["url"] for i in sample_crawl.items)


def test_summary_line_reports_the_run(sample_crawl: CrawlResult, sample_manifest: dict):
    line = sample_crawl.stats["newsportal/summary"]
    assert f"articles={len(sample_manifest['articles'])}" in line
    assert "dropped=2 (empty_body=1 no_title=1)" in line
    assert "exit=0 (ok)" in line


def test_extraction_in_a_worker_process_gives_the_same_items(
    sample_crawl: CrawlResult, sample_server, tmp_path
):
    pooled = run_crawl(
        tmp_path,
        spider_args={"site": "sample", "start_url": sample_server.base_url},
        settings={"NEWSPORTAL_EXTRACT_WORKERS": "1"},
    )

    def comparable(items: list[dict]) -> dict[str, dict]:
        return {i["url"]: {k: v for k, v in i.items() if k != "crawled_at"} for i in items}

    assert comparable(pooled.items) == comparable(sample_crawl.items)
    # One call to the pool a page (issue 16); the pipelines ask it again only for the split article,
    # whose page 1 could not be cleaned ahead.
    for run in (pooled, sample_crawl):
        kinds = ("listing", "article", "article_continued", "other")
        pages = sum(run.stat(f"newsportal/pages/{kind}") for kind in kinds)
        assert run.stat("newsportal/extraction/calls/analyse_and_prepare") == pages
        split = sum(1 for item in run.items if item["page_count"] > 1)
        assert split == 1
        assert run.stat("newsportal/extraction/calls/clean_article") == split
        assert run.stat("newsportal/extraction/calls/dedup_keys") == split
    assert pooled.stat("newsportal/extraction/in_worker/clean_article") <= split
