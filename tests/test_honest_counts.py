"""An unchanged portal crawled twice by real `scrapy crawl` processes: the second run counts the young
stories it fetched again and found unchanged as refreshes (``newsportal/refresh/unchanged``), not as
duplicates; `newsportal report` over both runs counts each duplicate story once, not once a run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsportal.corpus.runs import RunHealth, duplicate_story_counts
from newsportal.localserver import LocalServer
from tests.conftest import ROOT

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def two_runs(sample_server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("two-runs")
    cmd = [
        str(BIN / "scrapy"), "crawl", "portal",
        "-a", "site=sample", "-a", f"start_url={sample_server.base_url}",
        "-s", f"NEWSPORTAL_STATE_DIR={tmp / 'state'}", "-s", f"NEWSPORTAL_OUTPUT_DIR={tmp / 'output'}",
        "-s", f"LOG_FILE={tmp / 'crawl.log'}",
        # the refreshes of listing-driven runs: with the sitemap read, the second run skips every
        # unchanged story by its lastmod, the duplicate copy included (tests/test_discovery.py)
        "-s", "NEWSPORTAL_DISCOVERY=False",
    ]  # fmt: skip
    for _ in range(2):
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return tmp


def stats_files(tmp: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp / "output").rglob("*.stats.json"))]


def test_second_run_counts_unchanged_refreshes_apart_from_duplicates(two_runs: Path):
    first, second = stats_files(two_runs)
    assert second.get("item_scraped_count", 0) == 0
    unchanged = second["newsportal/refresh/unchanged"]
    assert unchanged > 0  # the sample's young stories (relative dates) are fetched again
    assert unchanged == second["newsportal/refresh/requested"]  # once a story, not once a link
    # the only duplicate the second run may meet is the real one: the copy the first run dropped too
    # (the sample lists it on page 3 of a channel; an incremental run stops paging where all is known)
    dups = {k: v for k, v in second.items() if k.startswith("newsportal/duplicates/")}
    assert dups in ({}, {"newsportal/duplicates/content": 1})
    summaries = re.findall(
        r"\] INFO: (newsportal summary: .*)", (two_runs / "crawl.log").read_text(encoding="utf-8")
    )
    assert len(summaries) == 2
    assert "duplicates=1 (content=1) errors=" in summaries[0]
    assert f"refreshed={unchanged} (unchanged={unchanged}) errors=" in summaries[1]
    # the stats files name the duplicate story, for the report
    assert [re.sub(r"^https?://[^/]+", "", u) for u in first["newsportal/duplicate_stories"]["content"]] == [
        "/a/1024_307.html"
    ]
    assert second["newsportal/duplicate_stories"] in ({}, first["newsportal/duplicate_stories"])


def test_report_counts_each_duplicate_story_once(two_runs: Path):
    out = two_runs / "report.html"
    cmd = [str(BIN / "newsportal"), "report", str(two_runs / "output"), "-o", str(out), "--no-progress"]
    proc = subprocess.run(cmd, cwd=two_runs, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = out.read_text(encoding="utf-8")
    crawl_kinds = dict(re.findall(r"<td>crawl: (\w+)</td><td[^>]*>(\d+)", page))
    assert crawl_kinds == {"content": "1"}  # one story, dropped by both runs


def test_runs_from_before_the_story_lists_are_counted_by_their_counters():
    def run(name: str, counts: dict[str, int], stories: dict[str, list[str]] | None) -> RunHealth:
        return RunHealth(Path(name), "s", None, None, "finished", 0, {}, counts, stories)

    runs = [
        run("old", {"content": 2}, None),
        run("a", {"content": 1, "near": 1}, {"content": ["u1"], "near": ["u2"]}),
        run("b", {"content": 2}, {"content": ["u1", "u3"]}),
    ]
    assert duplicate_story_counts(runs) == {"content": 2 + 2, "near": 1}
