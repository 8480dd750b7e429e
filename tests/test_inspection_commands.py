"""Scrapy's own commands in the project, as real processes against the sample portal on 127.0.0.1:
`scrapy shell` (a URL, a file:// URL, a saved page), `fetch`, `parse --spider portal`, `check` and
`bench` work, and write nothing under the output or state directory: run state belongs to
`scrapy crawl` alone (newsportal.commands). Each runs in an empty directory with the project's
settings and the default (relative) output/ and .newsportal/ paths."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsportal.localserver import LocalServer
from tests.conftest import ROOT, SAMPLE_PORTAL

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
TITLE_1001 = "青湾地铁三号线东延段今晨开始试运行"


def scrapy(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`scrapy ARGS` in cwd with the project's settings; its output and state paths are relative."""
    env = {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "newsportal.settings",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [SCRAPY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def written(cwd: Path) -> list[str]:
    """What a command left in its working directory besides the files the test put there."""
    return sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*") if not p.name.endswith(".html"))


def test_shell_url_gives_the_response_and_writes_nothing(tmp_path: Path, sample_server: LocalServer):
    url = f"{sample_server.base_url}a/1001_301.html"
    proc = scrapy(tmp_path, "shell", url, "-c", "response.css('h1::text').get()", "-s", "LOG_LEVEL=WARNING")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert TITLE_1001 in proc.stdout
    assert "Traceback" not in proc.stderr
    assert written(tmp_path) == []


@pytest.mark.parametrize("how", ["file_url", "saved_page"])
def test_shell_reads_a_saved_page(tmp_path: Path, how: str):
    page = tmp_path / "saved.html"
    shutil.copy(SAMPLE_PORTAL / "a" / "1001_301.html", page)
    target = page.as_uri() if how == "file_url" else "./saved.html"
    proc = scrapy(
        tmp_path, "shell", target, "-c", "response.css('h1::text').get()", "-s", "LOG_LEVEL=WARNING"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert TITLE_1001 in proc.stdout
    assert written(tmp_path) == []


def test_fetch_prints_the_page_and_writes_nothing(tmp_path: Path, sample_server: LocalServer):
    proc = scrapy(tmp_path, "fetch", "--nolog", f"{sample_server.base_url}a/1001_301.html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"<title>{TITLE_1001}" in proc.stdout
    assert written(tmp_path) == []


def test_parse_shows_the_cleaned_item_the_crawl_would_give(tmp_path: Path, sample_server: LocalServer):
    proc = scrapy(
        tmp_path, "parse", "--spider", "portal", "--nocolour", f"{sample_server.base_url}a/1001_301.html"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = proc.stdout.split("# Scraped Items")[1].split("# Requests")[0]
    assert f"'title': '{TITLE_1001}'" in items
    assert re.search(r"'content_hash': '[0-9a-f]{40}'", items)  # set by the crawl's cleaning
    assert "'site': 'sample'" in items
    assert "/a/1003_301.html" in proc.stdout.split("# Requests")[1]  # the related stories it follows
    assert written(tmp_path) == []


def test_parse_says_why_the_crawl_would_drop_a_page(tmp_path: Path, sample_server: LocalServer):
    proc = scrapy(tmp_path, "parse", "--spider", "portal", f"{sample_server.base_url}a/1012_301.html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "the crawl would drop" in proc.stderr and "no_title" in proc.stderr
    assert "'url'" not in proc.stdout.split("# Scraped Items")[1].split("# Requests")[0]


def test_parse_a_listing_shows_its_article_links(tmp_path: Path, sample_server: LocalServer):
    proc = scrapy(tmp_path, "parse", "--spider", "portal", f"{sample_server.base_url}news/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(re.findall(r"<GET \S+/a/\d+_\d+\.html>", proc.stdout)) >= 4
    assert written(tmp_path) == []


def test_check_passes_and_writes_nothing(tmp_path: Path):
    proc = scrapy(tmp_path, "check", "portal", "-s", "LOG_LEVEL=ERROR")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert (proc.stdout + proc.stderr).rstrip().endswith("OK")
    assert written(tmp_path) == []


def test_bench_crawls_its_server_unthrottled_and_writes_nothing(tmp_path: Path):
    proc = scrapy(tmp_path, "bench", "-s", "CLOSESPIDER_TIMEOUT=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    fetched = re.search(r"'response_received_count': (\d+)", proc.stderr)
    # politeness (DOWNLOAD_DELAY, AutoThrottle) would allow some 4 pages a second
    assert fetched and int(fetched.group(1)) > 40, proc.stderr[-3000:]
    assert written(tmp_path) == []


def test_fetch_says_who_we_are_too(tmp_path: Path):
    from tests.test_operator import _Recorder, recording_server

    with recording_server() as url:
        proc = scrapy(tmp_path, "fetch", "--nolog", url, "-s", "NEWSPORTAL_CONTACT=mailto:ops@example.org")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "newsportal/0.1 (news research crawler; +mailto:ops@example.org)" in _Recorder.agents
    assert written(tmp_path) == []


def test_a_mistyped_setting_is_refused_with_the_closest_name(tmp_path: Path, sample_server: LocalServer):
    proc = scrapy(tmp_path, "fetch", "--nolog", "-s", "NEWSPORTAL_INCREMENTL=False", sample_server.base_url)
    assert proc.returncode == 2  # Scrapy's usage error
    assert "unknown setting NEWSPORTAL_INCREMENTL (did you mean NEWSPORTAL_INCREMENTAL?)" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_inspection_switches_off_every_monitoring_extension_the_project_enables() -> None:
    """A look at a page is no run: whatever class runs Spidermon in the project's settings (now
    newsportal.monitoring.coverage.FieldCountingSpidermon), the inspection commands switch it off."""
    from scrapy.utils.project import get_project_settings

    from newsportal.commands import inspection_settings

    enabled = get_project_settings().getdict("EXTENSIONS")
    monitoring = [path for path in enabled if "spidermon" in path.lower() or ".monitoring." in path]
    assert "newsportal.monitoring.coverage.FieldCountingSpidermon" in monitoring
    settings = get_project_settings()
    inspection_settings(settings)
    assert {path: settings.getdict("EXTENSIONS")[path] for path in monitoring} == dict.fromkeys(monitoring)
