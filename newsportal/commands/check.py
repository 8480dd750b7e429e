"""Scrapy's `scrapy check`, with run state off: it writes nothing under the output or state directory
(newsportal.commands.InspectionCommand)."""

from __future__ import annotations

from scrapy.commands.check import Command as ScrapyCommand

from newsportal.commands import InspectionCommand


class Command(InspectionCommand, ScrapyCommand):
    pass
