"""Pass one of an export: a small row per record, then which records are written and why not.

A row holds numbers only (hashes, version, crawl time, position, whether the filter accepts it), added
a whole Arrow batch at a time: about 60 bytes a record however long its body. When near duplicates are
computed (not reused from the crawl), each body's MinHash values go to a temporary file (384 bytes a
record, read back only for candidate pairs) and its 32 band keys, cut to 32 bits, to another (128
bytes a record, read back one band at a time): memory stays flat. The signatures are computed a
batch at a time (``signature_values``) by one thread per core, while the reading goes on.

Rules, in order:
1. Latest version: of the records sharing a canonical URL the highest ``version`` wins (ties: the
   latest ``crawled_at``, then the last read). The story keeps the place where it first appeared.
2. Exact duplicates: stories with the same ``content_hash`` (of the normalised body) collapse to
   the one that appeared first.
3. Near-duplicates, by the crawl's rule (``newsportal.state.signature.near_duplicate_mask``: a shared
   LSH band and an estimated 3-gram Jaccard ≥ the crawl's threshold). Stories are taken in order of
   first appearance, as the crawl meets them: a story near an earlier kept story collapses to the
   most similar one (ties: the earliest), as the crawl's state store answers. Where every run read
   was deduplicated against one state store (``crawl_decisions``), the crawl's decisions are reused
   instead: a record the crawl kept with ``duplicate_of`` set is that story's near duplicate, and
   nothing is computed again (the crawl dropped the others before writing them).
4. Filter: the export's filter (site, channel, dates, words, length) picks among the rest.
Collapsed stories are written only with ``keep_duplicates``, carrying ``duplicate_of``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsportal import settings as default_settings
from newsportal.extract.text import content_hash
from newsportal.state.signature import (
    BANDS,
    NUM_PERM,
    SIGNATURE_VERSION,
    band_keys_matrix,
    near_duplicate_mask,
    signature_values,
)

DUPLICATE_KINDS = ("version", "content", "near")  # why a record was not written as its own story
THRESHOLD = default_settings.NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD  # the crawl's default rule
_NO_TIME = -(2**62)
_MAX_GROUP = 64  # stories sharing one band key compared with at most this many earlier ones
_OUTSIDE = -2  # duplicate_of: the crawl's first copy is not among the runs read
_POOL_MIN_BODIES = 256  # fewer bodies in a batch: signed by one thread
_MAX_WORKERS = 4
_VERIFY_PAIRS = 8192  # candidate pairs verified at once (~10 MB of temporaries)
_SLICE_PAIRS = 131072  # candidate pairs screened at once (~13 MB of low bits)
_LOW_BYTES = NUM_PERM // 2  # a story's screening bits: each MinHash value's low 4 bits


def hash_strings(column: Any) -> np.ndarray:
    """64-bit hashes of an Arrow string column (nulls hash as the empty string)."""
    import pandas as pd

    values = column.fill_null("").to_numpy(zero_copy_only=False)
    return pd.util.hash_array(values, categorize=False)


def crawl_decisions(stats_files: Sequence[Path], record_files: Sequence[Path]) -> str | None:
    """The state store identity every run was deduplicated against, or None. Only when each record
    file has its stats file (``<run>.stats.json``, written at the crawl's end) naming the same store,
    this version's signature and the export's threshold can the crawl's decisions stand for the
    export's: a run without stats (a crash, a file from elsewhere) makes the export compute them."""
    from newsportal.corpus.sources import stats_path_for

    known = {str(p) for p in stats_files}
    identities = set()
    for path in record_files:
        stats_path = stats_path_for(path)
        if str(stats_path) not in known:
            return None
        try:
            stats = json.loads(stats_path.read_text(encoding="utf-8"))
            identity = stats["newsportal/state/identity"]
            same_rule = (
                stats.get("newsportal/state/signature_version") == SIGNATURE_VERSION
                and float(stats.get("newsportal/state/near_threshold", -1)) == THRESHOLD
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not same_rule or not isinstance(identity, str):
            return None
        identities.add(identity)
    return identities.pop() if len(identities) == 1 else None


@dataclass
class Selection:
    """What pass two writes: per file, the sorted row numbers to write (a row is a valid record's
    position among the file's valid records) and, for written duplicates, the row of their first
    copy (absent where the first copy is outside the runs read: the record's own duplicate_of stands)."""

    lines: dict[int, np.ndarray] = field(default_factory=dict)  # file number → sorted row numbers
    duplicate_of_row: dict[tuple[int, int], int] = field(default_factory=dict)  # (file, row) → row
    row_of: dict[int, tuple[int, int]] = field(default_factory=dict)  # row → (file, row), targets only
    records: int = 0  # valid records read
    stories: int = 0  # distinct canonical URLs
    removed: Counter[str] = field(default_factory=Counter)  # by DUPLICATE_KINDS
    duplicates_kept: int = 0
    filtered_out: int = 0
    selected: int = 0
    near_reused: bool = False  # near duplicates taken from the crawl's decisions, not computed


class CorpusIndex:
    """Rows added in pass one; ``select()`` decides what pass two writes.

    ``accepts`` is the export's filter, called once per record; ``near`` switches near-duplicate
    collapsing off when False; ``reuse`` (a store identity from ``crawl_decisions``) takes the
    crawl's near-duplicate decisions instead of computing them; ``threshold`` is the rule's."""

    def __init__(
        self, accepts: Any = None, near: bool = True, reuse: str | None = None, threshold: float = THRESHOLD
    ) -> None:
        self.accepts = accepts
        self.near = near
        self.reuse = reuse if near else None
        self.compute = near and not reuse
        self.threshold = threshold
        self._story: list[np.ndarray] = []  # hash of the canonical URL
        self._version: list[np.ndarray] = []
        self._crawled: list[np.ndarray] = []  # µs since the epoch; _NO_TIME when unknown
        self._file: list[np.ndarray] = []
        self._row: list[np.ndarray] = []
        self._content: list[np.ndarray] = []  # hash of the content hash
        self._crawl_dup: list[np.ndarray] = []  # hash of the crawl's duplicate_of (0: none)
        self._accepted: list[np.ndarray] = []
        self._has_sig: list[np.ndarray] = []
        self._bands: list[tuple[int, int]] = []  # (offset, rows) of each batch's keys in _band_file
        self._low_bytes: list[int] = []  # rows of each batch in _low_file
        # closed by close() (select() calls it): the index outlives any one block
        self._signatures = (
            tempfile.TemporaryFile(prefix="newsportal-export-")  # noqa: SIM115
            if self.compute
            else None
        )
        # each batch's band keys cut to 32 bits, band by band: (BANDS, m) uint32
        self._band_file = tempfile.TemporaryFile(prefix="newsportal-export-") if self.compute else None  # noqa: SIM115
        # each MinHash value's low 4 bits (screening candidates): read back whole, once, by select()
        self._low_file = tempfile.TemporaryFile(prefix="newsportal-export-") if self.compute else None  # noqa: SIM115
        self._pool: Any = None
        self._pending: Any = None  # the last batch's signatures, being computed: (futures, rows)
        self._n = 0
        self._chunks_at_file: tuple[int, int] = (0, 0)

    def __len__(self) -> int:
        return self._n

    def start_file(self) -> None:
        """Remember where this file's rows begin (``drop_file`` forgets them)."""
        self._store_pending()
        self._chunks_at_file = (len(self._story), self._n)
        if self._signatures is not None:
            self._signatures.seek(self._n * NUM_PERM * 4)

    def drop_file(self) -> None:
        """Forget the rows added since ``start_file`` (the file is read again another way)."""
        self._store_pending()
        chunks, n = self._chunks_at_file
        for column in self._columns():
            del column[chunks:]
        self._n = n
        if self._signatures is not None:
            self._signatures.seek(n * NUM_PERM * 4)
            self._signatures.truncate()
            offset = sum(rows for _, rows in self._bands) * BANDS * 4
            self._band_file.seek(offset)
            self._band_file.truncate()
            self._low_file.seek(n * _LOW_BYTES)
            self._low_file.truncate()

    def _columns(self) -> list[list[np.ndarray]]:
        return [
            self._story, self._version, self._crawled, self._file, self._row, self._content,
            self._crawl_dup, self._accepted, self._has_sig, self._bands, self._low_bytes,
        ]  # fmt: skip

    def add_batch(self, file_no: int, first_row: int, batch: Any) -> None:
        """One Arrow batch of valid records (``newsportal.corpus.columns``), rows first_row… of file_no."""
        import pyarrow.compute as pc

        from newsportal.corpus.columns import timestamps

        m = batch.num_rows
        # signed by the pool's threads while this thread works on and reads the next batch
        pending = self._sign(batch.column("body").to_pylist()) if self.compute else None
        self._story.append(hash_strings(pc.coalesce(batch.column("canonical_url"), batch.column("url"))))
        self._version.append(batch.column("version").to_numpy().astype(np.int64))
        crawled = timestamps(batch.column("crawled_at")).cast("int64").fill_null(_NO_TIME)
        self._crawled.append(crawled.to_numpy())
        self._file.append(np.full(m, file_no, dtype=np.uint32))
        self._row.append(np.arange(first_row, first_row + m, dtype=np.int64))
        hashes = batch.column("content_hash")
        if hashes.null_count:  # records written before the crawl hashed bodies: hashed here
            bodies = batch.column("body").to_pylist()
            hashes = [h or content_hash(b) for h, b in zip(hashes.to_pylist(), bodies, strict=True)]
            import pyarrow as pa

            hashes = pa.array(hashes, type=pa.string())
        self._content.append(hash_strings(hashes))
        if self.reuse:
            dup = batch.column("duplicate_of")
            marks = hash_strings(dup)
            marks[dup.is_null().to_numpy(zero_copy_only=False)] = 0
            self._crawl_dup.append(marks)
        if self.accepts is not None:
            self._accepted.append(np.fromiter((self.accepts(r) for r in batch.to_pylist()), bool, m))
        if self.compute:
            self._store_pending()  # the last batch's, now this thread has done its work for this one
            self._pending = pending
        self._n += m

    def _sign(self, bodies: list[str | None]) -> tuple[list[Any], int]:
        """``signature_values`` of the bodies started on the pool's threads, a part each: numpy
        releases the GIL while it hashes, so the threads use every core. Not a process pool: it
        copied the bodies to its workers and back, and their memory was outside the export's own."""
        workers = min(os.cpu_count() or 1, _MAX_WORKERS)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="newsportal-sign")
        parts = workers if len(bodies) >= _POOL_MIN_BODIES else 1
        step = -(-len(bodies) // parts) or 1
        futures = [
            self._pool.submit(signature_values, bodies[i : i + step]) for i in range(0, len(bodies), step)
        ]
        return futures, len(bodies)

    def _store_pending(self) -> None:
        """Write the last batch's signatures (waiting for them): values, low bits, band keys."""
        if self._pending is None:
            return
        futures, m = self._pending
        self._pending = None
        parts = [future.result() for future in futures]
        if parts:
            values = np.concatenate([v for v, _ in parts])
            has = np.concatenate([h for _, h in parts])
        else:
            values, has = np.zeros((0, NUM_PERM), dtype=np.uint32), np.zeros(0, dtype=bool)
        self._signatures.write(values.astype("<u4").tobytes())
        self._has_sig.append(has)
        low = (values & 0x0F).astype(np.uint8)
        self._low_file.write((low[:, 0::2] | (low[:, 1::2] << 4)).tobytes())
        self._low_bytes.append(m)
        self._bands.append((self._band_file.tell(), m))
        self._band_file.write(np.ascontiguousarray(band_keys_matrix(values).astype(np.uint32).T).tobytes())

    def _band_column(self, band: int) -> np.ndarray:
        """Every row's key of one band, read back from the band file."""
        fd = self._band_file.fileno()
        parts = [
            np.frombuffer(os.pread(fd, rows * 4, offset + band * rows * 4), dtype=np.uint32)
            for offset, rows in self._bands
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)

    def _all(self, column: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(column) if column else np.zeros(0, dtype=dtype)

    def select(self, keep_duplicates: bool = False) -> Selection:
        self._store_pending()
        result = Selection(records=len(self), near_reused=bool(self.reuse))
        n = len(self)
        if n == 0:
            return result
        story = self._all(self._story, np.uint64)
        version = self._all(self._version, np.int64)
        crawled = self._all(self._crawled, np.int64)
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
        # what is left of step 1 goes before the near duplicates' arrays come (~100 MB at 1M)
        del version, crawled, row, order, sorted_story, starts, ends, first_seen, by_place
        self._version, self._crawled = [], []

        # 2. exact duplicates: the first story (by place) with each content hash is the original
        content = self._all(self._content, np.uint64)[winners]
        by_content = np.lexsort((np.arange(len(winners)), content))
        sorted_content = content[by_content]
        group_start = np.r_[True, sorted_content[1:] != sorted_content[:-1]]
        original = by_content[np.maximum.accumulate(np.where(group_start, np.arange(len(winners)), 0))]
        duplicate_of = np.full(len(winners), -1, dtype=np.int64)  # index into winners
        duplicate_of[by_content[~group_start]] = original[~group_start]
        result.removed["content"] = int(np.count_nonzero(duplicate_of >= 0))
        del content, by_content, sorted_content, group_start, original
        self._content = []

        # 3. near duplicates: the crawl's decisions, or the crawl's rule
        if self.reuse:
            result.removed["near"] = self._reuse_near(story, winners, duplicate_of)
        elif self.compute:
            del story
            self._story = []
            result.removed["near"] = self._compute_near(winners, duplicate_of)

        # 4. filter, then what is written
        if self.accepts is not None:
            accepted = self._all(self._accepted, bool)[winners]
        else:
            accepted = np.ones(len(winners), dtype=bool)
        is_duplicate = duplicate_of != -1
        candidates = accepted if keep_duplicates else accepted & ~is_duplicate
        rejected = ~accepted if keep_duplicates else ~accepted & ~is_duplicate
        result.filtered_out = int(np.count_nonzero(rejected))
        result.duplicates_kept = int(np.count_nonzero(candidates & is_duplicate))
        chosen = winners[candidates]
        result.selected = len(chosen)
        files = self._all(self._file, np.uint32)
        rows = self._all(self._row, np.int64)
        for file_no in np.unique(files[chosen]).tolist():
            result.lines[file_no] = np.sort(rows[chosen[files[chosen] == file_no]])
        if keep_duplicates:
            for i in np.flatnonzero(candidates & is_duplicate & (duplicate_of >= 0)).tolist():
                target = int(winners[duplicate_of[i]])
                rec = int(winners[i])
                result.duplicate_of_row[(int(files[rec]), int(rows[rec]))] = target
                result.row_of[target] = (int(files[target]), int(rows[target]))
        self.close()
        return result

    def _reuse_near(self, story: np.ndarray, winners: np.ndarray, duplicate_of: np.ndarray) -> int:
        """The crawl's decisions: a story it kept with duplicate_of set is a near duplicate (unless
        already an exact one here) of the story with that canonical URL, or of one outside these runs."""
        marks = self._all(self._crawl_dup, np.uint64)[winners]
        marked = np.flatnonzero((marks != 0) & (duplicate_of < 0))
        if not len(marked):
            return 0
        keys = story[winners]
        by_key = np.argsort(keys, kind="stable")
        where = np.searchsorted(keys[by_key], marks[marked])
        where = np.minimum(where, len(keys) - 1)
        found = keys[by_key[where]] == marks[marked]
        duplicate_of[marked] = np.where(found, by_key[where], _OUTSIDE)
        duplicate_of[marked[duplicate_of[marked] == marked]] = _OUTSIDE  # never its own first copy
        return len(marked)

    def _compute_near(self, winners: np.ndarray, duplicate_of: np.ndarray) -> int:
        """The crawl's rule over the stories in order of first appearance (see the module docstring).

        Band by band, stories with an equal key are candidate pairs (each with at most _MAX_GROUP
        earlier ones of its key, nearest first), taken a slice at a time so memory stays bounded even
        where texts share many phrases. A slice is screened by the low 4 bits of each MinHash value
        (kept in memory, 48 bytes a story): equal values have equal low bits, so a pair with fewer
        equal low bits than the threshold needs cannot be a near duplicate; the rest are judged on
        their full signatures, read back from the file."""
        has_sig = self._all(self._has_sig, bool)[winners]
        live = np.flatnonzero((duplicate_of < 0) & has_sig)  # positions in winners, in place order
        if len(live) < 2:
            return 0
        self._band_file.flush()
        self._signatures.flush()
        self._low_file.flush()
        self._low_file.seek(0)
        low = np.fromfile(self._low_file, dtype=np.uint8).reshape(-1, _LOW_BYTES)
        need = int(np.ceil(self.threshold * NUM_PERM - 1e-9))
        verified, similarity = [], []
        live_rows = winners[live]
        for band in range(BANDS):
            keys = self._band_column(band)[live_rows]
            by_key = np.argsort(keys, kind="stable")  # equal keys: in place order
            sorted_keys = keys[by_key]
            del keys
            repeated = sorted_keys[1:] == sorted_keys[:-1]  # position i + 1 has the key of position i
            del sorted_keys
            # the positions with partners (the up to _MAX_GROUP positions before each in its run of
            # equal keys), found without arrays of every position's run: few keys repeat
            (positions,) = np.nonzero(repeated)
            if not len(positions):
                continue
            run_starts = np.flatnonzero(repeated & ~np.r_[False, repeated[:-1]])  # runs of 2 or more
            del repeated
            partners = np.minimum(
                positions - run_starts[np.searchsorted(run_starts, positions, "right") - 1] + 1, _MAX_GROUP
            )
            positions += 1
            # slices of about _SLICE_PAIRS pairs (their low bits: 2 × 48 bytes a pair)
            cuts = np.searchsorted(
                np.cumsum(partners),
                np.arange(_SLICE_PAIRS, len(positions) * _MAX_GROUP, _SLICE_PAIRS),
            )
            for part in np.split(np.arange(len(positions)), np.unique(cuts)):
                if not len(part):
                    continue
                chunk, counts = positions[part], partners[part]
                later = np.repeat(chunk, counts)
                back = np.arange(len(later)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
                pair_later, pair_earlier = live[by_key[later]], live[by_key[later - back]]
                differ = low[winners[pair_later]] ^ low[winners[pair_earlier]]
                equal = ((differ & 0x0F) == 0).sum(axis=1) + ((differ & 0xF0) == 0).sum(axis=1)
                screened = equal >= need
                if screened.any():
                    pair = np.stack([pair_later[screened], pair_earlier[screened]], axis=1)
                    ok, sims = self._judge(winners, pair)
                    verified.append(pair[ok])
                    similarity.append(sims[ok])
        if not verified:
            return 0
        found, unique = np.unique(np.concatenate(verified), axis=0, return_index=True)
        sims = np.concatenate(similarity)[unique]
        # in place order of the later story; its best kept match first (most similar, then earliest)
        order = np.lexsort((found[:, 1], -sims, found[:, 0]))
        count = 0
        for later, earlier in found[order].tolist():
            if duplicate_of[later] < 0 and duplicate_of[earlier] < 0:
                duplicate_of[later] = earlier
                count += 1
        return count

    def _judge(self, winners: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rule on (later, earlier) pairs of positions in winners, from the full signatures read
        back (a memory map would keep every page it touched resident: the whole file at 1M), and
        each pair's estimated similarity."""
        fd = self._signatures.fileno()
        ok, sims = [], []
        for start in range(0, len(pairs), _VERIFY_PAIRS):
            chunk = pairs[start : start + _VERIFY_PAIRS]
            needed, where = np.unique(winners[chunk], return_inverse=True)
            values = np.frombuffer(
                b"".join(os.pread(fd, NUM_PERM * 4, int(r) * NUM_PERM * 4) for r in needed.tolist()),
                dtype="<u4",
            ).reshape(len(needed), NUM_PERM)
            where = where.reshape(chunk.shape)
            a, b = values[where[:, 0]], values[where[:, 1]]
            ok.append(near_duplicate_mask(a, b, self.threshold))
            sims.append((a == b).mean(axis=1))
        return np.concatenate(ok), np.concatenate(sims)

    def close(self) -> None:
        for name in ("_signatures", "_band_file", "_low_file"):
            file = getattr(self, name)
            if file is not None:
                file.close()
                setattr(self, name, None)
        self._pending = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._bands = []
        self._low_bytes = []
