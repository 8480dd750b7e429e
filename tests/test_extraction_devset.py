"""Extraction fidelity on the shared labelled pages (../shared/pages, or $NEWSPORTAL_DEVSET).

One test per page: ``newsportal extract``'s code path recognises the page's portal from the page
alone and gives its labelled fields (body by character 3-gram F1 ≥ 0.90; title, author, source
exactly and the publish time to the minute, where the label has them). One test for the targets of
issue 4 over all pages, including the generic profile alone (what an unknown portal gets).
Scoring rules: ``newsportal.extract.scoring``; the same numbers as ``benchmarks/extraction.py``.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from newsportal.cli.extract import extract_page
from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.scoring import (
    LabelledPage,
    PageScore,
    devset_dir,
    load_pages,
    missed_targets,
    score_page,
    summarize,
)
from newsportal.sites import get_site

# Saved pages carry no crawl time; the benchmark resolves relative dates against the same instant.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)
PAGES = load_pages(devset_dir())
MIN_PAGE_F1 = 0.90

needs_pages = pytest.mark.skipif(
    not PAGES,
    reason=f"no labelled pages at {devset_dir()} (set NEWSPORTAL_DEVSET to a NAME.html/NAME.json dir)",
)


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


@needs_pages
@pytest.mark.parametrize("page", PAGES or [None], ids=[p.name for p in PAGES] or ["no-pages"])
def test_page_fields_match_labels(page: LabelledPage, ours) -> None:
    record, score = ours[page.name]
    assert record["site"] == page.portal, "the portal is recognised from the page itself"
    assert score.body_f1 >= MIN_PAGE_F1, f"body F1 {score.body_f1:.3f}"
    if page.title:
        assert record["title"] == page.title
    if page.publish_time:
        assert score.time, f"published_at {record['published_at']} != {page.publish_time}"
    if page.author:
        assert record["author"] == page.author
    if page.source:
        assert record["source"] == page.source


@needs_pages
def test_devset_meets_issue_4_targets(ours, generic_only) -> None:
    summary = summarize("newsportal", [score for _, score in ours.values()])
    generic = summarize("generic", generic_only)
    assert missed_targets(summary, generic) == []
