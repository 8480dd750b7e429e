"""SQLiteStateStore: the default state store, one SQLite file in the state directory.

Schema (``state.sqlite3``):

* ``article``: one row per stored canonical URL (the ``StoredArticle`` fields), the content hash indexed,
  and the 384-byte near-duplicate signature of first copies;
* ``near_band``: ``(key, article)`` rows, one per LSH band of each first copy, a WITHOUT ROWID table
  whose primary key is the lookup index; a lookup reads 32 keys, never the whole table;
* ``fetch_mark``: ``(url, fetched_at, lastmod)``, when a page was fetched under which sitemap lastmod
  (added by issue 17; created on open in older stores, which had none);
* ``meta``: schema and signature versions (a store built with other signature parameters is refused).

A file that is not such a store (not a database, damaged, another program's schema, a directory, in a
directory that cannot be written) is refused with a StateError that names it and says what to do;
nothing is written to it. A write that fails (disk full, I/O error) raises an OSError naming the file
(SQLite's own errors carry no errno), so the crawl's WriteGuard can tell it from a bug.

WAL journal, ``synchronous=NORMAL``: each ``add`` is one transaction committed before it returns, so a
process killed with SIGKILL loses at most the item being written and leaves the file consistent.

The band rows are the one derived part: 32 rows at random places of a large B-tree cost ~30 page
writes, so they are buffered in a TEMP table of the connection (in memory, ~0.5 MB a thousand
stories: SQLite rows, not Python objects; searched by ``find_near`` in the same query as the table)
and written sorted every ``band_flush`` (10,000) first copies and on close. Rows whose bands are
not written yet are marked (``banded = 0``, a partial index); opening the store indexes them from their
stored signatures, so a kill -9 loses no near-duplicate signature either. Several processes may share
the file (writers wait up to ``busy_timeout``); one sees another's latest near-duplicate signatures once
they are flushed.
"""

from __future__ import annotations

import errno
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np

from newsportal.durability import as_os_error, write_error
from newsportal.extract.dates import CHINA_TZ
from newsportal.state.base import FetchMark, NearMatch, StateError, StateStats, StateStore, StoredArticle
from newsportal.state.signature import (
    BANDS,
    SIG_BYTES,
    SIGNATURE_VERSION,
    NearSignature,
    signature_from_stored,
)

DB_NAME = "state.sqlite3"
EMPTY_STATE = "the next run starts with empty state (every article is emitted again)"
SCHEMA_VERSION = "1"
BAND_FLUSH = 10_000  # first copies whose band rows are written in one transaction
# A lookup verifies at most this many candidates (those sharing the most bands first), so a flood of
# templated stories (market reports, weather) cannot make one lookup slow.
MAX_CANDIDATES = 256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    url TEXT,
    site TEXT,
    title TEXT,
    published_at TEXT,
    content_hash TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    duplicate_of TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    signature BLOB,
    banded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS article_content_hash ON article (content_hash) WHERE duplicate_of IS NULL;
CREATE INDEX IF NOT EXISTS article_unbanded ON article (id) WHERE banded = 0 AND signature IS NOT NULL;
CREATE TABLE IF NOT EXISTS fetch_mark (
    url TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    lastmod TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS near_band (
    key INTEGER NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (key, article)
) WITHOUT ROWID;
"""

_KEYS = ", ".join("?" * BANDS)
# Band rows written and band rows buffered (temp.pending_band), in one query: the keys are bound twice.
_BAND_LOOKUP = (
    f"SELECT article FROM near_band WHERE key IN ({_KEYS}) "
    f"UNION ALL SELECT article FROM temp.pending_band WHERE key IN ({_KEYS})"
)
# The candidates of a lookup: the MAX_CANDIDATES articles sharing the most bands (the oldest first among
# equals), with their signatures, oldest first. Counted and ranked by SQLite: a common phrase can give
# a lookup thousands of band rows, which as Python rows cost more than the rest of the item.
_CANDIDATES = (
    "SELECT a.id, a.signature FROM article AS a JOIN ("
    f"SELECT article, COUNT(*) AS shared FROM ({_BAND_LOOKUP}) GROUP BY article "
    f"ORDER BY shared DESC, article LIMIT {MAX_CANDIDATES}"
    ") AS c ON a.id = c.article WHERE a.signature IS NOT NULL ORDER BY a.id"
)
# The buffer of band rows not written yet: per connection, in memory (temp_store=MEMORY), gone with
# the process; the articles they belong to are marked banded = 0 in the file until flushed.
# A first copy's band rows buffered in one statement: executemany steps a statement per row, and its
# per-row binding cost more than the B-tree inserts (~87 against ~51 µs a story of 32 bands).
_BUFFER_BANDS = "INSERT OR IGNORE INTO temp.pending_band (key, article) VALUES " + ", ".join(
    ["(?, ?)"] * BANDS
)
_PENDING_SCHEMA = (
    "CREATE TEMP TABLE IF NOT EXISTS pending_band (key INTEGER NOT NULL, article INTEGER NOT NULL, "
    "PRIMARY KEY (key, article)) WITHOUT ROWID"
)
_FIELDS = (
    "canonical_url",
    "url",
    "site",
    "title",
    "published_at",
    "content_hash",
    "version",
    "duplicate_of",
    "first_seen",
    "last_seen",
)


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> str:
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")


class SQLiteStateStore(StateStore):
    def __init__(
        self,
        path: str | Path,
        *,
        cache_mib: int = 64,
        busy_timeout_s: float = 30.0,
        check_signature: bool = True,
        band_flush: int = BAND_FLUSH,
    ) -> None:
        """Open (creating it and its directory if needed) the store at path: a directory (the file is
        ``state.sqlite3`` in it) or a ``.sqlite3`` file. Raises StateError for a store built with other
        signature parameters, unless check_signature is False (to reset it)."""
        path = Path(path)
        if path.suffix not in (".sqlite3", ".sqlite", ".db"):
            path = path / DB_NAME
        self.path = path
        self.band_flush = max(1, band_flush)
        self._pending_ids: set[int] = set()  # articles whose band rows are in temp.pending_band
        self._db: sqlite3.Connection | None = None
        try:
            with opening(path, "state store", EMPTY_STATE):
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = db = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_s)
                refuse_foreign(db, path, "meta", "state store")
                if db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone() and not (
                    db.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
                ):
                    raise sqlite3.DatabaseError("a table 'meta' without our schema_version: not ours")
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(f"PRAGMA cache_size=-{int(cache_mib) * 1024}")
                db.execute("PRAGMA temp_store=MEMORY")
                db.execute(_PENDING_SCHEMA)
                with self._transaction():
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        db.execute(statement)
                    stored = dict(db.execute("SELECT name, value FROM meta"))
                    if not stored:
                        db.executemany(
                            "INSERT INTO meta (name, value) VALUES (?, ?)",
                            [("schema_version", SCHEMA_VERSION), ("signature_version", SIGNATURE_VERSION)],
                        )
                    if "store_id" not in stored:  # a store made before identities: given one now
                        db.execute("INSERT INTO meta (name, value) VALUES ('store_id', ?)", (_new_id(),))
                    elif check_signature and stored.get("signature_version") != SIGNATURE_VERSION:
                        raise StateError(
                            f"{path} holds near-duplicate signatures {stored.get('signature_version')!r}, "
                            f"this version computes {SIGNATURE_VERSION!r}: run `newsportal state reset`"
                        )
        except BaseException:
            if self._db is not None:
                self._db.close()
                self._db = None
            raise
        if check_signature:
            with as_os_error(path):
                self._index_unbanded()

    # --- plumbing --------------------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateError(f"state store {self.path} is closed")
        return self._db

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # --- reads -----------------------------------------------------------------------------------

    def identity(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = 'store_id'").fetchone()
        return row[0] if row else None

    def seen_url(self, canonical_url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM article WHERE canonical_url = ?", (canonical_url,)).fetchone()
        return row is not None

    def article(self, canonical_url: str) -> StoredArticle | None:
        row = self.db.execute(
            f"SELECT {', '.join(_FIELDS)} FROM article WHERE canonical_url = ?", (canonical_url,)
        ).fetchone()
        return StoredArticle(**dict(zip(_FIELDS, row, strict=True))) if row else None

    def find_content(self, content_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT canonical_url FROM article WHERE content_hash = ? AND duplicate_of IS NULL "
            "ORDER BY id LIMIT 1",
            (content_hash,),
        ).fetchone()
        return row[0] if row else None

    def find_near(self, signature: NearSignature, threshold: float) -> NearMatch | None:
        if signature.empty:
            return None
        rows = self.db.execute(_CANDIDATES, signature.band_keys * 2).fetchall()
        if not rows:
            return None
        stored = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4").reshape(len(rows), -1)
        mine = np.frombuffer(signature.stored, dtype="<u4")
        similarity = (stored == mine[None, :]).mean(axis=1)
        best = int(np.argmax(similarity))  # the first (oldest) of equally similar copies
        if similarity[best] < threshold:
            return None
        url = self.db.execute("SELECT canonical_url FROM article WHERE id = ?", (rows[best][0],)).fetchone()
        return NearMatch(url[0], round(float(similarity[best]), 4))

    # --- writes ----------------------------------------------------------------------------------

    def add(self, record: StoredArticle, signature: NearSignature | None = None) -> None:
        with as_os_error(self.path), self._transaction():
            self._add(record, signature, _now())
        if len(self._pending_ids) >= self.band_flush:
            self.flush()

    def add_many(self, records: Iterable[tuple[StoredArticle, NearSignature | None]]) -> int:
        now, count = _now(), 0
        with as_os_error(self.path), self._transaction():
            for record, signature in records:
                self._add(record, signature, now)
                count += 1
        if len(self._pending_ids) >= self.band_flush:
            self.flush()
        return count

    def flush(self) -> None:
        """Write the buffered band rows (sorted, one transaction) and mark their articles banded."""
        if not self._pending_ids:
            return
        with as_os_error(self.path), self._transaction():
            # In key order (the buffer's primary key): neighbouring rows land on the same B-tree pages.
            self.db.execute(
                "INSERT OR IGNORE INTO near_band (key, article) SELECT key, article FROM temp.pending_band"
            )
            self.db.executemany(
                "UPDATE article SET banded = 1 WHERE id = ?", [(i,) for i in sorted(self._pending_ids)]
            )
            self.db.execute("DELETE FROM temp.pending_band")
        self._pending_ids.clear()

    def _index_unbanded(self) -> None:
        """Band rows for first copies stored by a process that ended before writing them."""
        rows = self.db.execute(
            "SELECT id, signature FROM article WHERE banded = 0 AND signature IS NOT NULL"
        ).fetchall()
        for article_id, blob in rows:
            self._buffer_bands(article_id, signature_from_stored(blob))
        self.flush()

    def _add(self, record: StoredArticle, signature: NearSignature | None, now: str) -> None:
        db = self.db
        first_copy = record.duplicate_of is None
        blob = signature.stored if first_copy and signature is not None and not signature.empty else None
        if blob is not None and len(blob) != SIG_BYTES:
            raise ValueError(f"signature of {len(blob)} bytes, expected {SIG_BYTES}")
        row = db.execute(
            "INSERT INTO article (canonical_url, url, site, title, published_at, content_hash, version, "
            "duplicate_of, first_seen, last_seen, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (canonical_url) DO UPDATE SET url = excluded.url, site = excluded.site, "
            "title = excluded.title, published_at = excluded.published_at, "
            "content_hash = excluded.content_hash, version = excluded.version, "
            "duplicate_of = excluded.duplicate_of, last_seen = excluded.last_seen, "
            "signature = excluded.signature, "
            # a new signature's bands are buffered below: not banded until they are written
            "banded = CASE WHEN excluded.signature IS NULL THEN banded ELSE 0 END RETURNING id",
            (
                record.canonical_url,
                record.url,
                record.site,
                record.title,
                record.published_at,
                record.content_hash,
                record.version,
                record.duplicate_of,
                record.first_seen or now,
                now,
                blob,
            ),
        ).fetchone()
        # An updated record keeps the band rows of its old body: a lookup verifies every candidate
        # against the signature stored now, so they cost a little space, never a wrong match.
        if blob is not None:
            self._buffer_bands(row[0], signature)

    def _buffer_bands(self, article_id: int, signature: NearSignature) -> None:
        keys = signature.band_keys
        if len(keys) == BANDS:
            self.db.execute(_BUFFER_BANDS, [v for key in keys for v in (key, article_id)])
        else:
            self.db.executemany(
                "INSERT OR IGNORE INTO temp.pending_band (key, article) VALUES (?, ?)",
                [(key, article_id) for key in keys],
            )
        self._pending_ids.add(article_id)

    def touch(self, canonical_url: str) -> None:
        with as_os_error(self.path):
            self.db.execute(
                "UPDATE article SET last_seen = ? WHERE canonical_url = ?", (_now(), canonical_url)
            )

    def fetch_mark(self, url: str) -> FetchMark | None:
        row = self.db.execute("SELECT fetched_at, lastmod FROM fetch_mark WHERE url = ?", (url,)).fetchone()
        return FetchMark(url, row[0], row[1]) if row else None

    def mark_fetched(self, marks: Iterable[FetchMark]) -> None:
        rows = [(m.url, m.fetched_at, m.lastmod) for m in marks]
        if not rows:
            return
        with as_os_error(self.path), self._transaction():
            self.db.executemany(
                "INSERT INTO fetch_mark (url, fetched_at, lastmod) VALUES (?, ?, ?) ON CONFLICT (url) "
                "DO UPDATE SET fetched_at = excluded.fetched_at, lastmod = excluded.lastmod",
                rows,
            )

    # --- admin -----------------------------------------------------------------------------------

    def stats(self) -> StateStats:
        db = self.db
        articles, kept, hashes, signatures = db.execute(
            "SELECT COUNT(*), COUNT(duplicate_of), "
            "COUNT(DISTINCT CASE WHEN duplicate_of IS NULL THEN content_hash END), COUNT(signature) "
            "FROM article"
        ).fetchone()
        sites = dict(
            db.execute("SELECT COALESCE(site, '?'), COUNT(*) FROM article GROUP BY 1 ORDER BY 2 DESC")
        )
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        bands = db.execute("SELECT COUNT(*) FROM near_band").fetchone()[0]
        bands += db.execute("SELECT COUNT(*) FROM temp.pending_band").fetchone()[0]
        meta = dict(db.execute("SELECT name, value FROM meta"))
        meta["fetch_marks"] = db.execute("SELECT COUNT(*) FROM fetch_mark").fetchone()[0]
        return StateStats(
            backend="sqlite",
            location=str(self.path),
            articles=articles,
            kept_duplicates=kept,
            content_hashes=hashes,
            near_signatures=signatures,
            sites=sites,
            size_bytes=size,
            details={"near_band_rows": bands, **meta},
        )

    def reset(self) -> None:
        self._pending_ids.clear()
        with self._transaction():
            self.db.execute("DELETE FROM temp.pending_band")
            self.db.execute("DELETE FROM near_band")
            self.db.execute("DELETE FROM article")
            self.db.execute("DELETE FROM fetch_mark")
            self.db.execute(
                "UPDATE meta SET value = ? WHERE name = 'signature_version'", (SIGNATURE_VERSION,)
            )
            # decisions made before the reset are not this store's any more (see StateStore.identity)
            self.db.execute("UPDATE meta SET value = ? WHERE name = 'store_id'", (_new_id(),))
        self.db.execute("VACUUM")

    def close(self) -> None:
        """Write what is buffered and close; the connection is closed even when that write fails."""
        if self._db is not None:
            try:
                self.flush()
            finally:
                self._db.close()
                self._db = None


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an exception) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if not exc_type:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
            self.db.execute("ROLLBACK")


# What to do with a state file that is refused: said in the message, once for every kind of file.
MOVE_ASIDE = "move it aside (or delete it) and run again; {consequence}"
# SQLite's result codes of a file that is not a usable database of ours (low byte of the code).
_UNUSABLE_CODES = {
    1: "is not a newsportal {what} (another program's tables?)",  # SQLITE_ERROR: our fixed SQL failed
    8: "cannot be written (a read-only file or directory)",  # SQLITE_READONLY
    11: "is damaged (database disk image is malformed)",  # SQLITE_CORRUPT
    14: "cannot be opened (a directory, or no permission)",  # SQLITE_CANTOPEN
    23: "cannot be read or written (permission denied)",  # SQLITE_AUTH / EACCES-like
    26: "is not an SQLite database",  # SQLITE_NOTADB
}


@contextmanager
def opening(path: Path, what: str, consequence: str) -> Iterator[None]:
    """Opening a state file: a file that cannot be used as it is raises StateError naming it and what to
    do; a write that fails (disk full) raises an OSError naming it; anything else as it is."""
    try:
        yield
    except StateError:
        raise
    except (OSError, sqlite3.Error) as exc:
        failed = write_error(exc, path)
        if failed is not None and failed.errno != errno.EROFS:
            if failed is exc:
                raise
            raise failed from exc
        if isinstance(exc, sqlite3.Error):
            code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
            why = _UNUSABLE_CODES.get(code, "is unusable ({exc})").format(what=what, exc=exc)
            if code == 14 and path.is_dir():
                why = "is a directory"
            elif "not ours" in str(exc):
                why = f"is not a newsportal {what} (another program's database?)"
        elif isinstance(exc, FileExistsError | NotADirectoryError):
            why = f"cannot be created: {exc.filename} is in the way (not a directory)"
        else:
            why = f"cannot be created ({exc.strerror or exc})"
        raise StateError(f"the {what} {path} {why}: " + MOVE_ASIDE.format(consequence=consequence)) from exc


def refuse_foreign(db: sqlite3.Connection, path: Path, own_table: str, what: str) -> None:
    """Raise (a DatabaseError saying 'not ours') when the database has tables but not own_table:
    another program's file, which must not get our tables added to it."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and own_table not in tables:
        raise sqlite3.DatabaseError(f"{path} has tables {sorted(tables)[:5]} and no {own_table!r}: not ours")
