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
        # bot walls: more than half the article pages (NEWSPORTAL_MAX_BOT_WALL_RATE)
        ({"newsportal/pages/article": 0, "newsportal/pages/bot_wall": 66}, "bot_wall"),
        ({"newsportal/pages/article": 30, "newsportal/pages/bot_wall": 36}, "bot_wall"),
        ({"newsportal/pages/article": 33, "newsportal/pages/bot_wall": 33}, "ok"),  # half: not most
        ({"newsportal/pages/article": 65, "newsportal/pages/bot_wall": 1}, "ok"),
        # walled listings: no article link, and the reason known
        (
            {
                "newsportal/pages/listing": 0,
                "newsportal/links/article": 0,
                "newsportal/pages/article": 0,
                "newsportal/pages/bot_wall": 3,
            },
            "bot_wall",
        ),
        # robots.txt refusals are not errors; failed redirects are
        ({"newsportal/robots/disallowed": 60, "robotstxt/forbidden": 60}, "ok"),
        ({"newsportal/errors/redirect": 30}, "too_many_errors"),
        # a walled run is still first of all an interrupted or crashed one
        ({"newsportal/pages/bot_wall": 66, "finish_reason": "shutdown"}, "interrupted"),
        ({"newsportal/pages/bot_wall": 66, "response_received_count": 0}, "unreachable"),
    ],
)
def test_verdict_from_stats(changes: dict, expected: str):
    assert verdict({**HEALTHY, **changes}, max_error_rate=0.2) == expected


def test_every_verdict_has_a_distinct_exit_code_and_ok_is_zero():
    assert EXIT_CODES["ok"] == 0 and EXIT_CODES["lock_held"] == 75
    # one exception: a bot wall and listings without article links are both EX_DATAERR (65), "look
    # at the portal"; the verdict in the summary line tells them apart
    assert EXIT_CODES["bot_wall"] == EXIT_CODES["no_article_links"] == 65
    codes = [code for kind, code in EXIT_CODES.items() if kind != "bot_wall"]
    assert len(set(codes)) == len(codes)


def test_bot_wall_threshold_is_a_setting():
    stats = {**HEALTHY, "newsportal/pages/article": 40, "newsportal/pages/bot_wall": 26}
    assert verdict(stats, max_error_rate=0.2, max_bot_wall_rate=0.5) == "ok"
    assert verdict(stats, max_error_rate=0.2, max_bot_wall_rate=0.3) == "bot_wall"


def test_summary_line_counts_bot_walls_when_there_are_any():
    stats = {**HEALTHY, "newsportal/pages/article": 0, "newsportal/pages/bot_wall": 12}
    stats |= {"newsportal/verdict": "bot_wall", "newsportal/exit_code": 65}
    line = summary_line(stats, "sample", 1.0)
    assert " errors=1 bot_walls=12 elapsed=1.0s " in line and line.endswith("exit=65 (bot_wall)")
    assert "bot_walls" not in summary_line(HEALTHY, "sample", 1.0)


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
