"""Scrapy's ``scrapy parse``, showing the item the crawl would give: the callback's items go through
the crawl's cleaning and validation (newsportal.pipelines.clean and .validate, the same functions);
an item validation would drop is not shown, and a line on stderr says why. Run state is off
(newsportal.commands.InspectionCommand): the duplicate check and the state store are not consulted.

    scrapy parse --spider portal URL     # the portal spider's ``parse`` picks the callback by URL shape
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.commands.parse import Command as ScrapyParseCommand

from newsportal.commands import InspectionCommand
from newsportal.items import Article
from newsportal.pipelines.clean import clean_article
from newsportal.pipelines.validate import ValidatePipeline

logger = logging.getLogger(__name__)


class Command(InspectionCommand, ScrapyParseCommand):
    def add_items(self, lvl: int, new_items: list[Any]) -> None:
        validate = ValidatePipeline.from_crawler(self.pcrawler)
        shown = []
        for item in new_items:
            article = item if isinstance(item, Article) else Article(**ItemAdapter(item).asdict())
            article = clean_article(article)
            reason, detail = validate.problem(article)
            if reason:
                logger.warning(
                    "the crawl would drop %s: %s%s", article.url, reason, f" ({detail})" if detail else ""
                )
                continue
            shown.append(article)
        super().add_items(lvl, shown)
