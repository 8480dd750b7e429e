"""RedisStateStore beyond the common contract (test_state_contract.py): what a cluster needs of it, on a
real redis-server. Workers in separate processes racing the same story, Redis restarted, stopped or
killed while the store is in use, near-duplicate decisions identical to SQLite's, and the
``newsportal state`` command against Redis, run as a real process."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import redis

from newsportal.extract.text import content_hash
from newsportal.state import StateError, StoredArticle, near_signature
from newsportal.state.base import Claim
from newsportal.state.redis import RedisStateStore, StateUnavailable
from newsportal.state.sqlite import SQLiteStateStore
from tests.dedup_fixtures.labelled import MANIFEST, labelled_pairs, sample_bodies
from tests.redisserver import RedisServer, race
from tests.statestores import story

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "newsportal:sample:"
NEWSPORTAL = Path(sys.executable).with_name("newsportal")


def record(url: str, body: str, **fields) -> StoredArticle:
    return StoredArticle(canonical_url=url, site="sample", content_hash=content_hash(body), **fields)


@pytest.fixture
def store(redis_server: RedisServer):
    with RedisStateStore(redis_server.url, PREFIX, retry_for=10) as opened:
        yield opened


# --- the atomic check-and-record --------------------------------------------------------------------


def test_claim_decides_like_the_dedup_pipeline(store: RedisStateStore) -> None:
    body, other = story(1), story(2)
    won = store.claim(record("http://a.cn/1.html", body), near_signature(body), 0.4)
    assert (won.won, won.version) == (True, 1)
    assert store.article("http://a.cn/1.html") is None  # claimed: plain reads wait for its add
    assert not store.seen_url("http://a.cn/1.html") and store.find_content(content_hash(body)) is None
    store.add(record("http://a.cn/1.html", body), near_signature(body))  # written: StatePipeline confirms
    assert store.article("http://a.cn/1.html").content_hash == content_hash(body)
    same = store.claim(record("http://a.cn/1.html", body), near_signature(body), 0.4)
    assert (same.won, same.kind, same.version) == (False, "url", 1)
    copy = store.claim(record("http://b.cn/copy.html", body), near_signature(body), 0.4)
    assert (copy.won, copy.kind, copy.first) == (False, "content", "http://a.cn/1.html")
    near = store.claim(
        record("http://b.cn/near.html", body + "来源：新华网"), near_signature(body + "来源：新华网"), 0.4
    )
    assert (near.won, near.kind, near.first) == (
        False,
        "near",
        "http://a.cn/1.html",
    ) and near.similarity > 0.9
    assert not store.seen_url("http://b.cn/copy.html") and not store.seen_url("http://b.cn/near.html")
    # the same URL with another body: a refreshed story, stored as its next version
    refreshed = store.claim(record("http://a.cn/1.html", other), near_signature(other), 0.4)
    assert (refreshed.won, refreshed.version) == (True, 2)
    refreshed_record = record("http://a.cn/1.html", other)
    refreshed_record.version = 2
    store.add(refreshed_record, near_signature(other))
    stored = store.article("http://a.cn/1.html")
    assert (stored.version, stored.content_hash) == (2, content_hash(other))
    assert store.stats().articles == 1


def test_a_released_claim_is_won_by_the_next_claim_at_once(store: RedisStateStore) -> None:
    """An item dropped after DedupPipeline claimed it: released, not held for the lease."""
    body = story(3)
    claim = store.claim(record("http://a.cn/3.html", body), near_signature(body), 0.4)
    assert claim.won and claim.token
    other = store.claim(record("http://b.cn/3.html", body), near_signature(body), 0.4)
    assert (other.won, other.kind) == (False, "content")
    store.release("http://a.cn/3.html", Claim(True, 1, token="not-this-one"))  # another's: left alone
    assert not store.claim(record("http://b.cn/3.html", body), near_signature(body), 0.4).won
    store.release("http://a.cn/3.html", claim)
    assert not store.seen_url("http://a.cn/3.html")
    again = store.claim(record("http://b.cn/3.html", body), near_signature(body), 0.4)
    assert again.won
    assert not store.claim(record("http://a.cn/3.html", body), near_signature(body), 0.4).won


def test_a_claim_repeated_after_its_reply_was_lost_still_wins(store: RedisStateStore) -> None:
    """A retry after a dropped connection runs the script again: its token tells it is the same claim."""
    body = story(3)
    args = store._write_args(record("http://a.cn/3.html", body), near_signature(body), "token-1")
    args[9:11] = ["0.4", "60000"]  # threshold, lease (ms)
    assert store._run("claim", *args)[0] == b"won"
    assert store._run("claim", *args)[0] == b"won"
    args[8] = "token-2"
    assert store._run("claim", *args)[0] == b"url"
    assert store.stats().articles == 1


def test_an_unconfirmed_claim_stops_counting_after_its_lease(redis_server: RedisServer) -> None:
    """A worker that claimed a story and died before writing it must not make the story lost."""
    body, copy = story(4), story(4) + "来源：新华网"
    with (
        RedisStateStore(redis_server.url, PREFIX) as dead,
        RedisStateStore(redis_server.url, PREFIX) as alive,
    ):
        assert dead.claim(record("http://a.cn/4.html", body), near_signature(body), 0.4, lease_s=0.5).won
        # while the lease runs, the story is being emitted: the others lose to it
        assert (
            alive.claim(record("http://a.cn/4.html", body), near_signature(body), 0.4, lease_s=0.5).kind
            == "url"
        )
        lost = alive.claim(record("http://b.cn/4.html", copy), near_signature(copy), 0.4, lease_s=0.5)
        assert (lost.won, lost.kind, lost.first) == (False, "near", "http://a.cn/4.html")
        time.sleep(0.7)  # the claimer never confirmed (died before its item was written)
        again = alive.claim(record("http://b.cn/4.html", copy), near_signature(copy), 0.4, lease_s=0.5)
        assert again.won
        # the dead worker's request, delivered again: its story was emitted meanwhile as the copy
        same_url = alive.claim(record("http://a.cn/4.html", body), near_signature(body), 0.4, lease_s=0.5)
        assert (same_url.won, same_url.kind, same_url.first) == (False, "near", "http://b.cn/4.html")
        # confirmed by add (the item was written): it never expires
        alive.add(record("http://b.cn/4.html", copy), near_signature(copy))
        time.sleep(0.7)
        late = alive.claim(record("http://b.cn/4.html", copy), near_signature(copy), 0.4, lease_s=0.5)
        assert (late.won, late.kind) == (False, "url")
        # a claim on a story nobody else took, abandoned: won again by its URL
        assert dead.claim(
            record("http://a.cn/5.html", story(5)), near_signature(story(5)), 0.4, lease_s=0.5
        ).won
        time.sleep(0.7)
        again5 = alive.claim(
            record("http://a.cn/5.html", story(5)), near_signature(story(5)), 0.4, lease_s=0.5
        )
        assert (again5.won, again5.version) == (True, 1)


RACER = textwrap.dedent(
    """
    import json, sys, time
    import redis
    from newsportal.extract.text import content_hash
    from newsportal.state import StoredArticle, near_signature
    from newsportal.state.redis import RedisStateStore
    from tests.statestores import story

    url, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = RedisStateStore(url, "newsportal:sample:")
    client = redis.Redis.from_url(url)
    # Bodies and signatures first, so the claims themselves race.
    work = []
    for n in range(count):
        body = story(n)
        if n % 3 == 0:  # the same URL (a request delivered twice)
            page = f"http://a.cn/{n}.html"
        elif n % 3 == 1:  # the same body at another portal's URL (a syndicated copy)
            page = f"http://{worker}.cn/{n}.html"
        else:  # a near-duplicate at another URL: the portal's own source line
            page, body = f"http://{worker}.cn/{n}.html", body + f"来源：{worker}日报"
        rec = StoredArticle(canonical_url=page, content_hash=content_hash(body))
        work.append((n, rec, near_signature(body)))
    print("ready", flush=True)
    while not client.exists("go"):
        time.sleep(0.001)
    for n, rec, sig in work:
        claim = store.claim(rec, sig, 0.4)
        print(json.dumps([n, claim.won, claim.kind]), flush=True)
    """
)


def test_workers_racing_the_same_stories_emit_each_exactly_once(redis_server: RedisServer) -> None:
    count, workers = 150, ("w1", "w2", "w3")
    outputs = race(redis_server.url, RACER, [[name, str(count)] for name in workers], cwd=ROOT)
    winners: dict[int, int] = {}
    kinds: dict[int, set] = {}
    for out in outputs:
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == count
        for n, won, kind in rows:
            winners[n] = winners.get(n, 0) + won
            if not won:
                kinds.setdefault(n, set()).add(kind)
    assert winners == {n: 1 for n in range(count)}
    expected = {0: {"url"}, 1: {"content"}, 2: {"near"}}
    assert all(kinds[n] == expected[n % 3] for n in range(count))
    with RedisStateStore(redis_server.url, PREFIX) as store:
        stats = store.stats()
    assert (stats.articles, stats.content_hashes, stats.near_signatures) == (count, count, count)


# --- Redis restarted, stopped, killed ----------------------------------------------------------------


def test_restarted_redis_reconnects_logs_once_per_outage_and_keeps_the_data(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="newsportal.state.redis")
    with RedisStateStore(redis_server.url, PREFIX, retry_for=30) as store:
        store.add(record("http://a.cn/1.html", story(1)), near_signature(story(1)))
        redis_server.restart()
        assert store.seen_url("http://a.cn/1.html")  # the append-only file kept it
        assert store.find_near(near_signature(story(1)), 0.4).canonical_url == "http://a.cn/1.html"
        redis_server.stop()
        threading.Timer(1.5, redis_server.start).start()
        started = time.monotonic()
        store.add(record("http://a.cn/2.html", story(2)), near_signature(story(2)))  # waits for Redis
        assert time.monotonic() - started >= 1.0
    messages = [r.getMessage() for r in caplog.records]
    # a restart between two calls: one line; an outage met by a call: one line down, one line back
    assert sum("restarted; reconnected" in m for m in messages) == 1, messages
    assert sum("unreachable" in m for m in messages) == 1, messages  # once, not once per retry
    assert sum("is back after" in m and "(the server restarted)" in m for m in messages) == 1, messages
    assert len(messages) == 3, messages
    redis_server.restart()
    with RedisStateStore(redis_server.url, PREFIX) as store:
        assert store.seen_url("http://a.cn/1.html") and store.seen_url("http://a.cn/2.html")
        assert store.stats().articles == 2


def test_redis_down_longer_than_retry_for_is_a_clear_error(redis_server: RedisServer) -> None:
    with RedisStateStore(redis_server.url, PREFIX, retry_for=0.5) as store:
        redis_server.stop()
        started = time.monotonic()
        with pytest.raises(StateUnavailable) as raised:
            store.add(record("http://a.cn/1.html", story(1)))
        assert time.monotonic() - started < 5
    assert raised.value.errno == errno.EIO  # what a crawl's WriteGuard stops the run for (write_failed)
    assert redis_server.url in str(raised.value) and "unreachable" in str(raised.value)


def test_redis_back_without_its_data_is_an_error_not_an_empty_store(tmp_path: Path) -> None:
    with (
        RedisServer(tmp_path / "redis", appendonly=False) as server,
        RedisStateStore(server.url, PREFIX, retry_for=10) as store,
    ):
        store.add(record("http://a.cn/1.html", story(1)))
        server.restart()  # no append-only file: it comes back empty
        with pytest.raises(StateError, match="without this store"):
            store.seen_url("http://a.cn/1.html")


WRITER = textwrap.dedent(
    """
    import logging, sys
    from newsportal.state import StoredArticle, near_signature
    from newsportal.state.redis import RedisStateStore
    from tests.statestores import story

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    store = RedisStateStore(sys.argv[1], "newsportal:sample:", retry_for=30)
    for n in range(int(sys.argv[2])):
        body = story(n)
        rec = StoredArticle(canonical_url=f"http://a.cn/{n}.html", content_hash=str(n))
        store.add(rec, near_signature(body))
        print(n, flush=True)  # acknowledged: add returned
    """
)


def test_redis_killed_mid_write_loses_no_acknowledged_write(redis_server: RedisServer) -> None:
    total = 600
    # Unbuffered bytes: a buffered reader's readline() reads ahead, and communicate() reads the pipe
    # itself, so lines read ahead were lost (a flaky "102 != 100" when the writer ran ahead).
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, redis_server.url, str(total)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    try:
        acked = [int(proc.stdout.readline()) for _ in range(100)]
        redis_server.kill()  # kill -9, while the writer is adding
        time.sleep(0.7)
        redis_server.start()
        out_bytes, err_bytes = proc.communicate(timeout=120)
    finally:
        proc.kill()
    out, err = out_bytes.decode(), err_bytes.decode()
    acked += [int(line) for line in out.split()]
    assert proc.returncode == 0, err
    assert acked == list(range(total))  # every add returned, in order: none failed, none skipped
    assert err.count("unreachable") == 1 and err.count("is back") == 1, err
    with RedisStateStore(redis_server.url, PREFIX) as store:
        assert store.stats().articles == total
        assert all(store.seen_url(f"http://a.cn/{n}.html") for n in range(total))
        last = store.find_near(near_signature(story(total - 1)), 0.99)
        assert last.canonical_url == f"http://a.cn/{total - 1}.html"


# --- dedup quality: the same decisions as SQLite ------------------------------------------------------


@pytest.mark.skipif(not MANIFEST.exists(), reason="sample portal manifest not generated")
def test_near_duplicate_decisions_are_identical_to_sqlite_on_the_labelled_set(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    bodies = sample_bodies()
    records = [
        (StoredArticle(canonical_url=f"http://sample.example.cn/a/{n}.html"), near_signature(body))
        for n, body in enumerate(bodies)
    ]
    probes = [near_signature(pair.b) for pair in labelled_pairs()]
    with (
        SQLiteStateStore(tmp_path / "sqlite") as sqlite_store,
        RedisStateStore(redis_server.url, PREFIX) as redis_store,
    ):
        sqlite_store.add_many(records)
        redis_store.add_many(records)
        for threshold in (0.4, 0.6):
            sqlite_found = [sqlite_store.find_near(sig, threshold) for sig in probes]
            redis_found = [redis_store.find_near(sig, threshold) for sig in probes]
            assert redis_found == sqlite_found
            assert sum(found is not None for found in redis_found) > len(probes) // 4


# --- keys ------------------------------------------------------------------------------------------


def test_every_key_is_under_the_prefix_and_reset_leaves_the_clusters_other_keys(
    redis_server: RedisServer,
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.hset(PREFIX + "job", mapping={"state": "done", "id": "j1"})
    client.set("newsportal:other:state:meta", "another target's")
    with RedisStateStore(redis_server.url, PREFIX) as store:
        store.add_many(
            [(record(f"http://a.cn/{n}.html", story(n)), near_signature(story(n))) for n in range(20)]
        )
        ours = [key for key in client.keys("*") if key.startswith(PREFIX.encode()) and b"job" not in key]
        assert len(ours) > 20 and all(key.startswith(PREFIX.encode() + b"state:") for key in ours)
        assert store.stats().size_bytes > 0
        store.reset()
    assert client.keys(PREFIX + "state:*") == [(PREFIX + "state:meta").encode()]
    assert client.hget(PREFIX + "job", "state") == b"done"
    assert client.get("newsportal:other:state:meta") == b"another target's"


# --- newsportal state, as a real process -------------------------------------------------------------


def cli(*args: str, url: str | None = None, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSPORTAL_REDIS_URL"}
    if url:
        env["NEWSPORTAL_REDIS_URL"] = url
    return subprocess.run(
        [str(NEWSPORTAL), "state", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def fill(url: str, count: int = 3) -> None:
    with RedisStateStore(url, PREFIX) as store:
        for n in range(count):
            store.add(record(f"http://a.cn/{n}.html", story(n)), near_signature(story(n)))
        store.add(record("http://b.cn/copy.html", story(0), duplicate_of="http://a.cn/0.html"))


def test_cli_state_stats_against_redis(redis_server: RedisServer, tmp_path: Path) -> None:
    fill(redis_server.url)
    shown = cli("stats", "--redis-url", redis_server.url, "--site", "sample", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "articles             4 (kept duplicates: 1)" in shown.stdout
    assert "near-dup signatures  3" in shown.stdout and redis_server.url in shown.stdout
    # the URL from the environment; the target from a start URL's host
    other = cli(
        "stats", "--json", "--start-url", "http://news.example.cn/", url=redis_server.url, cwd=tmp_path
    )
    assert other.returncode == 2 and "no state store" in other.stderr  # news.example.cn has none
    as_json = cli("stats", "--json", "--site", "sample", url=redis_server.url, cwd=tmp_path)
    stats = json.loads(as_json.stdout)
    assert (stats["backend"], stats["articles"], stats["content_hashes"], stats["sites"]) == (
        "redis",
        4,
        3,
        {"sample": 4},
    )


def test_cli_state_reset_refuses_while_a_job_runs_and_asks_first(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    fill(redis_server.url)
    client = redis.Redis.from_url(redis_server.url)
    client.hset(PREFIX + "job", mapping={"state": "running", "id": "j1"})
    refused = cli("reset", "--yes", "--site", "sample", url=redis_server.url, cwd=tmp_path)
    assert refused.returncode == 75 and "is running" in refused.stderr
    client.hset(PREFIX + "job", "state", "done")
    declined = cli("reset", "--site", "sample", url=redis_server.url, stdin="n\n", cwd=tmp_path)
    assert declined.returncode == 1 and "not reset" in declined.stderr
    with RedisStateStore(redis_server.url, PREFIX) as store:
        assert store.stats().articles == 4
    confirmed = cli("reset", "--site", "sample", url=redis_server.url, stdin="y\n", cwd=tmp_path)
    assert confirmed.returncode == 0 and "4 articles forgotten" in confirmed.stdout
    with RedisStateStore(redis_server.url, PREFIX) as store:
        assert store.stats().articles == 0 and not store.seen_url("http://a.cn/0.html")
    assert client.hget(PREFIX + "job", "state") == b"done"


def test_cli_state_against_redis_needs_a_target_and_a_server(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    no_target = cli("stats", "--redis-url", redis_server.url, cwd=tmp_path)
    assert no_target.returncode == 2 and "--site NAME or --start-url URL" in no_target.stderr
    url = redis_server.url
    redis_server.stop()
    down = cli("stats", "--site", "sample", url=url, cwd=tmp_path)
    assert down.returncode == 69 and f"Redis at {url} does not answer" in down.stderr


def test_two_bands_of_one_body_in_one_bucket_are_both_indexed(store: RedisStateStore) -> None:
    """Band keys are bucketed by their low 16 bits: ~1 body in 130 has two bands in one bucket."""
    n = next(n for n in range(5000) if len({k & 0xFFFF for k in near_signature(story(n)).band_keys}) < 32)
    signature = near_signature(story(n))
    store.add(record(f"http://a.cn/{n}.html", story(n)), signature)
    client = redis.Redis.from_url(store.url)
    for key in signature.band_keys:
        bucket = client.get(f"{PREFIX}state:band:{key & 0xFFFF:04x}")
        entries = {bucket[i : i + 8] for i in range(0, len(bucket), 8)}
        assert (key >> 16).to_bytes(4, "little") + (1).to_bytes(4, "little") in entries


def test_redis_out_of_memory_is_a_failed_write_not_a_crash(store: RedisStateStore) -> None:
    """maxmemory reached with noeviction: what a full disk is to SQLite (WriteGuard: write_failed)."""
    client = redis.Redis.from_url(store.url)
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + 200_000)
    stored = 0
    with pytest.raises(StateUnavailable) as raised:
        for n in range(2000):
            store.add(record(f"http://a.cn/{n}.html", story(n)), near_signature(story(n)))
            stored += 1
    assert raised.value.errno == errno.ENOSPC and "out of memory" in str(raised.value)
    # refused whole, not half-written; reads still work and what was stored is kept
    assert 0 < stored < 2000 and not store.seen_url(f"http://a.cn/{stored}.html")
    assert store.stats().articles == stored and store.seen_url("http://a.cn/0.html")
