"""The crawl runs' health, from the ``<run>.stats.json`` files the crawl writes beside its feeds."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newsportal.corpus.sources import Problem, ProblemLog


def under(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """The counters named prefix/<what>, keyed by <what>."""
    start = prefix + "/"
    return {k[len(start) :]: int(v) for k, v in sorted(stats.items()) if k.startswith(start)}


@dataclass
class RunHealth:
    path: Path
    site: str  # the site directory the run wrote to, or "?"
    started: datetime | None
    seconds: float | None
    finish_reason: str
    items: int
    dropped: dict[str, int] = field(default_factory=dict)  # by reason
    duplicates: dict[str, int] = field(default_factory=dict)  # by kind (url, content, near)
    # the duplicates' canonical URLs by kind; None for stats files written before they were kept
    duplicate_stories: dict[str, list[str]] | None = None
    errors: int = 0  # ERROR log lines plus newsportal/errors/* counters
    pages: int = 0
    coverage: dict[str, float] = field(default_factory=dict)  # newsportal/coverage/<field>, 0.0-1.0
    verdict: str = "?"  # newsportal/verdict: ok, degraded, ...

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(".stats.json")


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def run_health(path: Path, stats: dict[str, Any]) -> RunHealth:
    errors = under(stats, "newsportal/errors")
    return RunHealth(
        path=path,
        site=str(stats.get("newsportal/site") or (path.parent.name if path.parent.name != "output" else "?")),
        started=_time(stats.get("start_time")),
        seconds=float(stats["elapsed_time_seconds"]) if "elapsed_time_seconds" in stats else None,
        finish_reason=str(stats.get("finish_reason", "?")),
        items=int(stats.get("item_scraped_count", 0)),
        dropped=under(stats, "newsportal/dropped"),
        duplicates=under(stats, "newsportal/duplicates"),
        duplicate_stories=_stories(stats.get("newsportal/duplicate_stories")),
        errors=int(stats.get("log_count/ERROR", 0)) + sum(errors.values()),
        pages=int(stats.get("response_received_count", 0)),
        coverage={
            k.removeprefix("newsportal/coverage/"): float(v)
            for k, v in stats.items()
            if k.startswith("newsportal/coverage/") and isinstance(v, int | float)
        },
        verdict=str(stats.get("newsportal/verdict", "?")),
    )


def _stories(value: Any) -> dict[str, list[str]] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): [str(u) for u in v] for k, v in value.items() if isinstance(v, list)}


def duplicate_story_counts(runs: list[RunHealth]) -> Counter[str]:
    """Stories the crawls dropped as duplicates, by kind, each story once however many runs dropped it
    again (a copy that is never emitted is fetched and dropped by every run). Runs whose stats file
    does not name its duplicates are counted by their counters."""
    stories: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for run in runs:
        if run.duplicate_stories is None:
            counts.update(run.duplicates)
            continue
        for kind, urls in run.duplicate_stories.items():
            stories.setdefault(kind, set()).update(urls)
    counts.update({kind: len(urls) for kind, urls in stories.items()})
    return +counts


def load_runs(paths: list[Path], problems: ProblemLog) -> list[RunHealth]:
    """One RunHealth per readable stats file, oldest run first; an unreadable or non-JSON file is a
    problem and skipped."""
    runs = []
    for path in paths:
        try:
            stats = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(stats, dict):
                raise ValueError("not a JSON object")
            runs.append(run_health(path, stats))
        except (OSError, ValueError) as exc:
            problems.add(Problem(str(path), None, "unreadable stats", str(exc)[:120]))
    return sorted(runs, key=lambda r: (r.started is None, r.started or datetime.min, r.name))
