"""``newsportal export OUTPUT [filters] [INPUT...]``: the crawl's runs as one corpus file.

Reads the per-run JSON Lines files (default: everything under ``output/``), keeps the latest version
of each story, collapses exact and near duplicates, filters, and writes OUTPUT in the format of its
extension (.jsonl, .jsonl.gz, .csv, .parquet). Prints what it read, skipped and wrote.
Exit codes: 0 written (bad lines are reported, not fatal); 1 nothing valid was read; 2 bad usage
(an OUTPUT that cannot be written, such as a directory, included).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from newsportal.corpus.export import ExportResult, export_corpus
from newsportal.corpus.filters import ArticleFilter, parse_bound
from newsportal.corpus.writers import FORMATS, MissingDependency, open_writer, output_format

SHOWN_PROBLEMS = 20


class _IntermixedParser(argparse.ArgumentParser):
    """Accepts options between the positionals (``export OUT --site x output/``), which plain
    argparse refuses once a ``nargs="*"`` positional has been matched."""

    _inner = False

    def parse_known_args(self, args=None, namespace=None):
        if self._inner:
            return super().parse_known_args(args, namespace)
        self._inner = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inner = False


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="merge the crawl's runs into one deduplicated file (.jsonl, .jsonl.gz, .csv, .parquet)",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument(
        "output", type=Path, metavar="OUTPUT", help=f"file to write; format by extension: {FORMATS}"
    )
    p.add_argument(
        "inputs", nargs="*", type=Path, metavar="INPUT", help="run files or directories (default: output/)"
    )
    p.add_argument(
        "--since", metavar="DATE", help="published on or after DATE (2026-03-01 or an ISO date-time)"
    )
    p.add_argument(
        "--until", metavar="DATE", help="published on or before DATE (a date includes that whole day)"
    )
    p.add_argument("--site", action="append", default=[], metavar="S", help="only this site (repeatable)")
    p.add_argument(
        "--channel", action="append", default=[], metavar="C", help="only this channel (repeatable)"
    )
    p.add_argument(
        "--contains",
        action="append",
        default=[],
        metavar="WORD",
        help="title or body contains WORD (repeatable: all)",
    )
    p.add_argument(
        "--min-chars", type=int, default=0, metavar="N", help="body has at least N non-space characters"
    )
    p.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="write collapsed copies too, with duplicate_of set to the first copy's canonical URL",
    )
    p.add_argument(
        "--recompute-near",
        action="store_true",
        help="compute near duplicates from the bodies even where every run names one state store "
        "(by default the crawl's decisions are reused then)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.set_defaults(run=run)
    p.__class__ = _IntermixedParser


def build_filter(args: argparse.Namespace) -> ArticleFilter:
    """The filter the options ask for; ValueError with a readable message for a bad value."""
    try:
        since = parse_bound(args.since) if args.since else None
        until = parse_bound(args.until, end=True) if args.until else None
    except ValueError as exc:
        raise ValueError(f"--since/--until: not a date or ISO date-time ({exc})") from None
    if args.min_chars < 0:
        raise ValueError("--min-chars must not be negative")
    return ArticleFilter(
        since=since,
        until=until,
        sites=frozenset(args.site),
        channels=frozenset(args.channel),
        words=tuple(args.contains),
        min_chars=args.min_chars,
    )


def print_read_summary(result: ExportResult, out=None) -> None:
    """What was read and skipped, file and line for the first SHOWN_PROBLEMS bad ones."""
    out = out or sys.stdout
    sel = result.selection
    print(
        f"read {len(result.inputs.records)} files ({result.input_bytes / 1e6:.1f} MB), "
        f"{sel.records} valid records, {len(result.inputs.stats)} stats files",
        file=out,
    )
    problems = result.problems
    if problems.total:
        kinds = ", ".join(f"{kind}={n}" for kind, n in problems.counts.most_common())
        print(f"skipped {problems.total} bad inputs ({kinds}):", file=out)
        for problem in problems.examples[:SHOWN_PROBLEMS]:
            print(f"  {problem}", file=out)
        if problems.total > SHOWN_PROBLEMS:
            print(f"  … and {problems.total - SHOWN_PROBLEMS} more", file=out)
    removed = sel.removed
    print(
        f"merged {sel.stories} stories: {removed['version']} older versions replaced, "
        f"{removed['content']} exact and {removed['near']} near duplicates "
        + ("marked" if sel.duplicates_kept else "collapsed")
        + (" (near duplicates: the crawl's decisions, one state store)" if sel.near_reused else ""),
        file=out,
    )
    if result.filter.active:
        print(f"filter ({result.filter.describe()}) left out {sel.filtered_out}", file=out)


def output_problem(path: Path, example: str = "corpus.jsonl") -> str | None:
    """Why path cannot be written as an output file, or None: caught before hours of reading."""
    if path.is_dir():
        return f"{path}: is a directory; give a file name, such as {path / example}"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{path}: {parent} is not a directory"
    return None


def cannot_write(path: Path, exc: OSError) -> str:
    """One line for a failed write of path (no traceback for a full disk or a read-only place)."""
    return f"cannot write {path}: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")


def run(args: argparse.Namespace) -> int:
    try:
        output_format(args.output)
        article_filter = build_filter(args)
        problem = output_problem(args.output)
        if problem:
            raise ValueError(problem)
        sink = open_writer(args.output)
    except (ValueError, MissingDependency) as exc:
        print(f"newsportal export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"newsportal export: {cannot_write(args.output, exc)}", file=sys.stderr)
        return 2
    progress = not args.no_progress and sys.stderr.isatty()
    try:
        result = export_corpus(
            args.inputs,
            sink,
            article_filter,
            keep_duplicates=args.keep_duplicates,
            reuse_crawl_decisions=not args.recompute_near,
            progress=progress,
        )
    except OSError as exc:  # reading never raises (bad input is counted): this is the output
        with contextlib.suppress(OSError):
            sink.abort()  # no .partial left behind
        print(f"newsportal export: {cannot_write(args.output, exc)}", file=sys.stderr)
        return 2
    print_read_summary(result)
    if result.records == 0:
        args.output.unlink(missing_ok=True)
        print("newsportal export: no valid records read; nothing written", file=sys.stderr)
        return 1
    size = args.output.stat().st_size
    print(
        f"wrote {result.written} articles to {args.output} ({size / 1e6:.1f} MB) in {result.seconds:.1f}s"
        + (
            f", {result.selection.duplicates_kept} of them marked duplicate_of"
            if args.keep_duplicates
            else ""
        )
    )
    return 0
