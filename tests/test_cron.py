"""Scheduled runs on real processes: `scrapy crawl portal` as cron starts it, against a copy of the
sample portal on 127.0.0.1 whose content changes between runs.

* incremental: run 1 gets everything; articles are added and one is edited; run 2 emits exactly the
  new and the changed ones; run 3 over an unchanged portal emits nothing and exits 0;
* no overlap: a second process started during a run exits 75 at once;
* resume: a run killed (SIGKILL, SIGTERM) mid-crawl and run again yields the full set exactly once;
* exit codes for runs that failed to do their job.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsportal.extensions.summary import EXIT_CODES
from newsportal.localserver import LocalServer
from tests.conftest import ROOT, SAMPLE_PORTAL

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
# A crawl slowed down on purpose (our loopback server is otherwise unthrottled), so that a test can
# act while it runs: ~90 requests one at a time, at least 50 ms apart.
SLOW = {
    "NEWSPORTAL_LOCAL_UNTHROTTLED": "False",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0.05",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
    "NEWSPORTAL_EXTRACT_WORKERS": "1",  # a worker process too: it must die with its crawl
}


@dataclass
class Run:
    code: int
    stderr: str
    log: str


class CronSite:
    """A changeable copy of the sample portal, its server, and the state/output of its runs."""

    def __init__(self, tmp: Path) -> None:
        self.portal = tmp / "portal"
        shutil.copytree(SAMPLE_PORTAL, self.portal)
        self.state = tmp / "state"
        self.output = tmp / "output"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.server = LocalServer(self.portal)

    def start(self, **settings: str) -> tuple[subprocess.Popen, Path]:
        """`scrapy crawl portal` as cron would start it, with its own log file."""
        log = self.logs / f"run-{len(list(self.logs.iterdir()))}.log"
        cmd = [SCRAPY, "crawl", "portal", "-a", "site=sample", "-a", f"start_url={self.server.base_url}"]
        values = {
            "NEWSPORTAL_STATE_DIR": str(self.state),
            "NEWSPORTAL_OUTPUT_DIR": str(self.output),
            "LOG_FILE": str(log),
            **settings,
        }
        for name, value in values.items():
            cmd += ["-s", f"{name}={value}"]
        log.touch()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc, log

    def run(self, **settings: str) -> Run:
        proc, log = self.start(**settings)
        _, stderr = proc.communicate(timeout=240)
        return Run(proc.returncode, stderr, log.read_text(encoding="utf-8") if log.exists() else "")

    def feeds(self) -> list[Path]:
        """The published feeds, oldest run first."""
        return sorted((self.output / "sample").glob("*.jsonl"))

    def items(self, feed: Path) -> list[dict]:
        return [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()]

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def site(tmp_path: Path):
    s = CronSite(tmp_path)
    yield s
    s.close()


def _path(url: str) -> str:
    return urlsplit(url).path


def _manifest_paths() -> set[str]:
    manifest = json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))
    return {a["path"] for a in manifest["articles"]}


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the crawl")
        time.sleep(0.05)


# --- editing the portal between runs ------------------------------------------------------------

NEW_STORIES = {
    "/a/2001_399.html": (
        "青湾港新开两条内贸集装箱航线",
        ["港务集团宣布，本月起新开通至北部湾和长江中游的两条内贸集装箱航线，每周各两班。",
         "新航线投入两艘千标箱级船舶，预计每年可新增吞吐量六万标准箱，主要运送建材、粮食和日用品。",
         "港口方面表示，航线开通后，周边企业的货物不必再绕道邻近港口中转，物流成本有望下降一成。"],
    ),
    "/a/2002_399.html": (
        "市图书馆夜间开放时间延长至晚十点",
        ["从下周一起，市图书馆主馆的夜间开放时间由晚八点延长至晚十点，周末照常开放。",
         "馆方介绍，延时服务开放二楼阅览区和自习区，新增座位三百个，读者凭读者证即可入馆。",
         "不少年轻读者表示，下班后终于有了安静的学习去处，希望分馆也能尽快跟进。"],
    ),
}  # fmt: skip
EDITED = "/a/1014_307.html"  # dated "1小时前": young, so the refresh policy fetches it again
EDIT_LINE = "（更新）记者傍晚从市房地产交易中心获悉，三月上旬成交量仍在上涨。"


def _add_story(portal: Path, path: str, title: str, paragraphs: list[str]) -> None:
    """A new article page made from an existing one, listed first on the 新闻 channel's page 1."""
    template = (portal / "a" / "1001_301.html").read_text(encoding="utf-8")
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    editor = r'(<article class="article" id="mp-editor">).*?(</article>)'
    page = re.sub(editor, rf"\g<1>\n{body}\g<2>", template, flags=re.S)
    page = re.sub(r"(<h1>).*?(</h1>)", rf"\g<1>{title}\g<2>", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", f"<title>{title}_搜狐</title>", page)
    page = page.replace("/a/1001_301.html", path)
    (portal / path.lstrip("/")).write_text(page, encoding="utf-8")
    listing = portal / "news" / "index.html"
    html = listing.read_text(encoding="utf-8")
    html = html.replace("<li>", f'<li><h4><a href="{path}">{title}</a></h4></li>\n<li>', 1)
    listing.write_text(html, encoding="utf-8")


def _edit_story(portal: Path, path: str) -> None:
    page = portal / path.lstrip("/")
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</article>", f"<p>{EDIT_LINE}</p>\n</article>", 1), encoding="utf-8")


# --- the tests ---------------------------------------------------------------------------------


def test_second_run_emits_exactly_the_new_and_the_changed_articles(site: CronSite):
    first = site.run()
    assert first.code == 0, first.stderr[-2000:]
    (feed1,) = site.feeds()
    assert {_path(i["url"]) for i in site.items(feed1)} == _manifest_paths()

    for path, (title, paragraphs) in NEW_STORIES.items():
        _add_story(site.portal, path, title, paragraphs)
    _edit_story(site.portal, EDITED)
    second = site.run()
    assert second.code == 0, second.stderr[-2000:]
    feed2 = site.feeds()[-1]
    items = {_path(i["url"]): i for i in site.items(feed2)}
    assert set(items) == {*NEW_STORIES, EDITED}
    assert items[EDITED]["version"] == 2 and items[EDITED]["updated_at"]
    assert items[EDITED]["body"].endswith(EDIT_LINE)
    assert all(items[p]["version"] == 1 and items[p]["updated_at"] is None for p in NEW_STORIES)
    stats = json.loads(feed2.with_name(feed2.name.replace(".jsonl", ".stats.json")).read_text())
    assert stats["newsportal/skipped/stored"] > 0  # stored articles were not fetched again
    assert stats["newsportal/refresh/updated"] == 1
    assert stats["newsportal/exit_code"] == 0
    assert "newsportal summary:" in second.log and "articles=3 " in second.log

    third = site.run()
    assert third.code == 0
    assert site.items(site.feeds()[-1]) == []  # an unchanged portal: nothing new, a clean exit
    assert "articles=0 " in third.log and "exit=0 (ok)" in third.log


def test_second_run_while_one_holds_the_lock_exits_75_at_once(site: CronSite):
    # slower still: the first run must outlive the second's whole start-up on a loaded machine
    proc, _ = site.start(**{**SLOW, "DOWNLOAD_DELAY": "0.3"})
    try:
        lock = site.state / "locks"
        _wait_for(lambda: lock.is_dir() and any(p.read_text() for p in lock.glob("*.lock")))
        started = time.monotonic()
        second = site.run()
        assert second.code == EXIT_CODES["lock_held"] == 75
        assert "another run holds" in second.log and second.stderr == ""  # quiet for cron
        assert time.monotonic() - started < 30
        assert proc.poll() is None  # the first run goes on
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
        assert proc.returncode == EXIT_CODES["interrupted"]  # stopped before it finished
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # the lock died with the process: the next run takes it
    assert site.run().code == 0


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_run_stopped_mid_crawl_and_resumed_yields_every_article_exactly_once(site: CronSite, stop):
    proc, _ = site.start(**SLOW)
    part_dir = site.output / "sample"

    def written() -> int:
        parts = list(part_dir.glob("*.jsonl.part")) if part_dir.is_dir() else []
        return sum(p.read_bytes().count(b"\n") for p in parts)

    try:
        _wait_for(lambda: written() >= 12)
        workers = _children(proc.pid)  # extraction worker processes
        print(f"extraction workers: {workers}")
        proc.send_signal(stop)
        proc.communicate(timeout=120)
        # no worker outlives its crawl, however the crawl ended
        _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    resumed = site.run()
    assert resumed.code == 0, resumed.stderr[-2000:]
    emitted = Counter(_path(item["url"]) for feed in site.feeds() for item in site.items(feed))
    expected = _manifest_paths()
    duplicated = sorted(p for p, n in emitted.items() if n > 1)
    lost = sorted(expected - set(emitted))
    extra = sorted(set(emitted) - expected)
    report = (
        f"expected={len(expected)} written={sum(emitted.values())} "
        f"duplicated={len(duplicated)} lost={len(lost)}"
    )
    print(f"kill-and-resume ({signal.Signals(stop).name}): {report}")
    assert (duplicated, lost, extra) == ([], [], []), report
    assert not list(part_dir.glob("*.part")), "a feed was left half-written"
    assert len(site.feeds()) == 2


def _children(pid: int) -> list[int]:
    """Live child processes of pid (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_portal_exits_69(tmp_path: Path):
    cmd = [
        SCRAPY, "crawl", "portal", "-a", f"start_url=http://127.0.0.1:{_free_port()}/",
        "-s", f"NEWSPORTAL_STATE_DIR={tmp_path / 'state'}", "-s", f"NEWSPORTAL_OUTPUT_DIR={tmp_path / 'out'}",
        "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=5",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_CODES["unreachable"] == 69
    assert "(unreachable)" in proc.stderr


def test_listings_without_article_links_exit_65(tmp_path: Path):
    """A layout change: the listing pages come back, but no article link is on them. (A bot wall
    exits 65 too, with its own verdict: test_faults_polite.py.)"""
    portal = tmp_path / "redesigned"
    (portal / "news").mkdir(parents=True)
    page = "<html><body><h1>新版首页</h1><p>栏目调整中，敬请期待。</p><a href='/news/'>新闻</a></body></html>"
    (portal / "index.html").write_text(page, encoding="utf-8")
    (portal / "news" / "index.html").write_text(page, encoding="utf-8")
    with LocalServer(portal) as server:
        cmd = [
            SCRAPY, "crawl", "portal", "-a", "site=sample", "-a", f"start_url={server.base_url}",
            "-s", f"NEWSPORTAL_STATE_DIR={tmp_path / 'state'}",
            "-s", f"NEWSPORTAL_OUTPUT_DIR={tmp_path / 'out'}",
        ]  # fmt: skip
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_CODES["no_article_links"] == 65
    assert "(no_article_links)" in proc.stderr


def test_bad_spider_argument_exits_64_with_the_known_sites(tmp_path: Path):
    cmd = [SCRAPY, "crawl", "portal", "-a", "site=nope", "-s", f"NEWSPORTAL_STATE_DIR={tmp_path}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_CODES["bad_arguments"] == 64
    assert "unknown site 'nope'" in proc.stderr and "sample" in proc.stderr
