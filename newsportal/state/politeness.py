"""Politeness for the whole cluster: per domain, not per worker.

Three workers must not hit a portal three times as hard. In a cluster crawl this downloader
middleware (last before the download handler) makes every request wait for a token of its domain
(its host, as Scrapy's download slots) in Redis before it is sent:

* at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` tokens per domain across the cluster: a ZSET
  ``newsportal:domain:{host}:slots`` of holders scored by when their token expires (a token of a
  worker that died expires after ``NEWSPORTAL_CLUSTER_LEASE``; a live worker's are renewed by its
  tick); a token is given back when the request leaves the downloader (``request_left_downloader``);
* at least ``DOWNLOAD_DELAY`` seconds between two starts to a domain across the cluster, and no
  start before the time a ``Retry-After`` (429 / 503, capped by NEWSPORTAL_MAX_RETRY_AFTER) asked
  for: ``newsportal:domain:{host}:next`` holds the earliest next start (ms, Redis's clock).

Taking a token is one Lua step (expired tokens out, time and count checked, token in). A request
that must wait sleeps (asyncio, the reactor goes on) and tries again. Scrapy's own per-slot limits
and delay still hold inside each worker; AutoThrottle adjusts them per worker as before.

Written by hand: Scrapy's limits are per process, and no maintained plugin shares them through Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from newsportal.extensions.pacing import RETRY_AFTER_STATUSES, retry_after_seconds
from newsportal.state.job import Cluster, cluster_for

logger = logging.getLogger(__name__)

TOKEN = "newsportal_cluster_token"  # request.meta: (host, holder) of the token it holds
MAX_POLL = 0.1  # seconds between two tries of a full domain (sooner when we give one back)

# KEYS: slots zset, next-start key; ARGV: limit, delay ms, holder, token ttl ms.
# Returns 0 (token taken) or the ms to wait before trying again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then
  return nxt - now
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return -1
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 2)
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) + 60000)
end
return 0
"""

# KEYS: next-start key; ARGV: wait ms. The next start no earlier than now + wait.
_HOLD = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 60000)
end
return 1
"""


def _keys(host: str) -> tuple[str, str]:
    return f"newsportal:domain:{host}:slots", f"newsportal:domain:{host}:next"


class ClusterPoliteness:
    """Downloader middleware (see the module's docstring); NotConfigured in a local crawl."""

    def __init__(self, crawler: Any, cluster: Cluster) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.cluster = cluster
        self.limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.delay_ms = int(settings.getfloat("DOWNLOAD_DELAY") * 1000)
        self.max_retry_after = settings.getfloat("NEWSPORTAL_MAX_RETRY_AFTER")
        self.ttl_ms = int(cluster.lease * 1000)
        r = cluster.link.redis
        self._acquire = r.register_script(_ACQUIRE)
        self._hold = r.register_script(_HOLD)
        self._seq = itertools.count()
        self._held: dict[str, str] = {}  # holder → host, tokens held now
        self._released: dict[str, asyncio.Event] = {}  # host → set when we give a token back
        crawler.signals.connect(self.request_left_downloader, signal=signals.request_left_downloader)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        from twisted.internet import task

        self._renew = task.LoopingCall(self.renew)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterPoliteness:
        cluster = cluster_for(crawler)
        if cluster is None:
            raise NotConfigured  # a local crawl keeps Scrapy's per-process limits; no message, no warning
        return cls(crawler, cluster)

    def engine_started(self) -> None:
        self._renew.start(max(0.2, self.cluster.lease / 3), now=False)

    async def process_request(self, request: Any) -> None:
        host = urlparse_cached(request).hostname or ""
        if not host:
            return None
        slots, nxt = _keys(host)
        holder = f"{self.cluster.worker}:{next(self._seq)}"
        args = [self.limit, self.delay_ms, holder, self.ttl_ms]
        waited = 0.0
        while True:
            wait_ms = self.cluster.link.call(lambda r: self._acquire(keys=[slots, nxt], args=args, client=r))
            if wait_ms == 0:
                break
            if wait_ms < 0:  # full: until one of our own tokens of the domain is given back, or a poll
                released = self._released.setdefault(host, asyncio.Event())
                released.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(released.wait(), MAX_POLL)
                waited += 1
            else:
                waited += 1
                await asyncio.sleep(min(wait_ms / 1000, 5.0))
        if waited:
            self.crawler.stats.inc_value("newsportal/cluster/politeness_waits")
        request.meta[TOKEN] = (host, holder)
        self._held[holder] = host
        return None

    def process_response(self, request: Any, response: Any) -> Any:
        if response.status in RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(response.headers.get(b"Retry-After"), time.time())
            if asked:
                wait_ms = int(min(asked, self.max_retry_after) * 1000)
                host = urlparse_cached(request).hostname or ""
                self.cluster.link.call(lambda r: self._hold(keys=[_keys(host)[1]], args=[wait_ms], client=r))
        return response

    def request_left_downloader(self, request: Any, **_: Any) -> None:
        token = request.meta.pop(TOKEN, None)
        if token is None:
            return
        host, holder = token
        self._held.pop(holder, None)
        self.cluster.link.call(lambda r: r.zrem(_keys(host)[0], holder))
        if host in self._released:
            self._released[host].set()

    def renew(self) -> None:
        """Keep this worker's tokens from expiring while their requests are still downloading."""
        if not self._held:
            return

        def step(r: Any) -> None:
            now = self.cluster._ms(r)
            pipe = r.pipeline(transaction=False)
            for holder, host in self._held.items():
                pipe.zadd(_keys(host)[0], {holder: now + self.ttl_ms}, xx=True)
            pipe.execute()

        self.cluster.link.call(step)
