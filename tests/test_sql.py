"""newsportal sql: one DuckDB query over the corpus, on the crawl's runs or on an exported Parquet file,
printed as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_export import corpus, crawled_dir, crawled_records, read_jsonl  # noqa: F401

from newsportal.cli import main

pytest.importorskip("duckdb")


def sql(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["sql", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_query_over_the_runs_sees_every_record_typed(corpus, capsys) -> None:  # noqa: F811
    out, records, _ = corpus
    code, printed, err = sql(
        capsys,
        "SELECT count(*) AS n, count(DISTINCT canonical_url) AS stories, max(version) AS v, "
        "typeof(any_value(published_at)) AS t, typeof(any_value(images)) AS i FROM articles",
        str(out),
        "--format",
        "json",
    )
    assert code == 0, err
    (row,) = json.loads(printed)
    assert row["n"] == len(records) + 3  # the runs as crawled: every version, every copy
    assert row["stories"] == len(records) + 2 and row["v"] == 2
    assert row["t"] == "TIMESTAMP WITH TIME ZONE" and row["i"] == "STRUCT(url VARCHAR, caption VARCHAR)[]"


def test_a_query_over_an_exported_parquet_file(corpus, tmp_path, capsys) -> None:  # noqa: F811
    out, records, _ = corpus
    assert main(["export", str(tmp_path / "c.parquet"), str(out), "--no-progress"]) == 0
    capsys.readouterr()
    code, printed, err = sql(
        capsys,
        "SELECT channel, count(*) AS n FROM articles GROUP BY channel ORDER BY channel",
        str(tmp_path / "c.parquet"),
        "--format",
        "csv",
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(printed)))
    expected: dict[str, int] = {}
    for record in records:
        expected[record["channel"]] = expected.get(record["channel"], 0) + 1
    assert {r["channel"]: int(r["n"]) for r in rows} == expected


def test_a_table_on_the_terminal_shows_chinese_and_china_time(crawled_dir, capsys) -> None:  # noqa: F811
    record = crawled_records(crawled_dir)[0]
    code, printed, _ = sql(
        capsys,
        f"SELECT title, published_at FROM articles WHERE canonical_url = '{record['canonical_url']}'",
        str(crawled_dir),
    )
    assert code == 0
    assert record["title"] in printed
    day, time = record["published_at"][:10], record["published_at"][11:19]
    assert f"{day} {time}+08" in printed


def test_bad_lines_are_left_out_and_said(corpus, capsys) -> None:  # noqa: F811
    out, records, _ = corpus
    (out / "sample" / "20260317T020000Z.jsonl").write_text('{"url": "http://x", oops\n', encoding="utf-8")
    code, printed, err = sql(capsys, "SELECT count(*) AS n FROM articles", str(out), "--format", "csv")
    assert code == 0 and printed.splitlines()[1] == str(len(records) + 3)
    assert "1 line(s) of the runs are not readable records" in err


def test_a_bad_query_or_no_input_is_a_clear_error(tmp_path, crawled_dir, capsys) -> None:  # noqa: F811
    code, _, err = sql(capsys, "SELECT nope FROM articles", str(crawled_dir))
    assert code == 1 and "nope" in err
    code, _, err = sql(capsys, "SELECT 1", str(tmp_path))
    assert code == 2 and "no .jsonl" in err
