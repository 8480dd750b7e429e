"""Scrapy's ``scrapy bench``, with run state off (newsportal.commands.InspectionCommand) and, like the
sample portal (NEWSPORTAL_LOCAL_UNTHROTTLED), no politeness delay towards its own server on loopback:
it measures this machine, not our DOWNLOAD_DELAY and AutoThrottle."""

from __future__ import annotations

import argparse

from scrapy.commands.bench import Command as ScrapyCommand
from scrapy.settings import SETTINGS_PRIORITIES

from newsportal.commands import InspectionCommand


class Command(InspectionCommand, ScrapyCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if self.settings.getbool("NEWSPORTAL_LOCAL_UNTHROTTLED"):
            for name, value in (("AUTOTHROTTLE_ENABLED", False), ("DOWNLOAD_DELAY", 0)):
                if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                    self.settings.set(name, value, priority="cmdline")
