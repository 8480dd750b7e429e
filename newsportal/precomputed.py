"""What CleanPipeline and DedupPipeline compute for an article, computed ahead and kept on the item.

The spider's one worker call per article page (``newsportal.pageanalysis.analyse_and_prepare``)
also cleans the one-page article the page gives and computes its cleaned body's dedup keys: pure
functions of the item, so the extraction worker can do them while it has the page, and the crawl
process pays one round trip to the worker an article instead of three. The pipelines still decide
everything: they only take a value from here instead of computing it.

A value computed ahead is used only for the item it was computed for, with the values it had then:

* ``attach_clean`` keeps, beside the cleaned values, a snapshot of every field of the item the
  spider emits; ``clean_ahead`` gives them back only while the item still equals that snapshot (a
  middleware or pipeline that changed the item, in place or by ``replace``, gets it cleaned anew);
* ``attach_keys`` keeps the dedup keys with the cleaned body and content hash they are keys of;
  ``keys_ahead`` gives them back only while the item still has that body and hash.

An item from anywhere else (a dict, another spider, an Article made by ``replace``) has nothing
attached, and is cleaned and keyed as before. The record rides on the item object as an attribute
that is no dataclass field, so ItemAdapter, feeds and ``asdict`` never see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

from newsportal.items import ARTICLE_FIELDS, Article
from newsportal.state.signature import NearSignature, near_signature

_CLEAN = "_newsportal_clean_ahead"
_KEYS = "_newsportal_keys_ahead"


@dataclass(frozen=True)
class PreparedArticle:
    """What the worker computed for a one-page article, as it travels back from the worker: the
    fields cleaning changes (``cleaned_values``, minus those it left equal) and the cleaned body's
    dedup keys (``dedup_keys``: content hash, the signature as its stored bytes and band keys, no
    numpy pickle), or None when they were not computed ahead (a body over NEWSPORTAL_MAX_BODY_CHARS,
    which validation drops before DedupPipeline would compute them)."""

    cleaned: dict[str, Any]
    keys: tuple[str | None, bytes | None, tuple[int, ...]] | None


def pack_signature(signature: NearSignature | None) -> tuple[bytes | None, tuple[int, ...]]:
    if signature is None:
        return None, ()
    return signature.stored, signature.band_keys


def unpack_signature(stored: bytes | None, band_keys: tuple[int, ...]) -> NearSignature | None:
    """The NearSignature ``pack_signature`` was given (an empty one comes back empty)."""
    if stored is None:
        return None
    if not stored:  # a body under 3 characters: as near_signature gives it
        return near_signature("")
    return NearSignature(np.frombuffer(stored, dtype="<u4").astype(np.uint32), band_keys, stored)


_FIELD_VALUES = attrgetter(*ARTICLE_FIELDS)


def _snapshot(article: Article) -> tuple:
    """Every field's value; beside them, copies of the lists (tags, images and their dicts, related
    URLs), which the values hold by reference: an in-place edit of the item must show."""
    values = _FIELD_VALUES(article)
    lists = [
        [dict(v) if isinstance(v, dict) else v for v in value] for value in values if isinstance(value, list)
    ]
    return values, lists


@dataclass(frozen=True)
class _CleanAhead:
    snapshot: tuple
    prepared: PreparedArticle


@dataclass(frozen=True)
class _KeysAhead:
    body: str | None
    content_hash: str | None
    keys: tuple[str | None, NearSignature | None]


def attach_clean(article: Article, prepared: PreparedArticle) -> None:
    """Keep ``prepared`` on the article the spider built from the page it was computed from."""
    vars(article)[_CLEAN] = _CleanAhead(_snapshot(article), prepared)


def clean_ahead(article: Article) -> PreparedArticle | None:
    """What was computed ahead for this article, if it is still the article it was computed for."""
    ahead = vars(article).get(_CLEAN)
    if ahead is None or ahead.snapshot != _snapshot(article):
        return None
    return ahead.prepared


def attach_keys(cleaned: Article, prepared: PreparedArticle) -> None:
    """Keep the dedup keys computed ahead (if they were) on the cleaned article, with its body and
    hash as they are now."""
    if prepared.keys is None:
        return
    chash, stored, band_keys = prepared.keys
    signature = unpack_signature(stored, band_keys)
    vars(cleaned)[_KEYS] = _KeysAhead(cleaned.body, cleaned.content_hash, (chash, signature))


def keys_ahead(article: Article) -> tuple[str | None, NearSignature | None] | None:
    """``dedup_keys(article.body, article.content_hash)`` computed ahead, if the article still has
    the body and content hash they were computed from; else None."""
    ahead = vars(article).get(_KEYS)
    if ahead is None or ahead.body != article.body or ahead.content_hash != article.content_hash:
        return None
    return ahead.keys
