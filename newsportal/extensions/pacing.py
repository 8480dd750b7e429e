"""ServerPacing: wait as the server asks, per domain, without blocking the reactor.

Scrapy 2.19 reads neither request (scrapy/scrapy#3849: RetryMiddleware retries a 429 or 503 at
once; #892: RobotsTxtMiddleware parses ``Crawl-delay`` through Protego, ``RobotParser.crawl_delay``,
but nothing applies it). Both act on the request's download slot (one per host), so they hold for
the whole domain, not only for the request that got the answer:

* **Retry-After** on a 429 or 503 (delta-seconds or an HTTP-date): the slot starts nothing until the
  time has passed. The slot's own timer (``Slot.latercall``, the one Scrapy's download delay uses)
  is set to it, so the queued requests (the retry among them, which RetryMiddleware schedules as
  usual) simply wait in the downloader. A value above ``NEWSPORTAL_MAX_RETRY_AFTER`` is cut to it:
  the retry comes after the cap, and ``RETRY_TIMES`` still bounds how often it is tried; counted
  ``newsportal/retry_after/capped`` and logged with the URL. Every wait counts
  ``newsportal/retry_after/waits``.
* **Crawl-delay** in robots.txt (for our User-Agent, else ``*``), capped by
  ``NEWSPORTAL_MAX_CRAWL_DELAY``: the slot's delay is the larger of it and the delay DOWNLOAD_DELAY or
  AutoThrottle gave the slot, kept so after every AutoThrottle adjustment, and the slot's random
  jitter (DOWNLOAD_DELAY_JITTER, ±50 % by default) is narrowed so no gap falls below the
  Crawl-delay. Counted ``newsportal/crawl_delay/domains`` (domains that asked) and
  ``newsportal/crawl_delay/capped``.

Both are the server's own requests, so they hold on loopback too (NEWSPORTAL_LOCAL_UNTHROTTLED only
drops our default delay and AutoThrottle). Written by hand because neither Scrapy nor a maintained
plugin does it on 2.19.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import signals
from scrapy.utils.asyncio import call_later

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | bytes | None, now: float) -> float | None:
    """Seconds a Retry-After header value asks to wait, from ``now`` (epoch seconds).

    Delta-seconds (``"120"``) or an HTTP-date (``"Wed, 21 Oct 2026 07:28:00 GMT"``); a date in the
    past is 0. None for a missing or unreadable value (negative, not a number, not a date)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT; an obsolete form may omit it
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class ServerPacing:
    """Holds a domain's download slot as long as a Retry-After asks, and keeps its delay at least
    its robots.txt Crawl-delay."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.max_retry_after = settings.getfloat("NEWSPORTAL_MAX_RETRY_AFTER")
        self.max_crawl_delay = settings.getfloat("NEWSPORTAL_MAX_CRAWL_DELAY")
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        self._crawl_delay: dict[str, float] = {}  # slot key → Crawl-delay (capped)
        self._held_until: dict[str, float] = {}  # slot key → time.monotonic() the hold ends
        self._jitter: dict[str, float] = {}  # slot key → the slot's jitter before we narrowed it

    @classmethod
    def from_crawler(cls, crawler: Any) -> ServerPacing:
        ext = cls(crawler)
        crawler.signals.connect(ext.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(ext.request_reached_downloader, signal=signals.request_reached_downloader)
        # After AutoThrottle's own response_downloaded receiver (an extension connected before the
        # engine starts), so the Crawl-delay floor is put back after each of its adjustments.
        crawler.signals.connect(ext._connect_late, signal=signals.engine_started)
        return ext

    def _connect_late(self) -> None:
        self.crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @property
    def _downloader(self) -> Any:
        return self.crawler.engine.downloader

    def _slot(self, request: Any) -> tuple[str, Any]:
        key = request.meta.get("download_slot") or self._downloader.get_slot_key(request)
        return key, self._downloader.slots.get(key)

    # --- robots.txt Crawl-delay ------------------------------------------------------------------

    def robots_parsed(self, robotparser: Any, request: Any, **_: Any) -> None:
        try:
            asked = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a parser backend without Crawl-delay support, or a malformed value
            return
        if asked is None or not math.isfinite(asked) or asked <= 0:
            return
        delay = min(float(asked), self.max_crawl_delay)
        key, slot = self._slot(request)
        if delay > self._crawl_delay.get(key, 0.0):
            if key not in self._crawl_delay:
                self.stats.inc_value("newsportal/crawl_delay/domains")
            self._crawl_delay[key] = delay
        if asked > self.max_crawl_delay:
            self.stats.inc_value("newsportal/crawl_delay/capped")
            logger.warning(
                "robots.txt of %s asks Crawl-delay: %s s; waiting NEWSPORTAL_MAX_CRAWL_DELAY = %s s",
                key,
                asked,
                self.max_crawl_delay,
            )
        else:
            logger.info("robots.txt of %s asks Crawl-delay: %s s between requests", key, asked)
        if slot is not None:
            self._floor(key, slot)

    def _floor(self, key: str, slot: Any) -> None:
        """The slot's delay at least its Crawl-delay, its jitter narrow enough to keep every gap so."""
        floor = self._crawl_delay.get(key)
        if not floor:
            return
        jitter = self._jitter.setdefault(key, slot.jitter)
        slot.delay = max(slot.delay, floor)
        # Slot.download_delay() draws delay × (1 ± jitter): the lowest draw must still be the floor.
        slot.jitter = min(jitter, max(0.0, 1.0 - floor / slot.delay))

    # --- Retry-After ---------------------------------------------------------------------------------

    def response_downloaded(self, response: Any, request: Any, **_: Any) -> None:
        key, slot = self._slot(request)
        if slot is not None:
            self._floor(key, slot)
        if response.status not in RETRY_AFTER_STATUSES:
            return
        asked = retry_after_seconds(response.headers.get(b"Retry-After"), time.time())
        if asked is None or asked <= 0:
            return
        wait = min(asked, self.max_retry_after)
        self.stats.inc_value("newsportal/retry_after/waits")
        if asked > self.max_retry_after:
            self.stats.inc_value("newsportal/retry_after/capped")
            logger.warning(
                "%s answered %d with Retry-After %.0f s; waiting NEWSPORTAL_MAX_RETRY_AFTER = %.0f s "
                "before the next request to %s",
                request.url,
                response.status,
                asked,
                wait,
                key,
            )
        else:
            logger.info(
                "%s answered %d with Retry-After %.1f s: no request to %s until then",
                request.url,
                response.status,
                asked,
                key,
            )
        until = time.monotonic() + wait
        if until > self._held_until.get(key, 0.0):
            self._held_until[key] = until
            if slot is not None:
                self._hold(slot, wait)

    def request_reached_downloader(self, request: Any, **_: Any) -> None:
        """Every request entering a slot: a new slot (or one recreated after Scrapy collected an idle
        one) gets the Crawl-delay floor and what is left of a hold."""
        key, slot = self._slot(request)
        if slot is None:
            return
        self._floor(key, slot)
        left = self._held_until.get(key, 0.0) - time.monotonic()
        if left > 0 and slot.latercall is None:
            self._hold(slot, left)

    def _hold(self, slot: Any, seconds: float) -> None:
        # Scrapy's downloader starts nothing from a slot whose timer is set, and on the timer it
        # processes the slot's queue again (Downloader._latercall): the same path its download delay
        # takes, so the wait blocks only this domain and never the reactor.
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = call_later(seconds, self._downloader._latercall, slot)
