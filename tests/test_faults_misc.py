"""Issue 12, the miscellaneous rows of the fault matrix: decoding that trusts the bytes over a wrong
header, nothing listening but the offline portal, a worker that exits quietly, the CLI on bad input.

Crawls are real ``scrapy crawl portal`` processes against tests/faultserver.py on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from newsportal.cli import main
from newsportal.workers import _worker_env
from tests.faultserver import (
    ROOT,
    SCRAPY,
    FaultHandler,
    article_html,
    article_text,
    crawl_cli,
    fault_server,
    listing_html,
)

LATIN1 = "text/html; charset=iso-8859-1"
GBK_TITLE = "郑州地铁新线今日开通试运营"


def gbk_page(html: str) -> bytes:
    return html.replace('<meta charset="utf-8">', '<meta charset="gbk">').encode("gbk")


def clean_stderr(run) -> str:
    """The crawl's stderr, asserted free of tracebacks (cron mails whatever a run prints there)."""
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "Exception ignored" not in run.stderr, run.stderr[-3000:]
    return run.stderr


# --- 1. a header charset that disagrees with the bytes ---------------------------------------------


def test_gbk_article_under_an_iso_8859_1_header_is_emitted_with_its_chinese_title_and_body(tmp_path):
    article = gbk_page(article_html(GBK_TITLE))
    routes = {
        "/": lambda h: h.send_page(listing_html(["/story/gbk"])),
        # no URL shape: the page is judged by its content, which mojibake made "other"
        "/story/gbk": lambda h: h.send_page(article, content_type=LATIN1),
    }
    with fault_server(routes) as server:
        run = crawl_cli(tmp_path, spider_args={"start_url": server.base_url}, site_dir="generic")
    assert run.code == 0, run.log[-3000:]
    assert [item["title"] for item in run.items] == [GBK_TITLE]
    assert run.items[0]["body"].split("\n") == article_text(GBK_TITLE)
    assert run.items[0]["published_at"] == "2026-03-14T20:02:00+08:00"
    assert run.stat("newsportal/pages/article") == 1
    assert run.stat("newsportal/unknown/other") == 0
    clean_stderr(run)


def test_gbk_listing_under_an_iso_8859_1_header_gives_its_chinese_links(tmp_path):
    titles = [f"{GBK_TITLE}{n}" for n in range(3)]
    links = [f"/新闻/2026-03-14/{n}.html" for n in range(3)]  # Chinese in the path: mojibake → 404

    def article(handler: FaultHandler) -> None:
        n = int(handler.path.rsplit("/", 1)[1].split(".")[0])
        handler.send_page(gbk_page(article_html(titles[n])), content_type=LATIN1)

    routes = {
        "/": lambda h: h.send_page(gbk_page(listing_html(links)), content_type=LATIN1),
        quote("/新闻/") + "*": article,
    }
    with fault_server(routes) as server:
        run = crawl_cli(tmp_path, spider_args={"start_url": server.base_url}, site_dir="generic")
        fetched = sorted(hit.path for hit in server.hits("/%"))
    assert run.code == 0, run.log[-3000:]
    assert sorted(item["title"] for item in run.items) == titles
    assert fetched == [quote(link) for link in links]
    assert run.stat("newsportal/errors/page_fetch") == run.stat("newsportal/errors/article_fetch") == 0
    clean_stderr(run)


# --- 2. nothing listens but the offline sample portal ------------------------------------------------


def test_a_crawl_listens_on_nothing_but_its_sample_portal_on_loopback_and_writes_no_token_file(tmp_path):
    state_home = tmp_path / "xdg-state"  # where Scrapy's remote control would write its job files
    run = crawl_cli(
        tmp_path,
        settings={"NEWSPORTAL_EXTRACT_WORKERS": "1"},
        site_dir="sample",
        env={"XDG_STATE_HOME": str(state_home)},
        watch_listeners=True,
    )
    assert run.code == 0, run.log[-3000:]
    manifest = json.loads((ROOT / "samples" / "portal" / "manifest.json").read_text(encoding="utf-8"))
    assert len(run.items) == len(manifest["articles"])  # the sample portal's articles (test_sample_crawl.py)
    served = re.search(r"serving \S+ offline at http://127\.0\.0\.1:(\d+)/", run.log)
    assert served, run.log[-3000:]
    assert run.listeners == {("127.0.0.1", int(served.group(1)))}
    assert "Remote control" not in run.log and "remote_control" not in run.log
    assert "Telnet console listening" not in run.log
    assert not state_home.exists()  # no job file, no job directory
    clean_stderr(run)


def test_with_remote_control_turned_on_a_killed_crawls_token_file_is_removed_by_the_next_crawl(tmp_path):
    """An operator may turn the endpoint on: it then listens on loopback only, and the token file a
    kill -9 leaves behind is removed by the next crawl (Scrapy alone keeps it for good)."""
    jobs = tmp_path / "jobs"
    on = {
        "REMOTE_CONTROL_ENABLED": "True",
        "REMOTE_CONTROL_JOBS_DIR": str(jobs),
        "NEWSPORTAL_EXTRACT_WORKERS": "0",  # not the point here
    }
    routes = {
        "/": lambda h: h.send_page(listing_html(["/slow/1.html"])),
        "/slow/*": lambda h: (time.sleep(20), h.send_page(article_html("慢新闻"))),
    }
    with fault_server(routes) as server:
        cmd = [SCRAPY, "crawl", "portal", "-a", f"start_url={server.base_url}"]
        for name, value in {**on, "NEWSPORTAL_STATE_DIR": str(tmp_path / "s1"), "LOG_LEVEL": "INFO"}.items():
            cmd += ["-s", f"{name}={value}"]
        killed = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not list(jobs.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        stale = list(jobs.glob("*.json"))
        killed.kill()
        killed.wait()
        assert [p.name.split("-")[0] for p in stale] == [str(killed.pid)]
        assert stale[0].exists()  # Scrapy left it: its stop never ran

        server.routes["/slow/*"] = lambda h: h.send_page(article_html("慢新闻"))
        run = crawl_cli(
            tmp_path, spider_args={"start_url": server.base_url}, settings=on, watch_listeners=True
        )
    assert run.code == 0, run.log[-3000:]
    assert [item["title"] for item in run.items] == ["慢新闻"]
    assert run.stat("newsportal/remote_control/stale_job_files_removed") == 1
    assert f"{stale[0].name}" in run.log and "Remote control HTTP server listening" in run.log
    assert not stale[0].exists() and list(jobs.iterdir()) == []  # and its own removed at its end
    assert {host for host, _port in run.listeners} == {"127.0.0.1"}
    clean_stderr(run)


# --- 3. the extraction worker exits quietly when its crawl has gone ---------------------------------


def worker(**kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsportal.workers"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_worker_env(),
        **kwargs,
    )


def test_a_worker_whose_crawl_closed_the_pipe_before_it_was_ready_exits_quietly():
    proc = worker()
    proc.stdout.close()  # the crawl ended before the worker's imports did
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_a_worker_whose_crawl_closed_the_pipe_while_it_answered_exits_quietly():
    proc = worker()
    proc.stdout.read(4)  # the "ready" frame's header: the worker is serving
    call = pickle.dumps(("call", "newsportal.pipelines.dedup:dedup_keys", ("正文" * 50_000,), {}))
    proc.stdout.close()  # the crawl goes away with a page in flight
    proc.stdin.write(len(call).to_bytes(4, "big") + call)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_a_worker_fed_garbage_still_dies_with_its_traceback():
    proc = worker()
    garbage = b"\x00\x00\x00\x05hello"
    _out, err = proc.communicate(garbage, timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" in err and b"UnpicklingError" in err


def test_normal_runs_with_a_worker_print_no_traceback(tmp_path):
    """A short crawl (two articles) ends before its worker has done its imports: the worker's
    "ready" met a closed pipe and printed a BrokenPipeError traceback, every time. (The sample
    portal's crawl with a worker is asserted clean in the listening-socket test above.)"""
    routes = {
        "/": lambda h: h.send_page(listing_html(["/a/1.html", "/a/2.html"])),
        "/a/*": lambda h: h.send_page(article_html("短新闻" + h.path)),
    }
    with fault_server(routes) as server:
        for n in range(2):
            run = crawl_cli(
                tmp_path / f"run-{n}",
                spider_args={"start_url": server.base_url},
                settings={"NEWSPORTAL_EXTRACT_WORKERS": "1"},
                site_dir="generic",
            )
            assert (run.code, len(run.items)) == (0, 2), run.log[-3000:]
            assert clean_stderr(run) == ""


# --- 4. the CLI on bad input -----------------------------------------------------------------------


def good_run(directory: Path) -> Path:
    """A run file with one valid article (as a crawl writes it)."""
    record = {
        "url": "http://127.0.0.1/a/1.html",
        "canonical_url": "http://127.0.0.1/a/1.html",
        "site": "generic",
        "title": GBK_TITLE,
        "body": "\n".join(article_text(GBK_TITLE)),
        "published_at": "2026-03-14T20:02:00+08:00",
        "crawled_at": "2026-03-15T10:00:00+08:00",
    }
    path = directory / "20260315T020000Z.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["export", "report"])
def test_an_output_that_is_a_directory_is_a_one_line_error_exit_2(command, tmp_path, capsys):
    run_file = good_run(tmp_path)
    target = tmp_path / ("corpus.jsonl" if command == "export" else "report.html")
    target.mkdir()
    argv = (
        ["export", str(target), str(run_file)]
        if command == "export"
        else ["report", str(run_file), "-o", str(target)]
    )
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    example = target / target.name  # corpus.jsonl / report.html
    assert err == [f"newsportal {command}: {target}: is a directory; give a file name, such as {example}"]
    assert list(target.iterdir()) == [] and not list(tmp_path.glob("*.partial"))


def test_an_output_under_a_file_is_a_one_line_error_exit_2(tmp_path, capsys):
    run_file = good_run(tmp_path)
    assert main(["export", str(run_file / "sub" / "c.jsonl"), str(run_file)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"newsportal export: {run_file / 'sub' / 'c.jsonl'}: {run_file} is not a directory"]


def test_random_bytes_are_one_not_json_lines_problem_with_the_reason(tmp_path, capsys):
    good = good_run(tmp_path)
    noise = tmp_path / "noise.jsonl"
    noise.write_bytes(b"\xfc\x83" + os.urandom(20_000))  # 20 kB of noise: ~80 "lines" before
    assert main(["export", str(tmp_path / "c.jsonl"), str(good), str(noise)]) == 0
    printed = capsys.readouterr().out
    assert "skipped 1 bad inputs (not JSON Lines=1)" in printed
    assert f"{noise}: not JSON Lines (not UTF-8 text: byte 0xfc at offset 0)" in printed
    assert "truncated last line" not in printed and "invalid JSON" not in printed
    assert len((tmp_path / "c.jsonl").read_text("utf-8").splitlines()) == 1


def test_a_gz_that_is_not_gzip_is_not_json_lines(tmp_path, capsys):
    fake = tmp_path / "run.jsonl.gz"
    fake.write_bytes(b"PK\x03\x04" + os.urandom(2000))  # a zip under a .gz name
    packed_noise = tmp_path / "noise.jsonl.gz"
    packed_noise.write_bytes(gzip.compress(b"\x00\x01\x02" + os.urandom(2000)))
    assert main(["export", str(tmp_path / "c.jsonl"), str(fake), str(packed_noise)]) == 1
    out, err = capsys.readouterr()
    assert f"{fake}: not JSON Lines (not gzip: Not a gzipped file (b'PK'))" in out
    assert f"{packed_noise}: not JSON Lines (binary data: a NUL byte at offset 0)" in out
    assert "no valid records read" in err and not (tmp_path / "c.jsonl").exists()


def test_text_that_is_bad_json_is_still_reported_line_by_line(tmp_path, capsys):
    run_file = good_run(tmp_path)
    with run_file.open("a", encoding="utf-8") as f:
        f.write("这不是 JSON\n" + '{"url": "http://x", "title": "半行')
    with gzip.open(tmp_path / "cut.jsonl.gz", "wb") as f:
        f.write(run_file.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(cut.read_bytes()[:-12])  # a gzip cut off by a crash
    assert main(["export", str(tmp_path / "c.jsonl"), str(run_file), str(cut)]) == 0
    printed = capsys.readouterr().out
    assert f"{run_file}:2: invalid JSON" in printed
    assert f"{run_file}:3: truncated last line" in printed
    assert f"{cut}:" in printed and "not JSON Lines" not in printed
