"""A run lock in the state directory: never two crawls of one site at once.

``fcntl.flock`` on ``<state dir>/locks/<name>.lock``: the kernel releases it when the process exits
in any way (kill -9 and reboots included), so a stale lock file never blocks the next run. The
file records who holds it, for the message the second run prints.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from newsportal.sites import DEFAULT_SITE


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


class LockHeld(RuntimeError):
    """Another live process holds the lock."""


def lock_name(spider: str, spider_args: dict[str, str]) -> str:
    """One lock per crawl target: the site profile, or the start URL's host."""
    if spider_args.get("site"):
        target = spider_args["site"]
    elif spider_args.get("start_url"):
        target = urlsplit(spider_args["start_url"]).hostname or "start_url"
    else:
        target = DEFAULT_SITE  # what the spider crawls with neither argument
    return re.sub(r"[^\w.-]", "_", f"{spider}-{target}")


class RunLock:
    def __init__(self, state_dir: str | os.PathLike[str], name: str) -> None:
        self.path = Path(state_dir) / "locks" / f"{name}.lock"
        self._fh: IO[str] | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise LockHeld naming the holder. Never waits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown process"
            fh.close()
            raise LockHeld(f"another run holds {self.path} ({holder})") from None
        fh.seek(0)
        fh.truncate()
        since = datetime.now(UTC).astimezone().isoformat(timespec="seconds")  # ISO 8601, local offset
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": since}))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
