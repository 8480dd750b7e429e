"""One Redis connection of a cluster worker, and what it does while Redis is down.

``RedisLink.call(fn)`` runs one Redis step; when Redis cannot be reached (refused, reset, timed
out, loading its append-only file after a restart) it logs once, waits with exponential backoff
(``NEWSPORTAL_CLUSTER_BACKOFF_MAX`` at most between tries), reconnects and runs the step again, then
logs once more when Redis answers. Every step a worker sends is safe to run twice (the Lua scripts
check before they write, XACK / XCLAIM / SET are idempotent), so a step whose answer was lost is
simply repeated.

The wait blocks the worker's reactor on purpose: without Redis a worker can neither lease a request,
record an item nor acknowledge one, and a frozen worker cannot do anything it would have to undo.
Responses already on their way are read when it wakes up (a download that timed out meanwhile is
retried by Scrapy's RetryMiddleware).

``connect(url)`` at start-up is different: an unreachable Redis there is an error the crawl command
turns into exit code ``cluster_unreachable`` (cron tries again at the next run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What a Redis that is down, restarting or still loading its data gives.
DOWN = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)


class RedisUnreachable(RuntimeError):
    """Redis did not answer at start-up; the message names the URL (without its password)."""


def safe_url(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


def client(url: str) -> redis.Redis:
    """A client whose own retries are off: RedisLink decides how to wait."""
    return redis.Redis.from_url(
        url,
        socket_timeout=10,
        socket_connect_timeout=2,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


def connect(url: str) -> redis.Redis:
    """A client that answered PING, or RedisUnreachable."""
    r = client(url)
    try:
        r.ping()
    except (*DOWN, redis.ResponseError, OSError) as exc:
        r.close()
        raise RedisUnreachable(f"cannot reach the cluster's Redis at {safe_url(url)}: {exc}") from exc
    return r


class RedisLink:
    """A worker's connection; ``call`` waits out an outage (see the module's docstring)."""

    def __init__(self, url: str, *, backoff_max: float = 5.0, stats: Any = None) -> None:
        self.url = url
        self.redis = client(url)
        self.backoff_max = backoff_max
        self.stats = stats
        self.down_since: float | None = None

    def call(self, step: Callable[[redis.Redis], T]) -> T:
        wait = 0.05
        while True:
            try:
                result = step(self.redis)
            except DOWN as exc:
                if self.down_since is None:
                    self.down_since = time.monotonic()
                    logger.warning(
                        "Redis at %s unreachable (%s): waiting, retrying with backoff up to %.0f s",
                        safe_url(self.url),
                        exc,
                        self.backoff_max,
                    )
                    if self.stats is not None:
                        self.stats.inc_value("newsportal/cluster/redis_outages")
                time.sleep(wait)
                wait = min(wait * 2, self.backoff_max)
                self.redis.connection_pool.disconnect()  # reconnect on the next try
                continue
            if self.down_since is not None:
                logger.warning(
                    "Redis at %s answers again after %.1f s; going on",
                    safe_url(self.url),
                    time.monotonic() - self.down_since,
                )
                self.down_since = None
            return result

    def close(self) -> None:
        self.redis.close()
