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

from newsportal.extract.text import content_hash
from newsportal.state import StoredArticle
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


# A story and an unrelated one, and a stored record of a body, for the StateStore specs.
BODY = (
    "3月14日上午9时，江城地铁5号线南段正式开通试运营，首趟列车从南湖站驶出，车厢里坐满了赶早体验的市民。\n"
    "5号线南段全长约18公里，设站12座，串联起南部新城、大学园区和高新产业园三个人口密集片区。\n"
    "运营公司介绍，试运营初期早晚高峰行车间隔为4分30秒，平峰时段为7分钟，首末班车时间分别为6时和23时。"
)
OTHER = (
    "市气象台发布消息，本周后半程受冷空气影响，全市将有一次明显降温降雨过程，最低气温跌至8℃。\n"
    "气象部门提醒，降温幅度较大，市民注意及时添衣，雨天出行注意交通安全。"
)


def record(canonical_url: str, body: str = BODY, **fields) -> StoredArticle:
    fields.setdefault("site", "sample")
    return StoredArticle(canonical_url=canonical_url, content_hash=content_hash(body), **fields)
