"""Fault matrix, sizes, trees and memory: no page can exhaust memory or crash the run.

Each crawl test serves a hostile page from ``tests/faultserver.py`` beside ordinary articles and
asserts the stats, the exit code, the items and the peak RSS of the crawl's process tree.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from faultserver import (
    _CHARS,
    CliRun,
    FaultServer,
    Route,
    article_html,
    article_text,
    crawl_cli,
    fault_server,
    gzip_zeros,
    listing_html,
)

from newsportal.state.signature import NUM_PERM, fold, near_signature, shingle_ids

# --- the near-duplicate signature: memory bounded, values unchanged ---------------------------------


def _random_body(chars: int) -> str:
    rnd = random.Random(chars)
    return "".join(rnd.choices(_CHARS + "，。", k=chars))


# SHA-1 of the stored signature of each body, computed by the signature code before its memory fix
# (one shingles × permutations matrix): signatures kept in users' state files must still match.
_STORED_BEFORE = {
    "empty": ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    "two": ("新闻", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    "three": ("新闻稿", "982a8a26f942d72290193284037358476755411a"),
    "ascii": ("Hello, World! The quick brown fox 2026.", "f36ebe8ff1f0093d1a46c3c3357808326422fd80"),
    "mixed": (
        "\u3000\u3000新华社北京3月14日电（记者　张三）ＡＢＣ１２３ zero\u200bwidth\n第二段。",
        "6cb1088c5214c3ea0679739f7260dad0062e39eb",
    ),
    "article": ("\n".join(article_text("签名一", 6)), "2e125cbed28702e4a9dd170d5b0b0c79f85ef7dd"),
    "repeated": ("重复的句子。" * 500, "3082265cd0f1bcd703834fd4a5a0946e993ff8ec"),
    "long": ("\n".join(article_text("签名长", 400)), "51780c6a3ee7f66e02e3f94b40f6470fbc198816"),
    "100k": (_random_body(100_000), "2c751dfd046b9041dd4bfe8620205ec6d6b719c1"),
    "1M": (_random_body(1_000_000), "5b4024341ea47c2752c31716287f29a0172e6584"),
}


def _matrix_minhash(body: str) -> bytes:
    """The signature as it was first written: every shingle × every permutation in one matrix."""
    from newsportal.state.signature import _MUL, _U64, _mix64

    ids = shingle_ids(fold(body))
    if ids.size == 0:
        return b""
    with np.errstate(over="ignore"):
        products = np.multiply.outer(_mix64(ids), _MUL)
    return (products.min(axis=0) >> _U64(32)).astype("<u4").tobytes()


@pytest.mark.parametrize("name", list(_STORED_BEFORE))
def test_signature_is_bit_identical_to_the_stored_signatures_of_earlier_versions(name: str) -> None:
    body, digest = _STORED_BEFORE[name]
    signature = near_signature(body)
    assert hashlib.sha1(signature.stored).hexdigest() == digest
    if len(body) <= 100_000:  # the matrix form costs ~770 bytes a character: small bodies only
        assert signature.stored == _matrix_minhash(body)
    assert len(signature.band_keys) == (32 if signature.stored else 0)


def test_signature_memory_grows_at_most_linearly_with_a_small_constant_per_character() -> None:
    peaks = {}
    for chars in (100_000, 1_000_000):
        body = _random_body(chars)
        tracemalloc.start()
        try:
            signature = near_signature(body)
            peaks[chars] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(signature.minhash) == NUM_PERM
    per_char = (peaks[1_000_000] - peaks[100_000]) / 900_000
    assert per_char < 50, f"{per_char:.0f} bytes a character ({peaks})"  # was ~770
    assert peaks[1_000_000] < 50 * 1_000_000


# --- crawls of a hostile server ----------------------------------------------------------------------

MB = 1024 * 1024
RSS_CEILING_MB = 400  # a crawl of a few pages stays far below this whatever a page weighs
# Plain articles beside the hostile pages: a refused page is one failed fetch among enough requests to
# stay under NEWSPORTAL_MAX_ERROR_RATE.
GOOD = [f"/a/2026/0314/{1001 + i}.html" for i in range(8)]


def _site(routes: dict, hostile: list[str]) -> dict:
    """The listing at / links the plain articles and the hostile pages; routes get the articles."""
    routes["/"] = lambda h: h.send_page(listing_html([*GOOD, *hostile]))
    for path in GOOD:
        routes[path] = lambda h, t=f"正常新闻{path[-9:-5]}": h.send_page(article_html(t))
    return routes


def _crawl(tmp_path: Path, server: FaultServer, **settings: str) -> CliRun:
    return crawl_cli(
        tmp_path, spider_args={"start_url": server.base_url}, settings=settings, site_dir="generic"
    )


def _assert_good_articles_emitted(run: CliRun) -> None:
    assert {i["title"] for i in run.items} >= {f"正常新闻{p[-9:-5]}" for p in GOOD}, run.log[-3000:]


def _paragraph_stream(total: int) -> Iterator[bytes]:
    """An article page of ``total`` bytes, produced 64 KiB at a time."""
    head = article_html("超大页面", paragraphs=1).split("</div></body>")[0].encode()
    chunk = ("<p>" + "".join(article_text("超大页面段落", 8)) + "</p>").encode()
    chunk = chunk * (64 * 1024 // len(chunk))
    yield head
    sent = len(head)
    while sent < total:
        piece = chunk[: total - sent]
        yield piece
        sent += len(piece)


def test_a_50_mb_page_is_cut_at_download_maxsize_counted_and_the_run_goes_on(tmp_path: Path) -> None:
    size = 50 * MB
    heavy = "/a/2026/0314/2003.html"  # 2 MiB of script: over DOWNLOAD_WARNSIZE, under DOWNLOAD_MAXSIZE
    routes = _site({}, ["/a/2026/0314/2001.html", "/a/2026/0314/2002.html", heavy])
    routes["/a/2026/0314/2001.html"] = lambda h: h.send_stream(_paragraph_stream(size))  # chunked
    routes["/a/2026/0314/2002.html"] = lambda h: h.send_stream(_paragraph_stream(size), length=size)
    script = "<script>var x = '" + "0" * (2 * MB) + "';</script>"
    routes[heavy] = lambda h: h.send_page(article_html("较大页面", extra=script))
    with fault_server(routes) as server:
        run = _crawl(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    _assert_good_articles_emitted(run)
    assert len(run.items) == len(GOOD) + 1  # the heavy page's article too, not the 50 MB ones
    assert max(len(i["body"]) for i in run.items) < 10_000
    assert run.stat("newsportal/limits/download_too_large") == 2
    assert run.stat("newsportal/limits/download_warnsize") == 1
    assert f"Large download: {server.url(heavy)} is " in run.log
    assert run.stats["newsportal/verdict"] == "ok"
    for path in ("/a/2026/0314/2001.html", "/a/2026/0314/2002.html"):
        assert f"Download too large (received): {server.url(path)}" in run.log
    assert run.peak_rss_mb < RSS_CEILING_MB


@pytest.fixture(scope="session")
def gzip_bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """~1 MB of gzip that inflates to 1 GiB of zeros, built once a test session."""
    return gzip_zeros(tmp_path_factory.getbasetemp() / "zeros-1gib.gz", 1024 * MB).read_bytes()


def test_a_gzip_bomb_stops_inflating_at_download_maxsize_counted_and_the_run_goes_on(
    tmp_path: Path, gzip_bomb: bytes
) -> None:
    bomb = "/a/2026/0314/3001.html"
    routes = _site({}, [bomb])
    routes[bomb] = lambda h: h.send_page(gzip_bomb, headers={"Content-Encoding": "gzip"})
    with fault_server(routes) as server:
        run = _crawl(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    _assert_good_articles_emitted(run)
    assert len(run.items) == len(GOOD)
    assert run.stat("newsportal/limits/download_too_large") == 1
    assert f"Download too large (decompressed): {server.url(bomb)}" in run.log
    assert run.peak_rss_mb < RSS_CEILING_MB


def _deep_article(title: str, depth: int = 1500) -> str:
    """An article whose paragraphs sit under ``depth`` unclosed <div>s."""
    page = article_html(title)
    return page.replace('<div class="article-content">', "<div>" * depth + '<div class="article-content">')


# A link whose host is a broken IPv6 literal: urllib raises ValueError resolving it (today in
# newsportal.urls.absolute, during extraction), a real way for a page to break extraction.
_BREAKS_EXTRACTION = article_html("坏链接新闻", extra='<a href="http://[broken/a/2026/0314/9.html">坏</a>')


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_page_of_1500_unclosed_divs_is_extracted_and_the_run_goes_on(tmp_path: Path, workers: str) -> None:
    deep = "/a/2026/0314/4001.html"
    routes = _site({}, [deep])
    routes[deep] = lambda h: h.send_page(_deep_article("深层嵌套新闻"))
    with fault_server(routes) as server:
        run = _crawl(tmp_path, server, NEWSPORTAL_EXTRACT_WORKERS=workers)
    assert run.code == 0, run.log[-3000:]
    _assert_good_articles_emitted(run)
    by_title = {i["title"]: i for i in run.items}
    assert by_title["深层嵌套新闻"]["body"].startswith("深层嵌套新闻：")  # its four paragraphs
    assert len(by_title["深层嵌套新闻"]["body"].split("\n")) == 4
    assert run.stat("newsportal/dropped/extraction_failed") == 0
    assert "RecursionError" not in run.log
    assert run.peak_rss_mb < RSS_CEILING_MB


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_page_that_breaks_extraction_is_dropped_counted_and_the_run_goes_on(
    tmp_path: Path, workers: str
) -> None:
    bad, deep = "/a/2026/0314/5001.html", "/a/2026/0314/5002.html"
    routes = _site({}, [bad, deep])
    routes[bad] = lambda h: h.send_page(_BREAKS_EXTRACTION)
    routes[deep] = lambda h: h.send_page(_deep_article("深层嵌套新闻"))
    with fault_server(routes) as server:
        run = _crawl(tmp_path, server, NEWSPORTAL_EXTRACT_WORKERS=workers)
    assert run.code == 0, run.log[-3000:]
    assert run.stats["newsportal/verdict"] == "ok"
    _assert_good_articles_emitted(run)
    titles = [i["title"] for i in run.items]
    assert "深层嵌套新闻" in titles
    # Extracted, should the link stop breaking extraction one day; else dropped, counted and logged.
    failed = run.stat("newsportal/dropped/extraction_failed")
    assert failed + titles.count("坏链接新闻") == 1
    if failed:
        assert f"Dropped extraction_failed: {server.url(bad)} (ValueError: " in run.log
    assert run.stat("spider_exceptions/count") == 0
    assert run.stat("newsportal/journal/pending") == 0  # the dropped page is finished in the journal
    assert run.peak_rss_mb < RSS_CEILING_MB


def test_a_very_long_body_is_dropped_as_body_too_long(tmp_path: Path) -> None:
    long = "/a/2026/0314/6001.html"
    routes = _site({}, [long])
    paragraphs = 1000  # ~140,000 characters: beyond NEWSPORTAL_MAX_BODY_CHARS, under DOWNLOAD_MAXSIZE
    routes[long] = lambda h: h.send_page(article_html("超长正文新闻", paragraphs=paragraphs))
    with fault_server(routes) as server:
        run = _crawl(tmp_path, server)
    assert run.code == 0, run.log[-3000:]
    _assert_good_articles_emitted(run)
    assert len(run.items) == len(GOOD)
    assert run.stat("newsportal/dropped/body_too_long") == 1
    assert f"Dropped body_too_long: {server.url(long)} (" in run.log
    assert run.peak_rss_mb < RSS_CEILING_MB


def test_a_split_article_too_long_for_an_item_is_not_followed_to_its_last_pages(tmp_path: Path) -> None:
    # A profiled site (the sample profile on this server) follows an article's 下一页 links: pages of
    # ~140,000 characters each, endless; beyond twice NEWSPORTAL_MAX_BODY_CHARS no page is fetched.
    def page(n: int) -> Route:
        pager = f'<div class="article-pager"><a href="/a/7001_1.html?page={n + 1}">下一页</a></div>'
        return lambda h: h.send_page(article_html(f"分页超长新闻第{n}页", paragraphs=1000, extra=pager))

    routes = {"/": lambda h: h.send_page(listing_html(["/a/7001_1.html", "/a/7002_1.html"]))}
    routes["/a/7002_1.html"] = lambda h: h.send_page(article_html("正常新闻"))
    routes["/a/7001_1.html"] = page(1)
    for n in range(2, 6):
        routes[f"/a/7001_1.html?page={n}"] = page(n)
    with fault_server(routes) as server:
        run = crawl_cli(
            tmp_path, spider_args={"site": "sample", "start_url": server.base_url}, site_dir="sample"
        )
        fetched = [h.path for h in server.hits("/a/7001_1.html")]
    assert run.code == 0, run.log[-3000:]
    assert [i["title"] for i in run.items] == ["正常新闻"]
    assert fetched == ["/a/7001_1.html", "/a/7001_1.html?page=2"]  # 280,000 > 200,000: no page 3
    assert run.stat("newsportal/dropped/body_too_long") == 1
    assert f"Dropped body_too_long: {server.url('/a/7001_1.html')} (" in run.log
    assert run.stat("newsportal/journal/pending") == 0
    assert run.peak_rss_mb < RSS_CEILING_MB


# --- newsportal extract on several files ----------------------------------------------------------


def test_newsportal_extract_reports_a_bad_file_and_goes_on_to_the_next(tmp_path: Path) -> None:
    files = {
        "first.html": article_html("第一篇新闻"),
        "deep.html": _deep_article("深层嵌套新闻"),
        "breaks.html": _BREAKS_EXTRACTION,
        "last.html": article_html("最后一篇新闻"),
    }
    for name, page in files.items():
        (tmp_path / name).write_text(page, "utf-8")
    (tmp_path / "folder.html").mkdir()  # not readable as a file
    names = ["first.html", "deep.html", "missing.html", "breaks.html", "folder.html", "last.html"]
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("newsportal")), "extract", "--now", "2026-03-15T10:00:00+08:00"]
        + [str(tmp_path / n) for n in names],
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    titles = [r["title"] for r in records]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert titles[:2] == ["第一篇新闻", "深层嵌套新闻"] and titles[-1] == "最后一篇新闻"
    assert len(records[1]["body"].split("\n")) == 4
    assert f"{tmp_path / 'missing.html'}: not readable: No such file or directory" in proc.stderr
    assert f"{tmp_path / 'folder.html'}: not readable: Is a directory" in proc.stderr
    broke = f"{tmp_path / 'breaks.html'}: extraction failed (ValueError: " in proc.stderr
    assert broke != ("坏链接新闻" in titles)  # reported, or extracted once the link no longer breaks it
    assert proc.stderr.strip().endswith(f"{2 + broke} of 6 file(s) failed")
