"""Log lines for dropped items: the reason and the URL on one line, not the whole item."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class NewsportalLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        level = getattr(exception, "log_level", None) or "WARNING"
        return {
            "level": getattr(logging, level) if isinstance(level, str) else level,
            "msg": "Dropped %(exception)s",
            "args": {"exception": exception},
        }
