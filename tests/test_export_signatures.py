"""The export's signatures (``signature_values``: many bodies at once, folded as code point arrays) are
the crawl's (``near_signature``, one body at a time), value for value, and the export computes them in
its own process (threads), so its memory is all in one place."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from newsportal.items import ARTICLE_FIELDS
from newsportal.state.signature import (
    NUM_PERM,
    _removed_table,
    fold,
    folded_code_points,
    near_signature,
    signature_values,
)

# every kind of character fold treats specially: whitespace (ASCII, Unicode, ideographic), zero-width
# and invisible marks, full-width forms, Latin capitals, a capital sigma, a capital I with a dot above
SPECIAL = " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000"
SPECIAL += "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"
SPECIAL += "，。！？：；（）ＡＢＣａｂｃ０１２～ABCXYZabc"


def chinese_bodies(n: int, seed: int, specials: str = SPECIAL) -> list[str]:
    rng = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 600)] + list(specials)
    return ["".join(rng.choices(chars, k=rng.choice([0, 1, 2, 3, 4, 50, 400, 3000]))) for _ in range(n)]


def crawl_values(bodies: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    signatures = [near_signature(body) for body in bodies]
    values = np.array([s.minhash for s in signatures], dtype=np.uint32).reshape(len(bodies), NUM_PERM)
    return values, np.array([not s.empty for s in signatures], dtype=bool)


@pytest.mark.parametrize(
    "bodies",
    [
        pytest.param(chinese_bodies(300, 1), id="mixed-lengths-and-specials"),
        pytest.param([None, "", "a", "ab", "abc", " a b ", "\u3000\u3000"], id="empty-and-short"),
        pytest.param(["文" * 200_000, "新闻" * 30_000 + "结束"], id="longer-than-a-run"),
        pytest.param(["ΑΣ ΒΣ", "İstanbul 新闻报道", "普通的新闻报道内容"], id="sigma-and-dotted-I"),
    ],
)
def test_export_signatures_equal_the_crawls_body_by_body(bodies: list[str | None]) -> None:
    values, has = signature_values(bodies)
    expected_values, expected_has = crawl_values(bodies)
    assert has.tolist() == expected_has.tolist()
    assert np.array_equal(values, expected_values)


def test_batch_fold_is_fold_for_every_code_point() -> None:
    # every code point but the surrogates, as texts of 1,000 characters, so lowercasing, full-width
    # forms and removal are checked for each; the capital sigma and the characters lowercased into two
    # take the one-by-one path, checked with them in the texts
    everything = [chr(p) for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]
    one_to_one = [c for c in everything if len(c.lower()) == 1 and c != "\u03a3"]
    assert len(one_to_one) > 1_100_000
    texts = ["".join(one_to_one[i : i + 1000]) for i in range(0, len(one_to_one), 1000)]
    assert "".join(texts).lower() == "".join(c.lower() for c in one_to_one)  # no context but sigma's
    for batch in (texts, [*texts[:50], "ΑΣ Β", "İ x", *texts[50:100]]):
        points, lengths = folded_code_points(batch)
        folded = [fold(t) for t in batch]
        assert lengths.tolist() == [len(f) for f in folded]
        assert points.tobytes().decode("utf-32-le") == "".join(folded)
    table = _removed_table()
    assert not table[-1]  # clipped code points above U+FEFF are kept


def test_export_signs_bodies_in_its_own_process(tmp_path) -> None:
    # the signatures were computed by forked workers, whose memory the export's peak RSS left out
    import pyarrow as pa

    from newsportal.corpus.columns import read_schema
    from newsportal.corpus.selection import CorpusIndex

    forks: list[int] = []
    os.register_at_fork(before=lambda: forks.append(os.getpid()))
    bodies = chinese_bodies(1200, 2, specials="，。")
    rows = [
        {**{f: None for f in ARTICLE_FIELDS}, "url": f"http://p/{i}", "title": "t", "body": body,
         "images": [], "tags": [], "related_urls": [], "page_count": 1, "version": 1}
        for i, body in enumerate([*bodies, bodies[7] + "。"])
    ]  # fmt: skip
    index = CorpusIndex()
    index.add_batch(0, 0, pa.RecordBatch.from_pylist(rows, schema=read_schema()))
    selection = index.select(keep_duplicates=True)
    assert forks == []
    assert selection.removed["near"] >= 1
    assert selection.duplicate_of_row[(0, len(bodies))] == 7
