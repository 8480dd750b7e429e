"""Pass one of an export: a small row per record, then which records are written and why not.

A row holds numbers only (hashes, version, crawl time, position, whether the filter accepts it):
about 60 bytes a record however long its body, so a million articles fit in well under 100 MB.

Rules, in order:
1. Latest version: of the records sharing a canonical URL the highest ``version`` wins (ties: the
   latest ``crawled_at``, then the last read). The story keeps the place where it first appeared.
2. Exact duplicates: stories with the same ``content_hash`` (of the normalised body) collapse to
   the one that appeared first.
3. Near-duplicates: a story whose body's signature is close to an earlier kept story's collapses
   to it (see ``newsportal.corpus.near``).
4. Filter: the export's filter (site, channel, dates, words, length) picks among the rest.
Collapsed stories are written only with ``keep_duplicates``, carrying ``duplicate_of``.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newsportal.corpus.near import NearDuplicateIndex, near_duplicate_key
from newsportal.corpus.records import article_key, parse_datetime
from newsportal.extract.text import normalize_for_hash

DUPLICATE_KINDS = ("version", "content", "near")  # why a record was not written as its own story
_NO_TIME = -(2**62)


def _key64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _hash64(hex_digest: str) -> int:
    try:
        return int(hex_digest[:16], 16)
    except ValueError:
        return _key64(hex_digest)


def _microseconds(text: str | None) -> int:
    if not text:
        return _NO_TIME
    moment = parse_datetime(text)
    return int(moment.timestamp() * 1_000_000)


@dataclass
class Selection:
    """What pass two writes: per file, the sorted line numbers to write and, for written
    duplicates, the row of their first copy."""

    lines: dict[int, np.ndarray] = field(default_factory=dict)  # file number → sorted line numbers
    duplicate_of_row: dict[tuple[int, int], int] = field(default_factory=dict)  # (file, line) → row
    row_of: dict[int, tuple[int, int]] = field(default_factory=dict)  # row → (file, line), targets only
    records: int = 0  # valid records read
    stories: int = 0  # distinct canonical URLs
    removed: Counter[str] = field(default_factory=Counter)  # by DUPLICATE_KINDS
    duplicates_kept: int = 0
    filtered_out: int = 0
    selected: int = 0


class CorpusIndex:
    """Rows added in pass one; ``select()`` decides what pass two writes.

    ``accepts`` is the export's filter, called once per record; ``near`` switches near-duplicate
    collapsing off when False."""

    def __init__(self, accepts: Any = None, near: bool = True) -> None:
        self.accepts = accepts
        self.near = near
        self._story = array("Q")  # hash of the canonical URL
        self._version = array("q")
        self._crawled = array("q")  # µs since the epoch; _NO_TIME when unknown
        self._file = array("I")
        self._line = array("Q")
        self._content = array("Q")  # hash of the normalised body
        self._near = array("Q")  # near-duplicate signature (valid where _has_near)
        self._has_near = array("B")
        self._accepted = array("B")

    def __len__(self) -> int:
        return len(self._story)

    def add(self, file_no: int, line_no: int, record: dict[str, Any]) -> None:
        """One valid record (as from ``article_record``), read at file_no:line_no."""
        self._story.append(_key64(article_key(record)))
        self._version.append(record["version"])
        self._crawled.append(_microseconds(record["crawled_at"]))
        self._file.append(file_no)
        self._line.append(line_no)
        # normalised once: the slow part of both the content hash and the signature
        text = normalize_for_hash(record["body"]) if self.near or not record["content_hash"] else ""
        digest = record["content_hash"] or hashlib.sha1(text.encode("utf-8")).hexdigest()
        self._content.append(_hash64(digest))
        signature = near_duplicate_key(record["body"], normalized=text) if self.near else None
        self._near.append(signature or 0)
        self._has_near.append(signature is not None)
        self._accepted.append(self.accepts is None or bool(self.accepts(record)))

    def select(self, keep_duplicates: bool = False) -> Selection:
        result = Selection(records=len(self))
        n = len(self)
        if n == 0:
            return result
        story = np.frombuffer(self._story, dtype=np.uint64)
        version = np.frombuffer(self._version, dtype=np.int64)
        crawled = np.frombuffer(self._crawled, dtype=np.int64)
        row = np.arange(n, dtype=np.int64)

        # 1. latest version per story; a story's place is its first appearance
        order = np.lexsort((row, crawled, version, story))
        sorted_story = story[order]
        starts = np.flatnonzero(np.r_[True, sorted_story[1:] != sorted_story[:-1]])
        ends = np.r_[starts[1:], n]
        winners = order[ends - 1]
        first_seen = np.minimum.reduceat(order, starts)
        result.stories = len(winners)
        result.removed["version"] = n - len(winners)
        by_place = np.argsort(first_seen, kind="stable")
        winners, first_seen = winners[by_place], first_seen[by_place]

        # 2. exact duplicates: the first story (by place) with each content hash is the original
        content = np.frombuffer(self._content, dtype=np.uint64)[winners]
        by_content = np.lexsort((np.arange(len(winners)), content))
        sorted_content = content[by_content]
        group_start = np.r_[True, sorted_content[1:] != sorted_content[:-1]]
        original = by_content[np.maximum.accumulate(np.where(group_start, np.arange(len(winners)), 0))]
        duplicate_of = np.full(len(winners), -1, dtype=np.int64)  # index into winners
        duplicate_of[by_content[~group_start]] = original[~group_start]
        result.removed["content"] = int(np.count_nonzero(duplicate_of >= 0))

        # 3. near-duplicates, in order of first appearance, against the stories kept so far
        if self.near:
            index = NearDuplicateIndex()
            has_near = np.frombuffer(self._has_near, dtype=np.uint8)[winners]
            signatures = np.frombuffer(self._near, dtype=np.uint64)[winners]
            near_count = 0
            for i in np.flatnonzero((duplicate_of < 0) & (has_near == 1)).tolist():
                signature = int(signatures[i])
                match = index.match(signature)
                if match is None:
                    index.add(signature, i)
                else:
                    duplicate_of[i] = match
                    near_count += 1
            result.removed["near"] = near_count

        # 4. filter, then what is written
        accepted = np.frombuffer(self._accepted, dtype=np.uint8)[winners] == 1
        is_duplicate = duplicate_of >= 0
        candidates = accepted if keep_duplicates else accepted & ~is_duplicate
        rejected = ~accepted if keep_duplicates else ~accepted & ~is_duplicate
        result.filtered_out = int(np.count_nonzero(rejected))
        result.duplicates_kept = int(np.count_nonzero(candidates & is_duplicate))
        chosen = winners[candidates]
        result.selected = len(chosen)
        files = np.frombuffer(self._file, dtype=np.uint32)
        lines = np.frombuffer(self._line, dtype=np.uint64)
        for file_no in np.unique(files[chosen]).tolist():
            result.lines[file_no] = np.sort(lines[chosen[files[chosen] == file_no]])
        if keep_duplicates:
            for i in np.flatnonzero(candidates & is_duplicate).tolist():
                target = int(winners[duplicate_of[i]])
                rec = int(winners[i])
                result.duplicate_of_row[(int(files[rec]), int(lines[rec]))] = target
                result.row_of[target] = (int(files[target]), int(lines[target]))
        return result
