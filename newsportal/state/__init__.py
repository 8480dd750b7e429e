"""What survives a run: seen canonical URLs, content hashes and near-duplicate signatures.

``open_state(settings)`` opens the store the settings name (``NEWSPORTAL_STATE_BACKEND``, default
``sqlite`` under ``NEWSPORTAL_STATE_DIR``); ``state_for(crawler)`` gives every component of one crawl
the same open store and closes it when the spider closes.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from newsportal.state.base import FetchMark, NearMatch, StateError, StateStats, StateStore, StoredArticle
from newsportal.state.signature import NearSignature, near_signature

__all__ = [
    "FetchMark",
    "NearMatch",
    "NearSignature",
    "StateError",
    "StateStats",
    "StateStore",
    "StoredArticle",
    "close_state",
    "near_signature",
    "open_state",
    "state_dir",
    "state_for",
]

DEFAULT_STATE_DIR = ".newsportal"
# SQLite page cache of a crawl's store (MiB): a crawl's RSS grows with its store up to this, so it is
# kept small (64 MiB was 60 MB of the growth from 5,000 to 50,000 articles; 16 MiB still 16 MB of the
# 24 MB from 5,000 to 20,000: the store of 5,000 articles is 7 MB, of 20,000 28 MB); pages beyond it
# come from the OS's file cache at a few µs each: a crawl's lookups and writes on a store of 50,000
# cost the same CPU with 4, 8 or 16 MiB. The CLI and benchmarks/dedup.py keep the store's 64.
CRAWL_CACHE_MIB = 8
BACKENDS = ("auto", "sqlite", "redis")
REDIS_STATE_PREFIX = "newsportal:state:"  # one store for every site: duplicates cross portals


def state_dir(settings: Any) -> Path:
    """The state directory the settings name (relative paths: from the working directory)."""
    return Path(settings.get("NEWSPORTAL_STATE_DIR") or DEFAULT_STATE_DIR)


def open_state(settings: Any) -> StateStore:
    """A new connection to the store the settings name. ValueError for an unknown backend."""
    backend = (settings.get("NEWSPORTAL_STATE_BACKEND") or "auto").lower()
    url = (settings.get("NEWSPORTAL_REDIS_URL") or "").strip()
    if backend == "auto":
        backend = "redis" if url else "sqlite"
    if backend == "redis":
        return open_redis_state(url, settings.get("NEWSPORTAL_REDIS_STATE_PREFIX") or REDIS_STATE_PREFIX)
    if backend == "sqlite":
        from newsportal.state.sqlite import SQLiteStateStore

        return SQLiteStateStore(state_dir(settings), cache_mib=CRAWL_CACHE_MIB)
    raise ValueError(f"NEWSPORTAL_STATE_BACKEND={backend!r}: known backends are {', '.join(BACKENDS)}")


def open_redis_state(url: str, prefix: str) -> StateStore:
    """The shared store of a cluster: newsportal.state.redis.RedisStateStore(url, prefix). StateError
    when no URL is given or that module is not installed."""
    if not url:
        raise StateError("NEWSPORTAL_STATE_BACKEND=redis needs NEWSPORTAL_REDIS_URL (redis://HOST:6379/0)")
    try:
        from newsportal.state.redis import RedisStateStore  # type: ignore[import-not-found]
    except ImportError as exc:
        raise StateError(
            f"the Redis state store (newsportal.state.redis) is not available ({exc}); a cluster "
            "needs it, or set NEWSPORTAL_STATE_BACKEND=sqlite for workers on one machine sharing "
            "NEWSPORTAL_STATE_DIR"
        ) from exc
    return RedisStateStore(url, prefix)


_OPEN: weakref.WeakKeyDictionary[Any, StateStore] = weakref.WeakKeyDictionary()


def state_for(crawler: Any) -> StateStore:
    """The store of this crawl, opened on first use and closed on spider_closed."""
    store = _OPEN.get(crawler)
    if store is None:
        from scrapy import signals

        store = _OPEN[crawler] = open_state(crawler.settings)

        def close(spider: Any = None, **_: Any) -> None:
            close_state(crawler)

        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return store


def close_state(crawler: Any) -> None:
    """Close the store of this crawl (what spider_closed does); nothing when none is open."""
    store = _OPEN.pop(crawler, None)
    if store is not None:
        from newsportal.durability import guard_for

        with guard_for(crawler).writing():
            store.close()
