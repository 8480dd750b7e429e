"""The corpus at a glance: one self-contained HTML page with plots as inline SVG.

``CorpusTally`` is a record sink (like the writers) that counts what the export would write:
articles per day, channel, site and source, and body lengths. ``render_report`` turns the tally, the
export's counts (duplicates by kind, bad input) and the runs' stats into the page. Plots keep their
text as text (SVG ``fonttype none``), so the browser draws the Chinese labels with its own fonts.
"""

from __future__ import annotations

import html
import io
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from newsportal.corpus.export import ExportResult
from newsportal.corpus.filters import body_chars
from newsportal.corpus.records import parse_datetime
from newsportal.corpus.runs import RunHealth, duplicate_story_counts
from newsportal.corpus.writers import ANALYSIS_HINT, MissingDependency

TOP = 15
CJK_FONT_STACK = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif"]
COVERAGE_FIELDS = ["title", "body", "published_at", "author", "source", "images"]
SHOWN_PROBLEMS = 50
UNKNOWN = "(none)"


@dataclass
class CorpusTally:
    """Counts over the records written to it; memory: a few counters and 4 bytes an article."""

    per_day: Counter[date] = field(default_factory=Counter)
    per_channel: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    per_source: Counter[str] = field(default_factory=Counter)
    lengths: array = field(default_factory=lambda: array("I"))
    undated: int = 0
    articles: int = 0

    def write(self, record: dict[str, Any]) -> None:
        self.articles += 1
        if record["published_at"]:
            self.per_day[parse_datetime(record["published_at"]).date()] += 1
        else:
            self.undated += 1
        self.per_channel[record["channel"] or UNKNOWN] += 1
        self.per_site[record["site"] or UNKNOWN] += 1
        self.per_source[record["source"] or UNKNOWN] += 1
        self.lengths.append(body_chars(record["body"]))

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingDependency(f"the report needs matplotlib; {ANALYSIS_HINT}") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            # The SVG's text names exactly this stack. An empty generic list keeps matplotlib from
            # writing its own fallbacks (DejaVu Sans, Bitstream Vera...) before `sans-serif`; it
            # measures the text with the first of these it finds, else its bundled font.
            "font.family": CJK_FONT_STACK,
            "font.sans-serif": [],
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )
    return plt


def _svg(fig: Any) -> str:
    import logging
    import warnings

    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs matplotlib lacks are drawn by the browser
        logging.getLogger("matplotlib.font_manager").disabled = True
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)  # pyplot keeps every figure until closed
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _integer_axis(axis: Any) -> None:
    """Counts get whole-number ticks (no 0.5 articles on a small corpus)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _run_label(run: RunHealth) -> str:
    """A run on an axis: its start date and time (local), the file name when the stats lack it."""
    return run.started.astimezone().strftime("%m-%d %H:%M") if run.started else run.name


def _bar_chart(plt: Any, counts: Sequence[tuple[str, int]], title: str, color: str = "#4C72B0") -> str:
    labels = [label for label, _ in counts][::-1]
    values = [value for _, value in counts][::-1]
    fig, ax = plt.subplots(figsize=(6.2, 0.28 * len(labels) + 0.8))
    bars = ax.barh(labels, values, color=color)
    ax.bar_label(bars, padding=2, fontsize=8)
    _integer_axis(ax.xaxis)
    if not any(values):
        ax.set_xlim(0, 1)  # all zero: an axis from 0 to 1, not ±0.06 in fractions
    ax.set_title(title, loc="left")
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.12)
    return _svg(fig)


def _per_day_chart(plt: Any, per_day: Counter[date]) -> str:
    days = sorted(per_day)
    fig, ax = plt.subplots(figsize=(9, 2.8))
    ax.bar(days, [per_day[d] for d in days], color="#4C72B0", width=0.8)
    ax.set_ylabel("articles")
    _integer_axis(ax.yaxis)
    ax.set_title("Articles per day (published, China time)", loc="left")
    fig.autofmt_xdate()
    return _svg(fig)


def _length_chart(plt: Any, lengths: array) -> str:
    import numpy as np

    values = np.frombuffer(lengths, dtype=np.uint32)
    fig, ax = plt.subplots(figsize=(9, 2.8))
    bins = min(60, max(10, len(values) // 5))
    ax.hist(values, bins=bins, color="#55A868")
    for q, style in ((10, ":"), (50, "--"), (90, ":")):
        value = float(np.percentile(values, q))
        ax.axvline(value, color="#333", linestyle=style, linewidth=1)
        ax.annotate(f"p{q} {value:.0f}", (value, ax.get_ylim()[1] * 0.92), fontsize=8, xytext=(3, 0),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlabel("body length (non-space characters)")
    ax.set_ylabel("articles")
    _integer_axis(ax.yaxis)
    ax.set_title("Body length distribution", loc="left")
    return _svg(fig)


def _runs_chart(plt: Any, runs: list[RunHealth]) -> str:
    """Items and drops as bars, errors as a line, one group per run labelled by its start; the legend
    sits outside the axes, so it hides no bar."""
    fig, ax = plt.subplots(figsize=(9, 2.8))
    x = range(len(runs))
    items = ax.bar([i - 0.2 for i in x], [r.items for r in runs], width=0.4, label="items", color="#4C72B0")
    dropped = ax.bar(
        [i + 0.2 for i in x],
        [sum(r.dropped.values()) for r in runs],
        width=0.4,
        label="dropped",
        color="#DD8452",
    )
    for bar in (*items, *dropped):
        bar.set_gid("run-bar")
    errors = [r.errors for r in runs]
    ax2 = ax.twinx()
    ax2.plot(list(x), errors, "o-", color="#C44E52", label="errors")
    ax2.set_ylabel("errors")
    ax2.grid(visible=False)
    ax2.set_ylim(bottom=0, top=max([*errors, 1]) * 1.3)
    _integer_axis(ax.yaxis)
    _integer_axis(ax2.yaxis)
    sites = {r.site for r in runs}
    labels = [_run_label(r) + (f"\n{r.site}" if len(sites) > 1 else "") for r in runs]
    ax.set_xticks(list(x), labels, rotation=30, ha="right", fontsize=7)
    ax.set_title("Crawl runs: items, drops and errors", loc="left")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    legend = ax.legend(
        handles, ["items", "dropped", "errors"], loc="upper left", bbox_to_anchor=(1.08, 1), fontsize=8
    )
    legend.set_gid("runs-legend")
    return _svg(fig)


def _coverage_chart(plt: Any, runs: list[RunHealth]) -> str:
    """Field coverage (share of a run's items with the field) per site across its runs: one panel a
    site, one line a field, a red ring on runs the monitors judged degraded. A profile that rots
    shows as a line falling away."""
    by_site: dict[str, list[RunHealth]] = {}
    for run in runs:
        if run.coverage:
            by_site.setdefault(run.site, []).append(run)
    sites = sorted(by_site)
    fig, axes = plt.subplots(len(sites), 1, figsize=(9, 2.3 * len(sites) + 0.4), squeeze=False, sharey=True)
    for ax, site in zip(axes[:, 0], sites, strict=True):
        site_runs = by_site[site]
        x = list(range(len(site_runs)))
        for name in COVERAGE_FIELDS:
            values = [100 * r.coverage[name] if name in r.coverage else float("nan") for r in site_runs]
            (line,) = ax.plot(x, values, "o-", markersize=3, linewidth=1.2, label=name)
            line.set_gid(f"coverage-{site}-{name}")
        for i, run in enumerate(site_runs):
            if run.verdict == "degraded":
                ax.axvline(i, color="#C44E52", linewidth=6, alpha=0.15)
        ax.set_ylim(-5, 105)
        ax.set_xlim(-0.5, len(site_runs) - 0.5)  # the first and last runs' shading shows whole
        ax.set_ylabel("% of items")
        ax.set_xticks(x, [_run_label(r) for r in site_runs], rotation=30, ha="right", fontsize=7)
        ax.set_title(f"Field coverage: {site}", loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    return _svg(fig)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = ' class="n"' if i < len(numeric) and numeric[i] else ""
            cells.append(f"<td{cls}>{html.escape(str(cell))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "—"


def _card(label: str, value: Any, note: str = "") -> str:
    note_html = f"<small>{html.escape(note)}</small>" if note else ""
    value_html = f"<b>{html.escape(str(value))}</b>"
    return f'<div class="card">{value_html}<span>{html.escape(label)}</span>{note_html}</div>'


def render_report(result: ExportResult, tally: CorpusTally, runs: list[RunHealth], title: str) -> str:
    """The HTML page. Sections with nothing to show say so instead of drawing an empty plot."""
    import numpy as np

    plt = _pyplot()
    sel = result.selection
    lengths = np.frombuffer(tally.lengths, dtype=np.uint32)
    days = sorted(tally.per_day)
    span = f"{days[0]} – {days[-1]}" if days else "—"
    crawl_duplicates = duplicate_story_counts(runs)  # each story once, not once per run
    crawl_dropped: Counter[str] = Counter()
    for run in runs:
        crawl_dropped.update(run.dropped)

    cards = "".join(
        [
            _card("articles in the corpus", f"{tally.articles:,}", f"of {sel.records:,} records read"),
            _card("published", span, f"{tally.undated} undated" if tally.undated else ""),
            _card("sites", len(tally.per_site)),
            _card("channels", len(tally.per_channel)),
            _card("median body", f"{int(np.median(lengths)) if len(lengths) else 0} chars"),
            _card("duplicates removed", f"{sum(sel.removed.values()):,}", _counts(dict(sel.removed))),
            _card("crawl runs", len(runs), f"{sum(r.errors for r in runs)} errors"),
            _card("bad input skipped", result.problems.total),
        ]
    )
    sections = [f'<section class="cards">{cards}</section>']

    def section(heading: str, *parts: str, note: str = "") -> None:
        note_html = f'<p class="note">{note}</p>' if note else ""
        sections.append(f"<section><h2>{html.escape(heading)}</h2>{note_html}{''.join(parts)}</section>")

    empty = '<p class="empty">Nothing to show.</p>'
    section("Articles per day", _per_day_chart(plt, tally.per_day) if days else empty)
    section(
        "Articles per channel and site",
        '<div class="row">',
        _bar_chart(plt, tally.per_channel.most_common(TOP), "per channel") if tally.articles else empty,
        _bar_chart(plt, tally.per_site.most_common(TOP), "per site", "#8172B3") if tally.articles else empty,
        "</div>",
    )
    section(
        "Body length",
        _length_chart(plt, tally.lengths) if len(lengths) else empty,
        note="Non-space characters of the body; dashed: median, dotted: 10th and 90th percentile.",
    )
    kinds = [
        ("export: older versions of a story", sel.removed["version"]),
        ("export: same body (content hash)", sel.removed["content"]),
        ("export: near-duplicate body", sel.removed["near"]),
    ] + [(f"crawl: {kind}", n) for kind, n in sorted(crawl_duplicates.items())]
    section(
        "Duplicates removed, by kind",
        '<div class="row">',
        _bar_chart(plt, kinds, "duplicates", "#C44E52"),
        _table(["kind", "removed"], kinds, (False, True)),
        "</div>",
        note="Export: collapsed while merging the runs (first copy kept"
        + (", copies kept with duplicate_of" if sel.duplicates_kept else "")
        + "). Crawl: dropped by the crawl's own pipelines, from the runs' stats; "
        + "a story dropped again by later runs is counted once.",
    )
    top_sources = tally.per_source.most_common(TOP)
    section(
        "Top sources (来源)",
        '<div class="row">',
        _bar_chart(plt, top_sources, "articles per source", "#937860") if top_sources else empty,
        _table(
            ["source", "articles", "share"],
            [(s, n, f"{n / tally.articles:.1%}") for s, n in top_sources],
            (False, True, True),
        ),
        "</div>",
    )
    if runs:
        rows = [
            (
                r.name,
                r.site,
                r.started.astimezone().strftime("%Y-%m-%d %H:%M") if r.started else "?",
                f"{r.seconds:.1f}s" if r.seconds is not None else "?",
                r.finish_reason,
                r.pages,
                r.items,
                _counts(r.dropped),
                _counts(r.duplicates),
                r.errors,
            )
            for r in runs
        ]
        health = _table(
            [
                "run",
                "site",
                "started",
                "duration",
                "finish",
                "pages",
                "items",
                "dropped",
                "duplicates",
                "errors",
            ],
            rows,
            (False, False, False, True, False, True, True, False, False, True),
        )
        covered = any(r.coverage for r in runs)
        section(
            "Crawl runs' health",
            _runs_chart(plt, runs),
            _coverage_chart(plt, runs) if covered else "",
            health,
            note=f"Dropped over all runs: {html.escape(_counts(dict(crawl_dropped)))}.",
        )
    else:
        section("Crawl runs' health", '<p class="empty">No stats files found beside the inputs.</p>')
    problems = result.problems
    if problems.total:
        shown = problems.examples[:SHOWN_PROBLEMS]
        section(
            "Bad input skipped",
            _table(
                ["file", "line", "problem", "detail"],
                [(p.path, p.line or "", p.kind, p.detail) for p in shown],
            ),
            note=html.escape(_counts(dict(problems.counts)))
            + (f"; first {len(shown)} shown" if problems.total > len(shown) else ""),
        )
    else:
        section(
            "Bad input skipped", '<p class="empty">None: every line of every file was a valid article.</p>'
        )
    generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    inputs = ", ".join(str(p) for p in result.inputs.records[:5]) + (
        " …" if len(result.inputs.records) > 5 else ""
    )
    return _PAGE.format(
        title=html.escape(title),
        meta=html.escape(f"{len(result.inputs.records)} files ({inputs}) · generated {generated}"),
        filter=html.escape(result.filter.describe()),
        body="\n".join(sections),
    )


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif;
  margin: 1.5em auto; max-width: 1100px; color: #222; padding: 0 1em; }}
h1 {{ font-size: 1.5em; margin-bottom: .2em; }} h2 {{ font-size: 1.15em; border-bottom: 1px solid #ddd; }}
.meta, .note {{ color: #666; font-size: .85em; }}
.cards {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: .6em; }}
.card {{ background: #f4f6fa; border-radius: 6px; padding: .6em .8em; }}
.card b {{ display: block; font-size: 1.35em; }} .card span {{ color: #444; }}
.card small {{ display: block; color: #777; font-size: .75em; }}
.row {{ display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }}
svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; font-size: .85em; margin: .5em 0; }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: .25em .6em; text-align: left; vertical-align: top; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }} .empty {{ color: #999; }}
</style></head><body>
<h1>{title}</h1>
<p class="meta">{meta} · filter: {filter}</p>
{body}
</body></html>
"""
