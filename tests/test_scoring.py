"""The scoring rules the benchmark and the dev-set tests share (newsportal.extract.scoring)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from newsportal.extract.dates import CHINA_TZ
from newsportal.extract.scoring import (
    SHARED,
    WILD,
    Erratum,
    LabelledPage,
    apply_errata,
    devset_dir,
    load_errata,
    load_pages,
    rate,
    score_page,
    summarize,
)
from tests.conftest import require_shared


def _page(**labels: str) -> LabelledPage:
    fields = {"title": "", "publish_time": "", "author": "", "source": "", "body": "正文第一段。"}
    return LabelledPage(name="p", html_path=Path("p.html"), url="", portal="x", **(fields | labels))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(CHINA_TZ)


def test_wrong_answer_counts_against_precision_and_recall() -> None:
    score = score_page(_page(author="张三"), {"author": "李四"})
    assert rate([score.author]) == rate([score.author])
    r = rate([score.author])
    assert (r.precision, r.recall, r.answered, r.labelled) == (0.0, 0.0, 1, 1)


def test_no_answer_costs_recall_only() -> None:
    r = rate([score_page(_page(author="张三"), {"author": None}).author])
    assert (r.precision, r.recall) == (None, 0.0)


def test_answer_where_shared_label_says_none_costs_precision() -> None:
    scores = [
        score_page(_page(source=""), {"source": "某某网"}),
        score_page(_page(source="新华社"), {"source": "新华社"}),
    ]
    r = rate(s.source for s in scores)
    assert (r.precision, r.recall) == (0.5, 1.0)


def test_shared_page_without_year_is_not_scored_on_time() -> None:
    score = score_page(_page(publish_time=""), {"published_at": _at("2026-09-30T22:46:00+08:00")}, SHARED)
    assert score.date is None and score.time is None


def test_wild_date_alone_scores_the_day_not_the_time() -> None:
    score = score_page(
        _page(publish_time="2022-02-13"), {"published_at": _at("2022-02-13T09:30:00+08:00")}, WILD
    )
    assert score.date is not None and score.date.right
    assert score.time is None


def test_wild_page_has_no_title_or_source_column() -> None:
    score = score_page(_page(title="", source=""), {"title": "标题", "source": "某报"}, WILD)
    assert score.title is None and score.source is None


def test_wild_null_date_makes_an_answer_wrong() -> None:
    score = score_page(_page(publish_time=""), {"published_at": _at("2022-02-13T09:30:00+08:00")}, WILD)
    assert score.date is not None and score.date.answered and not score.date.right


def test_author_lists_compare_whatever_the_separator() -> None:
    score = score_page(_page(author="赵延东、风笑天"), {"author": "赵延东 风笑天"})
    assert score.author is not None and score.author.right


def test_author_lists_compare_as_sets_of_names() -> None:
    right = score_page(_page(author="赵延东&风笑天"), {"author": "风笑天 赵延东"})
    short = score_page(_page(author="赵延东、风笑天"), {"author": "赵延东"})
    extra = score_page(_page(author="赵延东"), {"author": "赵延东 风笑天"})
    assert right.author is not None and right.author.right
    assert short.author is not None and not short.author.right
    assert extra.author is not None and not extra.author.right


def test_summary_recall_is_the_issue_4_figure() -> None:
    scores = [score_page(_page(title="甲"), {"title": "甲"}), score_page(_page(title="乙"), {"title": None})]
    assert summarize("x", scores).title == 0.5


def _shown_page(tmp_path: Path, html: str, **labels: str) -> LabelledPage:
    path = tmp_path / "p.html"
    path.write_text(html, encoding="utf-8")
    fields = {"title": "", "publish_time": "", "author": "", "source": "", "body": "正文第一段。"}
    return LabelledPage(name="p", html_path=path, url="", portal="x", **(fields | labels))


_HEAD_LINE = "<html><body><h1>标题</h1><p>2026-03-14&nbsp;20:02\n 来源：某某日报</p><p>正文第一段。</p>"


def _erratum(**changes: str) -> Erratum:
    entry = {
        "page": "p",
        "field": "source",
        "label": "",
        "shown": "2026-03-14 20:02 来源：某某日报",
        "value": "某某日报",
        "why": "the 来源 value shown",
    }
    return Erratum(**(entry | changes))


def test_an_erratum_the_page_bears_out_corrects_the_label(tmp_path: Path) -> None:
    page = _shown_page(tmp_path, _HEAD_LINE)
    fixed, applied = apply_errata([page], [_erratum()])
    assert (fixed[0].source, applied) == ("某某日报", ["p.source"])
    assert page.source == ""  # the strict labels are left as they were
    assert rate([score_page(fixed[0], {"source": "某某日报"}).source]).precision == 1.0


def test_an_erratum_the_page_does_not_show_is_refused(tmp_path: Path) -> None:
    page = _shown_page(tmp_path, "<html><body><script>var s='来源：某某日报'</script><p>正文第一段。</p>")
    with pytest.raises(ValueError, match="does not show"):
        apply_errata([page], [_erratum(shown="来源：某某日报")])


def test_a_stale_erratum_is_refused(tmp_path: Path) -> None:
    page = _shown_page(tmp_path, _HEAD_LINE, source="某某日报")
    with pytest.raises(ValueError, match="stale"):
        apply_errata([page], [_erratum()])


def test_the_benchmark_errata_hold_on_the_shared_pages() -> None:
    require_shared(devset_dir())
    pages = load_pages(devset_dir())
    errata = load_errata(Path(__file__).resolve().parents[1] / "benchmarks" / "label-errata.json")
    _, applied = apply_errata(pages, errata)
    assert len(applied) == len(errata) >= 1
