"""``newsportal report [INPUT...] -o report.html``: the corpus at a glance, as one HTML page.

Reads the inputs as ``newsportal export`` does (same merging, duplicate collapsing and filters) and
the runs' ``*.stats.json`` found beside them, and writes a self-contained page: articles per day,
per channel and site, body lengths, duplicates removed by kind, top sources, the runs' health, and
the bad input skipped. Exit codes: 0 written; 1 nothing valid was read; 2 bad usage (an OUTPUT
that cannot be written, such as a directory, included).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsportal.cli.export import build_filter, cannot_write, output_problem, print_read_summary
from newsportal.corpus.export import export_corpus
from newsportal.corpus.report import CorpusTally, render_report
from newsportal.corpus.runs import load_runs
from newsportal.corpus.writers import MissingDependency


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write an HTML page describing the corpus and the crawl runs")
    p.add_argument(
        "inputs", nargs="*", type=Path, metavar="INPUT", help="run files or directories (default: output/)"
    )
    p.add_argument(
        "-o", "--output", type=Path, default=Path("report.html"), help="the HTML file (default: %(default)s)"
    )
    p.add_argument("--title", default="newsportal corpus report")
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--site", action="append", default=[], metavar="S")
    p.add_argument("--channel", action="append", default=[], metavar="C")
    p.add_argument("--contains", action="append", default=[], metavar="WORD")
    p.add_argument("--min-chars", type=int, default=0, metavar="N")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=run, keep_duplicates=False)


def run(args: argparse.Namespace) -> int:
    try:
        article_filter = build_filter(args)
        problem = output_problem(args.output, "report.html")
        if problem:
            raise ValueError(problem)
    except ValueError as exc:
        print(f"newsportal report: {exc}", file=sys.stderr)
        return 2
    tally = CorpusTally()
    progress = not args.no_progress and sys.stderr.isatty()
    result = export_corpus(args.inputs, tally, article_filter, progress=progress)
    runs = load_runs(result.inputs.stats, result.problems)
    print_read_summary(result)
    if result.records == 0:
        print("newsportal report: no valid records read; no report written", file=sys.stderr)
        return 1
    try:
        page = render_report(result, tally, runs, args.title)
    except MissingDependency as exc:
        print(f"newsportal report: {exc}", file=sys.stderr)
        return 2
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"newsportal report: {cannot_write(args.output, exc)}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({len(page) / 1e3:.0f} kB): {tally.articles} articles, {len(runs)} runs")
    return 0
