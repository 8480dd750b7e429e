"""GcTuning: the collector tuned while the crawl runs, and put back as it was after."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newsportal.extensions.gctuning import GcTuning


def test_tuned_during_the_crawl_and_restored_after():
    before = gc.get_threshold()
    ext = GcTuning.from_crawler(get_crawler(settings_dict={"NEWSPORTAL_GC_THRESHOLD": 5000}))
    try:
        ext.engine_started()
        assert gc.get_threshold() == (5000, before[1], before[2])
        assert gc.get_freeze_count() > 1000  # what was imported is out of the collector's walks
    finally:
        ext.spider_closed()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_zero_leaves_the_collector_alone():
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(get_crawler(settings_dict={"NEWSPORTAL_GC_THRESHOLD": 0}))
