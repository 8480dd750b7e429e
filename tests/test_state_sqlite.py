"""SQLiteStateStore: what survives a run, a reopen, and a process killed with SIGKILL mid-write.

The contract every backend keeps is in test_state_contract.py; here is what is SQLite's own."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsportal.cli import main as cli_main
from newsportal.state import StoredArticle, near_signature, open_state
from newsportal.state.sqlite import DB_NAME, SQLiteStateStore
from tests.statestores import BODY, OTHER, record

ROOT = Path(__file__).resolve().parents[1]


def test_store_lives_in_the_state_dir_in_wal_mode(tmp_path: Path) -> None:
    from scrapy.settings import Settings

    settings = Settings({"NEWSPORTAL_STATE_DIR": str(tmp_path / "state")})
    with open_state(settings) as store:
        store.add(record("http://a.cn/1.html"))
    db = sqlite3.connect(tmp_path / "state" / DB_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT canonical_url FROM article").fetchall() == [("http://a.cn/1.html",)]


def test_unknown_backend_is_refused_with_the_known_ones() -> None:
    from scrapy.settings import Settings

    with pytest.raises(ValueError, match="sqlite"):
        open_state(Settings({"NEWSPORTAL_STATE_BACKEND": "mongo"}))


def test_band_rows_buffered_before_a_flush_are_searched_too(tmp_path: Path) -> None:
    with SQLiteStateStore(tmp_path, band_flush=1000) as store:
        store.add(record("http://a.cn/1.html"), near_signature(BODY))
        assert store.db.execute("SELECT COUNT(*) FROM near_band").fetchone()[0] == 0
        assert store.find_near(near_signature(BODY), 0.4).canonical_url == "http://a.cn/1.html"
    with SQLiteStateStore(tmp_path) as store:
        assert store.db.execute("SELECT COUNT(*) FROM near_band").fetchone()[0] == 32


WRITER = textwrap.dedent(
    """
    import sys
    from hashlib import sha1
    from newsportal.state import StoredArticle, near_signature
    from newsportal.state.sqlite import SQLiteStateStore
    store = SQLiteStateStore(sys.argv[1], band_flush=50)
    n = 0
    while True:
        tail = sha1(str(n).encode()).hexdigest()
        body = f"第{n}条：" + "江城地铁五号线南段开通试运营沿线居民通勤时间缩短" * 3 + tail
        store.add(StoredArticle(canonical_url=f"http://a.cn/{n}.html", content_hash=str(n)),
                  near_signature(body))
        n += 1
        if n == 120:
            print("ready", flush=True)
    """
)


def test_store_is_consistent_and_complete_after_sigkill_mid_write(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)  # well into further writes and band flushes
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    db = sqlite3.connect(tmp_path / DB_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with SQLiteStateStore(tmp_path) as store:
        stored = store.stats().articles
        assert stored >= 120
        # every committed row is there, in order, with no gap
        ids = [r[0] for r in store.db.execute("SELECT canonical_url FROM article ORDER BY id")]
        assert ids == [f"http://a.cn/{n}.html" for n in range(stored)]
        # signatures whose band rows were still buffered were indexed on reopening
        assert store.db.execute("SELECT COUNT(*) FROM article WHERE banded = 0").fetchone()[0] == 0
        last = stored - 1
        # a tail of its own: "1414" * 20 and "14" * 20 share every 3-gram, so 1414 would find 14
        tail = hashlib.sha1(str(last).encode()).hexdigest()
        body = f"第{last}条：" + "江城地铁五号线南段开通试运营沿线居民通勤时间缩短" * 3 + tail
        assert store.find_near(near_signature(body), 0.99).canonical_url == f"http://a.cn/{last}.html"
        # and it takes writes again
        store.add(StoredArticle(canonical_url="http://a.cn/after.html"))
        assert store.seen_url("http://a.cn/after.html")


def test_cli_state_stats_and_reset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SQLiteStateStore(tmp_path) as store:
        store.add(record("http://a.cn/1.html"), near_signature(BODY))
        store.add(record("http://b.cn/2.html", body=OTHER), near_signature(OTHER))
    assert cli_main(["state", "stats", "--state-dir", str(tmp_path), "--json"]) == 0
    import json

    stats = json.loads(capsys.readouterr().out)
    assert (stats["articles"], stats["content_hashes"], stats["near_signatures"]) == (2, 2, 2)
    assert stats["sites"] == {"sample": 2}
    assert cli_main(["state", "reset", "--state-dir", str(tmp_path), "--yes"]) == 0
    assert "2 articles forgotten" in capsys.readouterr().out
    with SQLiteStateStore(tmp_path) as store:
        assert store.stats().articles == 0


def test_cli_state_stats_without_a_store_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["state", "stats", "--state-dir", str(tmp_path / "none")]) == 2
    assert "no state store" in capsys.readouterr().err


def test_cli_state_reset_keeps_the_store_unless_confirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SQLiteStateStore(tmp_path) as store:
        store.add(record("http://a.cn/1.html"))
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli_main(["state", "reset", "--state-dir", str(tmp_path)]) == 1
    assert "not reset" in capsys.readouterr().err
    with SQLiteStateStore(tmp_path) as store:
        assert store.seen_url("http://a.cn/1.html")
