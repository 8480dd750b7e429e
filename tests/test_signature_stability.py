"""Dedup keys are stored in users' state across runs (SQLite / Redis stores, the export's reuse of
them): a speed change to the signature, the content hash or the folding they read must leave every
value bit for bit as it was. Pinned here as digests of the keys of a fixed set of bodies (Chinese
bodies of every length, ASCII, full-width forms, whitespace and zero-width characters, bodies longer
than one MinHash block), computed with the code before the change; and checked against MinHash's
definition written the plain way."""

from __future__ import annotations

import hashlib
import random
import sys

import numpy as np
import pytest

from newsportal.extract.text import content_hash, fold_full_width, normalize_for_hash
from newsportal.pipelines.dedup import dedup_keys
from newsportal.state.signature import _MUL, NUM_PERM, SHINGLE, fold, near_signature
from tests.conftest import ROOT

SPECIAL = " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u2028\u3000\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e"
SPECIAL += "\u200f，。！？：；（）ＡＢＣａｂｃ０１２～ABCXYZabc \n\n\u00e9\u0301\ufb01Σ"


def bodies() -> list[str]:
    """The fixed bodies: random ones of every length, and synthetic-portal article bodies."""
    rng = random.Random(20261203)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 800)] + list(SPECIAL) + list("abcdefg0123 ")
    out = ["", "a", "ab", "abc", "  a b  ", "\u3000\u3000", "ＡＢＣ", "新闻", "新闻稿", "Hello, World!"]
    for length in (3, 4, 5, 10, 50, 200, 1000, 2046, 2047, 2048, 2049, 2050, 5000, 9000):
        out.append("".join(rng.choices(chars, k=length)))
    cjk = chars[:800]  # shingle counts around MinHash's block of 2048
    for length in (2049, 2050, 2051, 4097, 4098, 4099):
        out.append("".join(rng.choices(cjk, k=length)))
    for _ in range(40):
        lines = ["".join(rng.choices(chars, k=rng.randrange(0, 300))) for _ in range(rng.randrange(1, 12))]
        out.append("\n".join(lines))
    out.append("English only text, with Capitals AND punctuation. " * 50)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic_portal import SyntheticPortal, _paragraph

    portal = SyntheticPortal(200)
    for seed in range(30):
        para_rng = random.Random(portal.body_seed(100001 + seed))
        out.append("\n".join(_paragraph(para_rng) for _ in range(para_rng.randrange(3, 9))))
    return out


def _digest(parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


# Computed on main at fa929cb (before issue 16's worker speed-ups): change these only with a
# SIGNATURE_VERSION change and a migration of stored state.
PINNED = {
    "signatures": "60872a068b823a193b63e02077b9bc00f00ff0068f6d9fef5dec3f69220af3fc",
    "content_hashes": "a5c11a66ad83ea50a08b7c100b8f5bacf16eb33c7698a344641245f60b6f52bc",
    "folded": "a6999ea30e2591d347a91703cc3ded771aa4e01ca7ed99bf2c34024e62b56eeb",
}


def test_bodies_are_the_pinned_ones():
    assert len(bodies()) == 101


def test_signatures_are_bit_identical_to_the_pinned_ones():
    parts = []
    for body in bodies():
        sig = near_signature(body)
        parts.append((sig.stored.hex(), sig.band_keys, sig.minhash.tobytes().hex()))
    assert _digest(parts) == PINNED["signatures"]


def test_content_hashes_and_dedup_keys_are_the_pinned_ones():
    hashes = [content_hash(body) for body in bodies()]
    assert _digest(hashes) == PINNED["content_hashes"]
    for body, chash in zip(bodies(), hashes, strict=True):
        key, signature = dedup_keys(body)
        if body:
            assert key == chash and signature.stored == near_signature(body).stored
        else:
            assert (key, signature) == (None, None)


def test_folded_forms_are_the_pinned_ones():
    parts = [(fold(b), normalize_for_hash(b), fold_full_width(b)) for b in bodies()]
    assert _digest(parts) == PINNED["folded"]


def _plain_minhash(text: str) -> list[int]:
    """MinHash as documented in state/signature.py, one shingle and one permutation at a time."""
    mask = (1 << 64) - 1
    shingles = {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}
    values = []
    for mul in _MUL.tolist():
        lowest = mask
        for shingle in shingles:
            x = (ord(shingle[0]) << 42) | (ord(shingle[1]) << 21) | ord(shingle[2])
            x ^= x >> 30
            x = (x * 0xBF58476D1CE4E5B9) & mask
            x ^= x >> 27
            x = (x * 0x94D049BB133111EB) & mask
            x ^= x >> 31
            lowest = min(lowest, (x * mul) & mask)
        values.append(lowest >> 32)
    return values


@pytest.mark.parametrize("index", [0, 2, 3, 6, 10, 16, 20, 21, 24, 25, 26, 27, 28, 30, 60, 100])
def test_minhash_is_its_plain_definition(index: int):
    body = bodies()[index]
    text = fold(body)
    expected = _plain_minhash(text) if len(text) >= SHINGLE else [0xFFFFFFFF] * NUM_PERM
    assert near_signature(body).minhash.tolist() == expected
    assert near_signature(body).minhash.dtype == np.uint32
