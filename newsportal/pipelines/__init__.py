"""Item pipelines, one job each, ordered in settings.ITEM_PIPELINES: clean → validate → dedup."""

from __future__ import annotations

from scrapy.exceptions import DropItem


class NewsportalDrop(DropItem):
    """A drop with a machine-readable reason, counted as ``<stat_prefix>/<reason>``.

    The log line names the reason and the URL (see newsportal.logformatter).
    """

    def __init__(
        self,
        reason: str,
        url: str | None,
        detail: str = "",
        *,
        stat_prefix: str = "newsportal/dropped",
        log_level: str = "INFO",
    ) -> None:
        self.reason = reason
        self.url = url
        self.stat_key = f"{stat_prefix}/{reason}"
        message = f"{reason}: {url}" + (f" ({detail})" if detail else "")
        super().__init__(message, log_level=log_level)
