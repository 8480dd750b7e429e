"""The runs as Arrow record batches, in file order: the engine under the export.

A clean file is parsed by pyarrow's multi-threaded JSON reader with the Article schema (a few hundred
thousand lines a second). Whatever that reader refuses or cannot check (invalid JSON, a cut-off last
line, a missing required field, a value of the wrong type, a date-time that is not ISO 8601, a file
that is not text) makes the whole file go through ``sources.read_records`` instead, line by line, so
each bad line is still reported with its file and line number and every good line is kept. Both give
the same batches: every Article field in schema order, defaults filled in, date-times as the feed's
strings (``timestamps`` converts them).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from newsportal.corpus.records import DATETIME_FIELDS, REQUIRED_FIELDS, parse_datetime
from newsportal.corpus.sources import _SNIFF_BYTES, ProblemLog, _not_json_lines, _open, read_records
from newsportal.items import ARTICLE_FIELDS

# pyarrow's JSON block: the lines parsed together, one batch. Its reader parses ahead ~36 blocks while
# the export is busy (signing bodies, say): 2 MB blocks keep that at ~75 MB (8 MB: ~300 MB).
BLOCK_BYTES = 2 << 20
LINE_BATCH = 4096  # records per batch from the line-by-line reader


class NeedsLineReader(Exception):
    """This file cannot be read by the JSON reader as it is: read it line by line."""


def arrow() -> Any:
    from newsportal.corpus.writers import import_pyarrow

    return import_pyarrow()


def image_type(pa: Any) -> Any:
    return pa.struct([("url", pa.string()), ("caption", pa.string())])


def read_schema() -> Any:
    """The Arrow schema of a record as read: the Parquet schema (``writers.arrow_schema``) with the
    date-time fields still ISO 8601 strings."""
    from newsportal.corpus.writers import arrow_schema

    pa = arrow()
    schema = arrow_schema()
    for name in DATETIME_FIELDS:
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.string()))
    return schema


# Defaults of the fields a record may leave out that are not null (as ``records.article_record``).
_LIST_FIELDS = ("images", "tags", "related_urls")
_ONE_FIELDS = ("page_count", "version")


class _CountingFile(io.RawIOBase):
    """A binary file that reports the bytes read (for the progress bar)."""

    def __init__(self, raw: Any, progress: Callable[[int], None]) -> None:
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.progress(n)
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def timestamps(column: Any) -> Any:
    """ISO 8601 strings → timestamp[us, tz=+08:00] (a value without an offset is China time, as
    ``records.parse_datetime``); ValueError for a value that is not ISO 8601."""
    pa = arrow()
    target = pa.timestamp("us", tz="+08:00")
    try:
        return column.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # an offset left out, or another form Arrow's parser does not take: Python's, value by value
        return pa.array([parse_datetime(v) if v else None for v in column.to_pylist()], type=target)


def _complete(batch: Any, schema: Any) -> Any:
    """Defaults for the fields a record left out; ``NeedsLineReader`` for what the line reader would
    report (a required field missing, a date-time that does not parse)."""
    pa = arrow()
    columns = []
    for name in ARTICLE_FIELDS:
        column = batch.column(name)
        if column.null_count:
            if name in REQUIRED_FIELDS:
                raise NeedsLineReader(f"{name} missing")
            if name in _LIST_FIELDS:
                column = column.fill_null(pa.scalar([], type=column.type))
            elif name in _ONE_FIELDS:
                column = column.fill_null(1)
        if name in DATETIME_FIELDS and column.null_count < len(column):
            try:
                timestamps(column)
            except ValueError as exc:
                raise NeedsLineReader(f"{name}: {exc}") from None
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def fast_batches(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[Any]:
    """The file's records by pyarrow's JSON reader; ``NeedsLineReader`` (possibly after some batches
    were given) when the file must be read line by line instead."""
    pa = arrow()
    import pyarrow.json as pj

    schema = read_schema()
    try:
        raw, stream = _open(path)
    except OSError as exc:
        raise NeedsLineReader(str(exc)) from None
    try:
        with raw, stream:
            try:
                if _not_json_lines(stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]) is not None:  # type: ignore[attr-defined]
                    raise NeedsLineReader("not text")
            except (OSError, EOFError) as exc:
                raise NeedsLineReader(str(exc)) from None
            raw.seek(0)
            source: Any = _CountingFile(raw, progress) if progress is not None else raw
            source = pa.PythonFile(source, mode="r")
            if path.name.endswith(".gz"):
                source = pa.CompressedInputStream(source, "gzip")
            reader = pj.open_json(
                source,
                read_options=pj.ReadOptions(block_size=BLOCK_BYTES),
                parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
            )
            for batch in reader:
                if batch.num_rows:
                    yield _complete(batch, schema)
    except (pa.ArrowException, OSError, EOFError) as exc:
        raise NeedsLineReader(str(exc)[:200]) from None


def line_batches(
    path: Path, problems: ProblemLog | None, progress: Callable[[int], None] | None = None
) -> Iterator[Any]:
    """The file's valid records read line by line (``sources.read_records``: each bad line a problem),
    as batches."""
    pa = arrow()
    schema = read_schema()
    records: list[dict[str, Any]] = []
    for _line_no, record in read_records(path, problems, progress=progress):
        records.append(record)
        if len(records) >= LINE_BATCH:
            yield pa.RecordBatch.from_pylist(records, schema=schema)
            records = []
    if records:
        yield pa.RecordBatch.from_pylist(records, schema=schema)
