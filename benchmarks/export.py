"""Export benchmark: a synthetic corpus of N articles (default 1,000,000) exported to Parquet.

    python benchmarks/export.py [--articles N] [--dir DIR] [--quick]

Writes DIR/output/synthetic/<run>.jsonl (two runs: the second re-emits 2 % of the stories as
version 2, and adds 1 % exact and 1 % near copies under new URLs, marked ``duplicate_of`` as a crawl
with NEWSPORTAL_KEEP_DUPLICATES writes them) and beside each its ``.stats.json`` naming one state
store, as a crawl does. Then, each in its own process so peak RSS is its own:
  export          newsportal export DIR/corpus.parquet DIR/output: latest versions, exact copies, near
                  copies from the crawl's decisions (one state store), zstd Parquet
  export-compute  the same with --recompute-near: every body's MinHash computed, the crawl's rule
  duckdb          DuckDB on the same job (read the runs, latest version per canonical URL, exact
                  copies collapsed, zstd Parquet), 2 threads: the engine baseline of issue 16
  pyarrow         pyarrow.json.open_json over the same files (streaming parse only, no output)
and prints articles/s and peak RSS of each, and the ratios to DuckDB. Target: export ≥ 0.5× DuckDB's
speed, peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from newsportal.extract.text import content_hash

ROOT = Path(__file__).resolve().parents[1]
SITES_CHANNELS = ["财经", "科技", "体育", "本地", "国际", "娱乐"]
SOURCES = ["新华社", "人民网", "中国新闻网", "江城日报", "南湖观察", "央视新闻", None]


def sentences(rng: random.Random, count: int) -> list[str]:
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]
    return ["".join(rng.choices(chars, k=rng.randint(18, 40))) + "。" for _ in range(count)]


def article(rng: random.Random, pool: list[str], i: int) -> dict:
    day = 1 + i % 28
    paragraphs = ["".join(rng.choices(pool, k=rng.randint(2, 5))) for _ in range(rng.randint(2, 6))]
    url = f"https://news.example.cn/{day:02d}/{i}.html"
    return {
        "url": url,
        "canonical_url": url,
        "site": "synthetic",
        "channel": SITES_CHANNELS[i % len(SITES_CHANNELS)],
        "title": "".join(rng.choices(pool, k=1))[:24],
        "is_original": i % 3 == 0,
        "author": None,
        "source": SOURCES[i % len(SOURCES)],
        "editor": "王一帆",
        "published_at": f"2026-02-{day:02d}T{i % 24:02d}:{i % 60:02d}:00+08:00",
        "body": "\n".join(paragraphs),
        "images": [{"url": f"https://img.example.cn/{i}.jpg", "caption": None}] if i % 4 == 0 else [],
        "tags": ["新闻", SITES_CHANNELS[i % 6]],
        "related_urls": [],
        "read_count": i % 10_000,
        "page_count": 1,
        "crawled_at": "2026-03-01T10:00:00+08:00",
        "content_hash": None,
        "duplicate_of": None,
        "updated_at": None,
        "version": 1,
    }


STORE_ID = "benchmark-store"  # the runs name one state store, as a crawl's stats do


def write_stats(run: Path) -> None:
    from newsportal import settings
    from newsportal.state.signature import SIGNATURE_VERSION

    stats = {
        "newsportal/state/identity": STORE_ID,
        "newsportal/state/near_threshold": settings.NEWSPORTAL_NEAR_DUPLICATE_THRESHOLD,
        "newsportal/state/signature_version": SIGNATURE_VERSION,
        "newsportal/site": "synthetic",
        "finish_reason": "finished",
    }
    run.with_name(run.name.removesuffix(".jsonl") + ".stats.json").write_text(json.dumps(stats))


def generate(directory: Path, n: int) -> list[Path]:
    run_dir = directory / "output" / "synthetic"
    run_dir.mkdir(parents=True, exist_ok=True)
    first, second = run_dir / "20260301T020000Z.jsonl", run_dir / "20260302T020000Z.jsonl"
    rng = random.Random(20260315)
    pool = sentences(rng, 5000)
    extra = n // 25  # 2 % versions + 1 % exact + 1 % near copies
    base = n - extra
    with first.open("w", encoding="utf-8") as f1, second.open("w", encoding="utf-8") as f2:
        for i in range(base):
            record = article(rng, pool, i)
            record["content_hash"] = content_hash(record["body"])  # as the crawl's clean pipeline does
            f1.write(json.dumps(record, ensure_ascii=False) + "\n")
            kind = i % 100
            if kind < 2:
                record.update(
                    version=2, updated_at="2026-03-02T09:00:00+08:00", crawled_at="2026-03-02T10:00:00+08:00"
                )
                record["body"] += "\n" + rng.choice(pool)
            elif kind < 3:
                original = record["canonical_url"]
                record.update(url=original + "?copy", canonical_url=original + "?copy", duplicate_of=original)
            elif kind < 4:
                original = record["canonical_url"]
                record.update(url=original + "?near", canonical_url=original + "?near", duplicate_of=original)
                record["body"] += "。"
            else:
                continue
            record["content_hash"] = content_hash(record["body"])
            f2.write(json.dumps(record, ensure_ascii=False) + "\n")
    for run in (first, second):
        write_stats(run)
    return [first, second]


def child_export(directory: str, *extra: str) -> None:
    from newsportal.cli import main

    started = time.perf_counter()
    out = Path(directory) / "corpus.parquet"
    code = main(["export", str(out), str(Path(directory) / "output"), "--no-progress", *extra])
    report(time.perf_counter() - started, code)


# DuckDB on the export's job: the Article columns typed as the export writes them.
DUCKDB_COLUMNS = {
    "url": "VARCHAR", "canonical_url": "VARCHAR", "site": "VARCHAR", "channel": "VARCHAR",
    "title": "VARCHAR", "is_original": "BOOLEAN", "author": "VARCHAR", "source": "VARCHAR",
    "editor": "VARCHAR", "published_at": "TIMESTAMPTZ", "body": "VARCHAR",
    "images": "STRUCT(url VARCHAR, caption VARCHAR)[]", "tags": "VARCHAR[]", "related_urls": "VARCHAR[]",
    "read_count": "BIGINT", "page_count": "BIGINT", "crawled_at": "TIMESTAMPTZ",
    "content_hash": "VARCHAR", "duplicate_of": "VARCHAR", "updated_at": "TIMESTAMPTZ", "version": "BIGINT",
}  # fmt: skip


def child_duckdb(directory: str) -> None:
    import duckdb

    started = time.perf_counter()
    runs = str(Path(directory) / "output" / "**" / "*.jsonl")
    out = Path(directory) / "duckdb.parquet"
    con = duckdb.connect()
    con.execute(f"SET threads = {min(2, os.cpu_count() or 1)}")
    con.execute(f"SET temp_directory = '{Path(directory) / 'duckdb.tmp'}'")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in DUCKDB_COLUMNS.items()) + "}"
    con.execute(f"""
        COPY (
            WITH runs AS (
                SELECT * FROM read_json('{runs}', format = 'newline_delimited', columns = {columns},
                                        filename = true)
            ), latest AS (
                SELECT * FROM runs QUALIFY row_number() OVER (
                    PARTITION BY coalesce(canonical_url, url)
                    ORDER BY version DESC, crawled_at DESC, filename DESC) = 1
            )
            SELECT * EXCLUDE (filename) FROM latest
            QUALIFY row_number() OVER (PARTITION BY content_hash ORDER BY filename, crawled_at) = 1
        ) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
    """)
    rows = con.execute(f"SELECT count(*) FROM '{out}'").fetchone()[0]
    report(time.perf_counter() - started, 0, rows)


def child_baseline(directory: str) -> None:
    import pyarrow.json as pj

    started = time.perf_counter()
    rows = 0
    for path in sorted((Path(directory) / "output").rglob("*.jsonl")):
        reader = pj.open_json(path, read_options=pj.ReadOptions(block_size=8 << 20))
        for batch in reader:
            rows += batch.num_rows
    report(time.perf_counter() - started, 0, rows)


def report(seconds: float, code: int, rows: int | None = None) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "code": code, "rows": rows}))


def measure(mode: str, directory: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--dir", str(directory)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    *printed, result = proc.stdout.strip().splitlines()
    print("\n".join(f"  {mode}: {line}" for line in printed))
    return json.loads(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 articles (a fast look)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/newsportal-bench-export"))
    parser.add_argument(
        "--reuse-corpus", action="store_true", help="use the corpus an earlier run left in DIR if of N"
    )
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return CHILDREN[args.child](str(args.dir))
    if args.quick:
        args.articles = 50_000
    started = time.perf_counter()
    marker = args.dir / "articles.txt"
    files = sorted((args.dir / "output" / "synthetic").glob("*.jsonl"))
    if not (args.reuse_corpus and marker.exists() and marker.read_text() == str(args.articles) and files):
        files = generate(args.dir, args.articles)
        marker.write_text(str(args.articles))
    size = sum(p.stat().st_size for p in files)
    print(
        f"corpus: {args.articles:,} records, {size / 1e9:.2f} GB JSONL, "
        f"generated in {time.perf_counter() - started:.0f}s; load average {os.getloadavg()}"
    )
    results = {mode: measure(mode, args.dir) for mode in ("duckdb", "export", "export-compute", "pyarrow")}
    n = results["pyarrow"]["rows"]  # records in the JSONL files (the second run re-emits some stories)
    duck = results["duckdb"]
    out_mb = (args.dir / "corpus.parquet").stat().st_size / 1e6
    notes = {
        "export": f"Parquet {out_mb:.0f} MB; near copies: the crawl's decisions",
        "export-compute": "--recompute-near: every body's MinHash",
        "duckdb": f"{duck['rows']:,} rows written (exact copies collapsed, no near)",
        "pyarrow": "pyarrow.json.open_json, parse only",
    }
    for mode, r in results.items():
        print(
            f"{mode:15}: {n / r['seconds']:9,.0f} articles/s, peak RSS {r['peak_mb']:4.0f} MB, "
            f"{r['seconds']:6.1f}s, {duck['seconds'] / r['seconds']:.2f}x DuckDB ({notes[mode]})"
        )
    figures = {
        "articles": n,
        "load_average_1m": round(os.getloadavg()[0], 2),
        **{
            f"{mode.replace('-', '_')}_{key}": value
            for mode, r in results.items()
            for key, value in (
                ("articles_s", round(n / r["seconds"])),
                ("peak_rss_mb", round(r["peak_mb"])),
                ("seconds", round(r["seconds"], 2)),
            )
        },
        "export_vs_duckdb": round(duck["seconds"] / results["export"]["seconds"], 3),
        "export_compute_vs_duckdb": round(duck["seconds"] / results["export-compute"]["seconds"], 3),
    }
    figures["speed_ok"] = figures["export_vs_duckdb"] >= 0.5
    figures["rss_ok"] = results["export"]["peak_mb"] < 500 and results["export-compute"]["peak_mb"] < 500
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    name = "export-quick.json" if args.quick else "export.json"
    (out / name).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    if not (figures["speed_ok"] and figures["rss_ok"]):
        sys.exit(1)


CHILDREN = {
    "export": child_export,
    "export-compute": lambda d: child_export(d, "--recompute-near"),
    "duckdb": child_duckdb,
    "pyarrow": child_baseline,
}


if __name__ == "__main__":
    main()
