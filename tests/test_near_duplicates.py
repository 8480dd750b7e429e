"""Near-duplicate detection on the labelled set (tests/dedup_fixtures/labelled.py): syndicated copies with
an editor's note, a paragraph removed or trimmed, another 来源 line, half-width punctuation, 10 % of the
characters edited, or several of these at once, against distinct stories (all pairs of the sample
portal's stories, and hand-written different stories on the same topic)."""

from __future__ import annotations

from collections import Counter

import pytest
from dedup_fixtures.labelled import EDITS, MANIFEST, labelled_pairs, same_topic_pairs, sample_bodies

from newsportal import settings
from newsportal.state import near_signature
from newsportal.state.signature import estimated_similarity
from tests.statestores import Backend, state_backend_fixture  # noqa: F401 (the fixture)

THRESHOLD = settings.NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD

pytestmark = pytest.mark.skipif(not MANIFEST.exists(), reason="sample portal manifest not generated")


def near_duplicate(a: str, b: str) -> bool:
    """The store's decision for a pair: a shared LSH band, then the estimated similarity."""
    sa, sb = near_signature(a), near_signature(b)
    shares_band = bool(set(sa.band_keys) & set(sb.band_keys))
    return shares_band and estimated_similarity(sa.stored, sb.stored) >= THRESHOLD


@pytest.fixture(scope="module")
def outcomes() -> Counter:
    counts: Counter = Counter()
    for pair in labelled_pairs():
        predicted = near_duplicate(pair.a, pair.b)
        counts[(pair.kind, pair.duplicate, predicted)] += 1
    return counts


def test_labelled_set_has_every_edit_kind_and_both_kinds_of_distinct_pairs(outcomes: Counter) -> None:
    kinds = {kind for kind, _, _ in outcomes}
    assert set(EDITS) | {"distinct_sample_stories", "distinct_same_topic"} <= kinds
    positives = sum(n for (_, dup, _), n in outcomes.items() if dup)
    negatives = sum(n for (_, dup, _), n in outcomes.items() if not dup)
    assert positives >= 500 and negatives >= 1500


def test_near_duplicate_precision_and_recall_on_the_labelled_set(outcomes: Counter) -> None:
    tp = sum(n for (_, dup, pred), n in outcomes.items() if dup and pred)
    fn = sum(n for (_, dup, pred), n in outcomes.items() if dup and not pred)
    fp = sum(n for (_, dup, pred), n in outcomes.items() if not dup and pred)
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    missed = {kind: n for (kind, dup, pred), n in outcomes.items() if dup and not pred}
    assert precision >= 0.99, f"precision {precision:.4f}"
    assert recall >= 0.95, f"recall {recall:.4f}, missed by kind: {missed}"


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_each_edit_kind_alone_is_caught(outcomes: Counter, kind: str) -> None:
    caught = outcomes[(kind, True, True)]
    missed = outcomes[(kind, True, False)]
    assert caught / (caught + missed) >= 0.95


def test_same_topic_stories_are_not_near_duplicates() -> None:
    for topic, a, b in same_topic_pairs():
        assert not near_duplicate(a, b), topic


def test_the_store_finds_each_copy_first_copy_among_all_stories(state_backend: Backend) -> None:
    """End to end through the index (each backend's): the originals stored, each edited copy looked up."""
    bodies = sample_bodies()
    with state_backend.open() as store:
        for n, body in enumerate(bodies):
            store.add_many([(_record(n), near_signature(body))])
        found = wrong = total = 0
        for pair in labelled_pairs():
            if not pair.duplicate:
                continue
            total += 1
            match = store.find_near(near_signature(pair.b), THRESHOLD)
            if match is None:
                continue
            expected = _url(bodies.index(pair.a))
            found += match.canonical_url == expected
            wrong += match.canonical_url != expected
    assert wrong == 0
    assert found / total >= 0.95


def _url(n: int) -> str:
    return f"http://sample.example.cn/a/{n}.html"


def _record(n: int):
    from newsportal.state import StoredArticle

    return StoredArticle(canonical_url=_url(n))
