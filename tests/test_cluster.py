"""A cluster on a real Redis: several `scrapy crawl portal -s NEWSPORTAL_REDIS_URL=...` processes crawl
one job together (issue 14). Real processes, a real redis-server (tests/redisserver.py), portals on
127.0.0.1 that log every request (tests/portalserver.py).

* the sample portal with 3 workers: every page fetched once (the server's log), every story once
  across the workers' feeds, the sample portal's stories (its manifest), all exit 0; a worker started after
  the job starts a new, incremental job: nothing new, exit 0;
* 2,000 synthetic articles with 3 workers: one worker killed with SIGKILL midway and its output
  directory deleted, then Redis restarted: every story exactly once in the survivors' feeds; the
  portal never had more than CONCURRENT_REQUESTS_PER_DOMAIN requests in flight (one job for both
  faults: the file stays well under two minutes on a loaded 2-core machine);
* Redis unreachable at start: exit 76 at once.

The workers share the state store: Redis (newsportal.state.redis) when it is installed, else one
SQLite store in a shared state directory (workers on one machine).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from newsportal.extensions.summary import EXIT_CODES
from tests.conftest import ROOT, SAMPLE_PORTAL
from tests.portalserver import PortalServer, SyntheticPortal
from tests.redisserver import RedisServer, free_port, redis_server  # noqa: F401 (fixture)

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
STATE = {} if importlib.util.find_spec("newsportal.state.redis") else {"NEWSPORTAL_STATE_BACKEND": "sqlite"}
FAST = {
    "NEWSPORTAL_CLUSTER_IDLE": "1",
    "NEWSPORTAL_CLUSTER_LEASE": "3",
    "NEWSPORTAL_EXTRACT_WORKERS": "0",  # one process per worker: three workers on two cores
    "NEWSPORTAL_REFERENCE_TIME": "2026-03-15T10:00:00+08:00",
    "LOG_LEVEL": "INFO",
}


class Worker:
    """One `scrapy crawl portal` cluster worker in its own process group, its own output directory
    (its own machine, as far as output goes)."""

    def __init__(
        self, tmp: Path, name: str, start_url: str, redis_url: str, *args: str, **settings: str
    ) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.output = tmp / f"output-{name}"
        self.log = tmp / f"{name}.log"
        values = {
            **FAST,
            **STATE,
            "NEWSPORTAL_REDIS_URL": redis_url,
            "NEWSPORTAL_STATE_DIR": str(tmp / "state"),
            "NEWSPORTAL_OUTPUT_DIR": str(self.output),
            "LOG_FILE": str(self.log),
            **settings,
        }
        cmd = [SCRAPY, "crawl", "portal", "-a", "site=sample", "-a", f"start_url={start_url}", *args]
        for key, value in values.items():
            cmd += ["-s", f"{key}={value}"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        self.stdout = self.stderr = ""

    def wait(self, timeout: float = 100) -> int:
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.stdout, self.stderr = self.proc.communicate()
            raise AssertionError(f"worker did not finish in {timeout} s:\n{self.tail()}") from None
        return self.proc.returncode

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def tail(self) -> str:
        log = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return f"{self.stderr[-1500:]}\n--- log ---\n{log[-3000:]}"

    def items(self) -> list[dict]:
        feeds = sorted(self.output.rglob("*.jsonl")) if self.output.exists() else []
        return [json.loads(line) for f in feeds for line in f.read_text("utf-8").splitlines() if line.strip()]


def wait_until_joined(workers: list[Worker], timeout: float = 90) -> None:
    """Until each worker has logged that it started or joined its cluster job."""
    deadline = time.monotonic() + timeout
    for w in workers:
        while not (w.log.exists() and " as worker " in w.log.read_text("utf-8", "replace")):
            if w.proc.poll() is not None or time.monotonic() > deadline:
                for other in workers:
                    if other.proc.poll() is None:
                        other.kill()
                w.wait(5)
                raise AssertionError(f"worker exited or never joined (exit {w.proc.returncode}):\n{w.tail()}")
            time.sleep(0.05)


def run_workers(workers: list[Worker]) -> None:
    for w in workers:
        code = w.wait()
        assert code == 0, f"exit {code}\n{w.tail()}"


def assert_once(items: list[dict]) -> set[str]:
    counts = Counter(item["canonical_url"] for item in items)
    twice = {url: n for url, n in counts.items() if n > 1}
    assert not twice, f"stories emitted more than once: {twice}"
    return set(counts)


def page_paths(server: PortalServer) -> list[str]:
    return [p for p in server.paths() if p != "/robots.txt"]  # each worker reads robots.txt once


def test_sample_portal_three_workers_then_an_incremental_job(tmp_path, redis_server):  # noqa: F811
    # the stories of the sample portal: what a local crawl emits (tests/test_cron.py checks that)
    manifest = json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))
    expected = {a["path"] for a in manifest["articles"]}
    with PortalServer(SAMPLE_PORTAL) as server:
        # The sample portal takes one worker about 3 s; on a loaded machine the last worker can take
        # longer than that to start. The portal answers nothing until all three have joined the job,
        # so the test measures the sharing, not the start-up order.
        server.hold()
        workers = [
            Worker(tmp_path, f"w{i}", server.base_url, redis_server.url, USER_AGENT=f"test-w{i}")
            for i in range(3)
        ]
        wait_until_joined(workers)
        server.release()
        run_workers(workers)
        fetched = Counter(page_paths(server))
        assert fetched and max(fetched.values()) == 1, [p for p, n in fetched.items() if n > 1]
        got = assert_once([i for w in workers for i in w.items()])
        # Two copies of one body (a syndicated story) are one story: whichever worker claims a copy
        # first emits it, so the cluster may keep the copy where a local crawl keeps the original.
        copies = {
            d["path"]: d["duplicate_of"]
            for d in manifest["not_emitted"]
            if d["reason"] in ("duplicate_content", "duplicate_near")
        }
        stories = Counter(copies.get(urlsplit(u).path, urlsplit(u).path) for u in got)
        assert set(stories) == expected and max(stories.values()) == 1, stories
        # two or three workers fetched pages: the job was shared. (Which worker's feed holds a story
        # says nothing about who fetched it: any worker may write the job's items, see state/output.py.)
        agents = Counter(h.agent for h in server.log if h.path != "/robots.txt")
        assert sum(1 for w in range(3) if agents[f"test-w{w}"]) >= 2, agents
        job = redis_server_job(redis_server.url, target(server))
        assert job["state"] == "done" and job["exit_code"] == "0" and job["verdict"] == "ok"
        first_job = job["id"]

        # the next start: a new job, incremental (stored articles are not fetched again)
        server.reset()
        again = Worker(tmp_path, "again", server.base_url, redis_server.url)
        assert again.wait() == 0, again.tail()
        job = redis_server_job(redis_server.url, target(server))
        assert job["id"] != first_job and job["state"] == "done"
        stored = {urlsplit(u).path for u in got}  # a dropped copy is not stored: it may be read again
        refetched = set(page_paths(server)) & stored
        assert not refetched, f"stored articles fetched again: {refetched}"
        assert again.items() == [], "the incremental job emitted stories again"


def test_a_backfill_shared_by_two_workers_gives_exactly_the_stories_in_range(tmp_path, redis_server):  # noqa: F811
    """-a since/until: the stories the sources gave are held until the sources are read, in the
    memory of the worker that read them; each worker releases its own (a request kept on it)."""
    since, until = "2026-03-13", "2026-03-14"
    manifest = json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))
    expected = {a["path"] for a in manifest["articles"] if since <= a["published_at"][:10] <= until}
    rng = ("-a", f"since={since}", "-a", f"until={until}")
    with PortalServer(SAMPLE_PORTAL) as server:
        workers = [Worker(tmp_path, f"w{i}", server.base_url, redis_server.url, *rng) for i in range(2)]
        run_workers(workers)
        fetched = Counter(page_paths(server))
        assert fetched and max(fetched.values()) == 1, [p for p, n in fetched.items() if n > 1]
        # robots.txt: once per worker (Scrapy's middleware), once for its Sitemap: lines, and once
        # per worker releasing its held stories; none passed to a worker that holds nothing
        robots = server.paths().count("/robots.txt")
        assert robots <= 2 * len(workers) + 1, robots
    got = assert_once([i for w in workers for i in w.items()])
    assert {urlsplit(u).path for u in got} == expected


def target(server: PortalServer) -> str:
    """The job's target of a crawl of this server: its host and port."""
    return f"{server.host}_{server.port}"


def redis_server_job(url: str, target: str) -> dict[str, str]:
    import redis

    r = redis.Redis.from_url(url)
    try:
        return {k.decode(): v.decode() for k, v in r.hgetall(f"newsportal:{target}:job").items()}
    finally:
        r.close()


ARTICLES = 2000
PER_DOMAIN = 4


def synthetic_stories(portal: SyntheticPortal, base: str) -> tuple[set[str], list[set[str]]]:
    """(every article's URL, the stories): a story is one article, or an article with its reprint or
    near copy, of which the first one met is emitted (both, when two workers meet them at once)."""
    ids = range(100001, 100001 + portal.articles)

    def url(i: int) -> str:
        return base.rstrip("/") + portal.article_path(i)

    copies = {i: portal.body_seed(i) for i in ids if portal.body_seed(i) != i}
    stories = [{url(i)} for i in ids if i not in copies and i not in copies.values()]
    stories += [{url(i), url(first)} for i, first in copies.items()]
    return {url(i) for i in ids}, stories


def test_kill_a_worker_and_restart_redis_midway(tmp_path, redis_server):  # noqa: F811
    """One job of 2,000 articles, 3 workers: at a third of the pages one worker is killed (SIGKILL) and
    its output directory deleted (its machine never comes back); at two thirds Redis is restarted.
    Every story is exactly once in the survivors' feeds, and the portal never saw more than
    CONCURRENT_REQUESTS_PER_DOMAIN requests at once from the three workers together."""
    portal = SyntheticPortal(ARTICLES)
    # a little latency, so that requests overlap at the server and its in-flight count means something
    with PortalServer(portal, latency=0.01) as server:
        settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": str(PER_DOMAIN), "CONCURRENT_REQUESTS": "8"}
        workers = [Worker(tmp_path, f"w{i}", server.base_url, redis_server.url, **settings) for i in range(3)]
        pages = portal.page_count()
        wait_for(lambda: len(server.paths()) >= pages // 3, "the crawl did not get going")
        victim = workers.pop(1)
        victim.kill()
        shutil.rmtree(victim.output, ignore_errors=True)
        wait_for(lambda: len(server.paths()) >= 2 * pages // 3, "the crawl stopped after the kill")
        redis_server.restart(down_for=1.0)
        run_workers(workers)
        assert server.max_in_flight <= PER_DOMAIN, server.max_in_flight
        assert server.max_in_flight >= 2  # the limit is what held it, not a lack of work
    every, stories = synthetic_stories(portal, server.base_url)
    got = assert_once([i for w in workers for i in w.items()])
    assert got <= every
    missing = [sorted(story) for story in stories if not story & got]
    assert not missing, f"{len(missing)} stories missing, e.g. {missing[:3]}"
    logs = "".join(w.log.read_text("utf-8") for w in workers)
    assert "from dead workers" in logs, "the dead worker's leases never came back"
    # whichever part met the outage first logs it: the job's link, or the state store (whose retries
    # block the worker until Redis is back, so the link may never see it)
    assert "answers again" in logs or "is back after" in logs, "no worker saw Redis go away"
    job = redis_server_job(redis_server.url, target(server))
    assert job["state"] == "done" and job["exit_code"] == "0"


def wait_for(condition, message: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def test_redis_unreachable_at_start(tmp_path):
    worker = Worker(tmp_path, "w", "http://127.0.0.1:9/", f"redis://127.0.0.1:{free_port()}/0")
    assert worker.wait(60) == EXIT_CODES["cluster_unreachable"] == 76
    assert "cannot reach the cluster's Redis" in worker.stderr
