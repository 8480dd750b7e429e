"""export_corpus: the crawl's per-run files → one file (or a report) with each story once.

Two streaming passes over the inputs, so memory does not grow with the bodies: pass one reads every
record into a ``CorpusIndex`` (numbers only), pass two reads again and hands the selected records to
the sink in input order. A third, short pass runs only with ``keep_duplicates``, to learn the
canonical URLs of the first copies the written duplicates point to.
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsportal.corpus.filters import ArticleFilter
from newsportal.corpus.records import article_key
from newsportal.corpus.selection import CorpusIndex, Selection
from newsportal.corpus.sources import InputFiles, ProblemLog, find_inputs, read_records
from newsportal.corpus.writers import RecordSink


@dataclass
class ExportResult:
    inputs: InputFiles
    problems: ProblemLog
    selection: Selection
    written: int = 0
    seconds: float = 0.0
    input_bytes: int = 0
    filter: ArticleFilter = field(default_factory=ArticleFilter)

    @property
    def records(self) -> int:
        return self.selection.records


@contextmanager
def _progress_bar(enabled: bool, total: int, desc: str, unit: str = "B"):
    """A tqdm bar on stderr when enabled and tqdm is installed (shown after one second, so short
    exports stay quiet); otherwise a callback that does nothing."""
    bar = None
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            bar = tqdm(
                total=total, desc=desc, unit=unit, unit_scale=True, delay=1.0, file=sys.stderr, leave=False
            )
    try:
        yield (bar.update if bar is not None else (lambda _n: None))
    finally:
        if bar is not None:
            bar.close()


def export_corpus(
    paths: Sequence[Path],
    sink: RecordSink,
    article_filter: ArticleFilter | None = None,
    *,
    keep_duplicates: bool = False,
    near_duplicates: bool = True,
    progress: bool = False,
) -> ExportResult:
    """Read the JSON Lines files under paths (default: the output directory), keep the latest
    version of each story, collapse exact and near duplicates (or, with keep_duplicates, mark them
    with ``duplicate_of``), apply the filter and write the rest to sink, which is closed (or aborted
    when writing fails). Bad input is counted in the result's problems, never raised."""
    started = time.monotonic()
    article_filter = article_filter or ArticleFilter()
    problems = ProblemLog()
    inputs = find_inputs(list(paths), problems)
    total_bytes = sum(p.stat().st_size for p in inputs.records)
    index = CorpusIndex(accepts=article_filter if article_filter.active else None, near=near_duplicates)

    with _progress_bar(progress, total_bytes, "reading") as advance:
        for file_no, path in enumerate(inputs.records):
            for line_no, record in read_records(path, problems, progress=advance):
                index.add(file_no, line_no, record)
    selection = index.select(keep_duplicates=keep_duplicates)
    del index

    first_copy_urls = _first_copy_urls(inputs, selection) if selection.duplicate_of_row else {}
    written = 0
    try:
        with _progress_bar(progress, selection.selected, "writing", unit=" articles") as advance:
            for file_no, path in enumerate(inputs.records):
                wanted = selection.lines.get(file_no)
                if wanted is None:
                    continue
                for line_no, record in read_records(path, None, lines=_LineCursor(wanted)):
                    target = selection.duplicate_of_row.get((file_no, line_no))
                    if target is not None:
                        record["duplicate_of"] = first_copy_urls.get(target)
                    sink.write(record)
                    written += 1
                    advance(1)
    except BaseException:
        sink.abort()
        raise
    sink.close()
    return ExportResult(
        inputs=inputs,
        problems=problems,
        selection=selection,
        written=written,
        seconds=time.monotonic() - started,
        input_bytes=total_bytes,
        filter=article_filter,
    )


class _LineCursor:
    """Membership in a sorted array of line numbers, for lines asked in increasing order: constant
    memory per line instead of a set of a million ints."""

    def __init__(self, lines: Any) -> None:
        self.lines = array("Q", lines.astype("uint64").tobytes())
        self.next = 0

    def __call__(self, line_no: int) -> bool:
        lines, i = self.lines, self.next
        while i < len(lines) and lines[i] < line_no:
            i += 1
        self.next = i
        return i < len(lines) and lines[i] == line_no


def _first_copy_urls(inputs: InputFiles, selection: Selection) -> dict[int, str]:
    """Row → canonical URL of the first copies that written duplicates point to."""
    wanted: dict[int, dict[int, int]] = {}
    for row, (file_no, line_no) in selection.row_of.items():
        wanted.setdefault(file_no, {})[line_no] = row
    urls: dict[int, str] = {}
    for file_no, rows in wanted.items():
        for line_no, record in read_records(inputs.records[file_no], None, lines=rows.__contains__):
            urls[rows[line_no]] = article_key(record)
    return urls
