"""Scoring extracted fields against labelled pages: the one place the benchmark and the tests share.

A labelled page is ``NAME.html`` with ``NAME.json`` (``url``, ``portal``, ``title``, ``publish_time``,
``author``, ``source``, ``body``), as in ``../shared/pages`` and ``tests/pages/<site>/``.

How each column is scored:

* body: F1 over character 3-grams (counted with multiplicity) of the text with all whitespace
  removed, so paragraph splits and spaces do not matter and edge paragraphs cost what they weigh;
* title, author, source: exact match after whitespace normalisation (NFKC is not applied: a
  full-width character is a different character);
* publish_time: equal to the minute, both read as +08:00;
* a column is scored only on pages whose label has a value. An empty ``publish_time`` means the
  page shows no year; the year a prediction would need cannot be checked against the page, so
  such pages are left out of the time column (like empty author/source labels). Pages whose label
  has a value and whose prediction is missing count as wrong.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import mean

from newsportal.extract.dates import CHINA_TZ

# Where the shared labelled pages live, relative to the project root; NEWSPORTAL_DEVSET overrides.
DEVSET_ENV = "NEWSPORTAL_DEVSET"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEVSET = _PROJECT_ROOT.parent / "shared" / "pages"

# The targets of issue 4 on the dev set.
TARGETS = {"body_f1_mean": 0.98, "body_f1_min": 0.90, "title": 0.98, "time": 0.95, "author": 0.90}
TARGETS |= {"source": 0.90, "generic_body_f1_mean": 0.95}

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class LabelledPage:
    name: str
    html_path: Path
    url: str
    portal: str
    title: str
    publish_time: str
    author: str
    source: str
    body: str

    def read_bytes(self) -> bytes:
        return self.html_path.read_bytes()


def devset_dir() -> Path:
    """The labelled-page directory: $NEWSPORTAL_DEVSET, else ../shared/pages next to the project."""
    return Path(os.environ.get(DEVSET_ENV) or DEFAULT_DEVSET)


def load_pages(directory: Path) -> list[LabelledPage]:
    """Every NAME.html with its NAME.json under directory (recursively), sorted by name; [] when the
    directory does not exist. A JSON without its HTML is skipped."""
    if not directory.is_dir():
        return []
    pages: list[LabelledPage] = []
    for json_path in sorted(directory.rglob("*.json")):
        html_path = json_path.with_suffix(".html")
        if not html_path.is_file():
            continue
        data = json.loads(json_path.read_text(encoding="utf-8"))
        pages.append(
            LabelledPage(
                name=json_path.stem,
                html_path=html_path,
                url=data.get("url") or "",
                portal=data.get("portal") or json_path.parent.name,
                title=data.get("title") or "",
                publish_time=data.get("publish_time") or "",
                author=data.get("author") or "",
                source=data.get("source") or "",
                body=data.get("body") or "",
            )
        )
    return pages


def trigrams(text: str) -> Counter[str]:
    flat = _WHITESPACE.sub("", text or "")
    return Counter(flat[i : i + 3] for i in range(len(flat) - 2))


def body_f1(predicted: str | None, expected: str) -> float:
    """F1 of character 3-grams (whitespace removed); 1.0 when both are empty."""
    pred, gold = trigrams(predicted or ""), trigrams(expected)
    if not pred and not gold:
        return 1.0
    overlap = sum((pred & gold).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def _flat(value: str | None) -> str:
    return _WHITESPACE.sub(" ", value or "").strip()


def same_text(predicted: str | None, expected: str) -> bool | None:
    """Exact match after whitespace normalisation; None (not scored) when expected is empty."""
    if not expected:
        return None
    return _flat(predicted) == _flat(expected)


def same_minute(predicted: str | datetime | None, expected: str) -> bool | None:
    """Whether predicted is expected to the minute (both in +08:00); None when expected is empty."""
    if not expected:
        return None
    if not predicted:
        return False
    try:
        pred = predicted if isinstance(predicted, datetime) else datetime.fromisoformat(predicted)
        gold = datetime.fromisoformat(expected)
    except ValueError:
        return False
    pred = pred if pred.tzinfo else pred.replace(tzinfo=CHINA_TZ)
    gold = gold if gold.tzinfo else gold.replace(tzinfo=CHINA_TZ)
    return pred.astimezone(CHINA_TZ).replace(second=0, microsecond=0) == gold.astimezone(CHINA_TZ).replace(
        second=0, microsecond=0
    )


@dataclass
class PageScore:
    name: str
    body_f1: float
    title: bool | None
    time: bool | None
    author: bool | None
    source: bool | None
    predicted: dict = field(default_factory=dict, repr=False)


def score_page(page: LabelledPage, predicted: dict) -> PageScore:
    """Score one prediction: a dict with title, published_at, author, source, body (None where a
    tool gives nothing; a key absent means the tool does not extract that field at all)."""
    return PageScore(
        name=page.name,
        body_f1=body_f1(predicted.get("body"), page.body),
        title=same_text(predicted.get("title"), page.title),
        time=same_minute(predicted.get("published_at"), page.publish_time),
        author=same_text(predicted.get("author"), page.author),
        source=same_text(predicted.get("source"), page.source),
        predicted=predicted,
    )


def _rate(values: Iterable[bool | None]) -> float | None:
    scored = [v for v in values if v is not None]
    return sum(scored) / len(scored) if scored else None


@dataclass
class Summary:
    name: str
    pages: int
    body_f1_mean: float
    body_f1_min: float
    title: float | None
    time: float | None
    author: float | None
    source: float | None
    ms_per_page: float | None = None
    fields: frozenset[str] = frozenset()  # the fields the tool extracts at all; others print "–"


def summarize(name: str, scores: list[PageScore], *, seconds: float | None = None, fields=None) -> Summary:
    f1s = [s.body_f1 for s in scores] or [0.0]
    return Summary(
        name=name,
        pages=len(scores),
        body_f1_mean=mean(f1s),
        body_f1_min=min(f1s),
        title=_rate(s.title for s in scores),
        time=_rate(s.time for s in scores),
        author=_rate(s.author for s in scores),
        source=_rate(s.source for s in scores),
        ms_per_page=1000 * seconds / len(scores) if seconds is not None and scores else None,
        fields=frozenset(fields or ("title", "time", "author", "source")),
    )


def format_table(rows: list[Summary]) -> str:
    """A fixed-width table: one row per tool."""
    head = f"{'extractor':<22} {'pages':>5} {'F1 mean':>8} {'F1 min':>7} {'title':>6} {'time':>6} "
    head += f"{'author':>7} {'source':>7} {'ms/page':>8}"
    lines = [head, "-" * len(head)]

    def pct(row: Summary, key: str, width: int) -> str:
        value = getattr(row, key)
        if key not in row.fields or value is None:
            return f"{'–':>{width}}"
        return f"{100 * value:>{width - 1}.0f}%"

    for row in rows:
        ms = f"{row.ms_per_page:>8.1f}" if row.ms_per_page is not None else f"{'–':>8}"
        lines.append(
            f"{row.name:<22} {row.pages:>5} {row.body_f1_mean:>8.3f} {row.body_f1_min:>7.3f} "
            f"{pct(row, 'title', 6)} {pct(row, 'time', 6)} {pct(row, 'author', 7)} "
            f"{pct(row, 'source', 7)} {ms}"
        )
    return "\n".join(lines)


def missed_targets(ours: Summary, generic: Summary | None = None) -> list[str]:
    """The targets of issue 4 that ours (and the generic-only run) miss, as readable lines."""
    missed: list[str] = []
    checks = [
        ("body F1 mean", ours.body_f1_mean, TARGETS["body_f1_mean"]),
        ("body F1 min", ours.body_f1_min, TARGETS["body_f1_min"]),
        ("title", ours.title, TARGETS["title"]),
        ("time", ours.time, TARGETS["time"]),
        ("author", ours.author, TARGETS["author"]),
        ("source", ours.source, TARGETS["source"]),
    ]
    if generic is not None:
        checks.append(("generic-only body F1 mean", generic.body_f1_mean, TARGETS["generic_body_f1_mean"]))
    for label, value, target in checks:
        if value is None or value < target:
            missed.append(f"{label}: {value if value is None else round(value, 3)} < {target}")
    return missed
