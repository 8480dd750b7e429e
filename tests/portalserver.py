"""A portal on 127.0.0.x that logs every request and how many were in flight, for cluster tests and
benchmarks/cluster.py.

``PortalServer(pages, host=..., latency=...)`` serves, from an asyncio loop in a background thread:

* ``pages``: a ``benchmarks.synthetic_portal.SyntheticPortal`` (pages rendered from their URL) or
  a directory (a static site such as samples/portal: a directory serves its index.html);
* ``latency``: seconds each answer waits before it is sent (a slow portal, far away);
* ``hold()`` / ``release()``: requests received while held are answered only once released (a test
  that needs every worker of a cluster up before the first page is served);
* ``log``: one ``Hit`` (path, start, end, agent: its User-Agent, which tells a benchmark's workers
  apart) per request, and ``max_in_flight``: the most requests
  it was answering at once (received, not yet answered): what a portal sees of a crawler's
  concurrency, across all of a cluster's workers.

Any 127.0.0.0/8 address works on Linux, so several portals are several hosts (Scrapy's download
slots, and the cluster's politeness, are per host).
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic_portal import SyntheticPortal  # noqa: E402

__all__ = ["Hit", "PortalServer", "SyntheticPortal"]

_REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.([01])\r\n", re.ASCII)
_USER_AGENT = re.compile(rb"\r\nuser-agent: *([^\r]*)", re.ASCII | re.IGNORECASE)
_TYPES = {".html": "text/html", ".txt": "text/plain", ".json": "application/json", ".jpg": "image/jpeg"}


@dataclass
class Hit:
    path: str
    start: float
    end: float = 0.0
    agent: str = ""


class _Protocol(asyncio.Protocol):
    def __init__(self, server: PortalServer) -> None:
        self.server = server
        self.buffer = b""
        self.transport: Any = None
        self.busy = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head, self.buffer = self.buffer[: end + 4], self.buffer[end + 4 :]
        m = _REQUEST_LINE.match(head)
        if not m:
            self.transport.close()
            return
        self.busy = True
        hit = self.server._begin(m[2].decode("latin-1"))
        agent = _USER_AGENT.search(head)
        hit.agent = agent[1].decode("latin-1") if agent else ""
        close = m[3] == b"0" or b"\r\nconnection: close" in head.lower()
        answer = (self.server.latency, self._answer, hit, m[1], close)
        if self.server._held is not None:
            self.server._held.append(answer)
        else:
            asyncio.get_running_loop().call_later(*answer)

    def _answer(self, hit: Hit, method: bytes, close: bool) -> None:
        status, ctype, body = self.server.render(hit.path)
        reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
        head = (
            f"HTTP/1.1 {status} {reason}\r\nDate: {formatdate(usegmt=True)}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
        ).encode("latin-1")
        if not self.transport.is_closing():
            self.transport.write(head if method == b"HEAD" else head + body)
        self.server._end(hit)
        self.busy = False
        if close:
            self.transport.close()
        else:
            self._next()


class PortalServer:
    def __init__(self, pages: SyntheticPortal | Path | str, *, host: str = "127.0.0.1", latency: float = 0.0):
        self.pages = pages if isinstance(pages, SyntheticPortal) else Path(pages)
        self.host = host
        self.latency = latency
        self.log: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._held: list[tuple] | None = None  # answers waiting for release(), while held
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Protocol(self), self.host, 0, backlog=512)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def render(self, path: str) -> tuple[int, str, bytes]:
        if isinstance(self.pages, SyntheticPortal):
            return self.pages.render(path)
        rel = path.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        target = (self.pages / rel).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.pages.resolve()) or not target.is_file():
            if rel == "robots.txt":
                return 200, "text/plain", b"User-agent: *\nDisallow:\n"
            return 404, "text/html", b"<html><body>404</body></html>"
        return 200, _TYPES.get(target.suffix, "application/octet-stream"), target.read_bytes()

    def _begin(self, path: str) -> Hit:
        hit = Hit(path, time.monotonic())
        with self._lock:
            self.log.append(hit)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return hit

    def _end(self, hit: Hit) -> None:
        hit.end = time.monotonic()
        with self._lock:
            self.in_flight -= 1

    def hold(self) -> None:
        """Answer nothing from now until release()."""
        done = threading.Event()

        def start() -> None:
            if self._held is None:
                self._held = []
            done.set()

        self._loop.call_soon_threadsafe(start)
        done.wait(5)

    def release(self) -> None:
        """Send the held answers (each after its latency) and answer as usual from now on."""

        def stop() -> None:
            held, self._held = self._held or [], None
            for answer in held:
                self._loop.call_later(*answer)

        self._loop.call_soon_threadsafe(stop)

    def reset(self) -> None:
        with self._lock:
            self.log = []
            self.max_in_flight = self.in_flight

    def paths(self) -> list[str]:
        with self._lock:
            return [h.path for h in self.log]

    def close(self) -> None:
        def stop() -> None:
            self._server.close()
            self._loop.stop()

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(5)

    def __enter__(self) -> PortalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
