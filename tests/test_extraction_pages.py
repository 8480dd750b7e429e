"""Our own page fixtures: ``tests/pages/<site>/NAME.html`` with ``NAME.json`` (the fields the page
must give, in the labelled-page format of ``newsportal.extract.scoring``, plus ``now``: the crawl
time relative dates resolve against). Adding a case is adding two files.

Each page goes through ``newsportal extract``'s code path without a URL, so the profile is the one
the page itself names (``portal`` in the JSON; ``generic`` for pages no profile knows), and every
field must match exactly.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from newsportal.cli.extract import extract_page
from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.scoring import LabelledPage, load_pages, same_minute

PAGES_DIR = Path(__file__).parent / "pages"
PAGES = load_pages(PAGES_DIR)
DEFAULT_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)


def _now(page: LabelledPage) -> datetime:
    value = json.loads(page.html_path.with_suffix(".json").read_text(encoding="utf-8")).get("now")
    return datetime.fromisoformat(value) if value else DEFAULT_NOW


@pytest.mark.parametrize("page", PAGES, ids=[f"{p.html_path.parent.name}/{p.name}" for p in PAGES])
def test_fixture_page_gives_its_fields(page: LabelledPage) -> None:
    record = extract_page(page.read_bytes(), page.html_path.resolve().as_uri(), None, _now(page))
    assert record["site"] == page.portal
    assert record["title"] == (page.title or None)
    assert record["author"] == (page.author or None)
    assert record["source"] == (page.source or None)
    assert record["body"] == page.body
    if page.publish_time:
        assert same_minute(record["published_at"], page.publish_time)
    else:
        assert record["published_at"] is None


def test_gbk_page_decodes_characters_outside_gb2312() -> None:
    page = next(p for p in PAGES if p.name == "gbk_relative_time")
    record = extract_page(page.read_bytes(), page.html_path.resolve().as_uri(), None, _now(page))
    assert "镕" in record["title"]


def test_caption_after_image_is_kept_with_the_image() -> None:
    page = next(p for p in PAGES if p.name == "jsonld_only")
    record = extract_page(page.read_bytes(), page.html_path.resolve().as_uri(), None, _now(page))
    assert [img["caption"] for img in record["images"]] == ["夜间运营的公交车。资料图"]
