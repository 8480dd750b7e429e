"""Issue 12, the miscellaneous rows of the fault matrix: decoding that trusts the bytes over a wrong
header, nothing listening but the offline portal, a worker that exits quietly, the CLI on bad input.

Crawls are real ``scrapy crawl portal`` processes against tests/faultserver.py on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from newsportal.cli import main
from newsportal.workers import _worker_env
from tests.faultserver import FaultHandler, article_html, article_text, crawl_cli, fault_server, listing_html

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
    assert len(run.items) == 63  # the sample portal's articles (tests/test_sample_crawl.py)
    served = re.search(r"serving \S+ offline at http://127\.0\.0\.1:(\d+)/", run.log)
    assert served, run.log[-3000:]
    assert run.listeners == {("127.0.0.1", int(served.group(1)))}
    assert "Remote control" not in run.log and "remote_control" not in run.log
    assert "Telnet console listening" not in run.log
    assert not state_home.exists()  # no job file, no job directory
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
        for n in range(3):
            run = crawl_cli(
                tmp_path / f"run-{n}",
                spider_args={"start_url": server.base_url},
                settings={"NEWSPORTAL_EXTRACT_WORKERS": "1"},
                site_dir="generic",
            )
            assert (run.code, len(run.items)) == (0, 2), run.log[-3000:]
            assert clean_stderr(run) == ""
