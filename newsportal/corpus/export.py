"""export_corpus: the crawl's per-run files → one file (or a report) with each story once.

Two streaming passes over the inputs, so memory does not grow with the bodies: pass one reads every
record into a ``CorpusIndex`` (numbers only), pass two reads again and hands the selected records to
the sink in input order. A third, short pass runs only with ``keep_duplicates``, to learn the
canonical URLs of the first copies the written duplicates point to. Records are read as Arrow
batches (``newsportal.corpus.columns``: pyarrow's JSON reader, or line by line for a file with bad
lines). Pass one also writes the batches to a temporary Arrow IPC file per input (in the system's
temporary directory, about the size of the JSON; removed at the end), which passes two and three
read back instead of parsing the JSON again: half the export's time at 1M articles. A Parquet sink
takes the batches as they are, other sinks get one dict a record.
"""

from __future__ import annotations

import ctypes
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsportal.corpus.columns import NeedsLineReader, arrow, fast_batches, line_batches, read_schema
from newsportal.corpus.filters import ArticleFilter
from newsportal.corpus.selection import CorpusIndex, Selection, crawl_decisions
from newsportal.corpus.sources import InputFiles, ProblemLog, find_inputs
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


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter: blocks this large or larger are mapped on their own


@contextmanager
def _heap_given_back():
    """Around the selection: the heap pass one left trimmed, blocks of 1 MB or more mapped on their
    own (so each goes back to the system when freed), then the heap the selection left trimmed.

    The selection makes and frees, one after another, numpy arrays of a few bytes a record (8 MB
    each at 1M articles). glibc serves such blocks from its heap once its mmap threshold has risen
    (it does, up to 32 MB, after the first large free), and a heap does not shrink on its own: the
    writing then starts with the selection's peak still resident, ~100 MB at 200,000 articles
    (benchmarks/export.py). The threshold stays at 1 MB only here: in reading and writing, where
    blocks of 1-32 MB come and go a batch at a time, mapping each cost a third more CPU. No library
    does this: these are the C library's own knobs (mallopt, malloc_trim). Elsewhere than glibc:
    nothing."""
    libc = ctypes.CDLL(None)
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        yield
        return
    libc.malloc_trim(0)
    libc.mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    try:
        yield
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's own upper bound, fixed
        libc.malloc_trim(0)


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
    reuse_crawl_decisions: bool = True,
    progress: bool = False,
) -> ExportResult:
    """Read the JSON Lines files under paths (default: the output directory), keep the latest
    version of each story, collapse exact and near duplicates (or, with keep_duplicates, mark them
    with ``duplicate_of``), apply the filter and write the rest to sink, which is closed (or aborted
    when writing fails). Near duplicates are the crawl's decisions where every run was deduplicated
    against one state store (unless reuse_crawl_decisions is False), else computed by the crawl's
    rule. Bad input is counted in the result's problems, never raised."""
    started = time.monotonic()
    article_filter = article_filter or ArticleFilter()
    problems = ProblemLog()
    inputs = find_inputs(list(paths), problems)
    total_bytes = sum(p.stat().st_size for p in inputs.records)
    reuse = crawl_decisions(inputs.stats, inputs.records) if reuse_crawl_decisions else None
    index = CorpusIndex(
        accepts=article_filter if article_filter.active else None, near=near_duplicates, reuse=reuse
    )

    with tempfile.TemporaryDirectory(prefix="newsportal-export-") as spill_dir:
        spills = [Path(spill_dir) / f"{n}.arrows" for n in range(len(inputs.records))]
        try:
            with _progress_bar(progress, total_bytes, "reading") as advance:
                for file_no, path in enumerate(inputs.records):
                    _index_file(index, file_no, path, problems, advance, spills[file_no])
            with _heap_given_back():
                selection = index.select(keep_duplicates=keep_duplicates)
        finally:
            index.close()
        del index

        first_copy_urls = _first_copy_urls(spills, selection) if selection.duplicate_of_row else {}
        written = 0
        write_batch = getattr(sink, "write_batch", None)
        try:
            with _progress_bar(progress, selection.selected, "writing", unit=" articles") as advance:
                for file_no, spill in enumerate(spills):
                    wanted = selection.lines.get(file_no)
                    if wanted is None:
                        continue
                    for batch, rows in _selected_rows(spill, wanted):
                        batch = _mark_duplicates(batch, file_no, rows, selection, first_copy_urls)
                        if write_batch is not None:
                            write_batch(batch)
                        else:
                            for record in batch.to_pylist():
                                sink.write(record)
                        written += batch.num_rows
                        advance(batch.num_rows)
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


def _index_file(
    index: CorpusIndex, file_no: int, path: Path, problems: ProblemLog, advance: Any, spill: Path
) -> None:
    """Pass one over one file: by the JSON reader, or line by line when it cannot (see columns); the
    batches also go to spill for the later passes."""
    pa = arrow()
    schema = read_schema()
    index.start_file()
    read = 0

    def counted(n: int) -> None:
        nonlocal read
        read += n
        advance(n)

    for batches in (lambda: fast_batches(path, counted), lambda: line_batches(path, problems, advance)):
        rows = 0
        try:
            with pa.ipc.new_stream(str(spill), schema) as out:
                for batch in batches():
                    index.add_batch(file_no, rows, batch)
                    out.write_batch(batch)
                    rows += batch.num_rows
            return
        except NeedsLineReader:
            index.drop_file()
            advance(-read)


def _selected_rows(spill: Path, wanted: np.ndarray):
    """(batch of the wanted rows, their row numbers), from one input's spilled batches."""
    pa = arrow()
    first = 0
    with pa.OSFile(str(spill), "rb") as source:
        for batch in pa.ipc.open_stream(source):
            last = first + batch.num_rows
            lo, hi = np.searchsorted(wanted, [first, last])
            if hi > lo:
                rows = wanted[lo:hi]
                yield batch.take(rows - first), rows
            first = last
            if hi >= len(wanted):
                break


def _mark_duplicates(
    batch: Any, file_no: int, rows: np.ndarray, selection: Selection, urls: dict[int, str]
) -> Any:
    """The batch with duplicate_of set on the written duplicates whose first copy was read."""
    if not selection.duplicate_of_row:
        return batch
    targets = [selection.duplicate_of_row.get((file_no, int(r))) for r in rows]
    if all(t is None for t in targets):
        return batch
    import pyarrow as pa

    column = batch.column("duplicate_of").to_pylist()
    values = [urls.get(t) if t is not None else v for t, v in zip(targets, column, strict=True)]
    position = batch.schema.get_field_index("duplicate_of")
    return batch.set_column(position, "duplicate_of", pa.array(values, type=pa.string()))


def _first_copy_urls(spills: list[Path], selection: Selection) -> dict[int, str]:
    """Row → canonical URL of the first copies that written duplicates point to."""
    import pyarrow.compute as pc

    wanted: dict[int, dict[int, int]] = {}
    for index_row, (file_no, row) in selection.row_of.items():
        wanted.setdefault(file_no, {})[row] = index_row
    urls: dict[int, str] = {}
    for file_no, rows in wanted.items():
        ordered = np.array(sorted(rows), dtype=np.int64)
        for batch, batch_rows in _selected_rows(spills[file_no], ordered):
            keys = pc.coalesce(batch.column("canonical_url"), batch.column("url")).to_pylist()
            for row, key in zip(batch_rows.tolist(), keys, strict=True):
                urls[rows[row]] = key
    return urls
