"""A cluster on a real Redis: how it scales with workers, how it shares politeness, what it costs Redis.

    .venv/bin/python benchmarks/cluster.py            # the figures (about 20 minutes here)
    .venv/bin/python benchmarks/cluster.py --quick    # smaller portals, about a minute

Every crawl is real: ``scrapy crawl portal -a site=sample -a start_url=... -s NEWSPORTAL_REDIS_URL=...``
processes (one process each: NEWSPORTAL_EXTRACT_WORKERS=0), a redis-server of its own on a free port
(appendonly, everysec), synthetic portals (benchmarks/synthetic_portal.py) served by
tests/portalserver.py, which adds a latency to every answer and logs every request and the most
requests it was answering at once.

* **Scaling**: one portal answering after 50 ms, per-domain limits far above what is used
  (CONCURRENT_REQUESTS_PER_DOMAIN 64), a low CONCURRENT_REQUESTS per worker (1): each worker is
  latency-bound, so the machine's two cores do not cap the speed-up. 1, 2 and 3 workers crawl the
  same portal (a new Redis, a new state each time), launched together. Pages/s = the server's
  requests over the time from its first request to its last answer (start-up before it and the
  NEWSPORTAL_CLUSTER_IDLE wait after it are not the cluster's crawling); speed-up against 1 worker
  (targets: >= 1.8 with 2, >= 2.5 with 3). Beside it: the whole job's wall time (launch to last exit)
  and pages/s over it; each worker's first request, last answer and exit (the server logs each
  worker's User-Agent), its stalls (>= STALL s between an answer and its next request); pages/s
  while every worker crawled; CPU per page = the workers' user + system time (os.wait4) over the
  pages, and only the CPU each spent between its first request and its last answer (psutil samples),
  redis-server's and the portal server's (this process) beside it.
* **Many portals**: 20 portals x 500 articles (``--quick``: 6 x 150), each on its own host
  (127.0.0.2, .3, ...), 50 ms latency, CONCURRENT_REQUESTS_PER_DOMAIN 2, CONCURRENT_REQUESTS 1 per
  crawl (latency-bound), the same settings for every W. W machines (W = 1, 2, 3), two crawls at a
  time each, on a new Redis and new states: each crawl slot takes, from its own place in the list,
  the first portal whose job has not started, else joins a running one; a portal whose job is done
  is not crawled again (see ``many_portals``). Pages/s over all portals, the most requests in flight
  at any one portal (must be <= 2), crawl processes, joins and incremental re-runs (must be 0).
* **Redis commands per page**: ``total_commands_processed`` (INFO) over the scaling runs' pages.
* **Redis costs of the state store** (memory per stored article, near-duplicate lookup time): the
  Redis state store's own measurement, see ``state_store_costs`` (a marked hook).

The machine is shared and loaded: the load average is recorded with the figures. Results go to
benchmarks/results/cluster.json (``cluster-quick.json`` for --quick), and are printed last on one
line. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psutil
import redis
import scrapy

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCRAPY = Path(sys.executable).with_name("scrapy")
sys.path.insert(0, str(ROOT))
from newsportal.state.job import target_name  # noqa: E402
from tests.portalserver import PortalServer, SyntheticPortal  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402

LATENCY = 0.05
SCALING_CONCURRENCY = 1  # requests in flight per worker in the scaling runs
STALL = 0.2  # seconds without a request of a worker between two of its pages: it starved
# a crawl joins a running job only while this many requests wait in its frontier: one that starts
# after the job's end (a start-up takes seconds here) would begin an incremental re-run instead
JOIN_MIN_WAITING = 100
MANY_CONCURRENCY = 1  # requests in flight per crawl in the many-portals runs (each is latency-bound)
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
    """A worker process: when it started and exited (time.monotonic, the portal server's clock) and
    its CPU time once it has exited (os.wait4)."""

    def __init__(self, cmd: list[str]) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.cpu = 0.0
        self.ended = 0.0
        self.code: int | None = None

    def wait(self) -> int:
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.ended = time.monotonic()
        self.proc.returncode = self.code = os.waitstatus_to_exitcode(status)
        self.cpu = usage.ru_utime + usage.ru_stime
        return self.code


class CpuSampler:
    """Each worker's CPU time (user + system, psutil) every PERIOD seconds while it runs, so that the CPU
    of its crawling (first request to last answer) can be told from its start-up's and its end's."""

    PERIOD = 0.05

    def __init__(self, procs: list[Process]) -> None:
        self.samples: list[list[tuple[float, float]]] = [[(p.started, 0.0)] for p in procs]
        self._procs = [psutil.Process(p.proc.pid) for p in procs]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.PERIOD):
            for samples, proc in zip(self.samples, self._procs, strict=True):
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    samples.append((time.monotonic(), times.user + times.system))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def at(self, worker: int, when: float) -> float:
        """Worker's CPU seconds at monotonic time when (the last sample before it)."""
        return max((cpu for t, cpu in self.samples[worker] if t <= when), default=0.0)


def wait_all(procs: list[Process]) -> list[int]:
    """Wait for every process at once (each exit time is its own)."""
    threads = [threading.Thread(target=p.wait) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [p.code for p in procs]


def commands(r: redis.Redis) -> int:
    return int(r.info("stats")["total_commands_processed"])


def server_cpu_s(r: redis.Redis) -> float:
    cpu = r.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


def own_cpu_s() -> float:
    """This process's CPU (the portal servers' threads; the workers are children, not counted here)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def command_calls(r: redis.Redis) -> dict[str, int]:
    """Calls per command so far (INFO commandstats: those run inside Lua scripts count too)."""
    return {name[len("cmdstat_") :]: int(v["calls"]) for name, v in r.info("commandstats").items()}


def scaling(articles: int, workers: int, work: Path) -> dict:
    portal = SyntheticPortal(articles)
    work.mkdir(parents=True)
    with RedisServer(work / "redis") as rs, PortalServer(portal, latency=LATENCY) as server:
        r = redis.Redis.from_url(rs.url)
        before, calls_before, redis_cpu_before = commands(r), command_calls(r), server_cpu_s(r)
        own_before = own_cpu_s()
        # One request at a time per worker: at 2, one worker already used ~40 % of a core here, so three
        # workers with the portal server and Redis were capped by the machine's two cores (1.75x).
        settings = {"CONCURRENT_REQUESTS": str(SCALING_CONCURRENCY), "CONCURRENT_REQUESTS_PER_DOMAIN": "64"}
        launched = time.monotonic()
        # each worker its own User-Agent: the server's log tells them apart
        procs = [
            Process(
                worker_command(server.base_url, rs.url, work, f"w{i}", USER_AGENT=f"bench-w{i}", **settings)
            )
            for i in range(workers)
        ]
        sampler = CpuSampler(procs)
        codes = wait_all(procs)
        sampler.stop()
        used = commands(r) - before
        calls = command_calls(r)
        redis_cpu = server_cpu_s(r) - redis_cpu_before
        r.close()
        log = list(server.log)
        own = own_cpu_s() - own_before
    pages = len(log)
    first, last = min(h.start for h in log), max(h.end for h in log)
    span = last - first
    per_worker = []
    crawling_cpu = 0.0
    for i, p in enumerate(procs):
        mine = [h for h in log if h.agent == f"bench-w{i}"]
        begin, end = (min(h.start for h in mine), max(h.end for h in mine)) if mine else (p.ended, p.ended)
        crawling_cpu += sampler.at(i, end) - sampler.at(i, begin)
        mine.sort(key=lambda h: h.start)
        idle = [b.start - a.end for a, b in itertools.pairwise(mine)]
        stalls = [g for g in idle if g >= STALL]
        per_worker.append(
            {
                "pages": len(mine),
                # from the launch of all workers: this one's first request, its last answer, its exit
                "first_request_s": round(begin - launched, 2),
                "last_response_s": round(end - launched, 2),
                "exit_s": round(p.ended - launched, 2),
                "cpu_s": round(p.cpu, 2),
                # its CPU before its first request (start-up, joining) and while it crawled
                # time between one answer and this worker's next request: median, and stalls (>= STALL)
                "gap_median_ms": round(1000 * sorted(idle)[len(idle) // 2], 1) if idle else None,
                "stalls": len(stalls),
                "stalled_s": round(sum(stalls), 2),
                "start_cpu_s": round(sampler.at(i, begin), 2),
                "crawling_cpu_s": round(sampler.at(i, end) - sampler.at(i, begin), 2),
            }
        )
    # the window when every worker was crawling: from the last one's first request to the first one's
    # last answer (a worker that got no page does not count)
    crawled = [w for w in per_worker if w["pages"]]
    all_in = min(w["last_response_s"] for w in crawled) - max(w["first_request_s"] for w in crawled)
    all_in_pages = sum(
        1
        for h in log
        if max(w["first_request_s"] for w in crawled) <= h.start - launched
        and h.end - launched <= min(w["last_response_s"] for w in crawled)
    )
    by_command = {
        k: round((v - calls_before.get(k, 0)) / pages, 2)
        for k, v in sorted(calls.items())
        if v - calls_before.get(k, 0) > 0 and k != "info"
    }
    return {
        "workers": workers,
        "pages": pages,
        "seconds": round(span, 2),
        "pages_s": round(pages / span, 1),
        # the whole job: from the launch of the workers to the last exit (start-up, seeding, the
        # NEWSPORTAL_CLUSTER_IDLE wait at the end included)
        "job_wall_s": round(max(p.ended for p in procs) - launched, 2),
        "job_pages_s": round(pages / (max(p.ended for p in procs) - launched), 1),
        "first_request_s": round(first - launched, 2),
        "all_in_s": round(all_in, 2),
        "all_in_pages_s": round(all_in_pages / all_in, 1) if all_in > 0 else None,
        # the workers' CPU over the pages: all of it (start-up and end included), and only while
        # each crawled (first request to last answer); redis-server's and the portal server's beside
        "cpu_ms_per_page": round(1000 * sum(p.cpu for p in procs) / pages, 2),
        "crawling_cpu_ms_per_page": round(1000 * crawling_cpu / pages, 2),
        "redis_server_cpu_ms_per_page": round(1000 * redis_cpu / pages, 2),
        "portal_server_cpu_ms_per_page": round(1000 * own / pages, 2),
        "redis_commands_per_page": round(used / pages, 1),
        "redis_calls_per_page": by_command,
        "per_worker": per_worker,
        "exit_codes": codes,
        "max_in_flight": server.max_in_flight,
    }


def many_portals(portals: int, articles: int, machines: int, work: Path, parallel: int = 2) -> dict:
    """W machines crawl the portals together, `parallel` crawls at a time each (a crawl: one worker
    process, one portal, MANY_CONCURRENCY requests in flight), on a new Redis and new states.

    Each crawl slot ("lane") takes, in its own order (each machine starts at another place in the list),
    the first portal whose job has not started, else the first whose job runs (it joins it: the
    cluster's per-domain limit then binds across workers), and stops when every job is done. A portal
    whose job is done is not crawled again: an incremental re-run would add pages that are not the
    job's. One that started anyway (a join that came just after the job's end) is counted."""
    work.mkdir(parents=True)
    servers = [
        PortalServer(SyntheticPortal(articles), host=f"127.0.0.{2 + i}", latency=LATENCY)
        for i in range(portals)
    ]
    targets = {s.host: target_name({"start_url": s.base_url}) for s in servers}
    codes: list[int] = []
    crawls: list[dict] = []
    lock = threading.Lock()
    try:
        with RedisServer(work / "redis") as rs:
            r = redis.Redis.from_url(rs.url)

            def state(server: PortalServer) -> str:
                value = r.hget(f"newsportal:{targets[server.host]}:job", "state")
                return value.decode() if value else ""

            def waiting(server: PortalServer) -> int:
                """Requests waiting in the portal's running job's frontier."""
                prefix = f"newsportal:{targets[server.host]}:"
                job = r.hget(prefix + "job", "id")
                if job is None:
                    return 0
                return sum(r.xlen(f"{prefix}{job.decode()}:frontier:{band}") for band in ("a", "l"))

            def pick(order: list[PortalServer]) -> PortalServer | None:
                while True:
                    with lock:  # one lane decides at a time: two lanes never both seed a portal
                        states = [state(s) for s in order]
                        if all(
                            st == "done" or s.host in abandoned for st, s in zip(states, order, strict=True)
                        ):
                            return None
                        for server, st in zip(order, states, strict=True):
                            if not st and server.host not in starting | abandoned:
                                starting.add(server.host)
                                sent[server.host] += 1
                                return server
                        running = [
                            s
                            for s, st in zip(order, states, strict=True)
                            if st == "running" and waiting(s) >= JOIN_MIN_WAITING
                        ]
                        if running:  # the job with the fewest workers sent to it
                            server = min(running, key=lambda s: sent[s.host])
                            sent[server.host] += 1
                            return server
                    time.sleep(0.2)  # the rest are starting up: join them once they run

            starting: set[str] = set()
            sent: Counter[str] = Counter()  # crawls sent to each portal
            abandoned: set[str] = set()  # a crawl ended there without a job (it could not start one)

            def lane(m: int, k: int) -> None:
                offset = (m * portals // machines + k * portals // (machines * parallel)) % portals
                order = [servers[(offset + j) % portals] for j in range(portals)]
                n = 0
                while (server := pick(order)) is not None:
                    name = f"m{m}-{k}-{n}-{server.host}"
                    n += 1
                    # The portals are one generator's pages: the same stories at every host. Each gets a
                    # state of its own, so that cross-portal dedup does not drop them as copies.
                    cmd = worker_command(
                        server.base_url, rs.url, work, name, USER_AGENT=f"bench-{name}",
                        CONCURRENT_REQUESTS=str(MANY_CONCURRENCY), CONCURRENT_REQUESTS_PER_DOMAIN="2",
                        NEWSPORTAL_STATE_DIR=str(work / f"state-{server.host}"),
                        NEWSPORTAL_REDIS_STATE_PREFIX=f"newsportal:state:{server.host}:",
                    )  # fmt: skip
                    proc = Process(cmd)
                    code = proc.wait()
                    log = (work / f"{name}.log").read_text("utf-8", "replace")
                    waits = re.search(r"'newsportal/cluster/politeness_waits': (\d+)", log)
                    with lock:
                        if not state(server):
                            abandoned.add(server.host)
                        codes.append(code)
                        crawls.append(
                            {
                                "name": name,
                                "host": server.host,
                                "seeded": "cluster: started job" in log,
                                "politeness_waits": int(waits[1]) if waits else 0,
                            }
                        )

            threads = [
                threading.Thread(target=lane, args=(m, k)) for m in range(machines) for k in range(parallel)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            r.close()
        # a job started after a portal's first (a join that came after its end): its pages are not
        # this measurement's (an incremental re-run re-reads listings); counted apart
        seeded = sorted((c for c in crawls if c["seeded"]), key=lambda c: c["name"])
        first_job: dict[str, str] = {}
        for s in servers:
            starts = {h.agent: h.start for h in reversed(s.log)}  # each crawl's first request here
            names = [c["name"] for c in seeded if c["host"] == s.host and f"bench-{c['name']}" in starts]
            if names:
                first_job[s.host] = min(names, key=lambda n: starts[f"bench-{n}"])
        rerun_agents = {f"bench-{c['name']}" for c in seeded if first_job.get(c["host"]) != c["name"]}
        all_hits = [h for s in servers for h in s.log]
        hits = [h for h in all_hits if h.agent not in rerun_agents]
        pages = len(hits)
        span = max(h.end for h in hits) - min(h.start for h in hits)
        jobs = sum(c["seeded"] for c in crawls)
        return {
            "machines": machines,
            "crawls_at_a_time": machines * parallel,
            "pages": pages,
            "seconds": round(span, 2),
            "pages_s": round(pages / span, 1),
            "crawl_processes": len(crawls),
            "joined_a_running_job": len(crawls) - jobs,
            "incremental_reruns": jobs - portals,  # jobs started beyond one per portal
            "rerun_pages_not_counted": len(all_hits) - pages,
            # how many crawls fetched from one portal at once (the limit binds only from 3 on: one
            # request in flight each), and how often a request waited for the cluster's token
            "most_crawls_at_once_one_portal": max(crawls_at_once(s) for s in servers),
            "politeness_waits": sum(c["politeness_waits"] for c in crawls),
            "max_in_flight_one_portal": max(s.max_in_flight for s in servers),
            "exit_codes": sorted(set(codes)),
        }
    finally:
        for s in servers:
            s.close()


def crawls_at_once(server: PortalServer) -> int:
    """The most crawls (User-Agents) between their first request and last answer at one time."""
    spans: dict[str, list[float]] = {}
    for h in server.log:
        span = spans.setdefault(h.agent, [h.start, h.end])
        span[0], span[1] = min(span[0], h.start), max(span[1], h.end)
    events = sorted([(a, 1) for a, _ in spans.values()] + [(b, -1) for _, b in spans.values()])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


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
    began = time.monotonic()
    took: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="newsportal-cluster-bench-"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        # one worker again at the end: the machine's load drifts, so the baseline is the mean of both
        runs = [scaling(scale_articles, w, work / f"scale-{w}") for w in (1, 2, 3)]
        again = scaling(scale_articles, 1, work / "scale-1-again")
        base = (runs[0]["pages_s"] + again["pages_s"]) / 2
        for run in [*runs, again]:
            run["speedup"] = round(run["pages_s"] / base, 2)
            print(
                f"scaling: {run['workers']} worker(s): {run['pages']} pages in {run['seconds']} s = "
                f"{run['pages_s']} pages/s, speed-up {run['speedup']} (all crawling: {run['all_in_pages_s']} "
                f"pages/s; whole job {run['job_wall_s']} s = {run['job_pages_s']} pages/s), CPU/page "
                f"{run['cpu_ms_per_page']} ms ({run['crawling_cpu_ms_per_page']} while crawling), "
                f"{run['redis_commands_per_page']} Redis commands/page, exits {run['exit_codes']}",
                flush=True,
            )
        print(
            f"scaling: 1 worker again: {again['pages']} pages in {again['seconds']} s = {again['pages_s']} "
            f"pages/s (baseline: the mean, {base:.1f} pages/s)",
            flush=True,
        )
        took["scaling_s"] = round(time.monotonic() - began, 1)
        portals = []
        for m in (1, 2, 3):
            run = many_portals(*many, m, work / f"many-{m}")
            portals.append(run)
            print(
                f"many portals ({many[0]} x {many[1]}): {run['machines']} machine(s): "
                f"{run['pages']} pages in {run['seconds']} s = {run['pages_s']} pages/s, "
                f"most in flight at one portal {run['max_in_flight_one_portal']}, "
                f"{run['crawl_processes']} crawls ({run['joined_a_running_job']} joins, "
                f"{run['incremental_reruns']} re-runs, at most {run['most_crawls_at_once_one_portal']} at "
                f"once on one portal, {run['politeness_waits']} politeness waits), exits {run['exit_codes']}",
                flush=True,
            )
        took["many_portals_s"] = round(time.monotonic() - began - took["scaling_s"], 1)
        with RedisServer(work / "redis-state") as rs:
            state = state_store_costs(rs.url)
        took["state_store_s"] = round(time.monotonic() - began - sum(took.values()), 1)
        took["total_s"] = round(time.monotonic() - began, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = {
        "pages_s_1": runs[0]["pages_s"],
        "pages_s_2": runs[1]["pages_s"],
        "pages_s_3": runs[2]["pages_s"],
        "pages_s_1_again": again["pages_s"],
        "speedup_2": runs[1]["speedup"],
        "speedup_3": runs[2]["speedup"],
        "cpu_ms_per_page_1": runs[0]["cpu_ms_per_page"],
        "cpu_ms_per_page_3": runs[2]["cpu_ms_per_page"],
        "crawling_cpu_ms_per_page_1": runs[0]["crawling_cpu_ms_per_page"],
        "crawling_cpu_ms_per_page_3": runs[2]["crawling_cpu_ms_per_page"],
        "job_wall_s": [r["job_wall_s"] for r in runs],
        "redis_commands_per_page": round(
            sum(r["redis_commands_per_page"] * r["pages"] for r in runs) / sum(r["pages"] for r in runs), 1
        ),
        "many_pages_s": [r["pages_s"] for r in portals],
        "many_max_in_flight_one_portal": max(r["max_in_flight_one_portal"] for r in portals),
        "many_incremental_reruns": sum(r["incremental_reruns"] for r in portals),
        "many_most_crawls_at_once_one_portal": max(r["most_crawls_at_once_one_portal"] for r in portals),
        "many_politeness_waits": [r["politeness_waits"] for r in portals],
    }
    met = {
        "speedup_2": figures["speedup_2"] >= TARGET_2,
        "speedup_3": figures["speedup_3"] >= TARGET_3,
        "per_domain_limit": figures["many_max_in_flight_one_portal"] <= 2,
        "many_grows": figures["many_pages_s"][0] < figures["many_pages_s"][1] < figures["many_pages_s"][2],
        "many_no_rerun": figures["many_incremental_reruns"] == 0,
        "all_exit_0": all(set(r["exit_codes"]) == {0} for r in [*runs, again])
        and all(r["exit_codes"] == [0] for r in portals),
    }
    result = {
        "benchmark": "cluster",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/cluster.py", *sys.argv[1:]]),
        "duration": took,
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
            "many_portals": {
                "portals": many[0],
                "articles": many[1],
                "crawls_at_a_time_per_machine": 2,
                "CONCURRENT_REQUESTS": MANY_CONCURRENCY,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
            },
        },
        "targets": {"speedup_2": TARGET_2, "speedup_3": TARGET_3, "many_max_in_flight_one_portal": 2},
        "scaling": runs,
        "scaling_1_again": again,
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
