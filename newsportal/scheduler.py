"""JournalingScheduler: Scrapy's scheduler, plus the resume journal for accepted article requests.

Journaling here, after the dupefilter, writes one row per article the crawl will really fetch;
links to stories already queued (most related links) cost nothing. See newsportal.journal.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.scheduler import Scheduler

from newsportal.journal import ARTICLE_CALLBACKS, callback_name, journal_for


class JournalingScheduler(Scheduler):
    def enqueue_request(self, request: Request) -> bool:
        accepted = super().enqueue_request(request)
        if accepted and callback_name(request) in ARTICLE_CALLBACKS:
            journal = journal_for(self.crawler)
            if journal is not None:
                try:
                    data = request.to_dict(spider=self.crawler.spider)
                except ValueError:
                    # a callback that is not the spider's own method (a wrapper): it cannot be
                    # resumed by name; the crawl goes on, the next run's listings find it again
                    self.crawler.stats.inc_value("newsportal/journal/unserializable")
                    return accepted
                journal.add(request.url, data)
        return accepted
