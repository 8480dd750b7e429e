"""Monitoring with Spidermon: field coverage, schema validation, a rotting profile noticed, and a
person told when a run needs one.

* **Field coverage** – Spidermon's own (``SPIDERMON_ADD_FIELD_COVERAGE``): each run's stats hold
  ``spidermon_field_coverage/Article/<field>`` (share of emitted items with a non-empty value) and
  ``newsportal/coverage/<field>`` for the fields we watch (``NEWSPORTAL_MONITOR_FIELDS``), 0.0 for a
  field no item had. A run crawls one site, so its stats file (``output/<site>/<run>.stats.json``)
  is the coverage of that run and that site.
  Spidermon's extension runs as ``coverage.FieldCountingSpidermon``: the same counts, written in one
  go an item (Spidermon's own item_scraped costs ~70 µs an Article in stats calls).
* **Schema validation** – Spidermon's ``ItemValidationPipeline`` (the schema compiled once:
  ``validation``) checks every emitted item against
  ``ARTICLE_SCHEMA``, the JSON Schema ``newsportal schema`` prints (``spidermon/validation/*`` stats).
* **A rotting profile** – ``suites.RunHealthSuite`` runs when the spider closes and compares the run
  with the site's recent runs (``history.SiteHistory``); what fell is recorded in the stats
  (``newsportal/degraded/*``) and the run's verdict becomes ``degraded`` (exit 79).
* **Notification** – ``suites.NotifySuite`` runs when the engine stops, after the verdict: a run whose
  exit code needs a person is mailed (Scrapy's ``MAIL_*`` settings) and posted to webhooks (Slack's
  incoming webhooks or any URL that takes JSON).
"""

from __future__ import annotations

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning

from newsportal.items import json_schema

# Spidermon 1.27 logs its monitor reports through Spider.log(), deprecated since Scrapy 2.14: one
# warning a run in every log, about code that is not ours. Nothing else of Spidermon's is muted.
warnings.filterwarnings(
    "ignore", r"Spider\.log\(\) is deprecated", ScrapyDeprecationWarning, r"spidermon(\.|$)"
)

# SPIDERMON_VALIDATION_SCHEMAS names this object: the schema `newsportal schema` prints, one source.
ARTICLE_SCHEMA = json_schema()

# Exit codes after which nobody needs to look (ok, lock held, interrupted: the next run resumes).
QUIET_EXIT_CODES = frozenset({0, 75, 130})
