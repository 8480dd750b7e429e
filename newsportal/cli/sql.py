"""``newsportal sql "SELECT …" [INPUT...]``: one DuckDB query over the corpus, for the analyst who
would otherwise write a script.

The query sees one view, ``articles``: the records of the crawl's runs (every ``.jsonl`` /
``.jsonl.gz`` under the INPUTs, default ``output/``: every version of every record, as crawled) or
of exported Parquet files (INPUTs ending in ``.parquet``: each story once). Columns are the Article
fields, typed as the export writes them (date-times as TIMESTAMPTZ shown in China time, ``images`` as
STRUCT(url, caption)[], ``read_count`` as BIGINT); runs add ``filename``. The result is a table on a
terminal, or CSV or JSON (an array of objects) with ``--format``.
Exit codes: 0 done; 1 the query failed (the message says why); 2 bad usage (no input found).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from newsportal.corpus.records import REQUIRED_FIELDS
from newsportal.corpus.sources import ProblemLog, find_inputs
from newsportal.corpus.writers import ANALYSIS_HINT

# The Article fields as DuckDB types, as the export's Parquet schema has them.
DUCKDB_COLUMNS: dict[str, str] = {
    "url": "VARCHAR", "canonical_url": "VARCHAR", "site": "VARCHAR", "channel": "VARCHAR",
    "title": "VARCHAR", "is_original": "BOOLEAN", "author": "VARCHAR", "source": "VARCHAR",
    "editor": "VARCHAR", "published_at": "TIMESTAMPTZ", "body": "VARCHAR",
    "images": "STRUCT(url VARCHAR, caption VARCHAR)[]", "tags": "VARCHAR[]", "related_urls": "VARCHAR[]",
    "read_count": "BIGINT", "page_count": "BIGINT", "crawled_at": "TIMESTAMPTZ",
    "content_hash": "VARCHAR", "duplicate_of": "VARCHAR", "updated_at": "TIMESTAMPTZ", "version": "BIGINT",
}  # fmt: skip
FORMATS = ("table", "csv", "json")
TABLE_ROWS = 40  # rows a terminal table shows (DuckDB elides the middle of longer results)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sql",
        help="run one DuckDB query over the corpus (the view `articles`): a table, CSV or JSON",
        description=__doc__.split("\n\n")[1],
    )
    p.add_argument("query", metavar="QUERY", help='e.g. "SELECT site, count(*) FROM articles GROUP BY 1"')
    p.add_argument(
        "inputs",
        nargs="*",
        type=Path,
        metavar="INPUT",
        help="run files or directories, or exported .parquet files (default: output/)",
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
    p.add_argument("--max-rows", type=int, default=TABLE_ROWS, help="rows a table shows (default 40)")
    p.set_defaults(run=run)


def _literal(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def articles_view(con: Any, inputs: list[Path]) -> tuple[str, list[Path]]:
    """Create the view ``articles`` over inputs; (what it reads, the JSON Lines files it reads).
    ValueError when no input is found."""
    parquet = [p for p in inputs if p.name.endswith(".parquet")]
    others = [p for p in inputs if not p.name.endswith(".parquet")]
    if parquet and others:
        raise ValueError("give either run files and directories or .parquet files, not both")
    if parquet:
        missing = [str(p) for p in parquet if not p.is_file()]
        if missing:
            raise ValueError(f"no such file: {', '.join(missing)}")
        con.execute(f"CREATE VIEW articles AS SELECT * FROM read_parquet({_literal(parquet)})")
        return f"{len(parquet)} Parquet file(s)", []
    problems = ProblemLog()
    found = find_inputs(others, problems)
    if not found.records:
        where = ", ".join(map(str, others)) or "output/"
        raise ValueError(f"no .jsonl or .jsonl.gz runs found in {where}")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in DUCKDB_COLUMNS.items()) + "}"
    con.execute(
        f"CREATE VIEW articles AS SELECT * FROM read_json({_literal(found.records)}, "
        f"format = 'newline_delimited', columns = {columns}, filename = true, ignore_errors = true) "
        # a line DuckDB cannot read comes as a row of nulls: left out, as the export leaves out a
        # record without url, title or body (counted and said after the query)
        f"WHERE {' AND '.join(f'{name} IS NOT NULL' for name in REQUIRED_FIELDS)}"
    )
    return f"{len(found.records)} run file(s)", found.records


def count_lines(paths: list[Path]) -> int:
    """Non-blank lines of the JSON Lines files (gzip read through)."""
    import gzip

    total = 0
    for path in paths:
        opener = gzip.open if path.name.endswith(".gz") else open
        try:
            with opener(path, "rb") as f:
                total += sum(1 for line in f if line.strip())
        except (OSError, EOFError):
            continue
    return total


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _csv_cell(value: Any) -> str:
    """As the export's CSV: text as is, null empty, a date-time in ISO 8601, anything else JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=_json_value)


def run(args: argparse.Namespace) -> int:
    try:
        import duckdb
    except ImportError:
        print(f"newsportal sql: needs DuckDB; {ANALYSIS_HINT}", file=sys.stderr)
        return 2
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")  # the feed's +08:00, as the crawl wrote it
    try:
        _, runs = articles_view(con, list(args.inputs))
    except ValueError as exc:
        print(f"newsportal sql: {exc}", file=sys.stderr)
        return 2
    try:
        result = con.sql(args.query)
        if result is None:  # a statement without a result (SET, CREATE ...)
            return 0
        if args.format == "table":
            result.show(max_rows=max(1, args.max_rows), max_width=10_000)
        else:
            columns = result.columns
            rows = result.fetchall()
            if args.format == "csv":
                writer = csv.writer(sys.stdout)
                writer.writerow(columns)
                writer.writerows([_csv_cell(v) for v in row] for row in rows)
            else:
                records = [dict(zip(columns, row, strict=True)) for row in rows]
                json.dump(records, sys.stdout, ensure_ascii=False, default=_json_value, indent=1)
                sys.stdout.write("\n")
    except duckdb.Error as exc:
        print(f"newsportal sql: {exc}", file=sys.stderr)
        return 1
    if runs:
        # read_json skips a line it cannot read (ignore_errors): said, not silent
        read = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        skipped = count_lines(runs) - read
        if skipped > 0:
            print(
                f"newsportal sql: {skipped} line(s) of the runs are not readable records and are left out "
                "(`newsportal export` lists them with file and line)",
                file=sys.stderr,
            )
    return 0
