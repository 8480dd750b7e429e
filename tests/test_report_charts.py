"""newsportal report's charts, read back from the SVG it writes: a CJK font stack on every text, the
runs chart's legend clear of every bar, whole-number count axes, runs labelled by date, and field
coverage per site across runs (a rotting profile's field falls away)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_export import crawled_dir, crawled_records  # noqa: F401

from newsportal.cli import main

SVG = "{http://www.w3.org/2000/svg}"
STACK = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
FULL = {"title": 1.0, "body": 1.0, "published_at": 1.0, "author": 0.8, "source": 0.9, "images": 0.1}
# (run, items, errors, author coverage, verdict): the first run the largest, errors 0 or 1
RUNS = [
    ("20260313T020000Z", 60, 0, 0.8, "ok"),
    ("20260314T020000Z", 40, 0, 0.8, "ok"),
    ("20260315T020000Z", 45, 1, 0.0, "degraded"),
]


def _write_runs(out: Path, records: list[dict]) -> None:
    folder = out / "sample"
    folder.mkdir(parents=True)
    for n, (run, items, errors, author, verdict) in enumerate(RUNS):
        chunk = records[n * 15 : n * 15 + 15]
        (folder / f"{run}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk), encoding="utf-8"
        )
        stats = {
            "start_time": f"{run[:4]}-{run[4:6]}-{run[6:8]}T02:00:00+00:00",
            "elapsed_time_seconds": 3.0,
            "finish_reason": "finished",
            "item_scraped_count": items,
            "response_received_count": items + 20,
            "newsportal/dropped/no_title": 2,
            "log_count/ERROR": errors,
            "newsportal/site": "sample",
            "newsportal/verdict": verdict,
            **{f"newsportal/coverage/{f}": v for f, v in {**FULL, "author": author}.items()},
        }
        (folder / f"{run}.stats.json").write_text(json.dumps(stats), encoding="utf-8")


def _svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", page, re.S)]


def _group(svg: ET.Element, gid: str) -> ET.Element | None:
    return next((g for g in svg.iter(f"{SVG}g") if g.get("id") == gid), None)


def _points(element: ET.Element) -> list[tuple[float, float]]:
    """The points of the first path under element: a bar, a legend's frame, a line (matplotlib writes
    them with absolute coordinates; marker shapes after them are relative)."""
    path = next(element.iter(f"{SVG}path"))
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def _box(element: ET.Element) -> tuple[float, float, float, float]:
    xs, ys = zip(*_points(element), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _tick_labels(svg: ET.Element, prefix: str) -> list[str]:
    return [
        "".join(text.itertext()).strip()
        for g in svg.iter(f"{SVG}g")
        if (g.get("id") or "").startswith(prefix)
        for text in g.iter(f"{SVG}text")
    ]


@pytest.fixture
def report(crawled_dir, tmp_path) -> str:  # noqa: F811
    pytest.importorskip("matplotlib")
    out = tmp_path / "output"
    _write_runs(out, crawled_records(crawled_dir))
    assert main(["report", str(out), "-o", str(tmp_path / "report.html"), "--no-progress"]) == 0
    return (tmp_path / "report.html").read_text(encoding="utf-8")


def test_every_svg_text_names_the_cjk_font_stack(report: str) -> None:
    texts = [text for svg in _svgs(report) for text in svg.iter(f"{SVG}text")]
    assert len(texts) > 50
    families = {re.search(r"font-family: ([^;]+)", text.get("style", "")).group(1) for text in texts}
    assert families == {STACK}


def test_runs_chart_legend_hides_no_bar_counts_are_whole_and_runs_are_dated(report: str) -> None:
    [runs_svg] = [svg for svg in _svgs(report) if _group(svg, "runs-legend") is not None]
    legend = _box(_group(runs_svg, "runs-legend"))
    bars = [_box(g) for g in runs_svg.iter(f"{SVG}g") if (g.get("id") or "").startswith("run-bar")]
    assert len(bars) == 2 * len(RUNS)
    for left, top, right, bottom in bars:
        assert right <= legend[0] or left >= legend[2] or bottom <= legend[1] or top >= legend[3]
    y_labels = _tick_labels(runs_svg, "ytick")  # items/drops on the left, errors on the right
    assert y_labels and all(re.fullmatch(r"\d+", label) for label in y_labels), y_labels
    assert "1" in y_labels  # the errors axis, 0 to 1 errors
    x_labels = _tick_labels(runs_svg, "xtick")
    assert len(x_labels) == len(RUNS)
    assert all(re.fullmatch(r"\d\d-\d\d \d\d:\d\d", label) for label in x_labels), x_labels


def test_count_axes_are_whole_numbers(report: str) -> None:
    for svg in _svgs(report):
        if _group(svg, "runs-legend") is not None or any(
            (g.get("id") or "").startswith("coverage-") for g in svg.iter(f"{SVG}g")
        ):
            continue  # the runs chart is checked above; coverage is a percentage
        for prefix in ("ytick", "xtick"):
            for label in _tick_labels(svg, prefix):
                assert not re.fullmatch(r"\d+\.\d+", label), (prefix, label)


def test_field_coverage_is_plotted_per_site_across_runs_and_a_rotting_field_falls(report: str) -> None:
    [coverage] = [svg for svg in _svgs(report) if _group(svg, "coverage-sample-author") is not None]
    for field in FULL:
        assert _group(coverage, f"coverage-sample-{field}") is not None
    author = _points(_group(coverage, "coverage-sample-author"))
    title = _points(_group(coverage, "coverage-sample-title"))
    assert len(author) == len(title) == len(RUNS)
    assert author[0][1] == pytest.approx(author[1][1]) and author[2][1] > author[1][1]  # fell (SVG y down)
    assert title[2][1] == pytest.approx(title[0][1])  # held
    assert "Field coverage: sample" in "".join(coverage.itertext())
