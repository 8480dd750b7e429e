"""The request dupefilter: a request is fetched once per job.

* **local**: Scrapy's ``RFPDupeFilter`` (DUPEFILTER_CLASS), in memory for the run, as before;
* **Redis**: ``RedisDupeFilter``, the job's SET ``{job}:seen`` of request fingerprints shared by
  every worker, checked and filled by the frontier's enqueue step (one Lua script with the XADD, see
  newsportal.state.frontier). The set belongs to the job: the next job (the next cron run) starts
  an empty one, so listings are read again, as a local run reads them.

Fingerprints this worker has met are remembered in memory too (a job's set only grows), so a link
met again (most related links) costs no Redis command.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.dupefilters import BaseDupeFilter, RFPDupeFilter

from newsportal.state.job import Cluster

logger = logging.getLogger(__name__)

__all__ = ["RFPDupeFilter", "RedisDupeFilter"]

# KEYS: seen set, stream, activity; ARGV: fingerprint, payload, dont_filter (1/0).
_ENQUEUE = """
if ARGV[3] == '0' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('XADD', KEYS[2], '*', 'r', ARGV[2])
local t = redis.call('TIME')
redis.call('SET', KEYS[3], t[1] * 1000 + math.floor(t[2] / 1000))
return 1
"""


class RedisDupeFilter(BaseDupeFilter):
    """The job's shared fingerprint set (see the module's docstring)."""

    def __init__(self, crawler: Any, cluster: Cluster) -> None:
        self.crawler = crawler
        self.cluster = cluster
        self.key = cluster.key("seen")
        self.activity = cluster.key("activity")
        self.fingerprinter = crawler.request_fingerprinter
        self.debug = crawler.settings.getbool("DUPEFILTER_DEBUG")
        self._seen: set[bytes] = set()
        self._script = cluster.link.redis.register_script(_ENQUEUE)

    def fingerprint(self, request: Request) -> bytes:
        return self.fingerprinter.fingerprint(request)

    def seen_locally(self, request: Request) -> bool:
        return self.fingerprint(request) in self._seen

    def request_seen(self, request: Request) -> bool:
        """Scrapy's interface: record the fingerprint; True when it was there already."""
        fp = self.fingerprint(request)
        if fp in self._seen:
            return True
        self._seen.add(fp)
        return not self.cluster.link.call(lambda r: r.sadd(self.key, fp.hex()))

    def enqueue(self, request: Request, stream: str, payload: bytes) -> bool:
        """Record the fingerprint and queue the request in one atomic step; False when it was seen."""
        fp = self.fingerprint(request)
        args = [fp.hex(), payload, "1" if request.dont_filter else "0"]
        added = self.cluster.link.call(
            lambda r: self._script(keys=[self.key, stream, self.activity], args=args, client=r)
        )
        self._seen.add(fp)
        return bool(added)

    def log(self, request: Request, spider: Any) -> None:
        if self.debug:
            logger.debug("Filtered duplicate request: %(request)s", {"request": request})
        self.crawler.stats.inc_value("dupefilter/filtered")
