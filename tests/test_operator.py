"""For the people who run it, on real `scrapy crawl` processes against servers on 127.0.0.1:

* quiet for cron: with LOG_FILE set, a run ending 0, 75 or 130 prints nothing, any other code one
  line on stderr; the README's crontab line, run by a shell as cron would, mails (prints) only then;
* a bad spider argument or setting: one line naming what is wrong and the known values, exit 64, no
  traceback, nothing written (no lock file either);
* progress every NEWSPORTAL_PROGRESS_INTERVAL seconds (Scrapy's PeriodicLog), at WARNING if asked;
* the lock message's times are ISO 8601; the User-Agent carries NEWSPORTAL_CONTACT.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsportal.localserver import LocalServer
from newsportal.runlock import RunLock
from tests.conftest import ROOT, SAMPLE_PORTAL

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
README = ROOT / "README.md"
SLOW = {  # ~90 requests one at a time, 50 ms apart: a crawl of a few seconds
    "NEWSPORTAL_LOCAL_UNTHROTTLED": "False",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0.05",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
}


def crawl_cmd(tmp: Path, *args: str, log: bool = True, **settings: str) -> list[str]:
    values = {
        "NEWSPORTAL_STATE_DIR": str(tmp / "state"),
        "NEWSPORTAL_OUTPUT_DIR": str(tmp / "output"),
        **({"LOG_FILE": str(tmp / "crawl.log")} if log else {}),
        **settings,
    }
    cmd = [SCRAPY, "crawl", *args]
    for name, value in values.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample(server: LocalServer) -> tuple[str, ...]:
    return ("portal", "-a", "site=sample", "-a", f"start_url={server.base_url}")


# --- quiet for cron -----------------------------------------------------------------------------


def sample_stories() -> int:
    """The stories a crawl of the sample portal emits: its manifest's."""
    return len(json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))["articles"])


def test_run_ending_0_with_a_log_file_prints_nothing(tmp_path: Path, sample_server: LocalServer):
    proc = run(crawl_cmd(tmp_path, *sample(sample_server)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (proc.stdout, proc.stderr) == ("", "")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "newsportal summary: site=sample" in log and "exit=0 (ok)" in log
    # the progress line (an INFO line by default) is logged at the close too, however short the run
    scraped = f'"item_scraped_count": {sample_stories()}'
    progress = r"\[newsportal\.extensions\.progress\] INFO: progress: \{.*" + re.escape(scraped)
    assert re.search(progress, log)


def test_run_needing_a_person_prints_one_line_on_stderr(tmp_path: Path):
    unreachable = f"start_url=http://127.0.0.1:{free_port()}/"
    proc = run(crawl_cmd(tmp_path, "portal", "-a", unreachable, RETRY_TIMES="0", DOWNLOAD_TIMEOUT="5"))
    assert proc.returncode == 69
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("newsportal summary:")
    assert "exit=69 (unreachable)" in proc.stderr
    assert proc.stderr.strip() in (tmp_path / "crawl.log").read_text(encoding="utf-8")


def test_lock_held_with_a_log_file_prints_nothing_and_logs_iso_times(
    tmp_path: Path, sample_server: LocalServer
):
    with RunLock(tmp_path / "state", "portal-sample"):
        proc = run(crawl_cmd(tmp_path, *sample(sample_server)))
    assert proc.returncode == 75
    assert (proc.stdout, proc.stderr) == ("", "")
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    held = re.search(r"another run holds \S+ \((\{.*\})\)", log)
    assert held, log[-2000:]
    since = json.loads(held.group(1))["since"]
    assert datetime.fromisoformat(since).tzinfo is not None  # ISO 8601 with its offset, not an epoch


def test_run_stopped_by_sigterm_with_a_log_file_prints_nothing(tmp_path: Path, sample_server: LocalServer):
    proc = subprocess.Popen(
        crawl_cmd(tmp_path, *sample(sample_server), **SLOW),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / "crawl.log"
    parts = tmp_path / "output" / "sample"

    def written() -> int:
        return sum(p.read_bytes().count(b"\n") for p in parts.glob("*.jsonl.part")) if parts.is_dir() else 0

    deadline = time.monotonic() + 120
    while written() < 3:
        assert proc.poll() is None and time.monotonic() < deadline, "the crawl never got going"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert (out, err) == ("", "")
    assert "exit=130 (interrupted)" in log.read_text(encoding="utf-8")


def readme_cron_command() -> str:
    """The command of the README's crontab line (after its five time fields)."""
    block = README.read_text(encoding="utf-8").split("```cron", 1)[1].split("```", 1)[0]
    lines = [ln for ln in block.splitlines() if re.match(r"^\d", ln) and "scrapy crawl" in ln]
    assert len(lines) == 1, block
    return lines[0].split(None, 5)[5]


def test_readme_crontab_line_prints_only_when_a_person_is_needed(tmp_path: Path, sample_server: LocalServer):
    """cron mails whatever the command prints: run the README's line in a shell, as cron does."""
    command = readme_cron_command()
    assert "LOG_FILE=" in command and "||" not in command  # no mail on 75 / 130 by an `|| echo`
    place = f"-s NEWSPORTAL_STATE_DIR={tmp_path / 'state'} -s NEWSPORTAL_OUTPUT_DIR={tmp_path / 'output'}"
    command = re.sub(r"LOG_FILE=\S+", f"LOG_FILE={tmp_path / 'cron.log'}", command)
    command = command.replace("cd /srv/newsportal", f"cd {ROOT}")

    good = command.replace("-a site=sohu", f"-a site=sample -a start_url={sample_server.base_url} {place}")
    ok = subprocess.run(["sh", "-c", good], capture_output=True, text=True, timeout=240, check=False)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert ok.stdout + ok.stderr == ""  # no mail

    down = f"-a start_url=http://127.0.0.1:{free_port()}/ {place} -s RETRY_TIMES=0"
    bad = subprocess.run(
        ["sh", "-c", command.replace("-a site=sohu", down)], capture_output=True, text=True, timeout=240
    )
    assert bad.returncode == 69
    assert bad.stdout == "" and bad.stderr.count("\n") == 1  # one line in the mail


# --- bad arguments and settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "settings", "says"),
    [
        (["-a", "site=nosuch"], {}, ["site='nosuch'", "known sites:", "sohu", "sample"]),
        (["-a", "sit=sohu"], {}, ["unknown spider argument sit (did you mean site?)", "site, start_url"]),
        (["-a", "start_url=ftp://news.example.cn/"], {}, ["start_url='ftp://news.example.cn/'", "http(s)"]),
        (
            [],
            {"NEWSPORTAL_REFRESH_HOUR": "3"},
            ["unknown setting NEWSPORTAL_REFRESH_HOUR (did you mean NEWSPORTAL_REFRESH_HOURS?)"],
        ),
        ([], {"NEWSPORTAL_REFRESH_HOURS": "two"}, ["NEWSPORTAL_REFRESH_HOURS='two'", "a number"]),
        ([], {"NEWSPORTAL_RESUME": "maybe"}, ["NEWSPORTAL_RESUME='maybe'", "True or False"]),
        ([], {"NEWSPORTAL_STATE_BACKEND": "mongo"}, ["NEWSPORTAL_STATE_BACKEND='mongo'", "sqlite"]),
        (["-a", "start_url=https://news.example.cn/"], {}, ["NEWSPORTAL_CONTACT is not set"]),
        (
            ["-a", "start_url=https://news.example.cn/"],
            {"NEWSPORTAL_CONTACT": "call me"},
            ["NEWSPORTAL_CONTACT='call me'", "mailto:"],
        ),
    ],
    ids=[
        "unknown_site",
        "unknown_argument",
        "bad_start_url",
        "unknown_setting",
        "bad_number",
        "bad_bool",
        "bad_backend",
        "no_contact",
        "bad_contact",
    ],
)
def test_bad_argument_or_setting_is_one_line_exit_64_and_leaves_nothing(
    tmp_path: Path, args: list[str], settings: dict[str, str], says: list[str]
):
    proc = run(crawl_cmd(tmp_path, "portal", *args, **settings))
    assert proc.returncode == 64, proc.stderr[-2000:]
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    for text in says:
        assert text in proc.stderr
    assert "Traceback" not in (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert not (tmp_path / "state").exists() and not (tmp_path / "output").exists()


def test_bad_argument_without_a_log_file_is_one_log_line_and_no_traceback(tmp_path: Path):
    proc = run(crawl_cmd(tmp_path, "portal", "-a", "site=nosuch", log=False))
    assert proc.returncode == 64
    assert "Traceback" not in proc.stderr and "pydantic" not in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if "site='nosuch'" in ln]) == 1
    assert not (tmp_path / "state").exists()


def test_unknown_spider_names_the_known_ones(tmp_path: Path):
    proc = run(crawl_cmd(tmp_path, "portl"))
    assert proc.returncode == 64
    assert "unknown spider 'portl' (did you mean portal?); known spiders: portal" in proc.stderr


# --- progress -----------------------------------------------------------------------------------


def test_progress_every_interval_visible_at_log_level_warning(tmp_path: Path, sample_server: LocalServer):
    proc = run(
        crawl_cmd(
            tmp_path,
            *sample(sample_server),
            LOG_LEVEL="WARNING",
            NEWSPORTAL_PROGRESS_INTERVAL="1",
            NEWSPORTAL_PROGRESS_LOG_LEVEL="WARNING",
            **SLOW,
        )
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    lines = [json.loads(m) for m in re.findall(r"WARNING: progress: (\{.*\})$", log, re.M)]
    assert len(lines) >= 3, log[-2000:]
    scraped = [line["stats"].get("item_scraped_count", 0) for line in lines]
    assert scraped == sorted(scraped) and scraped[-1] == sample_stories()  # the last line: at the close
    assert all(set(line) == {"delta", "stats"} for line in lines)


# --- who we are ---------------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    agents: list[str] = []

    def do_GET(self) -> None:
        self.agents.append(self.headers.get("User-Agent", ""))
        body = "<html><body><h1>首页</h1></body></html>".encode()
        self.send_response(200 if self.path != "/robots.txt" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[str]:
    """A server on 127.0.0.1 that records each request's User-Agent (``_Recorder.agents``)."""
    _Recorder.agents.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_user_agent_carries_the_contact(tmp_path: Path):
    contact = "mailto:ops@example.org"
    with recording_server() as url:
        run(crawl_cmd(tmp_path, "portal", "-a", f"start_url={url}", NEWSPORTAL_CONTACT=contact))
    assert _Recorder.agents  # robots.txt and the start page
    assert set(_Recorder.agents) == {f"newsportal/0.1 (news research crawler; +{contact})"}
