"""A cluster job's output: items through a Redis stream to writers, feed files that outlive a worker.

A worker's machine may never come back, so an item must not live only on its disk before the job's
output has it. In a cluster crawl (``NEWSPORTAL_REDIS_URL``) the default feed is replaced by this:

* **emit**: on ``item_scraped`` (before StatePipeline records the item as emitted) the item's JSON
  line, as Scrapy's JSON Lines exporter writes it, is XADDed to the job's ``{job}:items`` stream
  in one Lua step with the SADD of its key (canonical URL) to ``{job}:emitted``: a request fetched
  twice (its first worker died after emitting it) gives its item once;
* **write**: every worker is also a writer (consumer group ``writers``): each tick it reads new
  entries (XREADGROUP) and appends their lines to ``<output>/<site>/<UTC start>-<worker>.jsonl.part``;
  the entries stay pending (leased to it) until the file is published;
* **publish** (when the worker closes: the job is done, or it is stopped): it reads what is left,
  claims the entries of dead writers, keeps the lines of the entries still leased to it (another
  writer may have claimed some while this one was taken for dead), fsyncs and renames the file to
  ``.jsonl``, then acknowledges and deletes the entries (XACK, XDEL): "on disk, then acked";
* a writer that dies (kill -9, a lost machine) has its pending entries claimed by a living one
  (newsportal.state.job), which writes them to its own file. Its ``.part`` is never published: a
  later start on that machine moves it aside as ``.jsonl.part.abandoned``.

So each story is in exactly one published file of the job, whichever worker dies. What remains: a
worker killed between its rename and its XACK (microseconds) leaves a published file whose entries
are claimed and written again by another worker.

Written by hand because Scrapy's feed exports write each worker's items to that worker's storage;
none reads them back from a shared queue.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
from pathlib import Path
from typing import Any

import redis
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exporters import JsonLinesItemExporter

from newsportal.durability import guard_for
from newsportal.feeds import PART_SUFFIX, run_id, site_label
from newsportal.runlock import pid_alive
from newsportal.state.job import WRITER_GROUP, Cluster

logger = logging.getLogger(__name__)

# KEYS: emitted set, items stream; ARGV: item key, JSON line.
_EMIT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('XADD', KEYS[2], '*', 'j', ARGV[2])
return 1
"""
ABANDONED_SUFFIX = ".abandoned"
READ_COUNT = 500


class ClusterOutput:
    """Emitter and writer of one worker (see the module's docstring)."""

    def __init__(self, crawler: Any, cluster: Cluster) -> None:
        from newsportal.state.frontier import _ensure_group

        self.crawler = crawler
        self.cluster = cluster
        self.stats = crawler.stats
        self.stream = cluster.key("items")
        self.emitted = cluster.key("emitted")
        self._emit = cluster.link.redis.register_script(_EMIT)
        cluster.link.call(lambda r: _ensure_group(r, self.stream, WRITER_GROUP))
        spider = crawler.spider
        # This worker's run id: the job's feed files of one machine never share a name.
        spider.run_id = f"{run_id(spider)}-{cluster.worker}"
        folder = Path(crawler.settings.get("NEWSPORTAL_OUTPUT_DIR") or "output") / site_label(spider)
        self.path = folder / f"{spider.run_id}.jsonl"
        self.part = self.path.with_name(self.path.name + PART_SUFFIX)
        self.fields = crawler.settings.getlist("FEED_EXPORT_FIELDS") or None
        self._file: Any = None
        self._lines: list[tuple[bytes, int, int]] = []  # (entry id, start, end) of each line written
        self._size = 0
        self.published = False
        self._abandon_dead_parts(folder)
        cluster.output = self
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    # --- emit --------------------------------------------------------------------------------

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        adapter = ItemAdapter(item)
        key = adapter.get("canonical_url") or adapter.get("url") or ""
        version = adapter.get("version") or 1
        buffer = io.BytesIO()
        exporter = JsonLinesItemExporter(buffer, fields_to_export=self.fields, ensure_ascii=False)
        exporter.export_item(item)
        line = buffer.getvalue()
        try:
            added = self.cluster.link.call(
                lambda r: self._emit(
                    keys=[self.emitted, self.stream], args=[f"{key}#{version}", line], client=r
                )
            )
        except redis.RedisError as exc:
            # Redis refused the write (out of memory, read-only replica): like a full disk, the run
            # stops (exit 73); the item is not recorded as emitted, its request not acknowledged
            guard = guard_for(self.crawler)
            guard.fail(OSError(errno.EIO, f"Redis refused the item ({exc})", self.stream))
            return
        self.stats.inc_value("newsportal/cluster/emitted" if added else "newsportal/cluster/emitted_again")

    # --- write -------------------------------------------------------------------------------

    def pull(self) -> int:
        """Write the entries newly delivered to this writer; the count."""
        total = 0
        while True:
            got = self.cluster.link.call(
                lambda r: r.xreadgroup(
                    WRITER_GROUP, self.cluster.worker, {self.stream: ">"}, count=READ_COUNT
                )
            )
            entries = got[0][1] if got else []
            self._write(entries)
            total += len(entries)
            if len(entries) < READ_COUNT:
                return total

    def reclaim(self) -> None:
        self._write(self.cluster.claim_dead(self.stream, WRITER_GROUP))

    def _write(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        if not entries or self.published:
            return
        if self._file is None:
            self.part.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.part.open("wb", buffering=0)
        for entry, fields in entries:
            line = (fields or {}).get(b"j")
            if line is None:
                continue
            self._file.write(line)
            self._lines.append((entry, self._size, self._size + len(line)))
            self._size += len(line)
        self.stats.set_value("newsportal/cluster/written", len(self._lines))

    # --- publish -------------------------------------------------------------------------------

    def publish(self) -> None:
        """Publish this worker's file and acknowledge its entries (see the module's docstring)."""
        if self.published:
            return
        self.pull()
        self.reclaim()
        owned = self._owned()
        if self._file is None:
            self.part.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.part.open("wb", buffering=0)
        keep = [x for x in self._lines if x[0] in owned]
        if len(keep) < len(self._lines):
            lost = len(self._lines) - len(keep)
            logger.warning(
                "cluster: %d line(s) were claimed by other writers; left out of %s", lost, self.path
            )
            self.stats.inc_value("newsportal/cluster/lines_claimed_away", lost)
            self._file.close()
            data = self.part.read_bytes()
            self._file = self.part.open("wb", buffering=0)
            for _entry, start, end in keep:
                self._file.write(data[start:end])
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.part, self.path)
        self.published = True
        ids = [entry for entry, _, _ in keep]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]

            def step(r: Any, chunk: list[bytes] = chunk) -> None:
                pipe = r.pipeline(transaction=True)
                pipe.xack(self.stream, WRITER_GROUP, *chunk)
                pipe.xdel(self.stream, *chunk)
                pipe.execute()

            self.cluster.link.call(step)
        self.cluster.link.call(lambda r: r.xgroup_delconsumer(self.stream, WRITER_GROUP, self.cluster.worker))
        self.stats.set_value("newsportal/cluster/published", len(keep))
        logger.info("cluster: published %s (%d items)", self.path, len(keep))

    def _owned(self) -> set[bytes]:
        """The entry ids the items group has leased to this worker now."""
        owned: set[bytes] = set()
        start = "-"
        while True:
            page = self.cluster.link.call(
                lambda r, s=start: r.xpending_range(
                    self.stream, WRITER_GROUP, s, "+", 1000, consumername=self.cluster.worker
                )
            )
            for p in page:
                mid = p["message_id"]
                owned.add(mid if isinstance(mid, bytes) else mid.encode())
            if len(page) < 1000:
                return owned
            last = page[-1]["message_id"]
            last = last.decode() if isinstance(last, bytes) else last
            ms, _, seq = last.partition("-")
            start = f"{ms}-{int(seq) + 1}"

    def _abandon_dead_parts(self, folder: Path) -> None:
        """A cluster .part of a dead worker of this machine is never published: its entries were (or
        will be) claimed by a living writer. Moved aside, so a local run's recovery never publishes
        it either."""
        if not folder.is_dir():
            return
        host = re.escape(self.cluster.worker.rsplit("-", 1)[0])
        pattern = re.compile(rf"-{host}-(\d+)\.jsonl{re.escape(PART_SUFFIX)}$")
        for part in folder.glob(f"*.jsonl{PART_SUFFIX}"):
            m = pattern.search(part.name)
            if m is None or pid_alive(int(m[1])):
                continue
            part.rename(part.with_name(part.name + ABANDONED_SUFFIX))
            self.stats.inc_value("newsportal/cluster/abandoned_parts")
            logger.warning("cluster: %s of a dead worker moved aside (its items were claimed)", part)
