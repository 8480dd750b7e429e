"""Near-duplicate bodies: a 64-bit SimHash signature and an index that finds an earlier close one.

The export talks to near-duplicate detection only through ``near_duplicate_key(body)`` and
``NearDuplicateIndex`` (``match``, ``add``), so the crawl's own detection in ``newsportal.state`` can
replace this one by pointing these two names at it.

The signature is a SimHash over the overlapping 4-character shingles of
``normalize_for_hash(body)``: two bodies that share most of their shingles get signatures a few bits
apart. Two signatures at most ``MAX_DISTANCE`` bits apart are near-duplicates; the index finds them
with four 16-bit bands (two signatures within 3 bits agree exactly on at least one band).
"""

from __future__ import annotations

from array import array

import numpy as np

from newsportal.extract.text import normalize_for_hash

SHINGLE_CHARS = 4
MIN_CHARS = 24  # shorter normalised bodies get no signature: too few shingles to compare fairly
MAX_DISTANCE = 3  # bits of 64
_BANDS = 4
_BAND_BITS = 64 // _BANDS
_BAND_MASK = (1 << _BAND_BITS) - 1

# Odd 64-bit constants: a shingle's code points are combined with one each, then mixed once.
_SHINGLE_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5], dtype=np.uint64
)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_S29, _S32 = np.uint64(29), np.uint64(32)


def near_duplicate_key(body: str | None, normalized: str | None = None) -> int | None:
    """The 64-bit SimHash of body's normalised text (pass ``normalized`` when it is already at hand),
    or None when that is shorter than MIN_CHARS. Deterministic across processes and machines."""
    text = normalized if normalized is not None else normalize_for_hash(body or "")
    if len(text) < MIN_CHARS:
        return None
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - SHINGLE_CHARS + 1
    shingles = codes[:n] * _SHINGLE_MULTIPLIERS[0]
    for offset in range(1, SHINGLE_CHARS):
        shingles += codes[offset : offset + n] * _SHINGLE_MULTIPLIERS[offset]
    shingles ^= shingles >> _S29
    shingles *= _MIX
    shingles ^= shingles >> _S32
    bits = np.unpackbits(shingles.view(np.uint8)).reshape(n, 64).astype(np.float32)
    ones = np.ones(n, dtype=np.float32)
    majority = (ones @ bits) * 2 > n
    return int.from_bytes(np.packbits(majority).tobytes(), "big")


def distance(a: int, b: int) -> int:
    """Bits in which two signatures differ."""
    return (a ^ b).bit_count()


class NearDuplicateIndex:
    """Signatures added so far, searchable for one within MAX_DISTANCE bits.

    Memory is a few tens of bytes per signature: the signatures in an array, and per band a dict
    from the band's 16-bit value to the positions holding it."""

    def __init__(self) -> None:
        self._signatures = array("Q")
        self._ids = array("q")
        self._bands: list[dict[int, list[int]]] = [{} for _ in range(_BANDS)]

    def __len__(self) -> int:
        return len(self._ids)

    def match(self, signature: int) -> int | None:
        """The id of the first-added signature within MAX_DISTANCE bits of signature, or None."""
        best: int | None = None
        for band, buckets in enumerate(self._bands):
            for position in buckets.get((signature >> (band * _BAND_BITS)) & _BAND_MASK, ()):
                if (best is None or position < best) and (
                    (self._signatures[position] ^ signature).bit_count() <= MAX_DISTANCE
                ):
                    best = position
        return None if best is None else self._ids[best]

    def add(self, signature: int, ident: int) -> None:
        """Index signature under ident (an int the caller uses to find its record again)."""
        position = len(self._ids)
        self._signatures.append(signature)
        self._ids.append(ident)
        for band, buckets in enumerate(self._bands):
            buckets.setdefault((signature >> (band * _BAND_BITS)) & _BAND_MASK, []).append(position)
