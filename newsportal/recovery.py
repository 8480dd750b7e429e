"""Recovering the feed of a run that died: its ``.part`` file becomes a complete ``.jsonl``.

A run killed mid-crawl leaves ``output/<site>/<run>.jsonl.part`` (see newsportal.feeds). Every
line in it was written before the item was recorded as emitted, so the lines are the truth about
what that run delivered. Recovery keeps the complete lines (a torn last line is cut off and
counted), publishes the file under its final name, and writes a stats file saying it was
recovered. The caller then records the recovered items as emitted, so the next run neither loses
nor repeats them.
"""

from __future__ import annotations

import json
import logging
import os
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


def recover_feed(part: Path) -> RecoveredFeed:
    """Publish one .part feed file under its final name, keeping only complete JSON lines."""
    final = part.with_name(part.name[: -len(PART_SUFFIX)])
    data = part.read_bytes()
    result = RecoveredFeed(path=final)
    kept: list[bytes] = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            result.torn_lines += 1
            continue
        if isinstance(record, dict):
            result.items.append(record)
            kept.append(raw)
    tmp = part.with_name(part.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(b"".join(line + b"\n" for line in kept))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    part.unlink()
    stats = final.with_name(final.name.removesuffix(".jsonl") + ".stats.json")
    if not stats.exists():
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
    logger.warning(
        "recovered %s from an interrupted run: %d items, %d torn line(s) cut off",
        final,
        len(result.items),
        result.torn_lines,
    )
    return result


def recover_directory(directory: Path) -> list[RecoveredFeed]:
    """Recover every .part feed in directory (not recursive). Call only while holding the run lock."""
    if not directory.is_dir():
        return []
    return [recover_feed(p) for p in sorted(directory.glob(f"*.jsonl{PART_SUFFIX}"))]
