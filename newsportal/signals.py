"""Signals of our own, sent through ``crawler.signals`` like Scrapy's.

``article_finished(request)``: an article request ended without an item (its fetch failed for
good). Receivers: the resume journal (newsportal.middlewares.ResumeMiddleware).
"""

article_finished = object()
