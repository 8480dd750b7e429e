"""Fault matrix, sizes, trees and memory: no page can exhaust memory or crash the run.

Each crawl test serves a hostile page from ``tests/faultserver.py`` beside ordinary articles and
asserts the stats, the exit code, the items and the peak RSS of the crawl's process tree.
"""

from __future__ import annotations

import hashlib
import random
import tracemalloc

import numpy as np
import pytest
from faultserver import _CHARS, article_text

from newsportal.state.signature import NUM_PERM, fold, near_signature, shingle_ids

# --- the near-duplicate signature: memory bounded, values unchanged ---------------------------------


def _random_body(chars: int) -> str:
    rnd = random.Random(chars)
    return "".join(rnd.choices(_CHARS + "，。", k=chars))


# SHA-1 of the stored signature of each body, computed by the signature code before its memory fix
# (one shingles × permutations matrix): signatures kept in users' state files must still match.
_STORED_BEFORE = {
    "empty": ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    "two": ("新闻", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    "three": ("新闻稿", "982a8a26f942d72290193284037358476755411a"),
    "ascii": ("Hello, World! The quick brown fox 2026.", "f36ebe8ff1f0093d1a46c3c3357808326422fd80"),
    "mixed": (
        "\u3000\u3000新华社北京3月14日电（记者　张三）ＡＢＣ１２３ zero\u200bwidth\n第二段。",
        "6cb1088c5214c3ea0679739f7260dad0062e39eb",
    ),
    "article": ("\n".join(article_text("签名一", 6)), "2e125cbed28702e4a9dd170d5b0b0c79f85ef7dd"),
    "repeated": ("重复的句子。" * 500, "3082265cd0f1bcd703834fd4a5a0946e993ff8ec"),
    "long": ("\n".join(article_text("签名长", 400)), "51780c6a3ee7f66e02e3f94b40f6470fbc198816"),
    "100k": (_random_body(100_000), "2c751dfd046b9041dd4bfe8620205ec6d6b719c1"),
    "1M": (_random_body(1_000_000), "5b4024341ea47c2752c31716287f29a0172e6584"),
}


def _matrix_minhash(body: str) -> bytes:
    """The signature as it was first written: every shingle × every permutation in one matrix."""
    from newsportal.state.signature import _MUL, _U64, _mix64

    ids = shingle_ids(fold(body))
    if ids.size == 0:
        return b""
    with np.errstate(over="ignore"):
        products = np.multiply.outer(_mix64(ids), _MUL)
    return (products.min(axis=0) >> _U64(32)).astype("<u4").tobytes()


@pytest.mark.parametrize("name", list(_STORED_BEFORE))
def test_signature_is_bit_identical_to_the_stored_signatures_of_earlier_versions(name: str) -> None:
    body, digest = _STORED_BEFORE[name]
    signature = near_signature(body)
    assert hashlib.sha1(signature.stored).hexdigest() == digest
    if len(body) <= 100_000:  # the matrix form costs ~770 bytes a character: small bodies only
        assert signature.stored == _matrix_minhash(body)
    assert len(signature.band_keys) == (32 if signature.stored else 0)


def test_signature_memory_grows_at_most_linearly_with_a_small_constant_per_character() -> None:
    peaks = {}
    for chars in (100_000, 1_000_000):
        body = _random_body(chars)
        tracemalloc.start()
        try:
            signature = near_signature(body)
            peaks[chars] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(signature.minhash) == NUM_PERM
    per_char = (peaks[1_000_000] - peaks[100_000]) / 900_000
    assert per_char < 50, f"{per_char:.0f} bytes a character ({peaks})"  # was ~770
    assert peaks[1_000_000] < 50 * 1_000_000
