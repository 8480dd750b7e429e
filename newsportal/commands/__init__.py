"""The project's Scrapy commands (COMMANDS_MODULE). ``crawl`` is the only one that runs a crawl with run
state: the lock, the resume journal and the recovery of a dead run's feed, the state store (emitted
articles, duplicates), the frontier directory, the run's feed and stats file under output/.

The others (``shell``, ``fetch``, ``view``, ``parse``, ``check``, ``bench``) are Scrapy's own, plus
``InspectionCommand``: they look at pages and write nothing under the output or state directory, so
a debugging session never appears as a run in the analysts' data or changes what the next crawl does.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newsportal.usage import apply_contact, settings_problem

# Run state off. A page inspected is shown whether or not a crawl emitted it already (no incremental
# skip, no duplicate check), and the URL the operator typed is fetched as asked, on loopback or from a
# file:// path too: the URL guard protects unattended crawls from links a page offers, and these
# commands follow no link the operator did not ask for (parse follows only with --depth).
INSPECTION_SETTINGS: dict[str, Any] = {
    "NEWSPORTAL_INCREMENTAL": False,
    "NEWSPORTAL_RESUME": False,
    "NEWSPORTAL_WRITE_STATS": False,
    "NEWSPORTAL_DEFAULT_FEED": "",
    "NEWSPORTAL_EXTRACT_WORKERS": 0,
    "SCHEDULER": "scrapy.core.scheduler.Scheduler",  # no frontier directory under the state dir
}
# Components that would read or write run state, or report a run; switched off by name.
INSPECTION_OFF: dict[str, tuple[str, ...]] = {
    "ITEM_PIPELINES": (
        "newsportal.pipelines.dedup.DedupPipeline",
        "newsportal.pipelines.state.StatePipeline",
    ),
    # the monitors judge runs against the site's history and notify people: a look at a page is no run
    "EXTENSIONS": (
        "newsportal.extensions.summary.RunSummary",
        "newsportal.extensions.progress.ProgressLog",
        "newsportal.monitoring.history.SiteHistory",
        "newsportal.monitoring.coverage.FieldCountingSpidermon",
    ),
    "SPIDER_MIDDLEWARES": (
        "newsportal.middlewares.IncrementalMiddleware",
        "newsportal.middlewares.ResumeMiddleware",
        "newsportal.urlguard.UrlGuardSpiderMiddleware",
    ),
    "DOWNLOADER_MIDDLEWARES": (
        "newsportal.urlguard.UrlGuardDownloaderMiddleware",
        "newsportal.urlguard.RedirectGuardMiddleware",
    ),
}


def inspection_settings(settings: BaseSettings) -> None:
    """Switch run state off in settings (see INSPECTION_SETTINGS); a ``-s NAME=VALUE`` given on the
    command line still wins for the plain settings."""
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    for name, value in INSPECTION_SETTINGS.items():
        if (settings.getpriority(name) or 0) < cmdline:
            settings.set(name, value, priority="cmdline")
    for name, paths in INSPECTION_OFF.items():
        components = settings.getdict(name)
        components.update(dict.fromkeys(paths))
        settings.set(name, components, priority="cmdline")
    apply_contact(settings, "cmdline")  # the portal's admins see who looked at their page too


class InspectionCommand:
    """Mixin for Scrapy commands that look at pages: run state off before the crawler is made."""

    settings: BaseSettings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        problem = settings_problem(self.settings)  # a mistyped NEWSPORTAL_* setting, as for crawl
        if problem:
            raise UsageError(problem, print_help=False)
        inspection_settings(self.settings)
