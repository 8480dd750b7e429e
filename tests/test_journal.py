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


def test_a_request_is_durable_at_once_deletes_wait_for_the_next_commit(tmp_path: Path):
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    journal.add("http://x/parent.html", {"url": "http://x/parent.html"})
    assert _rows_on_disk(path) == {"http://x/parent.html"}
    # a parent's children are journaled (durable at once) before the parent is finished
    journal.add("http://x/child-1.html", {"url": "http://x/child-1.html"})
    assert _rows_on_disk(path) == {"http://x/parent.html", "http://x/child-1.html"}
    journal.done("http://x/parent.html")
    # the delete waits: a kill now leaves the parent pending (found emitted next run), no child lost
    assert _rows_on_disk(path) == {"http://x/parent.html", "http://x/child-1.html"}
    assert len(journal) == 1  # the journal itself sees its own writes
    journal.add("http://x/child-2.html", {"url": "http://x/child-2.html"})  # commits the delete too
    assert _rows_on_disk(path) == {"http://x/child-1.html", "http://x/child-2.html"}
    journal.done("http://x/child-1.html")
    journal.close()  # commits the rest
    assert _rows_on_disk(path) == {"http://x/child-2.html"}


def test_grouped_deletes_are_committed_by_a_later_delete_once_old_enough(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(journal_module, "COMMIT_INTERVAL", 0.05)
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    for n in (1, 2, 3):
        journal.add(f"http://x/{n}.html", {"url": f"http://x/{n}.html"})
    journal.done("http://x/1.html")
    time.sleep(0.1)
    journal.done("http://x/2.html")  # commits the first delete's group, opens another
    assert _rows_on_disk(path) == {"http://x/2.html", "http://x/3.html"}
    journal.commit()
    assert _rows_on_disk(path) == {"http://x/3.html"}
    journal.close()
