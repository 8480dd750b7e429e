"""A real ``redis-server`` for tests: its own free port on 127.0.0.1, its own temporary directory.

Persistence is the one the README asks operators to use (``appendonly yes``, ``appendfsync
everysec``), so a test that restarts the server sees what a restarted production server keeps.
No fakeredis and no mocks: the cluster's promises are about what a real server does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """Start, stop, kill and restart one redis-server; the port and data directory stay the same."""

    def __init__(self, directory: Path, *, port: int | None = None, appendonly: bool = True) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server)")
        args = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "everysec",
            "--daemonize", "no",
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self.proc.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {log}")
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """A clean shutdown: the append-only file is flushed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """kill -9: what is not yet fsynced (at most about a second of writes) may be lost."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        if down_for:
            time.sleep(down_for)
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def race(url: str, script: str, argvs: list[list[str]], *, cwd: Path, timeout: float = 120) -> list[str]:
    """Start one ``python -c script url *argv`` per argv; each prints "ready" and waits for the key
    "go", which is set once all are ready, so they run at the same moment. Their outputs, after each
    exited 0."""
    import redis  # the tests' client; this module is also imported where only the server is wanted

    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, url, *argv], cwd=cwd, stdout=subprocess.PIPE, text=True
        )
        for argv in argvs
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        redis.Redis.from_url(url).set("go", 1)
        outputs = [proc.communicate(timeout=timeout)[0] for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert [proc.returncode for proc in procs] == [0] * len(procs)
    return outputs


@pytest.fixture
def redis_server(tmp_path) -> RedisServer:
    """A fresh, empty redis-server for one test; in CI a missing binary fails rather than skips."""
    if REDIS_SERVER is None and os.environ.get("CI") != "true":
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    with RedisServer(tmp_path / "redis") as server:
        yield server
