"""The README's reference tables stay in step with the code."""

from __future__ import annotations

import re

from newsportal import settings
from newsportal.extensions.summary import EXIT_CODES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_newsportal_setting_with_its_default():
    for name in (n for n in dir(settings) if n.startswith("NEWSPORTAL_")):
        row = re.search(rf"^\| `{name}` \| `?([^|`]*)`? \|", README, re.M)
        assert row, f"{name} is missing from the README's settings table"
        default = getattr(settings, name)
        assert row.group(1).strip() == (str(default) if default != "" else "empty"), name


def test_readme_lists_every_exit_code():
    for code in EXIT_CODES.values():
        assert re.search(rf"^\| {code} \|", README, re.M), f"exit code {code} missing from the README"


def test_readme_shows_the_two_commands_and_the_crontab_line():
    assert "make crawl" in README and "make test" in README
    assert re.search(r"^\d+ +\d+ +\* +\* +\* +cd .*scrapy crawl portal", README, re.M)
