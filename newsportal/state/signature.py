"""Near-duplicate signatures: a small MinHash over character 3-grams of the folded body, and the LSH
band keys that find candidates for it among millions of stored signatures.

Why this signature and this index (the labelled set is built by ``tests/dedup_fixtures/labelled.py``
and asserted in ``tests/test_near_duplicates.py``; the cost is measured by ``benchmarks/dedup.py``):

* Shingles are character 3-grams of the folded body (``fold``: full-width forms → ASCII, whitespace and
  zero-width characters removed, Latin lowercased: what ``normalize_for_hash`` does for duplicates,
  without full NFKC, which costs more than the whole signature). Chinese has no spaces; 3-grams keep
  unrelated stories apart (Jaccard ≤ 0.04 between the sample portal's stories, 0.22 for the hardest
  hand-written same-topic pair: two stock-market closing reports) while a copy with 10 % of its
  characters edited keeps Jaccard ≥ 0.49. (2-grams: 0.32 for that pair; 4-grams: 10 % edits fall to
  0.45.)
* ``NUM_PERM`` = 96 permutations: each 3-gram's code points packed into 63 bits, mixed (splitmix64), then
  multiplied by 96 odd constants mod 2⁶⁴ (a bijection each); the minimum product's top 32 bits is the
  value. numpy computes it in ~70 µs for a 400-character body.
* LSH: ``BANDS`` = 32 bands of ``ROWS`` = 3 values. A pair at Jaccard 0.5 shares at least one band with
  probability 1 - (1 - 0.5³)³² = 0.986 (0.45: 0.95); two unrelated bodies (Jaccard ~0.01) with
  probability ~3·10⁻⁵. Band keys are 48-bit integers (band number mixed in) stored as indexed SQLite
  rows, so the index lives on disk: 1M stored bodies cost no RSS beyond SQLite's page cache. 24 bands
  of 4 or 20 of 4 lost 1.5-3 % recall on the labelled set; 64 of 2 let chance candidates grow 100×.
* Candidates are verified with the Jaccard estimated from their stored values (``SIG_BYTES`` = 384 bytes
  a body, from which the band keys can be recomputed); the threshold
  (``NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD``, default 0.4) applies to that estimate. The LSH finds
  candidates reliably from Jaccard ~0.45 up; a threshold far below that does not raise recall.
* Why not SimHash: for a copy at Jaccard 0.5 a 64-bit SimHash differs in ~17 bits, an unrelated story
  in ~32 ± 4, so the Hamming radius needed (≥ 20) has no usable banded index.

On the labelled set (819 duplicate pairs of 7 edit kinds, 1,963 distinct pairs): precision 1.000,
recall 0.993 (6 misses, all with 10 % of characters edited or several edits combined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from newsportal.extract.text import fold_full_width

SHINGLE = 3  # characters per shingle
NUM_PERM = 96  # MinHash permutations
BANDS = 32  # LSH bands …
ROWS = 3  # … of this many MinHash values each (BANDS * ROWS == NUM_PERM)
KEY_BITS = 48  # band keys are stored as non-negative integers below 2**KEY_BITS
SIG_BYTES = NUM_PERM * 4  # stored signature: the MinHash values, little-endian uint32
# What a stored index was built with; a store built with other values must be reset.
SIGNATURE_VERSION = f"minhash-c{SHINGLE}-p{NUM_PERM}-b{BANDS}x{ROWS}-k{KEY_BITS}-v2"

assert BANDS * ROWS == NUM_PERM

_U64 = np.uint64
_rng = np.random.Generator(np.random.PCG64(20260315))  # fixed: signatures must be stable across runs
_MUL = _rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * _U64(2) + _U64(1)  # odd multipliers
_BAND_MUL = _rng.integers(1, 2**63, ROWS, dtype=np.uint64) * _U64(2) + _U64(1)
_BAND_SALT = _rng.integers(0, 2**63, BANDS, dtype=np.uint64)
_KEY_MASK = _U64(2**KEY_BITS - 1)


@dataclass(frozen=True)
class NearSignature:
    """The near-duplicate signature of one body: MinHash values, their LSH band keys, and the compact
    form that is stored and compared. ``empty`` when the body has fewer than SHINGLE characters."""

    minhash: np.ndarray  # NUM_PERM uint32 values
    band_keys: tuple[int, ...]  # BANDS non-negative ints < 2**KEY_BITS
    stored: bytes  # SIG_BYTES bytes: minhash as little-endian uint32

    @property
    def empty(self) -> bool:
        return not self.band_keys


# Whitespace (the ideographic space included) and zero-width characters: removed.
_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]+")


def fold(body: str) -> str:
    """The body as shingled: full-width forms as ASCII, no whitespace or zero-width characters, Latin
    lowercased. ``fold(a) == fold(b)`` wherever ``normalize_for_hash`` makes two bodies equal by width,
    spacing or case."""
    # str.split() drops exactly the whitespace \s matches (str.isspace), faster than the regex;
    # the zero-width characters (none of them whitespace) only where there are any.
    text = "".join(fold_full_width(body or "").split())
    if _ZERO_WIDTH.search(text):
        text = _ZERO_WIDTH.sub("", text)
    return text.lower()


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, element-wise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def shingle_ids(text: str) -> np.ndarray:
    """The character 3-grams of text (already normalised) as uint64 ids, repeats included (a minimum does
    not care): the three code points packed in 63 bits, so two 3-grams share an id only when they are
    equal. Empty for short text. About 28 bytes of memory a character at the peak (the text as UTF-32,
    its code points, the ids and one temporary)."""
    if len(text) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # In place: one array of ids and one temporary, not a temporary per operator.
    ids = cps[:-2] << _U64(42)
    ids |= cps[1:-1] << _U64(21)
    ids |= cps[2:]
    return ids


# Shingles hashed per block: a block costs _BLOCK × NUM_PERM × 8 bytes (1.5 MB), however long the body.
_BLOCK = 2048


def minhash_values(ids: np.ndarray) -> np.ndarray:
    """NUM_PERM MinHash values (uint32) of a set of shingle ids; all 0xFFFFFFFF for an empty set.

    The minimum of each permutation is taken block by block (a running minimum), so memory stays
    constant with the number of shingles; the values are the same as over the whole
    shingles × permutations matrix at once (a minimum of minima), which signatures stored by earlier
    versions were computed with."""
    if ids.size == 0:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    if ids.size > _BLOCK:
        ids = np.unique(
            ids
        )  # a long body repeats its 3-grams: each hashed once (a short one: not worth a sort)
    # Permutations × shingles, each permutation's products in a row: a row's minimum reads
    # contiguous memory, twice as fast as the minimum down the columns of shingles × permutations.
    with np.errstate(over="ignore"):
        lowest = np.multiply.outer(_MUL, _mix64(ids[:_BLOCK])).min(axis=1)
        for start in range(_BLOCK, ids.size, _BLOCK):
            products = np.multiply.outer(_MUL, _mix64(ids[start : start + _BLOCK]))
            np.minimum(lowest, products.min(axis=1), out=lowest)
    return (lowest >> _U64(32)).astype(np.uint32)


def band_keys(values: np.ndarray) -> tuple[int, ...]:
    """One key per band: the band's ROWS values and the band number mixed into KEY_BITS bits."""
    rows = values.astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        combined = (rows * _BAND_MUL[None, :]).sum(axis=1, dtype=np.uint64) + _BAND_SALT
        keys = _mix64(combined) & _KEY_MASK
    return tuple(keys.tolist())


def near_signature(body: str | None) -> NearSignature:
    """The signature of an article body (folded here); empty for a body under 3 characters or None."""
    text = fold(body or "")
    values = minhash_values(shingle_ids(text))
    if len(text) < SHINGLE:
        return NearSignature(values, (), b"")
    return NearSignature(values, band_keys(values), values.astype("<u4").tobytes())


def signature_from_stored(stored: bytes) -> NearSignature:
    """The signature a store kept (its ``stored`` bytes), band keys recomputed."""
    values = np.frombuffer(stored, dtype="<u4").astype(np.uint32)
    return NearSignature(values, band_keys(values), bytes(stored))


def estimated_similarity(stored_a: bytes, stored_b: bytes) -> float:
    """Jaccard similarity of two bodies' 3-gram sets estimated from their stored signatures: the share of
    equal MinHash values. 0.0 for an empty or mismatched signature."""
    a = np.frombuffer(stored_a, dtype="<u4")
    b = np.frombuffer(stored_b, dtype="<u4")
    if a.size != b.size or a.size == 0:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


# --- the near-duplicate rule, shared by the crawl (store and in-flight items) and the export -------


def band_keys_matrix(values: np.ndarray) -> np.ndarray:
    """Band keys of many signatures at once: (n, NUM_PERM) uint32 values → (n, BANDS) uint64 keys,
    each row equal to ``band_keys`` of that row."""
    rows = values.astype(np.uint64).reshape(len(values), BANDS, ROWS)
    with np.errstate(over="ignore"):
        combined = (rows * _BAND_MUL[None, None, :]).sum(axis=2, dtype=np.uint64) + _BAND_SALT[None, :]
        return _mix64(combined) & _KEY_MASK


def near_duplicate_mask(values_a: np.ndarray, values_b: np.ndarray, threshold: float) -> np.ndarray:
    """The near-duplicate rule, pair by pair: row i of values_a and row i of values_b ((n, NUM_PERM)
    uint32 MinHash values) are near duplicates when they share an LSH band (the store finds only
    those) and their estimated Jaccard similarity is at least threshold. Bool array of n."""
    if len(values_a) == 0:
        return np.zeros(0, dtype=bool)
    similarity = (values_a == values_b).mean(axis=1)
    shares_band = (band_keys_matrix(values_a) == band_keys_matrix(values_b)).any(axis=1)
    return shares_band & (similarity >= threshold)


def is_near_duplicate(a: NearSignature, b: NearSignature, threshold: float) -> bool:
    """The near-duplicate rule for two signatures (``near_duplicate_mask``); False when either is empty."""
    if a.empty or b.empty:
        return False
    return bool(near_duplicate_mask(a.minhash[None, :], b.minhash[None, :], threshold)[0])


# Characters a batch is shingled at once in ``signature_values``: a permutation's products then fill
# ~1 MB (the cache), and the batch's temporaries ~40 bytes a character (a single longer body: its own).
_BATCH_CHARS = 1 << 16


def signature_values(bodies: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(len(bodies), NUM_PERM) uint32 MinHash values, one row per body equal to what ``near_signature``
    computes for it, and a bool array: which bodies have a signature (not under SHINGLE characters).

    For the export's many bodies: the bodies are folded and shingled together as code point arrays,
    and hashed a permutation at a time over a run of bodies, each body's minimum taken by
    ``np.minimum.reduceat``: a few large numpy calls instead of a dozen small ones a body (3x less
    CPU), and numpy releases the GIL inside them, so threads can share the work. No library computes
    this signature (its hashing and permutations are the state store's stored format), so it is
    numpy here, value for value ``fold`` + ``minhash_values``. A body that is not valid Unicode
    (a lone surrogate) raises UnicodeEncodeError, as ``near_signature`` does."""
    values = np.full((len(bodies), NUM_PERM), 0xFFFFFFFF, dtype=np.uint32)
    texts = [body or "" for body in bodies]
    raw_lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    raw_ends = np.cumsum(raw_lengths)
    has = np.zeros(len(texts), dtype=bool)
    first = 0
    while first < len(texts):
        # bodies first…last-1: about _BATCH_CHARS characters, at least one body
        limit = raw_ends[first] - raw_lengths[first] + _BATCH_CHARS
        last = max(int(np.searchsorted(raw_ends, limit, "right")), first + 1)
        points, lengths = folded_code_points(texts[first:last])
        has[first:last] = lengths >= SHINGLE
        _minhash_run(points, lengths, values[first:last])
        first = last
    return values, has


def folded_code_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``fold`` of each text, as the texts' code points joined (uint32) and each folded length.

    Vectorised (``fold`` text by text is most of a batch's time): lowercasing the joined texts at
    once, then full-width forms and the removed characters on the code points, is ``fold``
    character for character (lowercasing commutes with both: tests/test_near_duplicates.py checks
    every code point), except for a capital sigma (lowercased by its context) and a character
    lowercased into two: texts with those are folded one by one."""
    joined = "".join(texts)
    lowered = joined.lower()
    if "\u03a3" in joined or len(lowered) != len(joined):
        folded = [fold(text) for text in texts]
        points = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
        return points, np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    points = np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32).copy()
    points[(points >= 0xFF01) & (points <= 0xFF5E)] -= 0xFEE0  # as fold_full_width
    removed = _removed_table()
    kept = ~removed[np.minimum(points, len(removed) - 1)]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    kept_before = np.r_[0, np.cumsum(kept)]
    ends = np.cumsum(lengths)
    return points[kept], kept_before[ends] - kept_before[ends - lengths]


@cache
def _removed_table() -> np.ndarray:
    """Which code points ``fold`` removes (``_SPACES``), indexed by code point up to U+FEFF, the last
    one; the final entry (U+FF00, and every code point above, clipped to it) is kept."""
    points = [p for p in range(0xFF01) if not 0xD800 <= p <= 0xDFFF]
    text = "".join(map(chr, points))
    table = np.zeros(0xFF01, dtype=bool)
    for match in _SPACES.finditer(text):
        for position in range(match.start(), match.end()):
            table[points[position]] = True
    return table


def _minhash_run(points: np.ndarray, lengths: np.ndarray, out: np.ndarray) -> None:
    """MinHash values of folded texts (their code points joined, and their lengths) into out's rows;
    rows of texts under SHINGLE characters are left as they are."""
    counts = np.maximum(lengths - (SHINGLE - 1), 0)  # shingles a text
    signed = np.flatnonzero(counts)
    if not len(signed):
        return
    points = points.astype(np.uint64)
    # where each shingle starts in the joined text: its text's start, then one a character
    shingle_start = np.cumsum(counts) - counts
    starts = np.repeat(np.cumsum(lengths) - lengths - shingle_start, counts)
    starts += np.arange(len(starts))
    ids = points[starts] << _U64(42)  # as shingle_ids
    ids |= points[starts + 1] << _U64(21)
    ids |= points[starts + 2]
    del points, starts
    with np.errstate(over="ignore"):
        hashed = _mix64(ids)
        products = ids  # reused: one temporary for every permutation
        lowest = np.empty((NUM_PERM, len(signed)), dtype=np.uint64)
        for k in range(NUM_PERM):
            np.multiply(hashed, _MUL[k], out=products)
            lowest[k] = np.minimum.reduceat(products, shingle_start[signed])
    out[signed] = (lowest >> _U64(32)).astype(np.uint32).T
