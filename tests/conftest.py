"""Shared fixtures: real HTTP servers on 127.0.0.1 and real crawls in subprocesses.

``sample_server`` serves ``samples/portal/`` as a plain static host would: a directory serves its
index.html, ``.html`` goes out as ``text/html`` without a charset (the GBK channel declares its
charset only in <meta>), ``/robots.txt`` is the portal's own, a missing file is a 404.

Tests in two processes: `make test` runs ``pytest -n 2 --dist loadfile --no-loadscope-reorder``
(pytest-xdist), the long files first (LONG_FILES below). Each test file
runs whole in one process, so a module- or session-scoped crawl (``sample_crawl``, the ``two_runs`` of
test_dedup_crawl.py and test_honest_counts.py, ``crawled_dir``...) runs once per file, as in a serial
run; two files run side by side. Hence every server and redis-server a test starts listens on a free
port (port 0, ``free_port()``) and writes under its own tmp_path. (``--dist loadgroup`` would keep
chosen tests apart, but xdist 3.8 marks its groups in ``item._nodeid``, which pytest 9 no longer
reads: the groups are silently ignored.) A plain ``pytest`` stays serial.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsportal.localserver import LocalServer

pytest_plugins = ["tests.redisserver"]

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PORTAL = ROOT / "samples" / "portal"
SHARED_PAGES = ROOT.parent / "shared" / "pages"
REFERENCE_TIME = "2026-03-15T10:00:00+08:00"


def require_shared(path: Path) -> None:
    """Tests on ``../shared`` skip when it is absent, except under CI (``CI=true``), where they fail."""
    if path.exists():
        return
    message = f"the shared pages are not at {path}"
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail("CI=true: " + message)
    pytest.skip(message)


def every_page_file() -> list[Path]:
    """Every HTML page we have, for tests that compare two ways of computing one answer on as many
    pages as there are: ../shared's labelled and wild pages (NEWSPORTAL_DEVSET / _WILDSET), our
    fixtures (tests/pages) and the sample portal. Called while collecting: without ../shared the
    tests run on our own pages, except under CI (``CI=true``), where a missing set fails them."""
    from newsportal.extract.scoring import devset_dir, wildset_dir

    files: list[Path] = []
    for folder in (devset_dir(), wildset_dir()):
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.html")))
        elif os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"CI=true: the shared pages are not at {folder}", pytrace=False)
    files += sorted((ROOT / "tests" / "pages").rglob("*.html"))
    files += sorted(SAMPLE_PORTAL.rglob("*.html"))
    return files


@dataclass
class CrawlResult:
    items: list[dict]
    dropped: list[dict]
    stats: dict
    log: str

    def stat(self, key: str) -> int:
        return int(self.stats.get(key, 0))


def run_crawl(
    tmp_path: Path, *, spider_args: dict[str, str] | None = None, settings: dict[str, str] | None = None
) -> CrawlResult:
    """One real crawl of the portal spider in a subprocess, from the project root."""
    out = tmp_path / f"crawl-{len(list(tmp_path.glob('crawl-*.json')))}.json"
    log = out.with_suffix(".log")
    merged = {
        "NEWSPORTAL_REFERENCE_TIME": REFERENCE_TIME,
        "NEWSPORTAL_STATE_DIR": str(tmp_path / "state"),
        "NEWSPORTAL_OUTPUT_DIR": str(tmp_path / "output"),
        "LOG_FILE": str(log),
        "LOG_LEVEL": "INFO",
        **(settings or {}),
    }
    cmd = [sys.executable, str(ROOT / "tests" / "crawl_runner.py"), str(out)]
    for name, value in (spider_args or {}).items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsportal.settings"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    log_text = log.read_text(encoding="utf-8") if log.exists() else ""
    if proc.returncode != 0 or not out.exists():
        raise AssertionError(f"crawl failed ({proc.returncode}):\n{proc.stderr[-4000:]}\n{log_text[-4000:]}")
    data = json.loads(out.read_text(encoding="utf-8"))
    return CrawlResult(data["items"], data["dropped"], data["stats"], log_text)


@pytest.fixture(scope="session")
def sample_server() -> Iterator[LocalServer]:
    with LocalServer(SAMPLE_PORTAL) as server:
        yield server


@pytest.fixture(scope="session")
def sample_manifest() -> dict:
    return json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_crawl(sample_server: LocalServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """The sample portal crawled once per test session by the real spider over real HTTP."""
    return run_crawl(
        tmp_path_factory.mktemp("sample-crawl"),
        spider_args={"site": "sample", "start_url": sample_server.base_url},
    )


# The files that run many crawls, longest first (their test time on an idle 2-core machine). With
# `--dist loadfile --no-loadscope-reorder` the two processes take files in this order, so the long
# ones start early and the short ones fill the end: neither process waits alone on a long file last.
# A file not named here keeps its place after them. The order of tests inside a file is unchanged.
LONG_FILES = [
    "test_monitoring.py",
    "test_faults_urls.py",
    "test_discovery.py",
    "test_cluster.py",
    "test_cron.py",
    "test_operator.py",
    "test_faults_polite.py",
    "test_faults_storage.py",
    "test_inspection_commands.py",
    "test_generic_crawl.py",
    "test_faults_limits.py",
    "test_faults_misc.py",
    "test_scrapyd.py",
    "test_dedup_crawl.py",
    "test_state_redis.py",
    "test_sample_crawl.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))  # stable: keeps the rest
