"""newsportal report: one self-contained HTML page with every section, from a real crawl."""

from __future__ import annotations

import re

import pytest
from test_export import crawled_dir, crawled_records, later_run, write_bad_run  # noqa: F401

from newsportal.cli import main

SECTIONS = [
    "Articles per day",
    "Articles per channel and site",
    "Body length",
    "Duplicates removed, by kind",
    "Top sources (来源)",
    "Crawl runs&#x27; health",
    "Bad input skipped",
]


def test_report_has_every_section_with_plots_and_no_external_resources(crawled_dir, tmp_path, capsys) -> None:  # noqa: F811
    pytest.importorskip("matplotlib")
    import json

    records = crawled_records(crawled_dir)
    out = tmp_path / "output"
    (out / "sample").mkdir(parents=True)
    for path in (crawled_dir / "sample").iterdir():
        (out / "sample" / path.name).write_bytes(path.read_bytes())
    later, _ = later_run(records)
    (out / "sample" / "20260316T020000Z.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in later), encoding="utf-8"
    )
    write_bad_run(out, records[5])
    assert main(["report", str(out), "-o", str(tmp_path / "report.html"), "--no-progress"]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == SECTIONS
    assert page.count("<svg") >= 7  # per day, channel, site, length, duplicates, sources, runs
    assert not re.search(r"""(src|href)=["']?https?:""", page)  # self-contained
    assert f"{len(records):,}" in page  # articles in the corpus
    assert "财经" in page and "sample" in page
    # the later run's new version and the bad run's repeat of story 5; one exact and one near copy
    removed = {"older versions of a story": 2, "same body (content hash)": 1, "near-duplicate body": 1}
    for kind, count in removed.items():
        assert f'<td>export: {kind}</td><td class="n">{count}</td>' in page
    assert "20260317T020000Z.jsonl" in page and "truncated last line" in page
    assert "finished" in page  # the run's finish reason, from its stats file
    printed = capsys.readouterr().out
    assert "wrote" in printed and "1 runs" in printed
