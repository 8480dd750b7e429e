"""The Redis state store's costs at 100,000 stored articles, against SQLiteStateStore in the same run.

    .venv/bin/python benchmarks/redis_state.py                 # 100,000 stored (a few minutes)
    .venv/bin/python benchmarks/redis_state.py --stored 20000  # quicker
    .venv/bin/python benchmarks/redis_state.py --quick         # 20,000 stored, 500 lookups
    .venv/bin/python benchmarks/redis_state.py --no-baseline   # Redis only

Exits 1 when a target is missed (memory per article above 1.5 KB at 100,000 stored, a median or p99
lookup of 1 ms or more), as the other scripts of ``make bench`` do; with --quick the memory target is
not judged (the index's fixed part, 65,536 band buckets, is spread over fewer articles).

A redis-server of its own (tests/redisserver.py: a free port, appendonly yes, appendfsync everysec) and
a SQLite store in a temporary directory are filled with the same records: canonical URLs of ~70
characters, a title of 18-30 Chinese characters, a publication time, a SHA-1 content hash and the
near-duplicate signature of a synthetic body (benchmarks/dedup.py's BodyMaker: Zipf-drawn words, more
3-gram overlap than real stories, so chance LSH candidates are over-counted).

Reported:

* memory per stored article: INFO memory ``used_memory`` after the fill minus before, over the count
  (the near-duplicate index included, and a fetch mark per article with a sitemap lastmod, as a crawl
  writes one for each story page), and its split by kind of key (MEMORY USAGE); target ≤ 1.5 KB;
* near-duplicate lookup (``find_near``) at that size: client-side wall time per call, median and p99,
  round trip included, and the server's own time per script call (INFO commandstats); target < 1 ms;
* round trips and server commands per stored article on the dedup path (seen_url, find_content,
  find_near, add: what DedupPipeline + StatePipeline call) and on the cluster path (article, claim);
* dedup quality: near-duplicate recall and false matches on the probes, and whether every probe got the
  same answer from both stores.

``measure(url, stored, probes)`` is the function benchmarks/cluster.py may import. The machine is
shared: lookups are timed while other jobs run, so the p99 carries their noise; ratios against the
SQLite store timed in the same run are printed beside the figures, and the server's CPU time per
lookup (INFO cpu, which waiting for a core does not inflate) beside the wall times.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import redis  # noqa: E402
from dedup import BodyMaker  # noqa: E402

from newsportal.extract.text import content_hash  # noqa: E402
from newsportal.state import FetchMark, StoredArticle, near_signature  # noqa: E402
from newsportal.state.redis import RedisStateStore  # noqa: E402
from newsportal.state.sqlite import SQLiteStateStore  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "redis_state.json"
PREFIX = "newsportal:bench:"
THRESHOLD = 0.4  # the default NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD
BATCH = 1000
TITLE_CHARS = "江城地铁号线南段正式开通试运营市民气象台发布降温降雨过程经济市场消费投资增长服务管理建设发展"


def fetch_marks(batch: list[tuple[StoredArticle, Any]]) -> list[FetchMark]:
    """The mark a crawl writes for each story page it fetched: when, and under which sitemap lastmod."""
    return [FetchMark(r.canonical_url, "2026-03-29T06:00:00+08:00", r.published_at) for r, _ in batch]


def records(maker: BodyMaker, start: int, stop: int, kept: list[str]) -> list[tuple[StoredArticle, Any]]:
    """Records start..stop-1 with their signatures; every 97th body is kept for near-duplicate probes."""
    rng = random.Random(start)
    out = []
    for n, body in enumerate(maker.bodies(stop - start), start=start):
        if n % 97 == 0:
            kept.append(body)
        digest = hashlib.sha1(f"{n}".encode()).hexdigest()
        url = f"https://news.bench{n % 7}.example.cn/2026/03/{n % 28 + 1:02d}/doc-{digest[:20]}.shtml"
        title = "".join(rng.choices(TITLE_CHARS, k=rng.randint(18, 30)))
        record = StoredArticle(
            canonical_url=url,
            url=url,
            site=f"bench{n % 7}",
            title=title,
            published_at=f"2026-03-{n % 28 + 1:02d}T{n % 24:02d}:{n % 60:02d}:00+08:00",
            content_hash=hashlib.sha1(body.encode()).hexdigest(),
        )
        out.append((record, near_signature(body)))
    return out


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def command_counts(client: redis.Redis) -> dict[str, int]:
    return {name: int(stat["calls"]) for name, stat in client.info("commandstats").items()}


def script_usec(client: redis.Redis) -> tuple[int, float]:
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(stats.get("calls", 0)), float(stats.get("usec", 0))


def server_cpu_s(client: redis.Redis) -> float:
    """The server's CPU time so far (user + system): what a call costs it, whatever the load."""
    cpu = client.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


def memory_by_kind(client: redis.Redis, prefix: str) -> dict[str, int]:
    """MEMORY USAGE summed by kind of key (url, rec, life, hash, band, meta, sites)."""
    keys = list(client.scan_iter(match=prefix + "state:*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    totals: dict[str, int] = {}
    for key, size in zip(keys, pipe.execute(), strict=True):
        kind = key.decode()[len(prefix + "state:") :].split(":")[0]
        totals[kind] = totals.get(kind, 0) + (size or 0)
    return totals


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def probe_bodies(maker: BodyMaker, kept: list[str], probes: int) -> list[tuple[bool, str]]:
    """Half near-duplicates (10 % of characters edited) of stored bodies, half new stories."""
    return [
        (n % 2 == 1, maker.edited(random.Random(n).choice(kept)) if n % 2 else maker.body())
        for n in range(probes)
    ]


def time_lookups(store: Any, signatures: list[Any]) -> tuple[list[float], list[Any]]:
    costs, found = [], []
    for signature in signatures:
        started = time.perf_counter()
        found.append(store.find_near(signature, THRESHOLD))
        costs.append(time.perf_counter() - started)
    return costs, found


def measure(
    url: str,
    stored: int = 100_000,
    probes: int = 2_000,
    *,
    sqlite_dir: Path | None = None,
    seed: int = 20260315,
) -> dict[str, Any]:
    """Fill a RedisStateStore at url (prefix newsportal:bench:, reset first) with stored articles and
    measure it; with sqlite_dir, fill a SQLiteStateStore there too and time it the same way."""
    client = redis.Redis.from_url(url)
    maker = BodyMaker(seed=seed)
    kept: list[str] = []
    result: dict[str, Any] = {"stored": stored, "probes": probes}
    with RedisStateStore(url, PREFIX) as store:
        store.reset()
        before = used_memory(client)
        sqlite = SQLiteStateStore(sqlite_dir) if sqlite_dir is not None else None
        fill_s = {"redis": 0.0, "sqlite": 0.0}
        for lo in range(0, stored, BATCH):
            batch = records(maker, lo, min(stored, lo + BATCH), kept)
            started = time.perf_counter()
            store.add_many(batch)
            store.mark_fetched(fetch_marks(batch))
            fill_s["redis"] += time.perf_counter() - started
            if sqlite is not None:
                started = time.perf_counter()
                sqlite.add_many(batch)
                sqlite.mark_fetched(fetch_marks(batch))
                fill_s["sqlite"] += time.perf_counter() - started
        if sqlite is not None:
            sqlite.flush()
        after = used_memory(client)
        kinds = memory_by_kind(client, PREFIX)
        result["memory"] = {
            "used_memory_delta_bytes": after - before,
            "bytes_per_article": round((after - before) / stored, 1),
            "target_bytes_per_article": 1536,
            "by_kind_bytes_per_article": {k: round(v / stored, 1) for k, v in sorted(kinds.items())},
        }
        result["fill_s"] = {k: round(v, 1) for k, v in fill_s.items() if v}
        result["fill_ms_per_article_redis"] = round(fill_s["redis"] / stored * 1000, 3)

        probe_set = probe_bodies(maker, kept, probes)
        signatures = [near_signature(body) for _, body in probe_set]
        calls0, usec0 = script_usec(client)
        cpu0 = server_cpu_s(client)
        costs, found = time_lookups(store, signatures)
        cpu_per_call = (server_cpu_s(client) - cpu0) / len(signatures)
        calls1, usec1 = script_usec(client)
        # Again with every call in the slow log (which costs the server a little): the server's own
        # time per lookup, without the client's share of a loaded machine (Python, the round trip).
        client.config_set("slowlog-log-slower-than", 0)
        client.config_set("slowlog-max-len", probes + 100)
        client.slowlog_reset()
        time_lookups(store, signatures)
        log = client.slowlog_get(probes + 100)
        server = [e["duration"] for e in log if b"evalsha" in e["command"].lower()]
        client.config_set("slowlog-log-slower-than", 10000)
        # The floor of a round trip on this machine now: PING, timed the same way.
        pings = []
        for _ in signatures:
            started = time.perf_counter()
            client.ping()
            pings.append(time.perf_counter() - started)
        hits = sum(1 for (dup, _), match in zip(probe_set, found, strict=True) if dup and match is not None)
        false = sum(
            1 for (dup, _), match in zip(probe_set, found, strict=True) if not dup and match is not None
        )
        result["find_near"] = {
            "median_ms": round(statistics.median(costs) * 1000, 3),
            "p99_ms": round(percentile(costs, 0.99) * 1000, 3),
            "mean_ms": round(statistics.fmean(costs) * 1000, 3),
            "server_us_per_call": round((usec1 - usec0) / max(1, calls1 - calls0), 1),
            "server_median_us": statistics.median(server) if server else None,
            "server_cpu_us_per_call": round(cpu_per_call * 1e6, 1),
            "server_p99_us": percentile(server, 0.99) if server else None,
            "target_ms": 1.0,
            "ping_median_ms": round(statistics.median(pings) * 1000, 3),
            "ping_p99_ms": round(percentile(pings, 0.99) * 1000, 3),
            "near_recall": round(hits / (probes // 2), 4),
            "false_matches": false,
        }
        if sqlite is not None:
            sqlite_costs, sqlite_found = time_lookups(sqlite, signatures)
            result["sqlite_baseline"] = {
                "find_near_median_ms": round(statistics.median(sqlite_costs) * 1000, 3),
                "find_near_p99_ms": round(percentile(sqlite_costs, 0.99) * 1000, 3),
                "disk_bytes_per_article": round(sqlite.stats().size_bytes / stored, 1),
                "same_answer_on_every_probe": found == sqlite_found,
                "differing_probes": sum(a != b for a, b in zip(found, sqlite_found, strict=True)),
            }
            result["ratios_redis_over_sqlite"] = {
                "find_near_median": round(
                    result["find_near"]["median_ms"] / result["sqlite_baseline"]["find_near_median_ms"], 2
                ),
                "find_near_p99": round(
                    result["find_near"]["p99_ms"] / result["sqlite_baseline"]["find_near_p99_ms"], 2
                ),
            }
            sqlite.close()

        # Round trips (top-level commands) and server commands (those inside scripts too) per item.
        items = min(probes, 1000)
        bodies = [maker.body() for _ in range(items)]
        keys = [(content_hash(body), near_signature(body)) for body in bodies]
        counts0 = command_counts(client)
        for n, (chash, signature) in enumerate(keys):
            page = f"https://probe.example.cn/dedup/{n}.html"
            new = not store.seen_url(page) and store.find_content(chash) is None
            if new and store.find_near(signature, THRESHOLD) is None:
                store.add(StoredArticle(canonical_url=page, content_hash=chash), signature)
        counts1 = command_counts(client)
        bodies = [maker.body() for _ in range(items)]
        keys = [(content_hash(body), near_signature(body)) for body in bodies]
        for n, (chash, signature) in enumerate(keys):
            page = f"https://probe.example.cn/claim/{n}.html"
            if store.article(page) is None:
                store.claim(StoredArticle(canonical_url=page, content_hash=chash), signature, THRESHOLD)
        counts2 = command_counts(client)
        result["commands_per_article"] = {
            "dedup_path": _per_item(counts0, counts1, items),
            "cluster_claim_path": _per_item(counts1, counts2, items),
        }
    client.close()
    return result


def _per_item(before: dict[str, int], after: dict[str, int], items: int) -> dict[str, Any]:
    delta = {k[len("cmdstat_") :]: after.get(k, 0) - before.get(k, 0) for k in after}
    delta = {k: v for k, v in delta.items() if v > 0 and k not in ("info",)}
    top = sum(
        v for k, v in delta.items() if k in ("evalsha", "eval", "hexists", "script|load", "script|exists")
    )
    return {
        "round_trips": round(top / items, 2),
        "server_commands": round(sum(delta.values()) / items, 1),
        "by_command": {k: round(v / items, 2) for k, v in sorted(delta.items())},
    }


def main(argv: list[str] | None = None) -> int:
    from tests.redisserver import RedisServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000, help="articles stored before measuring")
    parser.add_argument("--probes", type=int, default=2_000, help="near-duplicate lookups timed")
    parser.add_argument("--no-baseline", action="store_true", help="skip the SQLite store")
    parser.add_argument("--quick", action="store_true", help="20,000 stored, 500 lookups")
    args = parser.parse_args(argv)
    if args.quick:
        args.stored, args.probes = 20_000, 500
    workdir = Path(tempfile.mkdtemp(prefix="newsportal-redis-bench-"))
    started = time.perf_counter()
    try:
        with RedisServer(workdir / "redis") as server:
            result = measure(
                server.url,
                args.stored,
                args.probes,
                sqlite_dir=None if args.no_baseline else workdir / "sqlite",
            )
            result["redis_version"] = redis.Redis.from_url(server.url).info("server")["redis_version"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["python"] = sys.version.split()[0]
    with open("/proc/loadavg") as f:
        result["loadavg_at_end"] = f.read().split()[:3]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    memory, near = result["memory"], result["find_near"]
    paths = result["commands_per_article"]
    print(
        f"redis_state: stored={args.stored} bytes_per_article={memory['bytes_per_article']} "
        f"find_near_median_ms={near['median_ms']} find_near_p99_ms={near['p99_ms']} "
        f"round_trips_dedup={paths['dedup_path']['round_trips']} "
        f"round_trips_claim={paths['cluster_claim_path']['round_trips']} total_s={result['total_s']}"
    )
    missed = [
        name
        for name, missed in (
            ("memory", not args.quick and memory["bytes_per_article"] > memory["target_bytes_per_article"]),
            ("find_near_median", near["median_ms"] >= near["target_ms"]),
            ("find_near_p99", near["p99_ms"] >= near["target_ms"]),
        )
        if missed
    ]
    if missed:
        print(f"redis_state: target missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
