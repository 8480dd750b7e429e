"""The clean and validate pipelines on hand-built items (the crawl tests cover them end to end)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from newsportal import settings as project_settings
from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop
from newsportal.pipelines.clean import clean_article
from newsportal.pipelines.validate import ValidatePipeline

BODY = "第一段，说的是一件事情。\n第二段，接着说下去，还有很多细节。"


def _crawler() -> SimpleNamespace:
    settings = Settings()
    settings.setmodule(project_settings)
    crawler = SimpleNamespace(settings=settings)
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


def test_clean_normalises_ideographic_and_nonbreaking_spaces_and_zero_width():
    item = Article(
        url="http://x/a/1.html",
        title="\u3000标题\u200b\xa0一 ",
        body="\u3000\u3000第一段\xa0内容。\n\n\u200b",
    )
    cleaned = clean_article(item)
    assert cleaned.title == "标题 一"
    assert cleaned.body == "第一段 内容。"


def test_clean_moves_source_and_editor_lines_out_of_the_body():
    item = Article(url="http://x/a/1.html", title="t", body=BODY + "\n来源：江城日报\n责任编辑：王小明")
    cleaned = clean_article(item)
    assert cleaned.body == BODY
    assert cleaned.source == "江城日报"
    assert cleaned.editor == "王小明"


def test_clean_keeps_a_source_the_page_labelled_over_a_body_line():
    item = Article(url="http://x/a/1.html", title="t", source="新华社", body=BODY + "\n来源：江城日报")
    assert clean_article(item).source == "新华社"


def test_clean_sets_content_hash_equal_for_width_variants_of_the_same_body():
    a = clean_article(Article(url="u1", title="t", body="他说： 好，明天见！"))
    b = clean_article(Article(url="u2", title="t", body="他说: 好,明天见!"))
    assert a.content_hash and a.content_hash == clean_article(a).content_hash
    assert a.content_hash == b.content_hash


def test_clean_is_idempotent():
    item = Article(url="http://x/a/1.html", title="原创 标题_搜狐", tags=[" a", "a", ""], body=BODY)
    once = clean_article(item)
    assert clean_article(once) == once
    assert once.tags == ["a"]


def test_clean_turns_empty_strings_into_none():
    cleaned = clean_article(Article(url="u", title=" ", author="", body=" \n "))
    assert cleaned.title is None and cleaned.author is None and cleaned.body is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": None}, "no_title"),
        ({"body": None}, "empty_body"),
        ({"body": "太短了。"}, "body_too_short"),
        ({"published_at": "2999-01-01T00:00:00+08:00"}, "future_date"),
        ({"published_at": "1970-01-01T08:00:00+08:00"}, "ancient_date"),
    ],
)
def test_validate_drops_with_reason_counted_in_stats(changes, reason):
    crawler = _crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    fields = {"title": "标题", "body": BODY * 3, "published_at": None, **changes}
    item = Article(url="http://x/a/1.html", **fields)
    with pytest.raises(NewsportalDrop) as exc:
        pipeline.process_item(item)
    assert exc.value.reason == reason
    assert "http://x/a/1.html" in str(exc.value)
    assert crawler.stats.get_value(f"newsportal/dropped/{reason}") == 1


def test_validate_passes_a_complete_article_unchanged():
    crawler = _crawler()
    item = Article(url="u", title="标题", body=BODY * 3, published_at="2026-03-14T20:02:59+08:00")
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
