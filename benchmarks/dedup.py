"""Deduplication cost per item against 10k, 100k and 1M stored signatures, in one run.

    .venv/bin/python benchmarks/dedup.py            # 10k, 100k, 1M stored bodies (a few minutes)
    .venv/bin/python benchmarks/dedup.py --quick    # 2k, 10k, 50k (under a minute)

The store is the real one (SQLiteStateStore in a temporary directory), filled with synthetic Chinese
bodies: words of 1-4 common characters drawn from a 200,000-word vocabulary with Zipf frequencies
(exponent 0.9), punctuated, 200-600 characters. Their 3-gram overlap is higher than that of real stories
(mean Jaccard 0.011 against 0.0025 between the sample portal's stories, mean cube 1.8e-6 against 3e-7),
so chance LSH candidates are over-counted, not under-counted.

At each size, 20,000 items (4,000 with --quick) go through what DedupPipeline + StatePipeline do for
an item: signature (folding the body included), seen_url, find_content, find_near and, for a new story,
add (the content hash comes from CleanPipeline and is not counted). Half of them are new stories, half
are near-duplicates (10 % of characters edited) of stored ones; the 10,000 new stories fill one batch
of band rows (BAND_FLUSH), whose write is in the figures. Reported per size: mean and p99 cost per item
(ms), near-duplicate recall and false matches on those probes, chance candidates per lookup, peak RSS
of the process, and the store's size on disk. The figures are printed last on one line, as key=value pairs,
and written to benchmarks/results/dedup.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsportal.extract.text import content_hash  # noqa: E402
from newsportal.state import StoredArticle, near_signature  # noqa: E402
from newsportal.state.sqlite import SQLiteStateStore  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "dedup.json"
THRESHOLD = 0.4  # the default NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD
PROBES = 20_000  # half of them new stories: one BAND_FLUSH batch of band rows
BATCH = 5000

# About 900 frequent characters of news prose; words are made of them.
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
    "气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活"
    "设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
    "任取据处府研质信东今记价市区城镇村街社居住房车站路桥河湖江海公园学校医院企业产业经济市场消费投资增长"
    "服务管理建设发展改革创新科技教育文化体育旅游交通安全环境生态绿色健康养老就业收入价格政策部门记者报道"
    "介绍表示认为指出提醒今年去年目前近日昨天今天明天上午下午晚上全市全省全国地区项目工程计划方案措施活动"
)
ZIPF = 0.9  # word frequency ~ 1 / rank**ZIPF
PUNCT = "，，，，。。、；：！？“”"


def vocabulary(rng: random.Random, size: int = 200_000) -> list[str]:
    chars = list(dict.fromkeys(CHARS))
    lengths = (1, 2, 2, 2, 2, 3, 3, 4)
    return ["".join(rng.choices(chars, k=rng.choice(lengths))) for _ in range(size)]


class BodyMaker:
    """Deterministic synthetic article bodies (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.words = np.array(vocabulary(self.rng), dtype=object)
        weights = 1.0 / np.arange(1, len(self.words) + 1) ** ZIPF
        self.cum = np.cumsum(weights) / weights.sum()
        self.punct = np.array([*PUNCT, "\n"], dtype=object)

    def bodies(self, n: int) -> list[str]:
        """n bodies of 200-600 characters: Zipf-drawn words, a punctuation mark after ~12 % of them."""
        rng = self.np_rng
        out = []
        for target in rng.integers(200, 600, n):
            count = int(target) // 2
            words = self.words[np.searchsorted(self.cum, rng.random(count))]
            marks = rng.random(count) < 0.12
            if marks.any():
                words[marks] = words[marks] + self.punct[rng.integers(0, len(self.punct), int(marks.sum()))]
            out.append("".join(words)[: int(target)])
        return out

    def body(self) -> str:
        return self.bodies(1)[0]

    def edited(self, body: str, share: float = 0.10) -> str:
        chars = list(body)
        for i in self.rng.sample(range(len(chars)), round(len(chars) * share)):
            chars[i] = self.rng.choice(CHARS)
        return "".join(chars)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(store: SQLiteStateStore, maker: BodyMaker, start: int, stop: int, kept: list[str]) -> None:
    """Store bodies start..stop-1; keep a sample of them for near-duplicate probes."""
    for lo in range(start, stop, BATCH):
        batch = []
        for n, body in enumerate(maker.bodies(min(stop, lo + BATCH) - lo), start=lo):
            if n % 97 == 0 and len(kept) < 20_000:
                kept.append(body)
            record = StoredArticle(
                canonical_url=f"http://bench{n % 7}.example.cn/a/{n}.html",
                site=f"bench{n % 7}",
                content_hash=hashlib.sha1(body.encode()).hexdigest(),  # unique is all it needs here
            )
            batch.append((record, near_signature(body)))
        store.add_many(batch)


def probe(
    store: SQLiteStateStore, maker: BodyMaker, kept: list[str], size: int, probes: int = PROBES
) -> dict[str, float]:
    """probes items through the dedup path; figures for this store size."""
    costs: list[float] = []
    hits = misses = false = candidates = 0
    for n in range(probes):
        duplicate = n % 2 == 1
        body = maker.edited(random.Random(n).choice(kept)) if duplicate else maker.body()
        url = f"http://probe.example.cn/{size}/{n}.html"
        chash = content_hash(body)  # set by CleanPipeline before dedup: not part of the cost
        started = time.perf_counter()
        signature = near_signature(body)
        match = None
        if not store.seen_url(url) and store.find_content(chash) is None:
            match = store.find_near(signature, THRESHOLD)
            if match is None:
                store.add(StoredArticle(canonical_url=url, site="probe", content_hash=chash), signature)
        costs.append(time.perf_counter() - started)
        candidates += _candidates(store, signature)
        if duplicate:
            hits += match is not None
            misses += match is None
        else:
            false += match is not None
    # The band rows of the new stories are written in batches: their cost is shared by the probes
    # (with --quick the batch is smaller than BAND_FLUSH, so the share is higher: conservative).
    started = time.perf_counter()
    store.flush()
    flush_share = (time.perf_counter() - started) / probes
    costs = sorted(c + flush_share for c in costs)
    return {
        "stored": size,
        "ms_per_item": round(statistics.fmean(costs) * 1000, 3),
        "flush_share_ms": round(flush_share * 1000, 3),
        "p99_ms": round(costs[int(len(costs) * 0.99)] * 1000, 3),
        "near_recall": round(hits / (hits + misses), 4),
        "false_matches": false,
        "candidates_per_lookup": round(candidates / probes, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "store_mib": round(store.stats().size_bytes / 2**20, 1),
    }


def _candidates(store: SQLiteStateStore, signature) -> int:
    keys = signature.band_keys
    row = store.db.execute(
        f"SELECT COUNT(DISTINCT article) FROM near_band WHERE key IN ({', '.join('?' * len(keys))})", keys
    ).fetchone()
    return row[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k, 10k, 50k stored bodies (under a minute)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="e.g. 10000,100000")
    parser.add_argument("--dir", type=Path, help="state directory to use (default: a temporary one)")
    args = parser.parse_args(argv)
    probes = PROBES // 5 if args.quick else PROBES
    sizes = args.sizes or ([2_000, 10_000, 50_000] if args.quick else [10_000, 100_000, 1_000_000])
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="newsportal-dedup-bench-"))
    maker = BodyMaker(seed=20260315)
    kept: list[str] = []
    results = []
    started = time.perf_counter()
    try:
        with SQLiteStateStore(workdir) as store:
            stored = 0
            for size in sizes:
                t0 = time.perf_counter()
                fill(store, maker, stored, size, kept)
                stored = size
                store.flush()
                fill_s = time.perf_counter() - t0
                store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                figures = probe(store, maker, kept, size, probes)
                figures["fill_s"] = round(fill_s, 1)
                results.append(figures)
                print(json.dumps(figures), flush=True)
                stored += probes // 2  # the new stories the probes added
    finally:
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "sizes": sizes,
        "results": results,
        "total_s": round(time.perf_counter() - started, 1),
        "python": sys.version.split()[0],
    }
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    line = " ".join(
        f"{_label(r['stored'])}_{key}={r[key]}"
        for r in results
        for key in ("ms_per_item", "p99_ms", "near_recall", "false_matches", "peak_rss_mib")
    )
    print(f"dedup: {line} total_s={summary['total_s']}")
    return 0


def _label(n: int) -> str:
    return f"{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


if __name__ == "__main__":
    sys.exit(main())
