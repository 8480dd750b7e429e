"""The frontier: requests waiting and in flight, in priority order (articles before listings).

``Frontier`` is the SCHEDULER setting; it picks the form once, from settings:

* **local** (no ``NEWSPORTAL_REDIS_URL``): ``JournalingScheduler`` (newsportal.scheduler), Scrapy's
  scheduler with the resume journal and the frontier on disk, as before;
* **Redis**: ``RedisFrontier``, the job's requests in Redis Streams, leased to workers through a
  consumer group (``workers``):

  - one stream per priority band, ``{job}:frontier:a`` (article pages: an article's first page, a
    page that may be one, an article's later pages) read before ``{job}:frontier:l`` (listings and
    the rest), each FIFO: articles first, listings breadth-first, as Scrapy's priorities do locally;
  - enqueue is one Lua step: add the fingerprint to the job's dupefilter set (newsportal.state.
    dupefilter) and, when it is new, XADD the request (Scrapy's ``Request.to_dict``, pickled as its
    disk queues do). Atomic, so no fingerprint is ever recorded for a request that is not queued;
  - XREADGROUP leases a few entries (``NEWSPORTAL_CLUSTER_BATCH``) to this worker; an entry is
    acknowledged (XACK and XDEL, one Lua step) only when the engine is done with its request: its
    response went through the callback and every item it gave was handed to the job's output (or
    dropped), or its failure through the errback; a redirect or a retry is queued as a new entry
    first. Scrapy 2.19 sends no signal for that moment; its engine keeps the requests in progress in
    a set (``engine._slot.inprogress``) that it leaves exactly then, so that set is what is read.
    Finished entries are acknowledged with the next read (one pipeline: one round trip, not one a
    page), or once BATCH of them or ACK_DELAY seconds have gathered, and always before the worker
    says it is quiet (the job's end) or closes: later, never sooner;
  - a dead worker's leases return to the living through newsportal.state.job (liveness claims);
  - when this worker stops before the job is done (SIGTERM), what it leased and did not finish is
    queued again (a copy XADDed and the old entry acknowledged, one Lua step).

Delivery is at-least-once: a request whose worker died after its item was emitted is fetched again;
the output (newsportal.state.output) and the state store keep the item once.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections import deque
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import BaseScheduler
from scrapy.utils.request import request_from_dict

from newsportal.durability import guard_for
from newsportal.journal import ARTICLE_CALLBACKS, PROCESS_LOCAL_META, callback_name
from newsportal.scheduler import JournalingScheduler
from newsportal.state.dupefilter import RedisDupeFilter
from newsportal.state.job import FRONTIER_GROUP, Cluster, cluster_for

logger = logging.getLogger(__name__)

__all__ = ["Frontier", "JournalingScheduler", "RedisFrontier"]

ARTICLE_BAND = frozenset({*ARTICLE_CALLBACKS, "parse_article_page"})
EMPTY_READ_PAUSE = 0.2  # seconds between reads of a frontier found empty
ACK_DELAY = 0.5  # seconds a finished entry may wait for a read to be acknowledged with

# Acknowledge finished entries: XACK and XDEL (an empty stream is an empty frontier), and note the time.
_ACK = """
redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
return 1
"""

# Queue unfinished leases again: a copy of each entry goes to the stream's end, the old one is acked.
# KEYS: stream, activity; ARGV: group, then id, payload pairs.
_REQUEUE = """
for i = 2, #ARGV, 2 do
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[1], '*', 'r', ARGV[i + 1])
    redis.call('XDEL', KEYS[1], ARGV[i])
  end
end
local t = redis.call('TIME')
redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
return 1
"""


class Frontier(BaseScheduler):
    """The SCHEDULER: builds the local or the Redis form (see the module's docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> BaseScheduler:  # type: ignore[override]
        cluster = cluster_for(crawler)
        if cluster is None:
            return JournalingScheduler.from_crawler(crawler)
        return RedisFrontier(crawler, cluster)


class _Lease:
    __slots__ = ("entry", "payload", "stream")

    def __init__(self, stream: str, entry: bytes, payload: bytes) -> None:
        self.stream = stream
        self.entry = entry
        self.payload = payload


class RedisFrontier(BaseScheduler):
    def __init__(self, crawler: Any, cluster: Cluster) -> None:
        self.crawler = crawler
        self.cluster = cluster
        self.stats = crawler.stats
        settings = crawler.settings
        self.batch = max(1, settings.getint("NEWSPORTAL_CLUSTER_BATCH"))
        self.articles = cluster.key("frontier:a")
        self.listings = cluster.key("frontier:l")
        self.streams = [self.articles, self.listings]
        self.activity = cluster.key("activity")
        self.df = RedisDupeFilter(crawler, cluster)
        # a failed write (an item Redis refused, a full disk) acknowledges nothing from then on
        self.guard = guard_for(crawler)
        r = cluster.link.redis
        self._ack_script = r.register_script(_ACK)
        self._requeue_script = r.register_script(_REQUEUE)
        # leased, not yet handed to the engine: articles first
        self._waiting: dict[str, deque[tuple[Request, _Lease]]] = {s: deque() for s in self.streams}
        self._handed: dict[Request, _Lease] = {}  # handed to the engine, not finished yet
        self._finished: list[_Lease] = []  # finished, to acknowledge (with the next read)
        self._finished_since = 0.0
        self._last_empty = 0.0
        self.spider: Any = None
        self._memory: deque[Request] = deque()
        cluster.frontier = self

    # --- Scrapy's scheduler interface ----------------------------------------------------------

    def open(self, spider: Any) -> None:
        self.spider = spider
        for stream in self.streams:
            self.cluster.link.call(lambda r, s=stream: _ensure_group(r, s, FRONTIER_GROUP))
        self.df.open()

    def close(self, reason: str) -> None:
        self._ack_finished(force=True)  # nothing after a failed write: back to the frontier instead
        leases = [lease for _, lease in (x for q in self._waiting.values() for x in q)]
        leases += list(self._handed.values()) + self._finished
        self._finished = []
        self._requeue(leases)
        for queue in self._waiting.values():
            queue.clear()
        self._handed.clear()
        lost = [r for r in self._memory if not r.meta.get(PROCESS_LOCAL_META)]
        if lost:
            # a request that could not be pickled cannot outlive this worker: counted and named
            self.stats.inc_value("newsportal/dropped/unserializable", len(lost))
            for request in lost:
                logger.warning(
                    "request %s could not be queued in Redis and is lost with this worker", request
                )
        self.df.close(reason)

    def has_pending_requests(self) -> bool:
        return bool(self._memory) or any(self._waiting.values())

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.seen_locally(request):
            self.df.log(request, self.spider)
            return False
        if request.meta.get(PROCESS_LOCAL_META):
            self._memory.append(request)  # its callback needs this worker's memory: run here
            return True
        try:
            payload = pickle.dumps(request.to_dict(spider=self.spider), protocol=4)
        except (ValueError, pickle.PicklingError, AttributeError, TypeError):
            # a callback that is not the spider's own method: it runs here, on this worker only
            self.stats.inc_value("newsportal/cluster/unserializable")
            self._memory.append(request)
            return True
        stream = self.articles if callback_name(request) in ARTICLE_BAND else self.listings
        added = self.df.enqueue(request, stream, payload)
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        if self._memory:
            self._ack_finished()
            return self._memory.popleft()
        if not any(self._waiting.values()) and time.monotonic() - self._last_empty >= EMPTY_READ_PAUSE:
            self._read()  # the finished entries' acknowledgement goes with it
        else:
            self._ack_finished()
        for stream in self.streams:
            queue = self._waiting[stream]
            if queue:
                request, lease = queue.popleft()
                self._handed[request] = lease
                self.stats.inc_value("scheduler/dequeued/redis")
                self.stats.inc_value("scheduler/dequeued")
                return request
        return None

    # --- leases ------------------------------------------------------------------------------

    def quiet(self) -> bool:
        """Nothing leased here: nothing waiting locally, nothing in the engine, nothing finished and not
        acknowledged."""
        self._ack_finished(force=True)
        return not self._handed and not self._finished and not self.has_pending_requests()

    def _read(self) -> None:
        """Lease up to BATCH entries; the finished entries are acknowledged in the same round trip."""
        me = self.cluster.worker
        self._collect_finished()
        acks = [] if self.guard.failed else self._take_finished()

        def step(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for stream, ids in acks:
                self._ack_script(keys=[stream, self.activity], args=[FRONTIER_GROUP, *ids], client=pipe)
            pipe.xreadgroup(FRONTIER_GROUP, me, {s: ">" for s in self.streams}, count=self.batch)
            return pipe.execute()[-1]

        got = self.cluster.link.call(step)
        for _, ids in acks:
            self.stats.inc_value("newsportal/cluster/acked", len(ids))
        n = 0
        for stream, entries in got or []:
            stream = stream.decode() if isinstance(stream, bytes) else stream
            n += self._take(stream, entries)
        if not n:
            self._last_empty = time.monotonic()

    def _take(self, stream: str, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        n = 0
        for entry, fields in entries:
            payload = fields.get(b"r") if fields else None
            if payload is None:
                continue
            lease = _Lease(stream, entry, payload)
            try:
                request = request_from_dict(pickle.loads(payload), spider=self.spider)
            except Exception as exc:  # another version's entry, a callback this spider lacks
                self.stats.inc_value("newsportal/dropped/bad_frontier_entry")
                logger.warning("frontier entry %s cannot be read (%s): dropped", entry, exc)
                self._ack([lease])
                continue
            self._waiting[stream].append((request, lease))
            n += 1
        return n

    def reclaim(self) -> None:
        """Take over the leases of dead workers (newsportal.state.job.Cluster.claim_dead)."""
        for stream in self.streams:
            self._take(stream, self.cluster.claim_dead(stream, FRONTIER_GROUP))

    def _collect_finished(self) -> None:
        """Move the requests the engine is done with from handed to finished (no Redis call)."""
        if not self._handed:
            return
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler.engine else None
        inprogress = slot.inprogress if slot is not None else set()
        done = [request for request in self._handed if request not in inprogress]
        if done:
            if not self._finished:
                self._finished_since = time.monotonic()
            self._finished.extend(self._handed.pop(request) for request in done)

    def _take_finished(self) -> list[tuple[str, list[bytes]]]:
        """The finished entries by stream, forgotten here (the caller acknowledges them)."""
        by_stream = [
            (stream, [lease.entry for lease in self._finished if lease.stream == stream])
            for stream in self.streams
        ]
        self._finished = []
        return [(stream, ids) for stream, ids in by_stream if ids]

    def _ack_finished(self, *, force: bool = False) -> None:
        self._collect_finished()
        if not self._finished or self.guard.failed:
            return
        if force or len(self._finished) >= self.batch or time.monotonic() - self._finished_since >= ACK_DELAY:
            for stream, ids in self._take_finished():
                self._ack_ids(stream, ids)

    def _ack(self, leases: list[_Lease]) -> None:
        for stream in self.streams:
            ids = [lease.entry for lease in leases if lease.stream == stream]
            if ids:
                self._ack_ids(stream, ids)

    def _ack_ids(self, stream: str, ids: list[bytes]) -> None:
        self.cluster.link.call(
            lambda r: self._ack_script(keys=[stream, self.activity], args=[FRONTIER_GROUP, *ids], client=r)
        )
        self.stats.inc_value("newsportal/cluster/acked", len(ids))

    def _requeue(self, leases: list[_Lease]) -> None:
        for stream in self.streams:
            pairs = [x for lease in leases if lease.stream == stream for x in (lease.entry, lease.payload)]
            if pairs:
                self.cluster.link.call(
                    lambda r, s=stream, p=pairs: self._requeue_script(
                        keys=[s, self.activity], args=[FRONTIER_GROUP, *p], client=r
                    )
                )
                self.stats.inc_value("newsportal/cluster/requeued", len(pairs) // 2)


def _ensure_group(r: Any, stream: str, group: str) -> None:
    """The consumer group on stream (created with the stream when missing)."""
    try:
        r.xgroup_create(stream, group, id="0", mkstream=True)
    except Exception as exc:
        if "BUSYGROUP" not in str(exc):
            raise
