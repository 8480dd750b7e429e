"""A hostile web server of our own on 127.0.0.1, and real `scrapy crawl` runs against it.

``FaultServer`` serves whatever routes a test gives it: a route is a path (exact, or a prefix ending
in ``*``) mapped to a function that gets the request handler and writes anything at all to the
socket: a normal page, a reset, a truncated body, a gzip bomb, a redirect loop, a 429 with
Retry-After. Every request is logged (time, method, path, headers) so a test can assert what was
fetched and when. Unrouted paths are 404s; ``/robots.txt`` is an empty allow-all unless routed.

``crawl_cli`` runs ``scrapy crawl portal`` in a subprocess as cron would and returns its exit code,
stdout, stderr, log, the items of its published feed, its stats file and the peak RSS of its
process tree (the crawl and its extraction workers), so a test asserts all of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code if code >= 0 else 128 - code)\n"
)
SCRAPY = str(Path(sys.executable).with_name("scrapy"))

Route = Callable[["FaultHandler"], None]


@dataclass
class Hit:
    time: float
    method: str
    path: str
    headers: dict[str, str]


class FaultHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.log.append(Hit(time.monotonic(), "GET", self.path, dict(self.headers.items())))
        route = self.server.route_for(self.path)
        if route is None:
            self.send_page("<html><body>not found</body></html>", status=404)
            return
        # the client may give up (a size limit, a timeout): that is the test's point
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    do_HEAD = do_GET

    def send_page(
        self,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """A complete response with a Content-Length."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_stream(
        self,
        chunks: Iterable[bytes],
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        length: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """A response written as it is produced, so a huge body is never held: with a Content-Length
        when ``length`` is given, else chunked (the client learns the size only by reading)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if length is None else chunk)
        if length is None:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route], host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), FaultHandler)
        self.routes = routes  # the caller's dict: routes added later are served too
        self.log: list[Hit] = []

    def route_for(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        bare = path.split("?", 1)[0]
        if bare in self.routes:
            return self.routes[bare]
        prefixes = [p for p in self.routes if p.endswith("*") and path.startswith(p[:-1])]
        if prefixes:
            return self.routes[max(prefixes, key=len)]
        if bare == "/robots.txt":
            return lambda h: h.send_page("User-agent: *\nAllow: /\n", content_type="text/plain")
        return None


class FaultServer:
    """Serves routes on http://127.0.0.1:<free port>/ (or another loopback address: ``host``) in a
    background thread until close()."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1") -> None:
        self._httpd = _Server(routes if routes is not None else {}, host)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def routes(self) -> dict[str, Route]:
        return self._httpd.routes

    @property
    def log(self) -> list[Hit]:
        return self._httpd.log

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def hits(self, path_prefix: str = "") -> list[Hit]:
        return [h for h in self.log if h.path.startswith(path_prefix)]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def fault_server(routes: dict[str, Route] | None = None, host: str = "127.0.0.1") -> Iterator[FaultServer]:
    server = FaultServer(routes, host)
    try:
        yield server
    finally:
        server.close()


# --- pages a route can serve ---------------------------------------------------------------------

# Common characters of news text: random runs of them give bodies that share almost no 3-grams.
_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
)


def article_text(seed: str, paragraphs: int = 4) -> list[str]:
    """Paragraphs of news-like text, different for every seed (two articles of a test are never
    near-duplicates of each other), the same for the same seed."""
    rnd = random.Random(seed)

    def sentence() -> str:
        return "，".join("".join(rnd.choices(_CHARS, k=rnd.randint(6, 14))) for _ in range(3)) + "。"

    return [f"{seed}：" + "".join(sentence() for _ in range(4)) for _ in range(paragraphs)]


def article_html(title: str, *, date: str = "2026-03-14 20:02", paragraphs: int = 4, extra: str = "") -> str:
    """A plain article page: one headline, a date, several paragraphs of real-looking text."""
    body = "".join(f"<p>{text}</p>" for text in article_text(title, paragraphs))
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<h1>{title}</h1><div class="info"><span class="time">{date}</span> 来源：本报</div>'
        f'<div class="article-content">{body}</div>{extra}</body></html>'
    )


def listing_html(links: list[str], *, title: str = "新闻列表", extra: str = "") -> str:
    """A listing page: a title and one list item a link."""
    items = "".join(f'<li><a href="{href}">新闻标题第{i}条的内容</a></li>' for i, href in enumerate(links))
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<h1>{title}</h1><ul class="news-list">{items}</ul>{extra}</body></html>'
    )


def gzip_zeros(path: Path, size: int) -> Path:
    """A gzip file at path that inflates to ``size`` zero bytes (a gzip bomb: 1 GiB packs into ~1 MB);
    kept if it exists already. Written as gzip members of 1 MiB each (RFC 1952: a gzip file is any
    number of members, inflated one after the other, as browsers and Scrapy do): one member is
    compressed with zlib and written again and again, so building it takes milliseconds, not the
    seconds deflating a whole GiB takes, and never holds more than a MiB."""
    if path.exists():
        return path
    block = 1 << 20
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip wrapper
    member = packer.compress(bytes(block)) + packer.flush()
    part = path.with_name(path.name + ".part")
    with part.open("wb") as out:
        for start in range(0, size, block):
            if size - start < block:
                tail = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
                out.write(tail.compress(bytes(size - start)) + tail.flush())
            else:
                out.write(member)
    part.replace(path)
    return path


# --- a real crawl, as cron starts it ----------------------------------------------------------------


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str
    log: str
    items: list[dict] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    feeds: list[Path] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    listeners: set[tuple[str, int]] = field(default_factory=set)  # with watch_listeners: TCP listens

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)


def crawl_cli(
    tmp_path: Path,
    *,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    site_dir: str | None = None,
    timeout: float = 240,
    env: dict[str, str] | None = None,
    watch_listeners: bool = False,
) -> CliRun:
    """``scrapy crawl portal`` in a subprocess with state and output under tmp_path; waits for it.

    ``site_dir`` is the output folder the feed and stats land in (the site's name; ``generic`` for a
    start URL no profile owns). Peak RSS is the largest ``ru_maxrss`` of the process tree.
    ``watch_listeners``: every TCP socket a process of the tree listens on while the crawl runs
    (Linux /proc, polled) ends up in ``run.listeners``.
    """
    logs = tmp_path / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"run-{len(list(logs.iterdir()))}.log"
    values = {
        "NEWSPORTAL_STATE_DIR": str(tmp_path / "state"),
        "NEWSPORTAL_OUTPUT_DIR": str(tmp_path / "output"),
        "NEWSPORTAL_REFERENCE_TIME": "2026-03-15T10:00:00+08:00",
        "LOG_FILE": str(log),
        "LOG_LEVEL": "INFO",
        **(settings or {}),
    }
    cmd = [SCRAPY, "crawl", "portal"]
    for name, value in (spider_args or {}).items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in values.items():
        cmd += ["-s", f"{name}={value}"]
    before = set((tmp_path / "output").rglob("*")) if (tmp_path / "output").exists() else set()
    rss_file = log.with_suffix(".rss")
    # A launcher between us and the crawl: its RUSAGE_CHILDREN is this crawl's tree alone (the crawl
    # and the workers it reaped), not every child this test process ever had.
    launcher = [sys.executable, "-c", _LAUNCHER, str(rss_file)]
    proc = subprocess.Popen(
        [*launcher, *cmd],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # its own process group: a timeout ends the crawl too, not only the launcher
    )
    listeners: set[tuple[str, int]] = set()
    watcher = threading.Thread(target=_watch_listeners, args=(proc, listeners), daemon=True)
    if watch_listeners:
        watcher.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise AssertionError(f"crawl did not finish in {timeout} s:\n{stderr[-3000:]}") from None
    finally:
        if watch_listeners:
            watcher.join()
    peak = int(rss_file.read_text()) / 1024 if rss_file.exists() else 0.0  # KiB on Linux
    run = CliRun(proc.returncode, stdout, stderr, log.read_text("utf-8", "replace") if log.exists() else "")
    run.peak_rss_mb = peak
    run.listeners = listeners
    out = tmp_path / "output"
    new = sorted(p for p in (out.rglob("*") if out.exists() else []) if p not in before)
    if site_dir is not None:
        new = [p for p in new if p.parent.name == site_dir]
    run.feeds = [p for p in new if p.name.endswith(".jsonl")]
    for feed in run.feeds:
        run.items += [json.loads(line) for line in feed.read_text("utf-8").splitlines() if line.strip()]
    stats_files = [p for p in new if p.name.endswith(".stats.json")]
    if stats_files:
        run.stats = json.loads(stats_files[-1].read_text("utf-8"))
    return run


# --- what a process tree listens on (Linux /proc) ----------------------------------------------------


def process_tree(root: int) -> list[int]:
    """root and every process descended from it, now."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        children.setdefault(int(after_name[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _proc_address(hex_address: str) -> tuple[str, int]:
    """/proc/net/tcp's "0100007F:1F97" (IPv4, or 32 hex digits of IPv6) → ("127.0.0.1", 8087)."""
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # each 32-bit word is in host (little-endian) order
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed), int(port, 16)


def listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on; empty when it is gone."""
    try:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):  # closed meanwhile
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[len("socket:[") : -1])
        tables = [Path(f"/proc/{pid}/net/{name}").read_text() for name in ("tcp", "tcp6")]
    except OSError:
        return set()
    found = set()
    for table in tables:
        for line in table.splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(_proc_address(fields[1]))
    return found


def _watch_listeners(proc: subprocess.Popen, found: set[tuple[str, int]]) -> None:
    while proc.poll() is None:
        for pid in process_tree(proc.pid):
            found |= listening_sockets(pid)
        time.sleep(0.05)
