"""ArticleFilter: which stories an analyst asked for (site, channel, dates, words, body length)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from newsportal.corpus.records import parse_datetime
from newsportal.extract.dates import CHINA_TZ


def parse_bound(text: str, *, end: bool = False) -> datetime:
    """A --since / --until value as an aware datetime. A date (2026-03-14) means the start of that
    day in China time, or with end=True the end of it; a date-time without an offset is China time.
    Raises ValueError for anything else."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return parse_datetime(text)
    moment = datetime.combine(day, time.min, tzinfo=CHINA_TZ)
    return moment + timedelta(days=1) - timedelta(microseconds=1) if end else moment


def body_chars(body: str | None) -> int:
    """Characters of the body that are not whitespace (as NEWSPORTAL_MIN_BODY_CHARS counts them)."""
    return len("".join((body or "").split()))


@dataclass(frozen=True)
class ArticleFilter:
    since: datetime | None = None  # published at or after (inclusive)
    until: datetime | None = None  # published at or before (inclusive)
    sites: frozenset[str] = frozenset()  # any of these sites (empty: all)
    channels: frozenset[str] = frozenset()  # any of these channels (empty: all)
    words: tuple[str, ...] = ()  # every word in the title or the body
    min_chars: int = 0  # body at least this many non-space characters

    @property
    def active(self) -> bool:
        return any((self.since, self.until, self.sites, self.channels, self.words, self.min_chars))

    def __call__(self, record: dict[str, Any]) -> bool:
        """Whether the record is wanted. With a date bound, a record without published_at is not."""
        if self.sites and record["site"] not in self.sites:
            return False
        if self.channels and record["channel"] not in self.channels:
            return False
        if self.since or self.until:
            if not record["published_at"]:
                return False
            published = parse_datetime(record["published_at"])
            if (self.since and published < self.since) or (self.until and published > self.until):
                return False
        if self.words:
            text = (record["title"] or "") + "\n" + (record["body"] or "")
            if not all(word in text for word in self.words):
                return False
        return not self.min_chars or body_chars(record["body"]) >= self.min_chars

    def describe(self) -> str:
        parts = []
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        if self.sites:
            parts.append("site " + "|".join(sorted(self.sites)))
        if self.channels:
            parts.append("channel " + "|".join(sorted(self.channels)))
        parts += [f"contains {w!r}" for w in self.words]
        if self.min_chars:
            parts.append(f"≥ {self.min_chars} chars")
        return ", ".join(parts) or "none"
