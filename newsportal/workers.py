"""Extraction in worker processes, so a crawl uses more than the one core Scrapy's reactor runs on.

Scrapy does its networking, scheduling, pipelines and feed in one thread; parsing and extracting a
page is pure CPU work on bytes (newsportal.extract.page.analyse_page) and runs as well in another
process. ``ExtractionPool`` hands pages to ``NEWSPORTAL_EXTRACT_WORKERS`` processes and gives each
result back to the asyncio reactor as an awaitable. With 0 workers, or once a worker dies (killed,
or out of memory), extraction runs in the crawl's own process, so a page is never lost to the pool;
so does a call that finds every worker ``MAX_WAITING`` calls behind, so pages do not pile up waiting.

Written by hand rather than on ``concurrent.futures.ProcessPoolExecutor``: the executor pickles and
writes from its own threads (a manager thread and a queue feeder thread), which contend for the GIL
with the reactor thread, and on 2 cores that hand-off cost more than the extraction it moved
(measured: 128 against 151 pages/s). Here each worker is a plain child process (``python -m
newsportal.workers``) spoken to over its stdin and stdout pipes, which the reactor's own event loop
reads and writes without blocking: a page costs the crawl one pickle out and one in, and no thread.
A worker reads until its stdin closes, so it exits with the crawl however the crawl ends (kill -9
included: the kernel closes the crawl's end of the pipe).

The pool runs the pure, CPU-bound steps of a page and of an item (``WORKER_FUNCTIONS``): for the
spider ``analyse_and_prepare`` (``analyse_page``, and for a one-page article also what CleanPipeline
and DedupPipeline compute of it, so an article costs one round trip: ``newsportal.precomputed``);
``clean_article`` for CleanPipeline and ``dedup_keys`` for DedupPipeline on items that came with
nothing computed ahead (a multi-page article, an item changed on its way); one pool per crawl
(``pool_for``). Messages both ways are a 4-byte big-endian length and a pickle. To the
worker: ``("site", key, Site)`` once per site (a Site argument then travels as its key), and
``("call", function name, args, kwargs)``; back: ``("ready", None)`` once its imports are done
(pages before it are extracted in the crawl's process), then ``("ok", result)`` or ``("error",
exception)``, one per call, in order.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import importlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals

from newsportal.extract.page import AnalysedPage, analyse_page
from newsportal.sites.base import Site

logger = logging.getLogger(__name__)

_HEADER = 4
_PICKLE = pickle.HIGHEST_PROTOCOL


# What a worker may be asked to run: pure functions of picklable values, by "module:name".
WORKER_FUNCTIONS = frozenset(
    {
        "newsportal.extract.page:analyse_page",
        "newsportal.pageanalysis:analyse_and_prepare",
        "newsportal.pipelines.clean:clean_article",
        "newsportal.pipelines.dedup:dedup_keys",
    }
)


def _function_name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def _load_function(name: str) -> Callable[..., Any]:
    if name not in WORKER_FUNCTIONS:
        raise ValueError(f"not a worker function: {name}")
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class _SiteRef:
    """A Site the worker was sent before, by key."""

    key: int


def worker_count(setting: str | int | None) -> int:
    """NEWSPORTAL_EXTRACT_WORKERS: a number, or "auto": one worker when the machine has a second
    core, none on one core. One is enough: extraction is about a third of the reactor's work a page
    (benchmarks/crawl.py), so a second worker would wait on the reactor."""
    if setting in (None, "", "auto"):
        return 1 if (os.cpu_count() or 1) >= 2 else 0
    return max(0, int(setting))


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=_PICKLE)
    return len(data).to_bytes(_HEADER, "big") + data


def _worker_env() -> dict[str, str]:
    # The worker imports newsportal from where the crawl did, installed or not.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


_F_SETPIPE_SZ = 1031  # Linux fcntl

# Calls a worker may have waiting; with every worker that far behind (stalled, or descheduled on a busy
# machine) a call runs in the crawl's own process instead. Else each page the downloader brings in
# meanwhile waits in the crawl process (its response, decoded text, the callback's frames), and all
# go through the pipelines together once the worker catches up: up to ~300 pages and +15 MB of the
# crawl's peak RSS on benchmarks/crawl.py's portal (issue 16). In step, a worker has at most ~10 waiting.
MAX_WAITING = 32


def _widen(pipe: Any) -> None:
    """A 1 MiB pipe (Linux; the 64 kB default elsewhere): a page is written in one call."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(pipe.fileno(), _F_SETPIPE_SZ, 1 << 20)


_POOLS: weakref.WeakKeyDictionary[Any, ExtractionPool] = weakref.WeakKeyDictionary()


def pool_for(crawler: Any) -> ExtractionPool:
    """The crawl's pool (NEWSPORTAL_EXTRACT_WORKERS workers), shared by the spider and the
    pipelines; closed when the spider closes."""
    pool = _POOLS.get(crawler)
    if pool is None:
        pool = _POOLS[crawler] = ExtractionPool(
            worker_count(crawler.settings.get("NEWSPORTAL_EXTRACT_WORKERS"))
        )
        crawler.signals.connect(pool.warm_up, signal=signals.engine_started)

        def record(**_: Any) -> None:
            # What the run asked of the pool: newsportal/extraction/{calls,in_worker}/<function>.
            for kind, counts in (("calls", pool.calls), ("in_worker", pool.sent)):
                for name, count in counts.items():
                    short = name.rpartition(":")[2]
                    crawler.stats.set_value(f"newsportal/extraction/{kind}/{short}", count)

        crawler.signals.connect(record, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
    return pool


# --- the crawl's side ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Job:
    future: asyncio.Future
    func: Callable[..., Any]
    args: tuple
    kwargs: dict


@dataclass(eq=False)
class _Worker:
    proc: subprocess.Popen
    writer: asyncio.WriteTransport | None = None
    reader: asyncio.ReadTransport | None = None
    jobs: collections.deque[_Job] = field(default_factory=collections.deque)
    sites: set[int] = field(default_factory=set)  # ids of the Site objects this worker has been sent
    alive: bool = True
    ready: bool = False  # its imports done (it said so): until then pages are extracted here


def _close_transports(worker: _Worker) -> None:
    for transport in (worker.writer, worker.reader):
        if transport is not None:
            transport.close()


class _ResultReader(asyncio.Protocol):
    """Reads a worker's framed results and settles its jobs' futures in order."""

    def __init__(self, pool: ExtractionPool, worker: _Worker) -> None:
        self.pool = pool
        self.worker = worker
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        start = 0
        while len(buf) - start >= _HEADER:
            size = int.from_bytes(buf[start : start + _HEADER], "big")
            end = start + _HEADER + size
            if len(buf) < end:
                break
            status, value = pickle.loads(memoryview(buf)[start + _HEADER : end])
            start = end
            if status == "ready":
                self.worker.ready = True
                continue
            job = self.worker.jobs.popleft()
            if job.future.done():  # cancelled (the crawl is closing)
                continue
            if status == "ok":
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
        if start:
            del buf[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool._lost(self.worker)


class _WriterProtocol(asyncio.BaseProtocol):
    def __init__(self, pool: ExtractionPool, worker: _Worker) -> None:
        self.pool = pool
        self.worker = worker

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool._lost(self.worker)


class ExtractionPool:
    """``await pool.call(func, ...)`` is ``func(...)``, in a worker when one is ready and has fewer
    than ``max_waiting`` calls waiting, else here. Workers start with the engine (``warm_up``), or on
    the first call."""

    def __init__(self, workers: int, max_waiting: int = MAX_WAITING) -> None:
        self.workers = workers
        self.max_waiting = max(1, max_waiting)
        self._workers: list[_Worker] = []
        self._started = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: asyncio.Future | None = None
        # Calls by function name ("module:name"): all of them, and those handed to a worker.
        self.calls: collections.Counter[str] = collections.Counter()
        self.sent: collections.Counter[str] = collections.Counter()

    def warm_up(self) -> None:
        """Start the workers now (the event loop running), so their imports overlap the crawl's
        first requests; pages that come before they are ready are extracted here."""
        if self.workers and not self._started:
            self._started = True  # once: calls before the task runs must not start more workers
            self._starting = asyncio.ensure_future(self._start())

    async def ready(self, timeout: float = 60.0) -> bool:
        """Start the workers if need be and wait until each has said it is ready (or died)."""
        self.warm_up()
        if self._starting is not None:
            await self._starting
        deadline = asyncio.get_running_loop().time() + timeout
        while any(w.alive and not w.ready for w in self._workers):
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return any(w.ready for w in self._workers if w.alive)

    async def analyse(self, *args: Any, **kwargs: Any) -> AnalysedPage:
        """``analyse_page(*args, **kwargs)``, in a worker when there is one."""
        return await self.call(analyse_page, *args, **kwargs)

    async def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)`` (one of WORKER_FUNCTIONS), in a worker when there is one."""
        loop = asyncio.get_running_loop()
        self.warm_up()
        name = _function_name(func)
        self.calls[name] += 1
        live = [w for w in self._workers if w.alive and w.ready]
        # No worker (or none started yet: a page does not wait for a worker's imports), or called
        # from another event loop than the workers' own
        if not live or loop is not self._loop:
            return func(*args, **kwargs)
        worker = min(live, key=lambda w: len(w.jobs))
        if len(worker.jobs) >= self.max_waiting:  # every worker is behind: this one is done here
            return func(*args, **kwargs)
        future = loop.create_future()
        message = bytearray()

        def ref(value: Any) -> Any:
            if not isinstance(value, Site):
                return value
            key = id(value)
            if key not in worker.sites:
                nonlocal message
                message += _frame(("site", key, value))
                worker.sites.add(key)
            return _SiteRef(key)

        sent_args = tuple(ref(a) for a in args)
        sent_kwargs = {k: ref(v) for k, v in kwargs.items()}
        message += _frame(("call", name, sent_args, sent_kwargs))
        self.sent[name] += 1
        worker.jobs.append(_Job(future, func, args, kwargs))
        assert worker.writer is not None
        worker.writer.write(bytes(message))
        return await future

    async def _start(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        for _ in range(self.workers):
            proc = subprocess.Popen(
                [sys.executable, "-m", "newsportal.workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                env=_worker_env(),
            )
            for pipe in (proc.stdin, proc.stdout):
                _widen(pipe)
            worker = _Worker(proc)
            worker.writer, _ = await loop.connect_write_pipe(
                lambda w=worker: _WriterProtocol(self, w), proc.stdin
            )
            worker.reader, _ = await loop.connect_read_pipe(
                lambda w=worker: _ResultReader(self, w), proc.stdout
            )
            self._workers.append(worker)
        if self._closed:  # closed while the workers were starting
            self.close()

    def _lost(self, worker: _Worker) -> None:
        """A worker's pipe closed: it died, or the pool is closing. Its unfinished pages are
        extracted here, in the crawl's process, and it gets no more."""
        if not worker.alive:
            return
        worker.alive = False
        _close_transports(worker)
        if self._closed:
            return
        logger.warning(
            "extraction worker %s ended (exit code %s); %d page(s) it had are extracted in the crawl "
            "process, as is every page from now on if no worker is left",
            worker.proc.pid,
            worker.proc.poll(),
            len(worker.jobs),
        )
        while worker.jobs:
            job = worker.jobs.popleft()
            if job.future.done():
                continue
            try:
                job.future.set_result(job.func(*job.args, **job.kwargs))
            except Exception as exc:  # handed to the awaiting callback, as in-process
                job.future.set_exception(exc)

    def close(self) -> None:
        """Stop the workers (closing their stdin ends them; one still importing is terminated) and
        wait for them briefly."""
        self._closed = True
        for worker in self._workers:
            worker.alive = False
            for job in worker.jobs:
                job.future.cancel()
            worker.jobs.clear()
            _close_transports(worker)
            # The transports close their pipes on the loop's next turn; the wait below blocks the
            # loop, so the worker's stdin is closed here (its EOF is what ends the worker).
            for pipe in (worker.proc.stdin, worker.proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            if not worker.ready:
                # Still importing (a short crawl ends first): it has had no page, so stop it now
                # rather than wait up to 5 s for imports nobody will use. SIGTERM ends it silently.
                with contextlib.suppress(ProcessLookupError):
                    worker.proc.terminate()
        for worker in self._workers:
            try:
                worker.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
        self._workers.clear()


# --- the worker's side -----------------------------------------------------------------------------


def _read_exact(stream: Any, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def serve(instream: Any, outstream: Any) -> None:
    """Answer call messages from ``instream`` on ``outstream`` until ``instream`` ends."""
    sites: dict[int, Site] = {}

    def deref(value: Any) -> Any:
        return sites[value.key] if isinstance(value, _SiteRef) else value

    while True:
        header = _read_exact(instream, _HEADER)
        if header is None:
            return
        payload = _read_exact(instream, int.from_bytes(header, "big"))
        if payload is None:
            return
        kind, *rest = pickle.loads(payload)
        if kind == "site":
            key, site = rest
            sites[key] = site
            continue
        name, args, kwargs = rest
        try:
            func = _load_function(name)
            result = func(*(deref(a) for a in args), **{k: deref(v) for k, v in kwargs.items()})
            reply = _frame(("ok", result))
        except Exception as exc:  # sent back to the crawl, raised in its callback
            try:
                reply = _frame(("error", exc))
            except Exception:  # an exception that does not pickle
                reply = _frame(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        outstream.write(reply)
        outstream.flush()


def main() -> None:
    # Ctrl-C reaches the whole process group: the crawl stops gracefully and closes our stdin then.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the real stdout; anything else printed goes to stderr (the crawl's log).
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    for name in sorted(WORKER_FUNCTIONS):  # imported before the first page, not on it
        _load_function(name)
    try:
        out.write(_frame(("ready", None)))
        out.flush()
        serve(sys.stdin.buffer, out)
    except BrokenPipeError:
        # The crawl closed its end of our stdout: it has finished (a short crawl can end before our
        # imports do) or died, so nobody is left to answer. Exit quietly; a real error in a page is
        # sent back by serve() and any other exception still ends us with a traceback.
        _discard(out)


def _discard(out: Any) -> None:
    """Point ``out`` at /dev/null, so the bytes still in its buffer, flushed when the interpreter
    exits, do not raise BrokenPipeError again ("Exception ignored ..." on stderr)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, out.fileno())
    os.close(devnull)


if __name__ == "__main__":
    # Run as newsportal.workers, not __main__: the classes pickled by the crawl are that module's.
    from newsportal.workers import main as worker_main

    worker_main()
