"""The state interface: what newsportal remembers between runs, whatever stores it.

A store keeps one record per emitted article, keyed by its canonical URL, plus two indexes over all
sites at once (syndicated copies live on other portals): the content hash of the normalised body, and
the near-duplicate signature (``newsportal.state.signature``). Kept duplicates (``duplicate_of`` set)
are remembered by URL only, so the first copy stays the one later copies point to.

``SQLiteStateStore`` is the default; a Redis store for distributed crawls implements the same class.
Every write is durable when the method returns (a process killed afterwards loses nothing), and
``add`` is idempotent per canonical URL, so at-least-once delivery cannot duplicate a record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsportal.state.signature import NearSignature


class StateError(RuntimeError):
    """A state file (the store, the resume journal) cannot be used as it is: not a database, damaged,
    another program's, built with other parameters, or in a directory that cannot be written. The
    message names the file and says what to do; the crawl exits ``state_unusable`` (66) with it, and
    nothing is written to the file."""


@dataclass
class StoredArticle:
    canonical_url: str  # the key: one record per canonical URL
    url: str | None = None  # the URL it was fetched from
    site: str | None = None  # site profile name
    title: str | None = None
    published_at: str | None = None  # ISO 8601, as in the item
    content_hash: str | None = None  # SHA-1 of the normalised body (newsportal.extract.text.content_hash)
    version: int = 1  # the item's version (incremental crawls re-emit changed bodies with version + 1)
    duplicate_of: str | None = None  # canonical URL of the first copy when emitted as a kept duplicate
    first_seen: str | None = None  # ISO 8601 time the record was first stored (set by the store)
    last_seen: str | None = None  # ISO 8601 time the URL was last stored or met again (set by the store)


@dataclass(frozen=True)
class FetchMark:
    """When a page was last fetched, and under which sitemap ``lastmod`` (issue 17: incremental runs
    skip a sitemap entry whose lastmod is not newer than this)."""

    url: str  # the URL as requested (a story's canonical URL, or a sitemap's URL)
    fetched_at: str  # ISO 8601 time of the fetch
    lastmod: str | None = None  # ISO 8601 lastmod the sitemap gave when it was fetched; None: not from one

    def unchanged_by(self, lastmod: str) -> bool:
        """Whether a page whose sitemap now says ``lastmod`` is the page fetched then: lastmod is not
        newer than the lastmod recorded, or (none recorded) than the fetch time. Unparseable: changed."""
        try:
            now = datetime.fromisoformat(lastmod)
            then = datetime.fromisoformat(self.lastmod or self.fetched_at)
            return now <= then
        except (TypeError, ValueError):
            return False


@dataclass(frozen=True)
class NearMatch:
    canonical_url: str  # the stored first copy
    similarity: float  # estimated Jaccard similarity of the two bodies' 3-gram sets


@dataclass(frozen=True)
class Claim:
    """What ``StateStore.claim`` decided for a story."""

    won: bool  # True: the story is new (or its body changed): emit it
    version: int  # the version to emit (won) or the stored version (lost to the same URL)
    kind: str | None = None  # why it lost: "url" (same body stored), "content" or "near"
    first: str | None = None  # the first copy's canonical URL (content, near), or the URL itself
    similarity: float | None = None  # near: the estimated Jaccard similarity
    token: str | None = None  # a won claim the store holds (claims_atomically): what release names


@dataclass
class StateStats:
    backend: str
    location: str
    articles: int = 0  # stored records (emitted articles)
    kept_duplicates: int = 0  # of which emitted as kept duplicates (duplicate_of set)
    content_hashes: int = 0  # distinct content hashes of first copies
    near_signatures: int = 0  # first copies indexed for near-duplicate search
    sites: dict[str, int] = field(default_factory=dict)  # articles by site
    size_bytes: int = 0  # on-disk (or in-memory) size of the store
    details: dict[str, Any] = field(default_factory=dict)  # backend-specific figures


class StateStore(ABC):
    """Seen canonical URLs, content hashes and near-duplicate signatures, surviving runs."""

    def identity(self) -> str | None:
        """A random id the store keeps from its creation (or its last reset) on. A crawl writes it to
        its stats (``newsportal/state/identity``): runs that name the same identity were deduplicated
        against one store, so the export can reuse their decisions. None: this store keeps none."""
        return None

    @abstractmethod
    def seen_url(self, canonical_url: str) -> bool:
        """Whether an article with this canonical URL was stored."""

    @abstractmethod
    def article(self, canonical_url: str) -> StoredArticle | None:
        """The stored record of this canonical URL, or None."""

    @abstractmethod
    def find_content(self, content_hash: str) -> str | None:
        """Canonical URL of the first stored copy (not a kept duplicate) with this content hash."""

    @abstractmethod
    def find_near(self, signature: NearSignature, threshold: float) -> NearMatch | None:
        """The most similar stored first copy whose estimated similarity is at least threshold, or None
        (always None for an empty signature)."""

    @abstractmethod
    def add(self, record: StoredArticle, signature: NearSignature | None = None) -> None:
        """Store record (insert, or update the record with the same canonical URL: fields, version,
        last_seen; first_seen stays). A first copy's content hash and signature are indexed; a kept
        duplicate's are not. Durable on return."""

    def add_many(self, records: Iterable[tuple[StoredArticle, NearSignature | None]]) -> int:
        """add for each (record, signature); a backend may do it in fewer writes. Returns the count."""
        count = 0
        for record, signature in records:
            self.add(record, signature)
            count += 1
        return count

    # A store shared by processes (a cluster's) sets this and makes claim one atomic check-and-record;
    # a store of one process leaves it False: claim only checks, and the caller keeps its own unrecorded
    # items in view (DedupPipeline's InFlight) until add records them.
    claims_atomically: bool = False

    def claim(
        self,
        record: StoredArticle,
        signature: NearSignature | None,
        threshold: float,
        *,
        lease_s: float = 120.0,
    ) -> Claim:
        """Whether the story of record (a first copy: duplicate_of None) is new.

        Lost when its canonical URL is stored with the same body (``url``; an empty content hash counts
        as the same), or a first copy has its content hash (``content``) or is a near-duplicate at or
        above threshold (``near``). Won when it is new (version: record.version) or its URL is stored
        with another body (version: the stored one + 1). This form only checks and writes nothing; a
        store with ``claims_atomically`` also stores the winner as claimed, so that of two processes
        claiming one story at once exactly one wins, and drops a claim not confirmed by ``add`` within
        lease_s (its process died). Either way the winner calls ``add`` once the story is written."""
        if record.duplicate_of is not None:
            raise ValueError("claim a first copy; a kept duplicate is stored with add()")
        stored = self.article(record.canonical_url)
        if stored is not None:
            if not record.content_hash or stored.content_hash == record.content_hash:
                return Claim(False, stored.version, "url", record.canonical_url)
            return Claim(True, stored.version + 1)
        if record.content_hash and (first := self.find_content(record.content_hash)):
            return Claim(False, 0, "content", first)
        if signature is not None and (match := self.find_near(signature, threshold)):
            return Claim(False, 0, "near", match.canonical_url, match.similarity)
        return Claim(True, record.version)

    def release(self, canonical_url: str, claim: Claim) -> None:
        """Give up a won claim whose story was not written after all (dropped by a later pipeline):
        its next claim wins at once, not after the lease. Nothing for a store that holds no claims."""
        return None

    @abstractmethod
    def touch(self, canonical_url: str) -> None:
        """Set last_seen of a stored URL to now (it was met again); nothing when it is not stored."""

    # --- fetch marks (issue 17): what sitemap lastmod a page was fetched under ---------------------
    # Kept apart from article records: a page that gave no item (no title, a duplicate) is marked too,
    # so an unchanged sitemap entry is not fetched again whatever it gave.

    @abstractmethod
    def fetch_mark(self, url: str) -> FetchMark | None:
        """The mark last written for url by ``mark_fetched``, or None when it was never marked."""

    @abstractmethod
    def mark_fetched(self, marks: Iterable[FetchMark]) -> None:
        """Write these marks (insert, or replace the mark of the same URL: fetched_at and lastmod,
        lastmod None included). Durable on return; an empty iterable writes nothing. ``reset`` forgets
        marks too."""

    @abstractmethod
    def stats(self) -> StateStats:
        """What is stored."""

    @abstractmethod
    def reset(self) -> None:
        """Forget everything."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards. Closing twice is harmless."""

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
