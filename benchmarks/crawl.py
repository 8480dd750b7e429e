"""Crawl throughput and memory of ``scrapy crawl portal`` against a bare Scrapy spider, as ratios.

    .venv/bin/python benchmarks/crawl.py            # N = 5,000 and 50,000 articles (the figures)
    .venv/bin/python benchmarks/crawl.py --quick    # N = 500 and 2,000, well under a minute
    .venv/bin/python benchmarks/crawl.py --quick --profile  # and our top costs in a cProfile'd crawl

For each N, a synthetic portal of N articles (benchmarks/synthetic_portal.py, the sample portal's
page shape) is served on 127.0.0.1 by its own process, and crawled twice, each crawl in its own
process with the same engine settings (concurrency, no delay, no AutoThrottle, robots.txt obeyed):

* ``bare``: benchmarks/bare_spider.py, follows every same-host link, yields nothing;
* ``portal``: ``scrapy crawl portal -a site=sample -a start_url=...`` with every pipeline, the
  extensions and a JSON Lines feed on, its state in a temporary directory.

Pages/s is the server's count of requests over the time from the first to the last request
(startup and shutdown are left out, the same for both); peak RSS is the crawl process's
``ru_maxrss`` (from ``os.wait4``). Figures: ``ratio`` = portal pages/s ÷ bare pages/s (target
≥ 0.85) and ``portal_rss_growth_mb`` = the portal's peak RSS at the largest N minus at the smallest
(target ≤ 50 MB); the bare spider's growth is printed beside it, since Scrapy's own request queue
and dupefilter grow with the portal for both. They are written to benchmarks/results/crawl.json
(``crawl-quick.json`` for --quick, ``crawl-sizes.json`` for --sizes) and printed last, on one
line, as key=value pairs. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import scrapy

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
PYTHON = Path(sys.executable)
SCRAPY = PYTHON.with_name("scrapy")

sys.path.insert(0, str(BENCH))
from synthetic_portal import SyntheticPortal  # noqa: E402

from newsportal import settings as project_settings  # noqa: E402

FULL_SIZES = (5_000, 50_000)
QUICK_SIZES = (300, 1_200)
TARGET_RATIO = 0.85
TARGET_GROWTH_MB = 50.0

TARGET_CPU_RATIO = 0.75  # issue 16: the headline, bare CPU/page ÷ portal total CPU/page

# Engine settings of the project the bare spider runs with too (it runs outside the project): the
# same breadth-first order (DEPTH_PRIORITY and FIFO queues) and the same garbage collector tuning.
SHARED_PROJECT_SETTINGS = (
    "USER_AGENT", "DEPTH_LIMIT", "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "TWISTED_REACTOR",
    "DEPTH_PRIORITY", "SCHEDULER_MEMORY_QUEUE", "NEWSPORTAL_GC_THRESHOLD",
)  # fmt: skip
# The portal keeps waiting requests in Scrapy's pickling disk queue (newsportal.scheduler's
# FrontierDiskQueue is PickleFifoDiskQueue with checked writes); the bare spider gets Scrapy's own,
# which Scrapy uses only with a JOBDIR (that also writes the dupefilter's requests.seen: a line a
# request, the bare spider's only extra).
BARE_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
BARE_EXTENSIONS = {"newsportal.extensions.gctuning.GcTuning": 0}
# Stats read from each crawl's log (Scrapy's stats dump at the end of the run).
STAT_KEYS = (
    "downloader/response_count",
    "item_scraped_count",
    "item_dropped_count",
    "dupefilter/filtered",
    "request_depth_max",
    "newsportal/pages/article",
    "newsportal/pages/listing",
    # pages analysed, and how many of them in the extraction worker (the rest in the crawl process:
    # before the worker is ready, or with it MAX_WAITING pages behind)
    "newsportal/extraction/calls/analyse_and_prepare",
    "newsportal/extraction/in_worker/analyse_and_prepare",
)


@dataclass
class CrawlRun:
    spider: str
    articles: int
    pages: int  # requests the server answered
    seconds: float  # first to last request, as the server saw them
    wall_seconds: float  # process start to exit
    cpu_seconds: float  # user + system time of the crawl's processes from its first request to their exit
    # (each extraction worker's own startup, its imports before it can take a page, left out too)
    peak_rss_mb: float  # the crawl's processes together (the crawl and its extraction workers)
    exit_code: int
    stats: dict[str, float] = field(default_factory=dict)
    processes: int = 1  # the crawl process and the worker processes seen under it
    crawl_peak_rss_mb: float = 0.0  # the crawl process alone (its ru_maxrss)
    crawl_cpu_seconds: float = 0.0  # the crawl process alone (Scrapy's reactor thread and ours)
    worker_startup_cpu_seconds: float = 0.0  # left out of cpu_seconds: workers × one worker's startup

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0

    @property
    def crawl_cpu_ms_per_page(self) -> float:
        return 1000 * self.crawl_cpu_seconds / self.pages if self.pages else 0.0


class PortalServer:
    """benchmarks/synthetic_portal.py in its own process; counts the requests of one crawl."""

    def __init__(self, articles: int) -> None:
        self.proc = subprocess.Popen(
            [str(PYTHON), str(BENCH / "synthetic_portal.py"), "--articles", str(articles)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._read()
        if not line.startswith("listening "):
            raise RuntimeError(f"synthetic portal did not start: {line!r}")
        self.url = line.split()[1]

    def _read(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def command(self, name: str) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        return json.loads(self._read())

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def engine_settings(concurrency: int) -> list[str]:
    """``-s`` options both crawls get: same concurrency, no delay, no throttle, robots.txt obeyed."""
    values: dict[str, object] = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
    }
    return [arg for name, value in values.items() for arg in ("-s", f"{name}={value}")]


def bare_command(url: str, concurrency: int, work: Path) -> list[str]:
    shared = [
        arg for name in SHARED_PROJECT_SETTINGS for arg in ("-s", f"{name}={getattr(project_settings, name)}")
    ]
    return [
        str(SCRAPY),
        "runspider",
        str(BENCH / "bare_spider.py"),
        "-a",
        f"start_url={url}",
        *shared,
        "-s",
        f"SCHEDULER_DISK_QUEUE={BARE_DISK_QUEUE}",
        "-s",
        f"JOBDIR={work / 'job'}",
        "-s",
        f"EXTENSIONS={json.dumps(BARE_EXTENSIONS)}",
        *engine_settings(concurrency),
    ]


def portal_command(url: str, concurrency: int, work: Path, workers: str | None = None) -> list[str]:
    # Extraction workers: the project's NEWSPORTAL_EXTRACT_WORKERS unless --extract-workers says.
    pool = ["-s", f"NEWSPORTAL_EXTRACT_WORKERS={workers}"] if workers is not None else []
    return [
        str(SCRAPY),
        "crawl",
        "portal",
        "-a",
        "site=sample",
        "-a",
        f"start_url={url}",
        "-O",
        str(work / "portal.jsonl"),
        "-s",
        f"NEWSPORTAL_STATE_DIR={work / 'state'}",
        # Its run stats too: in the project's output/ they would become the sample site's history,
        # which the next crawl's monitors compare with (a 5,000-article run after a 50,000 one
        # ended "degraded", exit 79).
        "-s",
        f"NEWSPORTAL_OUTPUT_DIR={work / 'output'}",
        *pool,
        *engine_settings(concurrency),
    ]


def worker_startup_cpu(samples: int = 3) -> float:
    """CPU seconds an extraction worker spends before it can take its first page: ``python -m
    newsportal.workers`` started as ExtractionPool starts it, until its ("ready", None) frame, the
    median of ``samples`` starts. The crawl process's startup (imports, setup) is left out of its
    CPU per page, like the bare spider's; a worker's imports are the same kind of one-off cost, so
    run_crawl leaves them out too, once per worker seen under the crawl."""
    from newsportal.workers import _HEADER, _worker_env

    seen = []
    for _ in range(samples):
        proc = subprocess.Popen(
            [str(PYTHON), "-m", "newsportal.workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=_worker_env(),
        )
        try:
            assert proc.stdout is not None and proc.stdin is not None
            size = int.from_bytes(proc.stdout.read(_HEADER), "big")
            if pickle.loads(proc.stdout.read(size)) != ("ready", None):
                raise RuntimeError("extraction worker did not say it was ready")
            cpu = psutil.Process(proc.pid).cpu_times()
            seen.append(cpu.user + cpu.system)
            proc.stdin.close()
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return sorted(seen)[len(seen) // 2]


def run_crawl(
    spider: str,
    command: list[str],
    cwd: Path,
    server: PortalServer,
    articles: int,
    worker_startup: float = 0.0,
) -> CrawlRun:
    """Run one crawl process to its end; its log goes to cwd/<spider>.log. ``worker_startup``: CPU
    seconds of one extraction worker's startup (worker_startup_cpu), left out per worker."""
    server.command("reset")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    log_path = cwd / f"{spider}.log"
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command, cwd=cwd if spider == "bare" else ROOT, stdout=log, stderr=log, env=env
        )
        startup_cpu = _cpu_at_first_request(proc, server)
        tree = _TreeWatch(proc)
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: its /proc stays
        tree.finish()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    served = server.command("stats")
    log_text = log_path.read_text(errors="replace")
    if proc.returncode not in (0, None):
        tail = "\n".join(log_text.splitlines()[-20:])
        print(f"  {spider} exited {proc.returncode}; the end of {log_path}:\n{tail}", file=sys.stderr)
    return CrawlRun(
        spider=spider,
        articles=articles,
        pages=served["requests"],
        seconds=served["last"] - served["first"],
        wall_seconds=wall,
        cpu_seconds=tree.cpu_seconds - startup_cpu - worker_startup * len(tree.children),
        peak_rss_mb=max(tree.peak_rss_mb, usage.ru_maxrss / 1024),  # ru_maxrss: KiB on Linux
        exit_code=proc.returncode,
        stats=_log_stats(log_text),
        processes=1 + len(tree.children),
        crawl_peak_rss_mb=usage.ru_maxrss / 1024,
        crawl_cpu_seconds=tree.main_cpu - startup_cpu,
        worker_startup_cpu_seconds=worker_startup * len(tree.children),
    )


class _TreeWatch:
    """The crawl process and its descendants (extraction workers), sampled every ``interval`` s until the
    crawl exits: their CPU seconds and the peak of their summed RSS. Workers a crawl does not wait for
    (they exit on their own once it is gone) never reach its rusage, so they are counted here, each
    by its last sample (at most one interval of an idle worker's CPU is missed)."""

    def __init__(self, proc: subprocess.Popen, interval: float = 0.1) -> None:
        self.main = psutil.Process(proc.pid)
        self.interval = interval
        self.children: dict[int, float] = {}  # pid → CPU seconds at its last sample
        self.main_cpu = 0.0
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self) -> None:
        rss = 0
        try:
            cpu = self.main.cpu_times()
            self.main_cpu = cpu.user + cpu.system  # its own, not its reaped children's
            rss += self.main.memory_info().rss
            children = self.main.children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            try:
                cpu = child.cpu_times()
                self.children[child.pid] = cpu.user + cpu.system
                rss += child.memory_info().rss
            except psutil.Error:
                continue
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 2**20)

    def finish(self) -> None:
        """Once the crawl exited (before it is reaped): its final CPU, then its orphaned workers' as they
        finish (a few seconds at most)."""
        self._stop.set()
        self._thread.join()
        try:
            cpu = self.main.cpu_times()
            self.main_cpu = cpu.user + cpu.system
        except psutil.Error:
            pass
        deadline = time.monotonic() + 5
        alive = [pid for pid in self.children if psutil.pid_exists(pid)]
        while alive and time.monotonic() < deadline:
            for pid in alive:
                try:
                    cpu = psutil.Process(pid).cpu_times()
                    self.children[pid] = cpu.user + cpu.system
                except psutil.Error:
                    pass
            time.sleep(self.interval)
            alive = [pid for pid in alive if psutil.pid_exists(pid)]

    @property
    def cpu_seconds(self) -> float:
        return self.main_cpu + sum(self.children.values())


def _cpu_at_first_request(proc: subprocess.Popen, server: PortalServer) -> float:
    """CPU seconds the crawl process spent before its first request (imports, setup): left out of
    its CPU cost per page, like its startup is left out of pages/s. 0 when it never asked."""
    while True:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        if fields[0] == "Z":  # exited (not reaped: os.wait4 reaps it and reads its rusage)
            return 0.0
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        if server.command("stats")["requests"]:
            return cpu
        time.sleep(0.02)


def _log_stats(log_text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in STAT_KEYS:
        m = re.search(rf"'{re.escape(key)}': (\d+(?:\.\d+)?)", log_text)
        if m:
            out[key] = float(m[1])
    return out


def profile_portal(articles: int, concurrency: int, top: int = 25) -> list[dict]:
    """A portal crawl under cProfile: newsportal's functions by cumulative time (% of the crawl
    process), top first. Imports and the crawl command's wrapper are left out. Spider middlewares
    wrap the spider's output, so their cumulative time includes Scrapy's and the spider's."""
    server = PortalServer(articles)
    try:
        with tempfile.TemporaryDirectory(prefix="newsportal-bench-") as tmp:
            work = Path(tmp)
            prof = work / "portal.prof"
            command = portal_command(server.url, concurrency, work, "0")  # extraction in-process: profiled
            command = [str(PYTHON), "-m", "cProfile", "-o", str(prof), *command]
            run = run_crawl("portal", command, work, server, articles)
            print(f"  profiled portal crawl: {run.pages} pages in {run.wall_seconds:.1f} s (under cProfile)")
            stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    finally:
        server.close()

    def ours(filename: str) -> bool:
        return "/newsportal/" in filename and "/benchmarks/" not in filename

    total = max(v[3] for v in stats.values())
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.items():
        if not ours(filename) or name == "<module>" or filename.endswith("commands/crawl.py"):
            continue
        where = filename.split("/newsportal/", 1)[1]
        rows.append(
            {
                "function": f"newsportal/{where}:{line}:{name}",
                "calls": calls,
                "cumulative_pct": round(100 * cumtime / total, 1),
                "own_pct": round(100 * tottime / total, 1),
            }
        )
    rows.sort(key=lambda r: -r["cumulative_pct"])
    return rows[:top]


def _describe(run: CrawlRun) -> str:
    items = int(run.stats.get("item_scraped_count", 0))
    return (
        f"{run.pages:7,} pages in {run.seconds:6.1f} s = {run.pages_per_s:6.0f} pages/s;"
        f" {run.cpu_ms_per_page:5.2f} ms CPU/page ({run.crawl_cpu_ms_per_page:.2f} in the crawl process);"
        f" peak RSS {run.peak_rss_mb:6.1f} MB"
        f" ({run.processes} process{'es' if run.processes > 1 else ''});"
        f" wall {run.wall_seconds:.1f} s; items {items:,}; exit {run.exit_code}"
    )


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "platform": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_SIZES}: a look in under a minute")
    parser.add_argument(
        "--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), help="N values, e.g. 1000,10000"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS(_PER_DOMAIN) of both crawls"
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=2000,
        default=0,
        metavar="N",
        help="also profile a portal crawl of N articles (default 2000) with cProfile",
    )
    parser.add_argument(
        "--extract-workers",
        metavar="N",
        help="NEWSPORTAL_EXTRACT_WORKERS of the portal crawl (default: the project's, auto); 0 = one core",
    )
    parser.add_argument("--keep", action="store_true", help="keep the crawl logs and feeds (printed path)")
    args = parser.parse_args()
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)

    runs: dict[int, dict[str, CrawlRun]] = {}
    worker_startup = worker_startup_cpu()
    print(f"one extraction worker's startup: {worker_startup:.2f} s CPU (left out of each worker's CPU)")
    tmp = Path(tempfile.mkdtemp(prefix="newsportal-bench-"))
    started = time.monotonic()
    for n in sizes:
        expected = SyntheticPortal(n).page_count()
        print(f"N={n:,} articles ({expected:,} pages the portal has)")
        server = PortalServer(n)
        try:
            runs[n] = {}
            for spider in ("bare", "portal"):
                work = tmp / f"{spider}-{n}"
                work.mkdir()
                command = (
                    bare_command(server.url, args.concurrency, work)
                    if spider == "bare"
                    else portal_command(server.url, args.concurrency, work, args.extract_workers)
                )
                run = run_crawl(spider, command, work, server, n, worker_startup)
                runs[n][spider] = run
                print(f"  {spider:6} {_describe(run)}")
        finally:
            server.close()

    profile = profile_portal(args.profile, args.concurrency) if args.profile else []
    if profile:
        print("our code in the portal crawl, by cumulative time (% of the crawl process):")
        for row in profile:
            cum, own = row["cumulative_pct"], row["own_pct"]
            print(f"  {cum:5.1f}% cum {own:5.1f}% own  {row['calls']:8,}  {row['function']}")

    figures: dict[str, object] = {}
    for n, pair in runs.items():
        bare, portal = pair["bare"], pair["portal"]
        figures[f"n{n}_bare_pages_s"] = round(bare.pages_per_s, 1)
        figures[f"n{n}_portal_pages_s"] = round(portal.pages_per_s, 1)
        figures[f"n{n}_ratio"] = round(portal.pages_per_s / bare.pages_per_s, 3) if bare.pages_per_s else 0.0
        figures[f"n{n}_bare_cpu_ms"] = round(bare.cpu_ms_per_page, 2)
        figures[f"n{n}_portal_cpu_ms"] = round(portal.cpu_ms_per_page, 2)
        figures[f"n{n}_cpu_ratio"] = (
            round(bare.cpu_ms_per_page / portal.cpu_ms_per_page, 3) if portal.cpu_ms_per_page else 0.0
        )
        figures[f"n{n}_portal_crawl_cpu_ms"] = round(portal.crawl_cpu_ms_per_page, 2)
        figures[f"n{n}_bare_rss_mb"] = round(bare.peak_rss_mb, 1)
        figures[f"n{n}_portal_rss_mb"] = round(portal.peak_rss_mb, 1)
    small, large = min(sizes), max(sizes)
    portal_growth = runs[large]["portal"].peak_rss_mb - runs[small]["portal"].peak_rss_mb
    bare_growth = runs[large]["bare"].peak_rss_mb - runs[small]["bare"].peak_rss_mb
    figures["worker_startup_cpu_s"] = round(worker_startup, 3)
    figures["portal_rss_growth_mb"] = round(portal_growth, 1)
    figures["bare_rss_growth_mb"] = round(bare_growth, 1)
    worst_ratio = min(float(figures[f"n{n}_ratio"]) for n in runs)  # type: ignore[arg-type]
    worst_cpu_ratio = min(float(figures[f"n{n}_cpu_ratio"]) for n in runs)  # type: ignore[arg-type]
    ok_ratio = worst_ratio >= TARGET_RATIO
    ok_cpu = worst_cpu_ratio >= TARGET_CPU_RATIO
    ok_growth = portal_growth <= TARGET_GROWTH_MB
    crashed = any(r.exit_code != 0 for pair in runs.values() for r in pair.values())
    figures["cpu_ratio_ok"] = ok_cpu
    figures["ratio_ok"] = ok_ratio
    figures["rss_ok"] = ok_growth
    figures["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    figures["total_s"] = round(time.monotonic() - started)

    RESULTS.mkdir(parents=True, exist_ok=True)
    # crawl.json holds the figures of the full run only; a quick look or other sizes go beside it.
    out = RESULTS / ("crawl-quick.json" if args.quick else "crawl-sizes.json" if args.sizes else "crawl.json")
    record = {
        "benchmark": "crawl",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "concurrency": args.concurrency,
        "extract_workers": args.extract_workers or project_settings.NEWSPORTAL_EXTRACT_WORKERS,
        "targets": {
            "cpu_ratio_min": TARGET_CPU_RATIO,
            "ratio_min": TARGET_RATIO,
            "portal_rss_growth_mb_max": TARGET_GROWTH_MB,
        },
        "figures": figures,
        "runs": [
            {
                **asdict(r),
                "pages_per_s": round(r.pages_per_s, 1),
                "cpu_ms_per_page": round(r.cpu_ms_per_page, 3),
            }
            for pair in runs.values()
            for r in pair.values()
        ],
        "profile_top": profile,
    }
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    tmp_out.replace(out)
    if args.keep:
        print(f"logs and feeds kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {out.relative_to(ROOT)}")
    print(" ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in figures.items()))
    for n in runs:
        print(
            f"headline N={n:,}: cpu_ratio {figures[f'n{n}_cpu_ratio']} (target ≥ {TARGET_CPU_RATIO}), "
            f"pages/s ratio {figures[f'n{n}_ratio']} (target ≥ {TARGET_RATIO})"
        )
    return 0 if ok_cpu and ok_ratio and ok_growth and not crashed else 1


if __name__ == "__main__":
    raise SystemExit(main())
