"""Scrapy extensions: the run summary (and, later, the run lock and safety guards)."""
