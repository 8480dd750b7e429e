"""`scrapy check portal`: the spider's contracts, checked offline against the sample portal."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_scrapy_check_runs_every_contract_offline_and_passes(tmp_path: Path):
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    cmd = [scrapy, "check", "portal", "-s", f"NEWSPORTAL_STATE_DIR={tmp_path}", "-s", "LOG_LEVEL=ERROR"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    ran = re.search(r"Ran (\d+) contracts", out)
    assert ran and int(ran.group(1)) >= 5, out[-3000:]
    assert "ERROR" not in out and out.rstrip().endswith("OK")
    assert not (tmp_path / "journal").exists()  # a check is not a crawl: nothing journaled
