"""Export benchmark: a synthetic corpus of N articles (default 1,000,000) exported to Parquet.

    python benchmarks/export.py [--articles N] [--dir DIR]

Writes DIR/output/synthetic/<run>.jsonl (two runs: the second re-emits 2 % of the stories as
version 2, and adds 1 % exact and 1 % near copies under new URLs), then, each in its own process so
peak RSS is its own:
  export    newsportal export DIR/corpus.parquet DIR/output   (two passes, dedup, Parquet)
  baseline  pyarrow.json.open_json over the same files        (streaming parse only, no output)
and prints articles/s and peak RSS for both, and the ratio.
"""

from __future__ import annotations

import argparse
import json
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
                record.update(url=record["url"] + "?copy", canonical_url=record["url"] + "?copy")
            elif kind < 4:
                record.update(url=record["url"] + "?near", canonical_url=record["url"] + "?near")
                record["body"] += "。"
            else:
                continue
            record["content_hash"] = content_hash(record["body"])
            f2.write(json.dumps(record, ensure_ascii=False) + "\n")
    return [first, second]


def child_export(directory: str) -> None:
    from newsportal.cli import main

    started = time.perf_counter()
    code = main(
        ["export", str(Path(directory) / "corpus.parquet"), str(Path(directory) / "output"), "--no-progress"]
    )
    report(time.perf_counter() - started, code)


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
    parser.add_argument("--child", choices=["export", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "export":
        return child_export(str(args.dir))
    if args.child == "baseline":
        return child_baseline(str(args.dir))
    if args.quick:
        args.articles = 50_000
    started = time.perf_counter()
    files = generate(args.dir, args.articles)
    size = sum(p.stat().st_size for p in files)
    print(
        f"corpus: {args.articles:,} records, {size / 1e9:.2f} GB JSONL, "
        f"generated in {time.perf_counter() - started:.0f}s"
    )
    export = measure("export", args.dir)
    baseline = measure("baseline", args.dir)
    n = baseline["rows"]  # records in the JSONL files (the second run re-emits some stories)
    out_mb = (args.dir / "corpus.parquet").stat().st_size / 1e6
    print(
        f"export   : {n / export['seconds']:,.0f} articles/s, peak RSS {export['peak_mb']:.0f} MB "
        f"({export['seconds']:.0f}s, Parquet {out_mb:.0f} MB)"
    )
    print(
        f"baseline : {n / baseline['seconds']:,.0f} articles/s, peak RSS {baseline['peak_mb']:.0f} MB "
        f"(pyarrow.json.open_json, parse only, {baseline['rows']:,} rows)"
    )
    print(f"ratio    : export runs at {baseline['seconds'] / export['seconds']:.2f}x the baseline's speed")
    figures = {
        "articles": n,
        "export_articles_s": round(n / export["seconds"]),
        "export_peak_rss_mb": round(export["peak_mb"]),
        "baseline_articles_s": round(n / baseline["seconds"]),
        "baseline_peak_rss_mb": round(baseline["peak_mb"]),
        "speed_ratio": round(baseline["seconds"] / export["seconds"], 3),
        "rss_ok": export["peak_mb"] < 500,
    }
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    name = "export-quick.json" if args.quick else "export.json"
    (results / name).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
