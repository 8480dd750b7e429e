"""StaleJobFiles: when an operator turns Scrapy's remote-control endpoint on, the token files of
crawls that died do not pile up.

Scrapy 2.19's remote control (off in this project: ``REMOTE_CONTROL_ENABLED = False``) writes one
job file per crawl, ``<pid>-<id>.json`` with the endpoint's port and bearer token, into
``REMOTE_CONTROL_JOBS_DIR`` (default ``~/.local/state/scrapy/job_files``), and removes it when the
engine stops. A crawl killed with SIGKILL (or by the OOM killer) never removes it, so every such
kill leaves a token file behind for good. Scrapy has no clean-up of its own; this extension is it:
when the endpoint is on, each crawl removes, as it starts, the job files (and half-written
``.<name>.tmp`` files) of processes that no longer exist. Files of live processes, of other
users' processes and files it cannot parse are left alone.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

# Scrapy's own answer to "where do job files go" (a private module: the one place that says it).
from scrapy.utils._remote_control import job_files_dir

from newsportal.runlock import pid_alive

logger = logging.getLogger(__name__)

_JOB_FILE = re.compile(r"^\.?(?P<pid>\d+)-[0-9a-f]+\.json(?:\.tmp)?$")


def remove_stale_job_files(directory: Path) -> list[Path]:
    """Remove the remote-control job files in directory whose process is gone; return them.
    A missing directory, a file of another shape, a live process: nothing removed. Never raises."""
    removed: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _JOB_FILE.match(path.name)
        if match is None or pid_alive(int(match.group("pid"))):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


class StaleJobFiles:
    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> StaleJobFiles:
        if not crawler.settings.getbool("REMOTE_CONTROL_ENABLED"):
            raise NotConfigured  # no message: a warning in every crawl would be noise
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        return ext

    def engine_started(self) -> None:
        directory = job_files_dir(self.crawler.settings)
        removed = remove_stale_job_files(directory)
        if removed:
            self.crawler.stats.set_value("newsportal/remote_control/stale_job_files_removed", len(removed))
            logger.info(
                "removed %d remote-control job file(s) of crawls that are gone from %s: %s",
                len(removed),
                directory,
                ", ".join(p.name for p in removed),
            )
