"""Finding the crawl's per-run files and reading them line by line, counting what cannot be read.

A crawl writes ``output/<site>/<UTC timestamp>.jsonl`` (or ``output/portal-<timestamp>.jsonl``) and,
beside it, ``<same name>.stats.json``. Bad input never stops a read: a truncated last line (a
crashed run), invalid JSON, a record that is not an Article, an unreadable or unknown file are each
a ``Problem`` with the file and line, counted by kind in a ``ProblemLog``. A file that is not text at
all (random bytes, an image, a ``.gz`` that is not gzip) is one problem, "not JSON Lines", with the
reason, rather than a bad line for each of its newline bytes.
"""

from __future__ import annotations

import codecs
import gzip
import json
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from newsportal.corpus.records import RecordError, article_record

DEFAULT_OUTPUT_DIR = Path("output")
RECORD_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz")
STATS_SUFFIX = ".stats.json"
_SNIFF_BYTES = 4096  # judged whether a record file is text at all


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None  # 1-based line number; None for a problem with the whole file
    kind: str  # short and stable, for counting: "invalid JSON", "truncated last line", ...
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.kind}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class ProblemLog:
    """Every problem counted by kind; the first ``keep`` of them kept with file and line."""

    keep: int = 1000
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.counts[problem.kind] += 1
        if len(self.examples) < self.keep:
            self.examples.append(problem)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class InputFiles:
    records: list[Path] = field(default_factory=list)  # JSON Lines files, oldest run first
    stats: list[Path] = field(default_factory=list)  # the runs' stats files


def is_record_file(path: Path) -> bool:
    return path.name.endswith(RECORD_SUFFIXES)


def stats_path_for(path: Path) -> Path:
    """The stats file a crawl writes beside its feed: run.jsonl → run.stats.json."""
    name = path.name.removesuffix(".gz").removesuffix(".jsonl")
    return path.with_name(name + STATS_SUFFIX)


def find_inputs(paths: Sequence[Path], problems: ProblemLog) -> InputFiles:
    """The record and stats files in paths (default: the output directory). A directory is searched
    recursively; a file named directly must be JSON Lines (.jsonl, .jsonl.gz) or a stats file. A
    missing path or a file of another kind is a problem, not an error. Record files are ordered by
    file name (a run's UTC timestamp), then path, so the runs are read oldest first."""
    found = InputFiles()
    for path in paths or [DEFAULT_OUTPUT_DIR]:
        if path.is_dir():
            found.records += [p for p in path.rglob("*.jsonl*") if p.is_file() and is_record_file(p)]
            found.stats += [p for p in path.rglob("*" + STATS_SUFFIX) if p.is_file()]
        elif not path.exists():
            problems.add(Problem(str(path), None, "no such file or directory"))
        elif is_record_file(path):
            found.records.append(path)
        elif path.name.endswith(STATS_SUFFIX):
            found.stats.append(path)
        else:
            expected = "expected .jsonl, .jsonl.gz or .stats.json"
            problems.add(Problem(str(path), None, "unknown file", expected))
    found.records = sorted(set(found.records), key=lambda p: (p.name, str(p)))
    beside = [stats_path_for(p) for p in found.records]
    stats = set(found.stats) | {p for p in beside if p.is_file()}
    found.stats = sorted(stats, key=lambda p: (p.name, str(p)))
    return found


def _not_json_lines(head: bytes) -> str | None:
    """Why the first bytes of a file (decompressed) cannot be JSON Lines, or None when they can.
    Only binary data counts: text that is bad JSON is reported line by line."""
    nul = head.find(b"\x00")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # a cut last character is fine
    except UnicodeDecodeError as exc:
        if nul < 0 or exc.start < nul:
            return f"not UTF-8 text: byte 0x{head[exc.start]:02x} at offset {exc.start}"
    if nul >= 0:
        return f"binary data: a NUL byte at offset {nul}"
    return None


def _open(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(raw file, stream of decompressed bytes)."""
    raw = path.open("rb")
    return raw, (gzip.GzipFile(fileobj=raw, mode="rb") if path.name.endswith(".gz") else raw)  # type: ignore[return-value]


def read_records(
    path: Path,
    problems: ProblemLog | None,
    lines: Callable[[int], bool] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, exported record) for each valid line of one JSON Lines file, plain or gzipped.

    Blank lines are skipped. Each bad line (invalid JSON, a last line cut off without its newline,
    a value that is not an Article record) and an unreadable file or gzip stream is added to
    problems (when given) and skipped. When ``lines`` is given, only the lines it accepts are
    parsed. ``progress`` is called now and then with the number of raw bytes read since its last
    call."""
    name = str(path)
    try:
        raw, stream = _open(path)
    except OSError as exc:
        if problems is not None:
            problems.add(Problem(name, None, "unreadable file", exc.strerror or str(exc)))
        return
    try:
        reason = _not_json_lines(stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES])  # type: ignore[attr-defined]
    except gzip.BadGzipFile as exc:
        reason = f"not gzip: {exc}"
    except (OSError, EOFError, zlib.error):
        reason = None  # a gzip stream cut off at once: reported by the read below
    if reason is not None:
        raw.close()
        if problems is not None:
            problems.add(Problem(name, None, "not JSON Lines", reason))
        return
    line_no = 0
    reported = 0
    try:
        with raw, stream:
            for line_no, line in enumerate(stream, start=1):
                if progress is not None and line_no % 1024 == 0:
                    position = raw.tell()
                    progress(position - reported)
                    reported = position
                if lines is not None and not lines(line_no):
                    continue
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    if problems is not None:
                        kind = "truncated last line" if not line.endswith(b"\n") else "invalid JSON"
                        problems.add(Problem(name, line_no, kind, str(exc)[:120]))
                    continue
                try:
                    record = article_record(value)
                except RecordError as exc:
                    if problems is not None:
                        problems.add(Problem(name, line_no, exc.kind, exc.detail[:160]))
                    continue
                yield line_no, record
            if progress is not None:
                progress(raw.tell() - reported)
    except (OSError, EOFError, zlib.error) as exc:
        # a gzip stream cut off by a crash, or a disk error: what was read so far stands
        if problems is not None:
            problems.add(Problem(name, line_no + 1, "unreadable data", str(exc)[:120]))
