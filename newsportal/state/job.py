"""The job: which crawl of a target runs now, who works on it, and when it is done.

Two forms, picked from settings in one place (``open_job``):

* **local** (no ``NEWSPORTAL_REDIS_URL``): today's run lock (newsportal.runlock), one crawl of a
  target at a time on this machine, exit 75 for a second one;
* **Redis** (``NEWSPORTAL_REDIS_URL`` set): the job record ``newsportal:{target}:job``, a HASH with
  ``id``, ``state`` (running | done), ``started`` (ISO 8601), ``verdict``, ``exit_code``,
  ``finished``. The first worker of a target finds no running job and starts one (it seeds it:
  its start requests reach the shared frontier first); a worker started while it runs joins it
  (its start requests are duplicates in the shared dupefilter). Per-job keys live under
  ``newsportal:{target}:{job id}:`` and expire ``NEWSPORTAL_CLUSTER_KEEP_DAYS`` after the job.

``Cluster`` is a worker's part of a Redis job (one per crawl, ``cluster_for(crawler)``): its Redis
link, its name, the per-job keys, the heartbeat that keeps its leases, the return of a dead
worker's leases to the living, its stats summed into the job's, and the end of the job:

* a worker's heartbeat is the key ``hb:<worker>`` (its last beat, ms), set every tick with a TTL of
  ``NEWSPORTAL_CLUSTER_LEASE``; a worker whose key has expired is dead: every entry it held in the
  frontier's and the items' consumer groups is claimed (XCLAIM) by a living worker, then the dead
  consumer is deleted. Liveness, not idle time (XAUTOCLAIM), decides: a live worker's slow download,
  or the items its writer holds until the job ends, are never taken from it;
* the job is done when a worker has queued its start requests (before that, a new job's frontier is
  empty because its seeder is still starting), the frontier streams are empty (an entry is deleted
  when it is acknowledged, so nothing waits and nothing is in flight), nothing has happened to them for
  ``NEWSPORTAL_CLUSTER_IDLE`` seconds, and every writer holding items is alive. The worker that sees
  it first computes the job's verdict from the summed stats (newsportal.extensions.summary.verdict)
  and marks the job done (a Lua compare-and-set: one worker wins); every worker then closes and
  exits with the job's code.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
import uuid
import weakref
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from newsportal.runlock import LockHeld, RunLock, lock_name
from newsportal.sites import DEFAULT_SITE
from newsportal.state.connection import RedisLink, connect

logger = logging.getLogger(__name__)

__all__ = [
    "Cluster",
    "ClusterAddon",
    "ClusterWorker",
    "LockHeld",
    "cluster_for",
    "open_job",
    "redis_url",
    "target_name",
]

FRONTIER_GROUP = "workers"  # consumer group of the frontier streams
WRITER_GROUP = "writers"  # consumer group of the items stream


def redis_url(settings: Any) -> str:
    """NEWSPORTAL_REDIS_URL, or "" when the crawl is local."""
    return (settings.get("NEWSPORTAL_REDIS_URL") or "").strip()


def target_name(spider_args: dict[str, str]) -> str:
    """The job's target: the start URL's host (with its port when one is given: two portals on one
    host are two targets), else the site profile's name. A start URL decides what is crawled, so
    ``-a site=S -a start_url=U`` crawls U's host, whatever profile reads its pages."""
    if spider_args.get("start_url"):
        parts = urlsplit(spider_args["start_url"])
        target = parts.hostname or "start_url"
        if parts.port:
            target = f"{target}_{parts.port}"
    else:
        target = spider_args.get("site") or DEFAULT_SITE
    return re.sub(r"[^\w.-]", "_", target)


def worker_name() -> str:
    """This process on this machine: unique among the job's workers, readable in a file name."""
    return re.sub(r"[^\w.-]", "_", f"{socket.gethostname()}-{os.getpid()}")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- for the crawl command: the local lock, or a Redis that answers --------------------------------


class LocalJob:
    """Today's run lock: RunLock on <state dir>/locks/<spider>-<target>.lock."""

    def __init__(self, settings: Any, spider: str, spider_args: dict[str, str]) -> None:
        self.lock = RunLock(settings.get("NEWSPORTAL_STATE_DIR"), lock_name(spider, spider_args))

    def acquire(self) -> LocalJob:
        self.lock.acquire()  # LockHeld: another run of this target on this machine
        return self

    def release(self) -> None:
        self.lock.release()


class RedisJob:
    """A cluster worker needs no local lock (N workers on one machine are fine); it only needs a Redis
    that answers. The job itself is joined when the crawl opens (Cluster)."""

    def __init__(self, settings: Any) -> None:
        self.url = redis_url(settings)

    def acquire(self) -> RedisJob:
        connect(self.url).close()  # RedisUnreachable: the command exits cluster_unreachable
        return self

    def release(self) -> None:
        return None


def open_job(settings: Any, spider: str, spider_args: dict[str, str]) -> LocalJob | RedisJob:
    """The job form the settings name (not acquired yet)."""
    if redis_url(settings):
        return RedisJob(settings)
    return LocalJob(settings, spider, spider_args)


# --- Lua: the steps that must be atomic ----------------------------------------------------------

# Join the running job of the target, or start a new one (KEYS: job hash, ARGV: new id, started).
_JOIN = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'running' then
  return {'join', redis.call('HGET', KEYS[1], 'id')}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', 'running', 'started', ARGV[2],
           'verdict', '', 'exit_code', '', 'finished', '')
return {'seed', ARGV[1]}
"""

# Mark the job done once (KEYS: job hash, result hash; ARGV: id, verdict, exit code, finished).
_FINISH = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'verdict', ARGV[2], 'exit_code', ARGV[3], 'finished', ARGV[4])
redis.call('HSET', KEYS[2], 'verdict', ARGV[2], 'exit_code', ARGV[3], 'finished', ARGV[4])
return 1
"""


class Cluster:
    """A worker's part of the target's Redis job (see the module's docstring)."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url = redis_url(settings)
        self.idle = settings.getfloat("NEWSPORTAL_CLUSTER_IDLE")
        self.lease = settings.getfloat("NEWSPORTAL_CLUSTER_LEASE")
        self.keep = int(settings.getfloat("NEWSPORTAL_CLUSTER_KEEP_DAYS") * 86400)
        self.tick_seconds = max(0.05, min(0.5, self.lease / 6))
        self.link = RedisLink(
            self.url, backoff_max=settings.getfloat("NEWSPORTAL_CLUSTER_BACKOFF_MAX"), stats=crawler.stats
        )
        spider = crawler.spider
        args = getattr(spider, "args", None)
        spargs = {k: v for k, v in (args.model_dump() if args is not None else {}).items() if v}
        self.target = target_name(spargs)
        self.prefix = f"newsportal:{self.target}:"
        self.worker = worker_name()
        r = self.link.redis
        self._join = r.register_script(_JOIN)
        self._finish = r.register_script(_FINISH)
        new_id = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
        role, jid = self.link.call(
            lambda r: self._join(keys=[self.job_key], args=[new_id, _now_iso()], client=r)
        )
        self.role = role.decode() if isinstance(role, bytes) else role
        self.job_id = jid.decode() if isinstance(jid, bytes) else jid
        self.done = False
        self.started = False  # the engine runs: a lost heartbeat from now on is worth a warning
        self.result: dict[str, str] = {}
        self._pushed: dict[str, int] = {}
        self._last_reclaim = 0.0
        self.frontier: Any = None  # the RedisFrontier, when the scheduler opens
        self.output: Any = None  # the ClusterOutput
        self.beat()
        self.link.call(lambda r: r.set(self.key("activity"), self._ms(r), nx=True))
        self.link.call(lambda r: r.sadd(self.key("workers"), self.worker))
        crawler.stats.set_value("newsportal/cluster/job", self.job_id)
        crawler.stats.set_value("newsportal/cluster/role", self.role)
        crawler.stats.set_value("newsportal/cluster/worker", self.worker)
        logger.info(
            "cluster: %s job %s of %s as worker %s",
            "started" if self.role == "seed" else "joined",
            self.job_id,
            self.target,
            self.worker,
        )

    # --- keys ----------------------------------------------------------------------------------

    @property
    def job_key(self) -> str:
        return self.prefix + "job"

    def key(self, name: str) -> str:
        """A key of this job: newsportal:{target}:{job id}:{name}."""
        return f"{self.prefix}{self.job_id}:{name}"

    def hb_key(self, worker: str) -> str:
        return self.key(f"hb:{worker}")

    @staticmethod
    def _ms(r: Any) -> int:
        seconds, micros = r.time()  # Redis's clock: one clock for every machine of the cluster
        return int(seconds) * 1000 + int(micros) // 1000

    # --- heartbeat, liveness, claims -------------------------------------------------------------

    def beat(self) -> None:
        lease_ms = int(self.lease * 1000)

        def step(r: Any) -> None:
            now = self._ms(r)
            if not r.set(self.hb_key(self.worker), now, px=lease_ms, xx=True):
                if self.started:
                    # our key expired (Redis was down longer than a lease, or we stalled): the others
                    # may have claimed what we held; we go on (delivery is at-least-once)
                    logger.warning("cluster: heartbeat of %s had expired; beating again", self.worker)
                    self.crawler.stats.inc_value("newsportal/cluster/heartbeat_lost")
                r.set(self.hb_key(self.worker), now, px=lease_ms)

        self.link.call(step)

    def alive(self, r: Any, worker: str, now_ms: int, fresh_ms: int | None = None) -> bool:
        """Whether worker's heartbeat key exists (and, with fresh_ms, beat at most that long ago)."""
        value = r.get(self.hb_key(worker))
        if value is None:
            return False
        return fresh_ms is None or now_ms - int(value) <= fresh_ms

    def claim_dead(self, stream: str, group: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Claim every entry of stream's group held by a dead worker (see the module's docstring);
        the entries (id, fields) now leased to this worker."""
        claimed: list[tuple[bytes, dict[bytes, bytes]]] = []
        min_idle = int(self.lease * 500)  # a claim resets idle time: a second claimer gets nothing

        def step(r: Any) -> None:
            try:
                consumers = r.xinfo_consumers(stream, group)
            except Exception as exc:  # no such stream or group yet
                if "no such key" in str(exc).lower() or "nogroup" in str(exc).lower():
                    return
                raise
            for consumer in consumers:
                name = consumer["name"]
                name = name.decode() if isinstance(name, bytes) else name
                if name == self.worker or r.exists(self.hb_key(name)):
                    continue
                while True:
                    pending = r.xpending_range(stream, group, "-", "+", 500, consumername=name)
                    if not pending:
                        break
                    ids = [p["message_id"] for p in pending]
                    got = r.xclaim(stream, group, self.worker, min_idle, ids)
                    claimed.extend((eid, fields) for eid, fields in got if fields is not None)
                    if len(got) < len(ids):
                        break  # another worker claimed the rest first
                if not r.xpending_range(stream, group, "-", "+", 1, consumername=name):
                    r.xgroup_delconsumer(stream, group, name)
                    r.srem(self.key("workers"), name)

        self.link.call(step)
        if claimed:
            self.crawler.stats.inc_value("newsportal/cluster/claimed", len(claimed))
            logger.warning("cluster: claimed %d entr(ies) of %s from dead workers", len(claimed), stream)
        return claimed

    # --- stats, done ---------------------------------------------------------------------------

    def push_stats(self) -> None:
        """Add what this worker's counters grew by since the last push to the job's stats."""
        deltas = {}
        for name, value in self.crawler.stats.get_stats().items():
            if isinstance(value, bool) or not isinstance(value, int) or name.startswith("newsportal/exit"):
                continue
            delta = value - self._pushed.get(name, 0)
            if delta:
                deltas[name] = (value, delta)
        if not deltas:
            return

        def step(r: Any) -> None:
            pipe = r.pipeline(transaction=True)  # all or nothing: a retried push counts once
            for name, (_value, delta) in deltas.items():
                pipe.hincrby(self.key("stats"), name, delta)
            pipe.execute()

        self.link.call(step)
        for name, (value, _delta) in deltas.items():
            self._pushed[name] = value

    def job_stats(self) -> dict[str, int]:
        raw = self.link.call(lambda r: r.hgetall(self.key("stats")))
        return {k.decode(): int(v) for k, v in raw.items()}

    def check_done(self) -> bool:
        """Whether the job has been marked done (by any worker), reading its verdict then."""
        if self.done:
            return True
        record = self.link.call(lambda r: r.hgetall(self.job_key))
        record = {k.decode(): v.decode() for k, v in record.items()}
        if record.get("id") == self.job_id and record.get("state") == "running":
            return False
        if record.get("id") == self.job_id:
            self.result = record
        else:  # a new job started already: ours is done, its result was kept apart
            raw = self.link.call(lambda r: r.hgetall(self.key("result")))
            self.result = {k.decode(): v.decode() for k, v in raw.items()}
        self.done = True
        return True

    def try_finish(self, streams: list[str], items_stream: str) -> bool:
        """Mark the job done when it is (see the module's docstring); True when it is done."""
        if self.check_done():
            return True
        idle_ms = int(self.idle * 1000)
        fresh_ms = int(max(3 * self.tick_seconds, 1.0) * 1000)

        def ready(r: Any) -> bool:
            if not r.exists(self.key("started")) or any(r.xlen(s) for s in streams):
                return False
            now = self._ms(r)
            if now - int(r.get(self.key("activity")) or now) < idle_ms:
                return False
            try:
                writers = r.xinfo_consumers(items_stream, WRITER_GROUP)
            except Exception:
                writers = []
            for consumer in writers:
                name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
                if consumer["pending"] and name != self.worker and not self.alive(r, name, now, fresh_ms):
                    return False  # its items are claimed once its lease has run out
            return True

        if not self.link.call(ready):
            return False
        self.push_stats()
        from newsportal.extensions.summary import EXIT_CODES, verdict

        settings = self.crawler.settings
        totals: dict[str, Any] = {**self.job_stats(), "finish_reason": "finished"}
        kind = verdict(
            totals,
            settings.getfloat("NEWSPORTAL_MAX_ERROR_RATE"),
            settings.getfloat("NEWSPORTAL_MAX_BOT_WALL_RATE"),
        )
        args = [self.job_id, kind, EXIT_CODES[kind], _now_iso()]
        won = self.link.call(
            lambda r: self._finish(keys=[self.job_key, self.key("result")], args=args, client=r)
        )
        if won:
            logger.info("cluster: job %s of %s is done: %s", self.job_id, self.target, kind)
            self._expire_job()
        return self.check_done()

    def _expire_job(self) -> None:
        """The job's keys go after NEWSPORTAL_CLUSTER_KEEP_DAYS (its writers publish well before)."""

        def step(r: Any) -> None:
            pipe = r.pipeline(transaction=False)
            for key in r.scan_iter(match=f"{self.prefix}{self.job_id}:*", count=500):
                pipe.expire(key, self.keep)
            pipe.execute()

        self.link.call(step)

    def mark_started(self) -> None:
        """A worker has queued its start requests: the job may end once its frontier is empty."""

        def step(r: Any) -> None:
            pipe = r.pipeline(transaction=True)
            pipe.set(self.key("started"), 1)
            pipe.set(self.key("activity"), self._ms(r))
            pipe.execute()

        self.link.call(step)

    def leave(self) -> None:
        """This worker stops: its heartbeat goes (what it still holds is claimed by the others)."""

        def step(r: Any) -> None:
            r.delete(self.hb_key(self.worker))
            r.srem(self.key("workers"), self.worker)

        self.link.call(step)

    def close(self) -> None:
        self.link.close()


_CLUSTERS: weakref.WeakKeyDictionary[Any, Cluster] = weakref.WeakKeyDictionary()


def cluster_for(crawler: Any) -> Cluster | None:
    """The crawl's Cluster (joined on first use), or None when the crawl is local."""
    if not redis_url(crawler.settings):
        return None
    cluster = _CLUSTERS.get(crawler)
    if cluster is None:
        cluster = _CLUSTERS[crawler] = Cluster(crawler)
    return cluster


class ClusterWorker:
    """The extension that runs a worker's part of the job: the tick (heartbeat, stats, claims of dead
    workers' leases, waking the engine for work other workers queued, the end of the job), no close
    before the job is done, and the job's verdict as this process's exit code. NotConfigured when
    the crawl is local."""

    def __init__(self, crawler: Any, cluster: Cluster) -> None:
        from twisted.internet import task

        self.crawler = crawler
        self.cluster = cluster
        self._tick = task.LoopingCall(self.tick)
        # the job's summed stats: fresh enough for the verdict, taken after IDLE seconds of quiet
        self._push_every = max(cluster.tick_seconds, min(2.0, cluster.idle / 2))
        self._pushed_at = 0.0
        self._started = False
        self._closing = False
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterWorker:
        if os.environ.get("SCRAPY_CHECK"):
            raise NotConfigured("contract checks are not cluster work")
        cluster = cluster_for(crawler)
        if cluster is None:
            raise NotConfigured  # a local crawl: no message, so Scrapy does not warn about it
        from newsportal.state.output import ClusterOutput

        ClusterOutput(crawler, cluster)  # connected to item_scraped now: before StatePipeline
        return cls(crawler, cluster)

    def engine_started(self) -> None:
        self.cluster.beat()  # start-up may have taken longer than a lease
        self.cluster.started = True
        self._tick.start(self.cluster.tick_seconds, now=False)

    def tick(self) -> None:
        if self._closing:
            return
        try:
            self._step()
        except Exception:
            logger.exception("cluster: tick failed")

    def _step(self) -> None:
        cluster = self.cluster
        cluster.beat()
        now = time.monotonic()
        if now - self._pushed_at >= self._push_every:
            self._pushed_at = now
            cluster.push_stats()
        if now - cluster._last_reclaim >= cluster.lease / 4:
            cluster._last_reclaim = now
            if cluster.frontier is not None:
                cluster.frontier.reclaim()
            if cluster.output is not None:
                cluster.output.reclaim()
        if cluster.output is not None:
            cluster.output.pull()
        engine = self.crawler.engine
        if engine is None or engine.spider is None:
            return
        frontier = cluster.frontier
        if not self._started and engine.spider_is_idle():
            # This worker's start requests are in the frontier (or were there already): from now on
            # an empty frontier means an empty job. Before any worker got so far, the frontier of a
            # new job is empty only because its seeder is still starting up.
            self._started = True
            cluster.mark_started()
            return
        if engine.spider_is_idle() and frontier is not None and frontier.quiet():
            if cluster.try_finish(frontier.streams, cluster.output.stream if cluster.output else ""):
                self._close()
                return
        elif cluster.check_done():
            self._close()
            return
        # Work other workers queued reaches this one without waiting for Scrapy's 5 s heartbeat:
        # the engine's own "try the scheduler again" call (2.19 has no public way to ask for it).
        slot = getattr(engine, "_slot", None)
        if slot is not None and not engine.needs_backout():
            slot.nextcall.schedule()

    def _close(self) -> None:
        if self._closing:
            return
        self._closing = True
        from scrapy.utils.defer import deferred_from_coro

        closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="finished"))
        closing.addErrback(lambda failure: logger.debug("close at the job's end: %s", failure))

    def spider_idle(self) -> None:
        if not self.cluster.done:
            raise DontCloseSpider  # the job goes on while any worker may still queue work

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._tick.running:
            self._tick.stop()
        cluster = self.cluster
        stats = self.crawler.stats
        if cluster.output is not None:
            cluster.output.publish()
        cluster.push_stats()
        if cluster.check_done() and cluster.result.get("exit_code"):
            stats.set_value("newsportal/job/verdict", cluster.result.get("verdict", ""))
            stats.set_value("newsportal/job/exit_code", int(cluster.result["exit_code"]))
            line = stats.get_value("newsportal/summary")
            if line:  # this worker's own figures, then what the process exits with: the job's
                stats.set_value(
                    "newsportal/summary",
                    f"{line} job={cluster.job_id} job_exit={cluster.result['exit_code']} "
                    f"({cluster.result.get('verdict')})",
                )
            logger.info(
                "cluster: job %s of %s done: %s (exit %s)",
                cluster.job_id,
                cluster.target,
                cluster.result.get("verdict"),
                cluster.result.get("exit_code"),
            )
        cluster.leave()
        cluster.close()


class ClusterAddon:
    """The one place a cluster crawl rewires settings (ADDONS), after the spider set its defaults:
    the job's output (newsportal.state.output) replaces the default feed, and the frontier in Redis
    replaces the local resume journal. Nothing in a local crawl."""

    def update_settings(self, settings: Any) -> None:
        if not redis_url(settings):
            return
        default = settings.get("NEWSPORTAL_DEFAULT_FEED")
        feeds = settings.getdict("FEEDS")
        if default and list(feeds) == [default]:
            settings.set("FEEDS", {}, priority="spider")  # the spider's default feed, nothing else
        settings.set("NEWSPORTAL_RESUME", False, priority="cmdline")
