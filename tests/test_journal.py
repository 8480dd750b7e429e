"""The resume journal groups its writes: what another process would find after a kill -9."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from newsportal import journal as journal_module
from newsportal.journal import Journal


def _rows_on_disk(path: Path) -> set[str]:
    """The committed rows, as a new process opening the file sees them."""
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT url FROM pending")}
    finally:
        db.close()


def test_writes_are_durable_once_committed_and_in_order(tmp_path: Path):
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    journal.add("http://x/parent.html", {"url": "http://x/parent.html"})
    journal.commit()
    # a parent's children are journaled before the parent is finished
    journal.add("http://x/child-1.html", {"url": "http://x/child-1.html"})
    journal.add("http://x/child-2.html", {"url": "http://x/child-2.html"})
    journal.done("http://x/parent.html")
    # not committed yet: a kill now leaves the parent pending (fetched again), never a child lost
    assert _rows_on_disk(path) == {"http://x/parent.html"}
    assert len(journal) == 2  # the journal itself sees its own writes
    journal.commit()
    assert _rows_on_disk(path) == {"http://x/child-1.html", "http://x/child-2.html"}
    journal.close()


def test_an_open_group_is_committed_by_a_later_write_once_old_enough(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(journal_module, "COMMIT_INTERVAL", 0.05)
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    journal.add("http://x/1.html", {"url": "http://x/1.html"})
    time.sleep(0.1)
    journal.add("http://x/2.html", {"url": "http://x/2.html"})  # commits the first group
    assert _rows_on_disk(path) == {"http://x/1.html"}
    journal.close()  # commits the rest
    assert _rows_on_disk(path) == {"http://x/1.html", "http://x/2.html"}
