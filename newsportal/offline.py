"""Where a site served offline (``Site.served_from``, e.g. ``samples/portal``) finds its files.

In a checkout they are ``<checkout>/samples/portal``. An installed project carries them as package
data, ``newsportal/samples/portal`` (setup.py maps ``samples/`` to the ``newsportal.samples``
package), so a wheel or a Scrapyd egg crawls the sample portal offline too. Scrapyd imports its egg
from the zip file itself: there the tree is copied out once per process to a temporary directory
(removed at exit), as a static server needs real files.
"""

from __future__ import annotations

import atexit
import functools
import importlib.resources
import shutil
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent


def served_root(served_from: str) -> Path:
    """The directory holding ``served_from``: the installed package's copy first (a wheel, an
    unzipped egg), then the checkout's, then a zipped egg's copied out. FileNotFoundError naming
    the places looked at when none has it."""
    for base in (PACKAGE, CHECKOUT):
        if (base / served_from).is_dir():
            return base / served_from
    tree = importlib.resources.files("newsportal").joinpath(*Path(served_from).parts)
    if tree.is_dir():
        return _copied_out(served_from)
    raise FileNotFoundError(
        f"{served_from} is neither in the installed package ({PACKAGE / served_from}) nor in a "
        f"checkout ({CHECKOUT / served_from})"
    )


@functools.cache
def _copied_out(served_from: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="newsportal-served-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    _copy(importlib.resources.files("newsportal").joinpath(*Path(served_from).parts), target)
    return target


def _copy(tree: Any, target: Path) -> None:
    for entry in tree.iterdir():
        if entry.is_dir():
            (target / entry.name).mkdir()
            _copy(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
