"""Where the sample portal's files are found: the installed package's copy first, then a checkout's
(a zipped Scrapyd egg's copy-out is tested by tests/test_scrapyd.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsportal import offline
from tests.conftest import ROOT


def test_a_checkout_serves_its_samples_folder() -> None:
    assert offline.served_root("samples/portal") == ROOT / "samples" / "portal"


def test_the_installed_packages_copy_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "site-packages" / "newsportal"
    (installed / "samples" / "portal").mkdir(parents=True)
    monkeypatch.setattr(offline, "PACKAGE", installed)
    assert offline.served_root("samples/portal") == installed / "samples" / "portal"


def test_a_missing_tree_names_both_places_looked_at() -> None:
    with pytest.raises(FileNotFoundError, match=r"samples/nosuch.*installed package.*checkout"):
        offline.served_root("samples/nosuch")
