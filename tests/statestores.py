"""The state store backends the StateStore contract is checked against: SQLite in a temporary directory
and Redis on a real redis-server of its own (``tests/redisserver.py``).

``state_backend`` is parametrised over both: ``state_backend.open()`` opens a new connection to the same
store, so "reopening" means what it means for each backend (a new SQLite connection to the file, a new
Redis client to the server under the same prefix).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsportal.state.base import StateStore

PREFIX = "newsportal:sample:"
CHARS = (
    "江城地铁号线南段正式开通试运营首趟列车从湖站驶出车厢里坐满了赶早体验的市民全长约公里设座串联起部新大学"
)


def story(n: int, length: int = 240) -> str:
    """A body of its own for story n: distinct stories share few 3-grams (no near-duplicates)."""
    digest = b"".join(hashlib.sha256(f"{n}/{k}".encode()).digest() for k in range(length // 32 + 1))
    return "".join(CHARS[b % len(CHARS)] for b in digest[:length])


@dataclass
class Backend:
    name: str
    tmp_path: Path
    redis_server: Any = None

    def open(self) -> StateStore:
        if self.name == "sqlite":
            from newsportal.state.sqlite import SQLiteStateStore

            return SQLiteStateStore(self.tmp_path)
        from newsportal.state.redis import RedisStateStore

        return RedisStateStore(self.redis_server.url, PREFIX, retry_for=5)

    def set_signature_version(self, value: str) -> None:
        """What a store built by a version with other signature parameters holds."""
        if self.name == "sqlite":
            from newsportal.state.sqlite import DB_NAME

            with sqlite3.connect(self.tmp_path / DB_NAME) as db:
                db.execute("UPDATE meta SET value = ? WHERE name = 'signature_version'", (value,))
            return
        import redis

        redis.Redis.from_url(self.redis_server.url).hset(PREFIX + "state:meta", "signature_version", value)


@pytest.fixture(params=["sqlite", "redis"], name="state_backend")
def state_backend_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "redis":
        return Backend("redis", tmp_path, request.getfixturevalue("redis_server"))
    return Backend("sqlite", tmp_path)
