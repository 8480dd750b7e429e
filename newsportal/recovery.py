"""Recovering the feed of a run that died: its ``.part`` file becomes a complete ``.jsonl``.

A run killed mid-crawl leaves ``output/<site>/<run>.jsonl.part`` (see newsportal.feeds). Every
line in it was written before the item was recorded as emitted, so the lines are the truth about
what that run delivered. Recovery keeps the complete lines (a torn last line is cut off and
counted), lets the caller record the items as emitted (``record``), then publishes the file under
its final name and writes a stats file saying it was recovered, so the next run neither loses nor
repeats them. A run stopped by a failed write (disk full) leaves the same ``.part``.

In that order because a step may fail (the disk may still be full): until the file is published the
``.part`` stays as it was, and the next run does it all again (recording is idempotent). Recording
after publishing would leave published items unrecorded, which a later run would emit again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsportal.feeds import PART_SUFFIX

logger = logging.getLogger(__name__)


@dataclass
class RecoveredFeed:
    path: Path  # the published file
    items: list[dict[str, Any]] = field(default_factory=list)  # its complete records
    torn_lines: int = 0  # lines cut off or unreadable (a write interrupted by the kill)


def recover_feed(part: Path, record: Callable[[RecoveredFeed], None] | None = None) -> RecoveredFeed:
    """Publish one .part feed file under its final name, keeping only complete JSON lines; record
    is called with them first. OSError when a write fails: the .part is left as it was."""
    final = part.with_name(part.name[: -len(PART_SUFFIX)])
    data = part.read_bytes()
    result = RecoveredFeed(path=final)
    kept: list[bytes] = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            result.torn_lines += 1
            continue
        if isinstance(line, dict):
            result.items.append(line)
            kept.append(raw)
    if record is not None:
        record(result)
    tmp = part.with_name(part.name + ".tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(b"".join(line + b"\n" for line in kept))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    part.unlink()
    stats = final.with_name(final.name.removesuffix(".jsonl") + ".stats.json")
    if not stats.exists():
        _write_stats(stats, result)
    logger.warning(
        "recovered %s from an interrupted run: %d items, %d torn line(s) cut off",
        final,
        len(result.items),
        result.torn_lines,
    )
    return result


def _write_stats(stats: Path, result: RecoveredFeed) -> None:
    """The recovered run's stats file, for reports; not written when the disk is still full."""
    try:
        stats.write_text(
            json.dumps(
                {
                    "finish_reason": "interrupted (recovered by the next run)",
                    "item_scraped_count": len(result.items),
                    "newsportal/recovered": True,
                    "newsportal/recovered/torn_lines": result.torn_lines,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    except OSError as exc:
        stats.unlink(missing_ok=True)
        logger.warning("recovered run's stats file %s not written: %s", stats, exc)


def recover_directory(
    directory: Path, record: Callable[[RecoveredFeed], None] | None = None
) -> list[RecoveredFeed]:
    """Recover every .part feed in directory (not recursive). Call only while holding the run lock."""
    if not directory.is_dir():
        return []
    return [recover_feed(p, record) for p in sorted(directory.glob(f"*.jsonl{PART_SUFFIX}"))]
