"""Waiting as the server asks, and verdicts that tell the truth: real `scrapy crawl` runs against the
hostile server of tests/faultserver.py.

* 429 / 503 with Retry-After (seconds or an HTTP-date): nothing reaches the domain again before the
  time asked; a longer wait than NEWSPORTAL_MAX_RETRY_AFTER is cut to it and counted;
* robots.txt Crawl-delay: requests to the domain at least that far apart, with 4 allowed at once and
  AutoThrottle on; capped by NEWSPORTAL_MAX_CRAWL_DELAY;
* robots.txt Disallow: counted apart, never an error, the run exits 0;
* a bot wall served with 200 on every article: exit 65, verdict bot_wall, named in the summary;
* a redirect loop, a redirect to a closed port, a plain redirect: the resume journal ends empty and
  the next run resumes nothing.

Times asserted are lower bounds on the gap between two requests at the server, from its request log
(monotonic clock), never the duration of a run.
"""

from __future__ import annotations

import itertools
import math
import socket
import sqlite3
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from newsportal.extensions.pacing import retry_after_seconds
from tests.faultserver import FaultHandler, FaultServer, article_html, crawl_cli, fault_server, listing_html

FAST = {"NEWSPORTAL_EXTRACT_WORKERS": "0"}  # extraction in the crawl's process: a quicker start
PACED = {  # a fixed download delay on our loopback server
    "NEWSPORTAL_LOCAL_UNTHROTTLED": "False",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0.3",
    "DOWNLOAD_DELAY_JITTER": "0",
}


def _page(html: str, **kw):
    return lambda h: h.send_page(html, **kw)


def _robots(text: str):
    return lambda h: h.send_page(text, content_type="text/plain")


def _first_then(first, then):
    """A route that answers its first request with first, every later one with then."""
    calls: list[float] = []

    def route(h: FaultHandler) -> None:
        calls.append(time.time())
        (first if len(calls) == 1 else then)(h)

    route.calls = calls  # type: ignore[attr-defined]
    return route


def _site(server: FaultServer, articles: dict[str, object]) -> None:
    """A home listing linking every article path; each article route as given (a route or a title)."""
    server.routes["/"] = _page(listing_html(list(articles)))
    for path, route in articles.items():
        server.routes[path] = route if callable(route) else _page(article_html(str(route)))


def _crawl(tmp_path: Path, server: FaultServer, **settings: str):
    return crawl_cli(
        tmp_path,
        spider_args={"start_url": server.base_url},
        settings={**FAST, **settings},
        site_dir="generic",
        timeout=120,
    )


def _journal_rows(tmp_path: Path) -> int:
    """Rows left in the resume journal(s) under the run's state dir."""
    rows = 0
    for path in (tmp_path / "state" / "journal").glob("*.sqlite"):
        with sqlite3.connect(path) as db:
            rows += db.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
    return rows


def _errors(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if k.startswith("newsportal/errors/")}


# --- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        (b" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (formatdate(1_790_000_030, usegmt=True), 30.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),  # in the past: no wait
        ("-5", None),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_values_in_seconds_or_http_date(value, expected):
    assert retry_after_seconds(value, now=1_790_000_000) == expected


def test_429_retry_after_holds_every_request_to_the_domain_for_the_seconds_asked(tmp_path: Path):
    limited = _first_then(
        _page("<html><body>slow down</body></html>", status=429, headers={"Retry-After": "2"}),
        _page(article_html("限流之后的文章")),
    )
    with fault_server() as server:
        _site(server, {"/a/limited01": limited, "/a/second02": "第二篇文章", "/a/third003": "第三篇文章"})
        # one request every 0.3 s, as on a portal: without the hold, the next article would follow
        # the 429 that soon (with no delay at all Scrapy sends every queued request at once)
        run = _crawl(tmp_path, server, **PACED)
        first = next(h for h in server.log if h.path == "/a/limited01")
        later = [h for h in server.log if h.time > first.time]
    # the retry and the other articles waiting behind it: none before the 2 s asked
    assert later and min(h.time for h in later) - first.time >= 2.0
    assert [h.path for h in later].count("/a/limited01") == 1  # retried once
    assert run.code == 0, run.stdout + run.log[-3000:]
    assert len(run.items) == 3
    assert run.stat("newsportal/retry_after/waits") == 1
    assert run.stat("retry/count") == 1


def test_503_retry_after_http_date_is_waited_for(tmp_path: Path):
    asked: list[float] = []

    def unavailable(h: FaultHandler) -> None:
        asked.append(math.floor(time.time()) + 3)  # a whole second: HTTP-dates have no fractions
        h.send_page("<html><body>maintenance</body></html>", status=503,
                    headers={"Retry-After": formatdate(asked[-1], usegmt=True)})  # fmt: skip

    route = _first_then(unavailable, _page(article_html("维护之后的文章")))
    with fault_server() as server:
        _site(server, {"/a/maintain1": route, "/a/other0001": "另一篇文章"})
        run = _crawl(tmp_path, server)
    first, retry = route.calls[:2]
    assert asked[0] - first >= 2.0
    assert retry >= asked[0]  # not before the date the server named
    assert run.code == 0, run.stdout + run.log[-3000:]
    assert len(run.items) == 2
    assert run.stat("newsportal/retry_after/waits") == 1


def test_retry_after_beyond_the_cap_waits_the_cap_and_is_counted(tmp_path: Path):
    limited = _first_then(
        _page("<html><body>come back tomorrow</body></html>", status=429, headers={"Retry-After": "86400"}),
        _page(article_html("上限之后的文章")),
    )
    with fault_server() as server:
        _site(server, {"/a/capped001": limited, "/a/other0002": "另一篇文章二"})
        run = _crawl(tmp_path, server, NEWSPORTAL_MAX_RETRY_AFTER="1.5")
        hits = [h.time for h in server.log if h.path == "/a/capped001"]
    assert len(hits) == 2 and hits[1] - hits[0] >= 1.5
    assert run.code == 0, run.stdout + run.log[-3000:]
    assert len(run.items) == 2
    assert run.stat("newsportal/retry_after/capped") == 1
    assert "Retry-After 86400" in run.log and "/a/capped001" in run.log


# --- robots.txt ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("asked", "cap", "gap"), [("1", "30", 1.0), ("3600", "0.8", 0.8)])
def test_crawl_delay_spaces_requests_to_the_domain_even_with_autothrottle_and_4_at_once(
    tmp_path: Path, asked: str, cap: str, gap: float
):
    with fault_server() as server:
        server.routes["/robots.txt"] = _robots(f"User-agent: *\nCrawl-delay: {asked}\n")
        _site(server, {f"/a/slow{i:04d}": f"慢速文章{i}" for i in range(4)})
        run = _crawl(
            tmp_path,
            server,
            NEWSPORTAL_MAX_CRAWL_DELAY=cap,
            NEWSPORTAL_LOCAL_UNTHROTTLED="False",  # AutoThrottle and DOWNLOAD_DELAY on, as on a portal
            AUTOTHROTTLE_START_DELAY="0.1",
            DOWNLOAD_DELAY="0.1",
            CONCURRENT_REQUESTS_PER_DOMAIN="4",
        )
        times = [h.time for h in server.log if h.path != "/robots.txt"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # a few ms of slack: the delay is kept between the starts of two downloads at the client, and a
    # new connection may take a little longer to arrive than a reused one
    assert len(times) == 5 and min(gaps) >= gap - 0.02, gaps
    assert run.code == 0, run.stdout + run.log[-3000:]
    assert len(run.items) == 4
    assert run.stat("newsportal/crawl_delay/domains") == 1
    assert run.stat("newsportal/crawl_delay/capped") == (1 if float(asked) > float(cap) else 0)


def test_robots_disallowed_links_are_counted_apart_never_errors(tmp_path: Path):
    with fault_server() as server:
        server.routes["/robots.txt"] = _robots("User-agent: *\nDisallow: /a/private\nDisallow: /secret/\n")
        articles = {f"/a/public{i:03d}": f"公开文章{i}" for i in range(3)}
        articles |= {f"/a/private{i:03d}": f"内部文章{i}" for i in range(3)}
        _site(server, articles)
        server.routes["/"] = _page(listing_html([*articles, "/secret/index.html"]))
        run = _crawl(tmp_path, server)
        fetched = {h.path for h in server.log}
    assert run.code == 0, run.stdout + run.log[-3000:]
    assert "exit=0 (ok)" in run.log  # with LOG_FILE, a run ending 0 prints nothing
    assert len(run.items) == 3
    assert not any(p.startswith(("/a/private", "/secret/")) for p in fetched)
    assert run.stat("newsportal/robots/disallowed") == 4  # three articles and a listing
    assert run.stat("robotstxt/forbidden") == 4
    assert _errors(run.stats) == {} and "errors=0" in run.log
    assert _journal_rows(tmp_path) == 0


# --- bot walls ----------------------------------------------------------------------------------------

WALLS = {
    "captcha": "<html><head><title>安全验证</title></head><body><h2>请输入验证码</h2>"
    "<form><img src='/captcha.jpg'><input name='code'><button>提交</button></form></body></html>",
    "rate_limited": "<html><head><title>提示</title></head><body><p>访问过于频繁，请稍后再试。</p>"
    "</body></html>",
    "js_challenge": "<html><head><script>document.cookie='__jsl=8f1c; path=/';"
    "location.reload();</script></head><body></body></html>",
    "english": "<html><head><title>Just a moment...</title></head><body><p>Checking your browser before "
    "accessing the site.</p><noscript>Please enable JavaScript and cookies to continue</noscript>"
    "</body></html>",
}


def test_bot_wall_on_every_article_exits_65_with_the_verdict_named(tmp_path: Path):
    with fault_server() as server:
        _site(server, {f"/a/walled{i:03d}": _page(html) for i, html in enumerate(WALLS.values())})
        run = _crawl(tmp_path, server)
    assert run.code == 65, run.stdout + run.log[-3000:]
    assert run.items == []
    assert run.stats["newsportal/verdict"] == "bot_wall"
    assert run.stat("newsportal/pages/bot_wall") == len(WALLS)
    assert f"bot_walls={len(WALLS)}" in run.stderr and "exit=65 (bot_wall)" in run.stderr  # one line
    assert "bot walls" in run.log and "/a/walled000" in run.log  # the log says so, and names pages
    assert _journal_rows(tmp_path) == 0


# --- redirects and the resume journal -----------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redirect(location: str, status: int = 302):
    return lambda h: h.send_page("", status=status, headers={"Location": location})


def test_redirect_loops_and_dead_redirects_finish_their_journal_entries_and_are_never_resumed(
    tmp_path: Path,
):
    good = {f"/a/good{i:04d}": f"正常文章{i}" for i in range(8)}
    faults = {
        # a loop within one request's chain: A → B → A
        "/a/loop0001": _redirect("/a/loop0002"),
        "/a/loop0002": _redirect("/a/loop0001"),
        # a loop across two requests, both linked: A → B on A's request, B → A on B's own
        "/a/ring0001": _redirect("/a/ring0002"),
        "/a/ring0002": _redirect("/a/ring0001"),
        # a redirect to a port nobody listens on
        "/a/dead0001": _redirect(f"http://127.0.0.1:{_closed_port()}/a/gone0001"),
        # a plain permanent redirect: the story is emitted, its first URL must not stay pending
        "/a/moved001": _redirect("/a/target01", 301),
        "/a/target01": _page(article_html("搬家文章")),
    }
    linked = [*good, "/a/loop0001", "/a/ring0001", "/a/ring0002", "/a/dead0001", "/a/moved001"]
    with fault_server() as server:
        _site(server, good)
        server.routes.update(faults)
        server.routes["/"] = _page(listing_html(linked))
        # redirects are the point here, not hosts: the closed port is on loopback, which the URL
        # guard would refuse before the redirect could go dead (its own test is in test_faults_urls)
        first = _crawl(tmp_path, server, NEWSPORTAL_ALLOW_PRIVATE_HOSTS="True")
        left = _journal_rows(tmp_path)
        second = _crawl(tmp_path, server, NEWSPORTAL_ALLOW_PRIVATE_HOSTS="True")
    assert left == 0  # nothing pending: every article request was finished, one way or another
    assert first.stat("newsportal/journal/pending") == 0
    assert second.stat("newsportal/resumed") == 0 and "resuming" not in second.log
    assert first.code == 0, first.stdout + first.log[-3000:]
    assert sorted(i["url"].rsplit("/", 1)[1] for i in first.items) == sorted(
        [p.rsplit("/", 1)[1] for p in good] + ["target01"]
    )
    assert first.stat("newsportal/errors/redirect") == 3  # two loops and the dead target
    assert first.stat("newsportal/errors/article_fetch") == 0
    assert "redirect loop" in first.log and "/a/dead0001" in first.log
    assert second.stat("newsportal/errors/redirect") == 3  # the same faults, counted again
    assert _journal_rows(tmp_path) == 0
