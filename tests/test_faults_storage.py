"""Storage faults: a disk that fills up during a crawl, and state files that cannot be used.

* Disk full (a small tmpfs mounted for the test, filled so the crawl hits ENOSPC midway): the run
  stops with exit 73 (write_failed), publishes no feed under its final name (the ``.part`` stays, cut
  at its last whole line), drops no request (the frontier falls back to memory, articles stay in the
  journal), and the next run, with space again, recovers everything: every story once.
* A state store or resume journal that is garbage, truncated, a directory, another program's
  database, or in a read-only directory: exit 66 (state_unusable), one line on stderr and in the log
  naming the file and saying what to do, no traceback, the file untouched; ``newsportal state stats``
  and ``state reset`` say the same and touch nothing.

Mounting needs root: without it these tests skip, except under CI (CI=true), where they fail.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from newsportal.cli import main as cli_main
from newsportal.durability import guard_for
from newsportal.extensions.summary import EXIT_CODES
from newsportal.feeds import AtomicFileFeedStorage
from newsportal.localserver import LocalServer
from newsportal.recovery import recover_feed
from newsportal.scheduler import JournalingScheduler
from newsportal.state.sqlite import DB_NAME
from tests.conftest import SAMPLE_PORTAL
from tests.faultserver import CliRun, crawl_cli


@contextmanager
def tmpfs(path: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of size mounted at path for the block, unmounted after whatever happens."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        why = f"cannot mount a tmpfs (root needed): {done.stderr.decode(errors='replace').strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path, leave_kib: int) -> None:
    """Fill disk with a file so that leave_kib KiB stay free."""
    free = shutil.disk_usage(disk).free // 1024
    with (disk / "filler").open("wb") as fh:
        fh.write(b"\0" * (max(0, free - leave_kib) * 1024))


def _manifest_paths() -> set[str]:
    manifest = json.loads((SAMPLE_PORTAL / "manifest.json").read_text(encoding="utf-8"))
    return {a["path"] for a in manifest["articles"]}


def _digest(path: Path) -> str:
    """The bytes of a file, or of every file under a directory: to show nothing was written."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def portal() -> Iterator[LocalServer]:
    with LocalServer(SAMPLE_PORTAL) as server:
        yield server


def _crawl(tmp_path: Path, portal: LocalServer, **settings: str) -> CliRun:
    return crawl_cli(
        tmp_path,
        spider_args={"site": "sample", "start_url": portal.base_url},
        settings=settings,
        site_dir="sample",
    )


# --- disk full ------------------------------------------------------------------------------------


class _Spider(Spider):
    name = "durability"

    def parse(self, response):  # pragma: no cover - never fetched
        return None


def test_a_feed_whose_part_file_cannot_be_written_is_never_published(tmp_path: Path, caplog):
    """The part file is /dev/full (ENOSPC on every write): nothing is published, the run is marked."""
    crawler = get_crawler(_Spider)
    spider = crawler._create_spider()
    target = tmp_path / "out" / "run.jsonl"
    target.parent.mkdir()
    (tmp_path / "out" / "run.jsonl.part").symlink_to("/dev/full")
    storage = AtomicFileFeedStorage(str(target))
    with caplog.at_level(logging.ERROR, logger="newsportal.durability"):
        part = storage.open(spider)
        assert part.write(b'{"url": "http://a.cn/1.html"}\n') == 0
        assert part.write(b'{"url": "http://a.cn/2.html"}\n') == 0  # nothing more after a failure
        with pytest.raises(OSError, match="not published"):
            storage.store(part)
    assert not target.exists()
    guard = guard_for(crawler)
    assert guard.error is not None and guard.error.errno == errno.ENOSPC
    assert crawler.stats.get_value("newsportal/write_failed/errno") == "ENOSPC"
    assert crawler.stats.get_value("newsportal/write_failed/file").endswith("run.jsonl.part")
    lines = [r.getMessage() for r in caplog.records if r.name == "newsportal.durability"]
    assert len(lines) == 1 and "run.jsonl.part: ENOSPC (errno 28)" in lines[0]


def test_frontier_requests_that_do_not_fit_on_disk_wait_in_memory_none_lost(tmp_path: Path):
    """Scrapy 2.19 lets the disk queue's OSError escape enqueue_request (the request is lost) and
    queuelib leaves a torn record after a short write: here every request comes back, whole."""
    with tmpfs(tmp_path / "disk", "64k") as disk:
        crawler = get_crawler(
            _Spider,
            {
                "NEWSPORTAL_STATE_DIR": str(disk / "state"),
                "NEWSPORTAL_RESUME": False,
                "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
                "SCHEDULER_DISK_QUEUE": "newsportal.scheduler.FrontierDiskQueue",
            },
        )
        crawler.spider = crawler._create_spider()
        scheduler = JournalingScheduler.from_crawler(crawler)
        scheduler.open(crawler.spider)
        urls = [f"http://a.cn/{i}.html?{'x' * 300}" for i in range(400)]  # ~160 KB: more than fits
        for url in urls:
            assert scheduler.enqueue_request(Request(url, priority=-(len(url) % 3)))
        stats = crawler.stats.get_stats()
        assert stats["scheduler/enqueued/disk"] > 0 and stats["scheduler/enqueued/memory"] > 0
        assert stats["newsportal/frontier/memory_fallback"] == 1
        assert guard_for(crawler).failed  # the run stops
        popped = []
        while (request := scheduler.next_request()) is not None:
            popped.append(request.url)
        scheduler.close("write_failed")
    assert sorted(popped) == sorted(urls)


def _feeds(output: Path) -> list[Path]:
    return sorted((output / "sample").glob("*.jsonl"))


@pytest.mark.parametrize(
    ("on_disk", "leave_kib"),
    [("output", 40), ("state_and_output", 200)],
    ids=["feed-fills-the-disk", "state-and-feed-share-a-full-disk"],
)
def test_disk_full_mid_crawl_exits_73_publishes_no_half_feed_and_the_next_run_recovers_every_story_once(
    tmp_path: Path, portal: LocalServer, on_disk: str, leave_kib: int
):
    with tmpfs(tmp_path / "disk", "2m") as disk:
        for name in ("output", "state") if on_disk == "state_and_output" else ("output",):
            (disk / name).mkdir()
            (tmp_path / name).symlink_to(disk / name)
        fill(disk, leave_kib)
        failed = _crawl(tmp_path, portal)
        assert failed.code == EXIT_CODES["write_failed"] == 73, failed.stderr[-2000:]
        assert "exit=73 (write_failed)" in failed.stderr  # the one line cron mails
        assert "Traceback" not in failed.log.split("Error storing")[0]  # before the feed's own report
        write_lines = [line for line in failed.log.splitlines() if "ERROR: write failed: " in line]
        assert len(write_lines) == 1 and "ENOSPC (errno 28)" in write_lines[0], write_lines
        assert str(disk) in write_lines[0] or str(tmp_path) in write_lines[0]
        output = tmp_path / "output"
        assert _feeds(output) == []  # nothing published under a final name
        (part,) = (output / "sample").glob("*.jsonl.part")
        assert not list((output / "sample").glob("*.stats.json.part"))  # no half stats file either
        data = part.read_bytes()
        assert data == b"" or data.endswith(b"\n")  # cut at its last whole line
        written = [json.loads(line) for line in data.splitlines()]
        if on_disk == "output":
            assert 0 < len(written) < len(_manifest_paths())  # the feed itself filled the disk midway

        (disk / "filler").unlink()  # space again: a bigger disk
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        resumed = _crawl(tmp_path, portal)
        assert resumed.code == 0, resumed.stderr[-2000:]
        assert resumed.stat("newsportal/recovered/feeds") == 1
        assert resumed.stat("newsportal/recovered/items") == len(written)
        assert not list((output / "sample").glob("*.part"))
        emitted = Counter(
            urlsplit(item["url"]).path
            for feed in _feeds(output)
            for item in map(json.loads, feed.read_text("utf-8").splitlines())
        )
        assert [p for p, n in emitted.items() if n > 1] == []  # nothing twice
        assert set(emitted) == _manifest_paths()  # nothing lost


def test_recovery_on_a_still_full_disk_leaves_the_part_as_it_was(tmp_path: Path):
    """The items are recorded before the feed is published: when recording fails (the disk is still
    full), nothing is published and the .part is kept whole for the next run."""
    part = tmp_path / "run.jsonl.part"
    data = b'{"url": "http://a.cn/1.html", "title": "t"}\n{"url": "http://a.cn/2.ht'
    part.write_bytes(data)

    def record(feed):
        assert [i["url"] for i in feed.items] == ["http://a.cn/1.html"]
        raise OSError(errno.ENOSPC, "No space left on device", "state.sqlite3")

    with pytest.raises(OSError):
        recover_feed(part, record)
    assert part.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.jsonl.part"]
    published = recover_feed(part, lambda feed: None)  # space again
    assert published.path.read_bytes() == data.split(b"\n")[0] + b"\n" and not part.exists()


# --- unusable state files -------------------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(range(256)) * 64)


def _truncated(path: Path) -> None:
    from newsportal.state.base import StoredArticle
    from newsportal.state.sqlite import SQLiteStateStore

    with SQLiteStateStore(path.parent, cache_mib=1) as store:
        for i in range(300):
            store.add(StoredArticle(canonical_url=f"http://a.cn/{i}.html", title="标题" * 20))
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(size // 2)


def _directory(path: Path) -> None:
    (path / "inside").mkdir(parents=True)


def _foreign(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    db.commit()
    db.close()


BROKEN = {"garbage": _garbage, "truncated": _truncated, "directory": _directory, "foreign": _foreign}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_an_unusable_state_store_exits_66_with_one_line_and_is_left_untouched(
    tmp_path: Path, portal: LocalServer, kind: str, capsys
):
    store = tmp_path / "state" / DB_NAME
    BROKEN[kind](store)
    before = _digest(store)
    run = _crawl(tmp_path, portal)
    assert run.code == EXIT_CODES["state_unusable"] == 66
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert str(store) in lines[0] and "move it aside" in lines[0] and "(exit 66, state_unusable)" in lines[0]
    assert lines[0] in run.log
    assert "Traceback" not in run.stderr + run.log
    assert _digest(store) == before  # nothing written to it
    assert not list((tmp_path / "output").rglob("*.jsonl*")) if (tmp_path / "output").exists() else True

    for action in (["stats"], ["reset", "--yes"]):
        code = cli_main(["state", *action, "--state-dir", str(tmp_path / "state")])
        _, err = capsys.readouterr()
        assert code == 66, (action, err)
        assert str(store) in err and "move it aside" in err and "Traceback" not in err
        assert _digest(store) == before


def test_an_unusable_resume_journal_exits_66_naming_it(tmp_path: Path, portal: LocalServer):
    journal = tmp_path / "state" / "journal" / "portal-sample.sqlite"
    _garbage(journal)
    before = _digest(journal)
    run = _crawl(tmp_path, portal)
    assert run.code == 66
    (line,) = run.stderr.strip().splitlines()
    assert str(journal) in line and "is not an SQLite database" in line and "move it aside" in line
    assert "Traceback" not in run.stderr + run.log
    assert _digest(journal) == before


def test_a_read_only_state_directory_exits_66_and_writes_nothing(tmp_path: Path, portal: LocalServer):
    state = tmp_path / "state"
    with tmpfs(state, "1m", read_only=True):
        run = _crawl(tmp_path, portal)
        assert run.code == EXIT_CODES["state_unusable"] == 66
        (line,) = run.stderr.strip().splitlines()
        assert str(state) in line and "(exit 66, state_unusable)" in line
        assert "Read-only file system" in line
        assert "Traceback" not in run.stderr + run.log
        assert list(state.iterdir()) == []
