"""The run verdict (newsportal.extensions.summary.verdict) from a finished run's stats: what the
project's `scrapy crawl` returns as its exit code. End-to-end cases are in test_cron.py."""

from __future__ import annotations

import pytest

from newsportal.extensions.summary import EXIT_CODES, summary_line, verdict

HEALTHY = {
    "finish_reason": "finished",
    "response_received_count": 90,
    "downloader/request_count": 91,
    "newsportal/pages/listing": 20,
    "newsportal/links/article": 100,
    "newsportal/pages/article": 66,
    "newsportal/errors/article_fetch": 1,
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "ok"),
        ({"newsportal/pages/article": 0, "newsportal/skipped/stored": 66}, "ok"),  # nothing new
        ({"finish_reason": "closespider_itemcount"}, "ok"),
        ({"finish_reason": "shutdown"}, "interrupted"),
        ({"spider_exceptions/count": 1}, "crashed"),
        ({"finish_reason": "cancelled"}, "crashed"),
        ({"response_received_count": 0}, "unreachable"),
        ({"newsportal/links/article": 0, "newsportal/pages/article": 0}, "no_article_links"),
        ({"newsportal/pages/article": 0, "newsportal/errors/article_fetch": 100}, "unreachable"),
        ({"newsportal/errors/article_fetch": 30}, "too_many_errors"),
        ({"log_count/ERROR": 25}, "too_many_errors"),
    ],
)
def test_verdict_from_stats(changes: dict, expected: str):
    assert verdict({**HEALTHY, **changes}, max_error_rate=0.2) == expected


def test_every_verdict_has_a_distinct_exit_code_and_ok_is_zero():
    assert EXIT_CODES["ok"] == 0 and EXIT_CODES["lock_held"] == 75
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)


def test_summary_line_names_drops_duplicates_and_the_exit_code():
    stats = {
        **HEALTHY,
        "item_scraped_count": 63,
        "newsportal/dropped/no_title": 1,
        "newsportal/dropped/empty_body": 1,
        "newsportal/duplicates/content": 1,
        "newsportal/verdict": "ok",
        "newsportal/exit_code": 0,
    }
    line = summary_line(stats, "sample", 3.25)
    assert line == (
        "newsportal summary: site=sample pages=90 articles=63 dropped=2 (empty_body=1 no_title=1) "
        "duplicates=1 (content=1) errors=1 elapsed=3.2s finish_reason=finished exit=0 (ok)"
    )
