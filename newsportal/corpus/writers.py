"""Writers: exported records to a file, in the format its name says.

``.jsonl`` / ``.jsonl.gz``: one JSON object a line, UTF-8, Chinese unescaped, fields in schema order.
``.csv``: UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), a header row of
the Article fields, lists and objects as JSON text, null as an empty cell, booleans true/false.
``.parquet``: typed columns from the Article annotations (pyarrow, zstd), the date-time fields as
timezone-aware timestamps (+08:00), lists as list columns, ``images`` as a list of
``struct<url, caption>`` (pandas reads dicts, DuckDB structs), ``read_count`` as a nullable integer that
pandas reads as ``Int64`` (the file's pandas metadata says so), not as float.

A writer writes to ``NAME.partial`` beside the output and renames it when closed, so a failed export
never leaves a file that looks complete.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import typing
from pathlib import Path
from typing import Any, Protocol

from newsportal.corpus.records import DATETIME_FIELDS, parse_datetime
from newsportal.items import ARTICLE_FIELDS, Article

FORMATS: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".csv", ".parquet")
ANALYSIS_HINT = "install the analysis extra: pip install 'newsportal[analysis]'"


class MissingDependency(RuntimeError):
    """An optional package a format or the report needs is not installed."""


class RecordSink(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


def output_format(path: Path) -> str:
    """The format of path by its extension; ValueError naming the known ones otherwise."""
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if path.name.endswith(suffix):
            return suffix
    raise ValueError(f"{path}: unknown output format; the name must end in {', '.join(FORMATS)}")


def open_writer(path: Path) -> RecordSink:
    """A writer for path's format (see the module docstring). Raises ValueError for an unknown
    extension and MissingDependency when Parquet is asked for without pyarrow."""
    kind = output_format(path)
    if kind == ".parquet":
        return ParquetWriter(path)
    if kind == ".csv":
        return CsvWriter(path)
    return JsonLinesWriter(path, compress=kind == ".jsonl.gz")


class _FileWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)

    def _finish(self) -> None:
        self.partial.replace(self.path)

    def abort(self) -> None:
        self.partial.unlink(missing_ok=True)


class JsonLinesWriter(_FileWriter):
    def __init__(self, path: Path, compress: bool = False) -> None:
        super().__init__(path)
        raw = gzip.open(self.partial, "wb", compresslevel=6) if compress else self.partial.open("wb")  # noqa: SIM115
        self.file = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")  # type: ignore[arg-type]

    def write(self, record: dict[str, Any]) -> None:
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.file.close()
        self._finish()

    def abort(self) -> None:
        self.file.close()
        super().abort()


def csv_cell(value: Any) -> str:
    """One CSV cell: text as is, None empty, anything else (lists, booleans, numbers) as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class CsvWriter(_FileWriter):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.file = self.partial.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(ARTICLE_FIELDS)

    def write(self, record: dict[str, Any]) -> None:
        self.writer.writerow([csv_cell(record[name]) for name in ARTICLE_FIELDS])

    def close(self) -> None:
        self.file.close()
        self._finish()

    def abort(self) -> None:
        self.file.close()
        super().abort()


def import_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise MissingDependency(f"Parquet needs pyarrow; {ANALYSIS_HINT}") from None
    return pyarrow


def arrow_type(pa: Any, tp: Any) -> Any:
    """The Arrow type for one Article annotation; Optional only makes the column nullable."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return arrow_type(pa, inner)
    if origin is list:
        return pa.list_(arrow_type(pa, args[0]))
    if origin is dict:
        return pa.map_(arrow_type(pa, args[0]), arrow_type(pa, args[1]))
    return {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}[tp]


def arrow_schema() -> Any:
    """The Parquet schema of an exported record, derived from the Article annotations."""
    pa = import_pyarrow()
    hints = typing.get_type_hints(Article)
    columns = []
    for name in ARTICLE_FIELDS:
        if name in DATETIME_FIELDS:
            column_type = pa.timestamp("us", tz="+08:00")
        elif name == "images":  # [{"url": ..., "caption": ...}]: two known keys, a struct
            column_type = pa.list_(pa.struct([("url", pa.string()), ("caption", pa.string())]))
        else:
            column_type = arrow_type(pa, hints[name])
        columns.append(pa.field(name, column_type, nullable=name != "url"))
    return pa.schema(columns, metadata={b"pandas": json.dumps(_pandas_metadata()).encode()})


def _pandas_metadata() -> dict[str, Any]:
    """The part of pandas' own Parquet metadata that makes it read the nullable integer columns as
    ``Int64`` rather than float64 (pandas writes the same for an Int64 column)."""
    hints = typing.get_type_hints(Article)
    columns = []
    for name in ARTICLE_FIELDS:
        nullable_int = hints[name] == (int | None)
        columns.append(
            {
                "name": name,
                "field_name": name,
                "pandas_type": "int64" if nullable_int else "object",
                "numpy_type": "Int64" if nullable_int else "object",
                "metadata": None,
            }
        )
    return {"index_columns": [], "column_indexes": [], "columns": columns, "pandas_version": "2.1.0"}


DICTIONARY_COLUMNS = ("site", "channel", "author", "source", "editor", "tags")


class ParquetWriter(_FileWriter):
    batch_rows = 16384  # rows buffered per row group: bounds memory to a few tens of MB

    def __init__(self, path: Path) -> None:
        self.pa = import_pyarrow()
        super().__init__(path)
        self.schema = arrow_schema()
        # Dictionary pages only where values repeat: trying them on bodies and URLs costs half the write.
        self.writer = self.pa.parquet.ParquetWriter(
            self.partial, self.schema, compression="zstd", use_dictionary=list(DICTIONARY_COLUMNS)
        )
        self.columns: dict[str, list[Any]] = {name: [] for name in ARTICLE_FIELDS}
        self.rows = 0
        self.batches: list[Any] = []
        self.batched_rows = 0

    def write(self, record: dict[str, Any]) -> None:
        for name in ARTICLE_FIELDS:
            self.columns[name].append(record[name])
        self.rows += 1
        if self.rows >= self.batch_rows:
            self._flush()

    def write_batch(self, batch: Any) -> None:
        """Records as read by ``newsportal.corpus.columns`` (date-times as strings), written as they are."""
        from newsportal.corpus.columns import timestamps

        self._flush()
        columns = [
            timestamps(batch.column(name)) if name in DATETIME_FIELDS else batch.column(name)
            for name in ARTICLE_FIELDS
        ]
        # gathered into row groups of batch_rows: a row group a small batch costs time and size
        self.batches.append(self.pa.RecordBatch.from_arrays(columns, schema=self.schema))
        self.batched_rows += batch.num_rows
        if self.batched_rows >= self.batch_rows:
            self._write_batches()

    def _write_batches(self) -> None:
        if self.batches:
            self.writer.write_table(
                self.pa.Table.from_batches(self.batches), row_group_size=self.batch_rows * 2
            )
        self.batches, self.batched_rows = [], 0

    def _flush(self) -> None:
        if not self.rows:
            return
        self._write_batches()  # batches written before these rows go first
        for name in DATETIME_FIELDS:
            self.columns[name] = [parse_datetime(v) if v else None for v in self.columns[name]]
        batch = self.pa.RecordBatch.from_pydict(self.columns, schema=self.schema)
        self.writer.write_batch(batch)
        self.columns = {name: [] for name in ARTICLE_FIELDS}
        self.rows = 0

    def close(self) -> None:
        self._flush()
        self._write_batches()
        self.writer.close()
        self._finish()

    def abort(self) -> None:
        self.writer.close()
        super().abort()
