"""Extraction fidelity on the shared labelled pages: ../shared/pages (or $NEWSPORTAL_DEVSET) and the
third party's ../shared/pages-wild (or $NEWSPORTAL_WILDSET).

Shared pages, one test per page: ``newsportal extract``'s code path recognises the page's portal from
the page alone and gives its labelled fields (body by character 3-gram F1 ≥ 0.90; title, author,
source exactly and the publish time to the minute, where the label has them). One test for the
targets of issue 4 over all pages, including the generic profile alone (what an unknown portal gets).
Wild pages: one test that the set holds the floor it held when the test was written (the issue 13
targets are higher; the floor only rises). Scoring rules: ``newsportal.extract.scoring``; the same
numbers as ``benchmarks/extraction.py``.

Without the pages the tests skip, except under CI (``CI=true``), where a missing set fails them: CI
runs beside ../shared, so a missing set there is a broken checkout, not a reason to pass.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from newsportal.cli.extract import extract_page
from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.scoring import (
    WILD,
    LabelledPage,
    PageScore,
    devset_dir,
    load_pages,
    missed_targets,
    score_page,
    summarize,
    wildset_dir,
)
from newsportal.sites import get_site

# Saved pages carry no crawl time; the benchmark resolves relative dates against the same instant.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)
PAGES = load_pages(devset_dir())
WILD_PAGES = load_pages(wildset_dir())
MIN_PAGE_F1 = 0.90

# What the wild set gave when its test was written (newsportal row, benchmarks/extraction.py).
# Raised with the rules of issue 13 (2026-12-02; the set's baseline was 0.84, 0.45, 0.42, 0.25, 0.75);
# body raised with the body rules (2026-12-03: 0.945), fields with the field rules (2026-12-03).
WILD_FLOOR = {"body_f1_mean": 0.94, "date_recall": 0.85, "time_recall": 0.78}
WILD_FLOOR |= {"author_recall": 0.55, "author_precision": 0.85}


def _require(pages: list[LabelledPage], where: Path) -> None:
    """Skip without the pages, but fail under CI."""
    if pages:
        return
    message = f"no labelled pages at {where} (set NEWSPORTAL_DEVSET / NEWSPORTAL_WILDSET to a directory)"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail("CI=true: " + message)
    pytest.skip(message)


def _extract(page: LabelledPage, generic: bool) -> dict:
    site = get_site("generic") if generic else None
    return extract_page(page.read_bytes(), page.html_path.resolve().as_uri(), site, NOW)


@pytest.fixture(scope="module")
def ours() -> dict[str, tuple[dict, PageScore]]:
    out = {}
    for page in PAGES:
        record = _extract(page, generic=False)
        out[page.name] = (record, score_page(page, record))
    return out


@pytest.fixture(scope="module")
def generic_only() -> list[PageScore]:
    return [score_page(page, _extract(page, generic=True)) for page in PAGES]


@pytest.mark.parametrize("page", PAGES or [None], ids=[p.name for p in PAGES] or ["no-pages"])
def test_page_fields_match_labels(page: LabelledPage | None, ours) -> None:
    _require(PAGES, devset_dir())
    assert page is not None
    record, score = ours[page.name]
    assert record["site"] == page.portal, "the portal is recognised from the page itself"
    assert score.body_f1 >= MIN_PAGE_F1, f"body F1 {score.body_f1:.3f}"
    if page.title:
        assert record["title"] == page.title
    if page.publish_time:
        assert score.time is not None and score.time.right, (
            f"published_at {record['published_at']} != {page.publish_time}"
        )
    if page.author:  # the same names (labels join some with 、, newsportal with one space)
        assert score.author is not None and score.author.right, f"author {record['author']!r}"
    if page.source:
        assert record["source"] == page.source


def test_devset_meets_issue_4_targets(ours, generic_only) -> None:
    _require(PAGES, devset_dir())
    summary = summarize("newsportal", [score for _, score in ours.values()])
    generic = summarize("generic", generic_only)
    assert missed_targets(summary, generic) == []


def test_wild_set_holds_its_floor() -> None:
    _require(WILD_PAGES, wildset_dir())
    scores = [score_page(page, _extract(page, generic=False), WILD) for page in WILD_PAGES]
    summary = summarize("newsportal", scores)
    got = {
        "body_f1_mean": summary.body_f1_mean,
        "date_recall": summary.rates["date"].recall,
        "time_recall": summary.rates["time"].recall,
        "author_recall": summary.rates["author"].recall,
        "author_precision": summary.rates["author"].precision,
    }
    below = {k: round(v or 0.0, 3) for k, v in got.items() if (v or 0.0) < WILD_FLOOR[k]}
    assert below == {}, f"below the wild set's floor {WILD_FLOOR}"
