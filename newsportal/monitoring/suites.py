"""Spidermon monitor suites: is the profile rotting (when the spider closes), does the run need a
person (when the engine stops, after the verdict).

A finding is one plain sentence naming the site and what fell, e.g.
``site sample: author coverage 0% in this run, 80% in its last 2 runs``. The pure functions below
make them from stats; the monitors fail with them; ``RecordDegraded`` puts them in the stats, where
the run summary's verdict reads them (``degraded``, exit 79).
"""

from __future__ import annotations

import logging
import os
import statistics
from typing import Any

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from newsportal.monitoring import QUIET_EXIT_CODES
from newsportal.monitoring.history import field_coverage
from newsportal.monitoring.notify import EmailNotification, WebhookNotification

logger = logging.getLogger(__name__)


def articles_seen(stats: dict[str, Any]) -> int:
    """Article pages parsed plus stored articles not fetched again (known from an earlier run, or
    unchanged by their sitemap lastmod): what the portal offered, the same from an incremental run to
    the next (items emitted are not: an unchanged portal emits none)."""
    return sum(
        int(stats.get(key, 0))
        for key in ("newsportal/pages/article", "newsportal/skipped/stored", "newsportal/skipped/lastmod")
    )


def coverage_drops(
    site: str,
    stats: dict[str, Any],
    history: list[dict[str, Any]],
    fields: list[str],
    min_items: int,
    max_drop: float,
) -> list[tuple[str, str]]:
    """(field, finding) for each field whose coverage in this run fell more than ``max_drop`` (a
    share of the baseline, e.g. 0.5) below its median over the recent runs. Runs with fewer than
    ``min_items`` items are too small to judge, this one or one in the history; a field the recent
    runs rarely had (baseline under 20 %) is not judged either."""
    items = int(stats.get("spidermon_item_scraped_count/Article", 0))
    past = [run for run in history if int(run.get("spidermon_item_scraped_count/Article", 0)) >= min_items]
    if items < min_items or not past:
        return []
    found = []
    for field in fields:
        now = field_coverage(stats, field) or 0.0
        baseline = statistics.median(field_coverage(run, field) or 0.0 for run in past)
        if baseline >= 0.2 and now < baseline * (1 - max_drop):
            found.append(
                (
                    field,
                    f"site {site}: {field} coverage {now:.0%} in this run ({items} items), "
                    f"{baseline:.0%} in its last {len(past)} run{'s' if len(past) > 1 else ''}",
                )
            )
    return found


def count_collapse(
    site: str, stats: dict[str, Any], history: list[dict[str, Any]], min_seen: int, max_drop: float
) -> str | None:
    """A finding when the articles seen fell more than ``max_drop`` below the recent runs' median
    (runs that saw fewer than ``min_seen`` are not a baseline); else None."""
    past = [articles_seen(run) for run in history if articles_seen(run) >= min_seen]
    if not past:
        return None
    now, baseline = articles_seen(stats), statistics.median(past)
    if now < baseline * (1 - max_drop):
        return (
            f"site {site}: articles seen collapsed to {now} in this run, "
            f"{baseline:.0f} in its last {len(past)} run{'s' if len(past) > 1 else ''}"
        )
    return None


def schema_failures(site: str, stats: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, finding) per field with items that broke the JSON Schema (Spidermon's validation
    stats: ``spidermon/validation/fields/errors/<error>/<field>``)."""
    prefix = "spidermon/validation/fields/errors/"
    by_field: dict[str, list[str]] = {}
    for key, count in sorted(stats.items()):
        if key.startswith(prefix) and key.count("/") == prefix.count("/") + 1:
            error, field = key[len(prefix) :].split("/")
            by_field.setdefault(field, []).append(f"{error.replace('_', ' ')} ×{count}")
    return [(f, f"site {site}: {f} breaks the schema ({', '.join(e)})") for f, e in by_field.items()]


class _Findings(Monitor):
    """A monitor whose failure carries its findings to RecordDegraded: (kind, field, sentence)."""

    findings: list[tuple[str, str, str]]

    def _report(self, findings: list[tuple[str, str, str]]) -> None:
        self.findings = findings
        if findings:
            self.fail("; ".join(sentence for _, _, sentence in findings))

    @property
    def site(self) -> str:
        return str(self.data.stats.get("newsportal/site", "?"))

    def _skip_if_not_a_crawl(self) -> None:
        if os.environ.get("SCRAPY_CHECK"):
            self.skipTest("scrapy check: contracts, not a crawl")


@monitors.name("Profile")
class ProfileMonitor(_Findings):
    """The site profile still extracts what it used to."""

    @monitors.name("Field coverage holds")
    def test_field_coverage(self) -> None:
        self._skip_if_not_a_crawl()
        settings = self.data.crawler.settings
        drops = coverage_drops(
            self.site,
            self.data.stats,
            list(self.data.stats_history),
            settings.getlist("NEWSPORTAL_MONITOR_FIELDS"),
            settings.getint("NEWSPORTAL_MONITOR_MIN_ITEMS"),
            settings.getfloat("NEWSPORTAL_MONITOR_MAX_COVERAGE_DROP"),
        )
        self._report([("coverage", field, sentence) for field, sentence in drops])

    @monitors.name("Article count holds")
    def test_article_count(self) -> None:
        self._skip_if_not_a_crawl()
        settings = self.data.crawler.settings
        finding = count_collapse(
            self.site,
            self.data.stats,
            list(self.data.stats_history),
            settings.getint("NEWSPORTAL_MONITOR_MIN_ITEMS"),
            settings.getfloat("NEWSPORTAL_MONITOR_MAX_COUNT_DROP"),
        )
        self._report([("count", "articles", finding)] if finding else [])

    @monitors.name("Items match the schema")
    def test_schema(self) -> None:
        self._skip_if_not_a_crawl()
        failures = schema_failures(self.site, self.data.stats)
        self._report([("schema", field, sentence) for field, sentence in failures])


class RecordDegraded(Action):
    """Writes the failed monitors' findings into the stats, where the verdict reads them, and logs
    each as one warning: ``newsportal/degraded`` (how many), ``newsportal/degraded/reasons`` (the
    sentences), ``newsportal/degraded/<kind>/<field>`` = 1."""

    def run_action(self) -> None:
        stats = self.data.crawler.stats
        failed_monitors = self.result.monitors_failed_results
        # Spidermon has logged each failed monitor as an ERROR line: not a crawl error (error rate)
        stats.inc_value("newsportal/monitor/error_lines", len(failed_monitors))
        reasons = []
        for failed in failed_monitors:
            for kind, field, sentence in getattr(failed.item, "findings", []):
                stats.set_value(f"newsportal/degraded/{kind}/{field}", 1)
                reasons.append(sentence)
                logger.warning("degraded: %s", sentence)
        if reasons:
            stats.set_value("newsportal/degraded", len(reasons))
            stats.set_value("newsportal/degraded/reasons", reasons)


class RunHealthSuite(MonitorSuite):
    """SPIDERMON_SPIDER_CLOSE_MONITORS: runs before the verdict is made."""

    monitors = [ProfileMonitor]
    monitors_failed_actions = [RecordDegraded]


@monitors.name("Run")
class RunMonitor(Monitor):
    """Whether the finished run needs a person, from its exit code."""

    @monitors.name("Needs no person")
    def test_needs_no_person(self) -> None:
        stats = self.data.stats
        if os.environ.get("SCRAPY_CHECK") or "newsportal/exit_code" not in stats:
            self.skipTest("no verdict: not a crawl")
        code = int(stats["newsportal/exit_code"])
        if code not in QUIET_EXIT_CODES:
            self.fail(f"exit {code} ({stats.get('newsportal/verdict')})")


class NotifySuite(MonitorSuite):
    """SPIDERMON_ENGINE_STOP_MONITORS: runs after the verdict; a run that needs a person is mailed
    and posted to the webhooks configured."""

    monitors = [RunMonitor]
    monitors_failed_actions = [EmailNotification, WebhookNotification]
