"""A cluster on a real Redis: how it scales with workers, how it shares politeness, what it costs Redis.

    .venv/bin/python benchmarks/cluster.py            # the figures (several minutes)
    .venv/bin/python benchmarks/cluster.py --quick    # smaller portals, about a minute

Every crawl is real: ``scrapy crawl portal -a site=sample -a start_url=... -s NEWSPORTAL_REDIS_URL=...``
processes (one process each: NEWSPORTAL_EXTRACT_WORKERS=0), a redis-server of its own on a free port
(appendonly, everysec), synthetic portals (benchmarks/synthetic_portal.py) served by
tests/portalserver.py, which adds a latency to every answer and logs every request and the most
requests it was answering at once.

* **Scaling**: one portal answering after 50 ms, per-domain limits far above what is used
  (CONCURRENT_REQUESTS_PER_DOMAIN 64), a low CONCURRENT_REQUESTS per worker (1): each worker is
  latency-bound, so the machine's two cores do not cap the speed-up. 1, 2 and 3 workers crawl the
  same portal (a new Redis, a new state each time). Pages/s = the server's requests over the time
  from its first to its last request; speed-up against 1 worker (targets: >= 1.8 with 2, >= 2.5 with
  3); CPU per page = the workers' user + system time (os.wait4) over the pages.
* **Many portals**: 20 portals x 500 articles (``--quick``: 6 x 150), each on its own host
  (127.0.0.2, .3, ...), 50 ms latency, CONCURRENT_REQUESTS_PER_DOMAIN 2. W machines (W = 1, 2, 3)
  each run the list of portals as their cron would, two crawls at a time, each machine starting
  at another place in the list; a machine that reaches a portal whose job runs joins it. Pages/s
  over all portals, and the most requests in flight at any one portal (must be <= 2).
* **Redis commands per page**: ``total_commands_processed`` (INFO) over the scaling runs' pages.
* **Redis costs of the state store** (memory per stored article, near-duplicate lookup time): the
  Redis state store's own measurement, see ``state_store_costs`` (a marked hook).

The machine is shared and loaded: the load average is recorded with the figures. Results go to
benchmarks/results/cluster.json (``cluster-quick.json`` for --quick), and are printed last on one
line. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import redis
import scrapy

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCRAPY = Path(sys.executable).with_name("scrapy")
sys.path.insert(0, str(ROOT))
from tests.portalserver import PortalServer, SyntheticPortal  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402

LATENCY = 0.05
SCALING_CONCURRENCY = 1  # requests in flight per worker in the scaling runs
TARGET_2 = 1.8
TARGET_3 = 2.5


def worker_command(start_url: str, redis_url: str, work: Path, name: str, **settings: str) -> list[str]:
    values = {
        "NEWSPORTAL_REDIS_URL": redis_url,
        "NEWSPORTAL_STATE_BACKEND": "sqlite"
        if importlib.util.find_spec("newsportal.state.redis") is None
        else "auto",
        "NEWSPORTAL_STATE_DIR": str(work / "state"),
        "NEWSPORTAL_OUTPUT_DIR": str(work / f"output-{name}"),
        "NEWSPORTAL_EXTRACT_WORKERS": "0",
        "NEWSPORTAL_CLUSTER_IDLE": "1",
        "NEWSPORTAL_CLUSTER_LEASE": "5",
        "NEWSPORTAL_REFERENCE_TIME": "2026-03-15T10:00:00+08:00",
        "LOG_FILE": str(work / f"{name}.log"),
        "LOG_LEVEL": "INFO",
        **settings,
    }
    cmd = [str(SCRAPY), "crawl", "portal", "-a", "site=sample", "-a", f"start_url={start_url}"]
    for key, value in values.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


class Process:
    """A worker process; its CPU time once it has exited (os.wait4)."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.cpu = 0.0
        self.code: int | None = None

    def wait(self) -> int:
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = self.code = os.waitstatus_to_exitcode(status)
        self.cpu = usage.ru_utime + usage.ru_stime
        return self.code


def commands(r: redis.Redis) -> int:
    return int(r.info("stats")["total_commands_processed"])


def scaling(articles: int, workers: int, work: Path) -> dict:
    portal = SyntheticPortal(articles)
    work.mkdir(parents=True)
    with RedisServer(work / "redis") as rs, PortalServer(portal, latency=LATENCY) as server:
        r = redis.Redis.from_url(rs.url)
        before = commands(r)
        # One request at a time per worker: at 2, one worker already used ~40 % of a core here, so three
        # workers with the portal server and Redis were capped by the machine's two cores (1.75x).
        settings = {"CONCURRENT_REQUESTS": str(SCALING_CONCURRENCY), "CONCURRENT_REQUESTS_PER_DOMAIN": "64"}
        procs = [
            Process(worker_command(server.base_url, rs.url, work, f"w{i}", **settings))
            for i in range(workers)
        ]
        codes = [p.wait() for p in procs]
        used = commands(r) - before
        r.close()
        log = list(server.log)
    pages = len(log)
    span = max(h.end for h in log) - min(h.start for h in log)
    return {
        "workers": workers,
        "pages": pages,
        "seconds": round(span, 2),
        "pages_s": round(pages / span, 1),
        "cpu_ms_per_page": round(1000 * sum(p.cpu for p in procs) / pages, 2),
        "redis_commands_per_page": round(used / pages, 1),
        "exit_codes": codes,
        "max_in_flight": server.max_in_flight,
    }


def many_portals(portals: int, articles: int, machines: int, work: Path, parallel: int = 2) -> dict:
    """W machines run the portal list, `parallel` crawls at a time each, from different offsets."""
    work.mkdir(parents=True)
    servers = [
        PortalServer(SyntheticPortal(articles), host=f"127.0.0.{2 + i}", latency=LATENCY)
        for i in range(portals)
    ]
    codes: list[int] = []
    lock = threading.Lock()
    try:
        with RedisServer(work / "redis") as rs:

            def machine(m: int, lane: int) -> None:
                order = [servers[(m * portals // machines + k) % portals] for k in range(portals)]
                for k, server in enumerate(order):
                    if k % parallel != lane:
                        continue
                    # The portals are one generator's pages: the same stories at every host. Each gets a
                    # state of its own, so that cross-portal dedup does not drop them as copies.
                    cmd = worker_command(
                        server.base_url, rs.url, work, f"m{m}-{server.host}",
                        CONCURRENT_REQUESTS="8", CONCURRENT_REQUESTS_PER_DOMAIN="2",
                        NEWSPORTAL_STATE_DIR=str(work / f"state-{server.host}"),
                        NEWSPORTAL_REDIS_STATE_PREFIX=f"newsportal:state:{server.host}:",
                    )  # fmt: skip
                    code = Process(cmd).wait()
                    with lock:
                        codes.append(code)

            threads = [
                threading.Thread(target=machine, args=(m, lane))
                for m in range(machines)
                for lane in range(parallel)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        hits = [h for s in servers for h in s.log]
        pages = len(hits)
        span = max(h.end for h in hits) - min(h.start for h in hits)
        return {
            "machines": machines,
            "pages": pages,
            "seconds": round(span, 2),
            "pages_s": round(pages / span, 1),
            "max_in_flight_one_portal": max(s.max_in_flight for s in servers),
            "exit_codes": sorted(set(codes)),
        }
    finally:
        for s in servers:
            s.close()


# --- HOOK: the Redis state store's costs (memory per stored article, near-duplicate lookup) -------
# Measured by the Redis state store's own benchmark (newsportal.state.redis, built beside this one).
# When it is installed and offers ``measure(redis_url) -> dict`` in ``benchmarks/redis_state.py``,
# its figures go into this file's results under "state_store"; until then they are reported missing.
def state_store_costs(redis_url: str) -> dict:
    try:
        module = importlib.import_module("redis_state")
    except ImportError:
        return {
            "status": "not measured: benchmarks/redis_state.py (the Redis state store's benchmark) is missing"
        }
    return module.measure(redis_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smaller portals, about a minute")
    parser.add_argument("--scaling-articles", type=int, help="articles of the scaling portal (1000)")
    parser.add_argument("--many", type=int, nargs=2, metavar=("PORTALS", "ARTICLES"), help="(20, 500)")
    args = parser.parse_args()
    scale_articles = args.scaling_articles or (300 if args.quick else 1000)
    many = tuple(args.many) if args.many else ((6, 150) if args.quick else (20, 500))
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="newsportal-cluster-bench-"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        runs = [scaling(scale_articles, w, work / f"scale-{w}") for w in (1, 2, 3)]
        base = runs[0]["pages_s"]
        for run in runs:
            run["speedup"] = round(run["pages_s"] / base, 2)
            print(
                f"scaling: {run['workers']} worker(s): {run['pages']} pages in {run['seconds']} s = "
                f"{run['pages_s']} pages/s, speed-up {run['speedup']}, {run['cpu_ms_per_page']} ms CPU/page, "
                f"{run['redis_commands_per_page']} Redis commands/page, exits {run['exit_codes']}",
                flush=True,
            )
        portals = []
        for m in (1, 2, 3):
            run = many_portals(*many, m, work / f"many-{m}")
            portals.append(run)
            print(
                f"many portals ({many[0]} x {many[1]}): {run['machines']} machine(s): "
                f"{run['pages']} pages in {run['seconds']} s = {run['pages_s']} pages/s, "
                f"most in flight at one portal {run['max_in_flight_one_portal']}, exits {run['exit_codes']}",
                flush=True,
            )
        with RedisServer(work / "redis-state") as rs:
            state = state_store_costs(rs.url)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = {
        "pages_s_1": runs[0]["pages_s"],
        "pages_s_2": runs[1]["pages_s"],
        "pages_s_3": runs[2]["pages_s"],
        "speedup_2": runs[1]["speedup"],
        "speedup_3": runs[2]["speedup"],
        "cpu_ms_per_page_1": runs[0]["cpu_ms_per_page"],
        "cpu_ms_per_page_3": runs[2]["cpu_ms_per_page"],
        "redis_commands_per_page": round(
            sum(r["redis_commands_per_page"] * r["pages"] for r in runs) / sum(r["pages"] for r in runs), 1
        ),
        "many_pages_s": [r["pages_s"] for r in portals],
        "many_max_in_flight_one_portal": max(r["max_in_flight_one_portal"] for r in portals),
    }
    met = {
        "speedup_2": figures["speedup_2"] >= TARGET_2,
        "speedup_3": figures["speedup_3"] >= TARGET_3,
        "per_domain_limit": figures["many_max_in_flight_one_portal"] <= 2,
        "many_grows": figures["many_pages_s"][0] < figures["many_pages_s"][1] < figures["many_pages_s"][2],
        "all_exit_0": all(set(r["exit_codes"]) == {0} for r in runs)
        and all(r["exit_codes"] == [0] for r in portals),
    }
    result = {
        "benchmark": "cluster",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "scrapy": scrapy.__version__,
            "redis_py": redis.__version__,
        },
        "setup": {
            "latency_s": LATENCY,
            "scaling": {
                "articles": scale_articles,
                "CONCURRENT_REQUESTS": SCALING_CONCURRENCY,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
            },
            "many_portals": {"portals": many[0], "articles": many[1], "CONCURRENT_REQUESTS_PER_DOMAIN": 2},
        },
        "targets": {"speedup_2": TARGET_2, "speedup_3": TARGET_3, "many_max_in_flight_one_portal": 2},
        "scaling": runs,
        "many_portals": portals,
        "state_store": state,
        "figures": figures,
        "met": met,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("cluster-quick.json" if args.quick else "cluster.json")
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(" ".join(f"{k}={v}" for k, v in {**figures, **{f"met_{k}": v for k, v in met.items()}}.items()))
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
