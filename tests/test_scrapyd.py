"""Deploying to Scrapyd, on real processes: a `scrapyd` on 127.0.0.1 (free port, temporary directory),
the project deployed with `scrapyd-deploy` (the egg setup.py builds, the sample portal inside it as
package data), `portal` scheduled through the HTTP API, and the job crawls the sample portal offline
from the egg alone, giving the sample's items (the count read from samples/portal/manifest.json)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_PORTAL

BIN = Path(sys.executable).parent
PROJECT_FILES = ["newsportal", "samples", "setup.py", "pyproject.toml", "README.md", "scrapy.cfg"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, name: str, data: dict[str, str] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + name, data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path: Path):
    """A real scrapyd on 127.0.0.1, its eggs, logs and jobs' output in a temporary directory."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
        "poll_interval = 0.2\nmax_proc = 1\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while True:
        try:
            if _api(base, "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"scrapyd did not start: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
        time.sleep(0.2)
    yield base, home
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_deployed_egg_crawls_the_sample_portal_offline_under_scrapyd(scrapyd, tmp_path: Path) -> None:
    base, home = scrapyd
    expected = len(json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))["articles"])

    # a copy of the project's files, so the egg build leaves nothing in the checkout
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, project / name)
    # the target: scrapy.cfg's own [deploy] section names localhost:6800; the test's scrapyd is found
    # through a user config file, as an operator would add another server
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    (xdg / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {base}\nproject = newsportal\n", encoding="utf-8")
    env = {**os.environ, "XDG_CONFIG_HOME": str(xdg)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    egg = tmp_path / "newsportal.egg"
    built = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test", "-v", "1", "--build-egg", str(egg)],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    with zipfile.ZipFile(egg) as z:
        names = z.namelist()
    assert "newsportal/samples/portal/manifest.json" in names and "newsportal/settings.py" in names
    assert "newsportal/samples/portal/index.html" in names
    deployed = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test", "-v", "1", "--egg", str(egg)],
        cwd=project, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    assert _api(base, "listprojects.json")["projects"] == ["newsportal"]
    assert _api(base, "listspiders.json?project=newsportal")["spiders"] == ["portal"]

    job = _api(base, "schedule.json", {"project": "newsportal", "spider": "portal"})["jobid"]
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        finished = _api(base, "listjobs.json?project=newsportal")["finished"]
        if any(j["id"] == job for j in finished):
            break
        time.sleep(0.3)
    else:
        pytest.fail("the job did not finish within 45 s")

    log = (home / "logs" / "newsportal" / "portal" / f"{job}.log").read_text(encoding="utf-8")
    # the sample portal came out of the egg (a zip on sys.path), not from a checkout
    assert "newsportal-served-" in log, log[-3000:]
    [feed] = (home / "output" / "sample").glob("*.jsonl")
    items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) == expected
    [stats_file] = (home / "output" / "sample").glob("*.stats.json")
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    assert stats["newsportal/verdict"] == "ok" and stats["item_scraped_count"] == expected
