"""Spec of the body rules of issue 13 (classes 1 and 7) below the page level: which lines are a post's
furniture, which block is the body. Whole pages for each class are in ``tests/pages/short_post/``,
``tests/pages/old_pages/`` and ``tests/pages/body_block/`` (run by test_extraction_pages.py)."""

from __future__ import annotations

import pytest

from newsportal.extract.text import split_boilerplate


@pytest.mark.parametrize(
    "line",
    [
        "发表于 2004年12月27日 12:40 - (阅读:3727;评论:63)",
        "发布于 2026-10-28 14:05",
        "posted @ 2005-03-21 11:21 by lee",
        "Posted on 2005/3/21 11:21",
        "2026-10-28 14:05 阅读(120) 评论(6)",
        "【发表时间：2006-5-12 8:30】",
    ],
)
def test_a_posts_date_line_with_its_label_or_counters_leaves_the_body(line):
    opening = "正文第一段，写了一些事情。"
    assert split_boilerplate([opening, line]).paragraphs == [opening]


@pytest.mark.parametrize(
    "line",
    [
        "2026年10月28日，市政府召开新闻发布会，介绍冬季供暖安排。",  # a sentence that opens with a date
        "二〇二二年一月二十七日",  # a notice's signature date
        "2022年1月27日",  # the same, in digits: no label, no counters
        "发表于2005年的那篇文章，至今仍有人引用。",
    ],
)
def test_dates_in_the_articles_own_lines_stay(line):
    assert split_boilerplate([line]).paragraphs == [line]
