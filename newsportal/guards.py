"""Guards that keep one hostile page from costing the run its memory or its life.

* ``SizeLimitedCompressionMiddleware`` (downloader) is Scrapy's HttpCompressionMiddleware, which
  already stops decompressing at ``DOWNLOAD_MAXSIZE`` (a gzip bomb costs at most that much), with
  every size limit hit counted and logged with its URL:

  - ``newsportal/limits/download_too_large``: a body over ``DOWNLOAD_MAXSIZE``, as announced
    (Content-Length), as received, or once decompressed; the request then fails as Scrapy makes it
    fail (its errback runs, ``DownloadCancelledError`` or ``IgnoreRequest``);
  - ``newsportal/limits/download_warnsize``: a body over ``DOWNLOAD_WARNSIZE`` (after
    decompression), still processed.

* ``ExtractionGuardMiddleware`` (spider) catches ``ExtractionFailed``, which the spider raises when
  analysing a page raised (in a worker process or in the crawl's own): the page is dropped and
  counted as ``newsportal/dropped/extraction_failed``, the log line names the URL and the exception
  type, and the crawl goes on. A later page of a split article that fails gives the article of the
  pages before it, as a later page that cannot be fetched does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response

from newsportal.journal import callback_name

logger = logging.getLogger(__name__)

TOO_LARGE = "newsportal/limits/download_too_large"
WARNSIZE = "newsportal/limits/download_warnsize"
EXTRACTION_FAILED = "newsportal/dropped/extraction_failed"


class SizeLimitedCompressionMiddleware(HttpCompressionMiddleware):
    """HttpCompressionMiddleware (it replaces it at the same place in the chain, so it sees the
    decompressed body and every download exception), counting DOWNLOAD_MAXSIZE / DOWNLOAD_WARNSIZE hits."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            result = super().process_response(request, response)
        except IgnoreRequest as exc:
            # Scrapy raises IgnoreRequest from a decompression that passed DOWNLOAD_MAXSIZE (its
            # cause is the size error; its message says DOWNLOAD_MAXSIZE); any other reason passes on.
            if "DOWNLOAD_MAXSIZE" in str(exc):
                self._too_large(request, "decompressed")
            raise
        if isinstance(result, Response):
            warn_size = request.meta.get("download_warnsize", self._warn_size)
            if warn_size and len(result.body) > warn_size:
                self.stats.inc_value(WARNSIZE)
                logger.warning(
                    "Large download: %s is %d bytes (DOWNLOAD_WARNSIZE %d)",
                    request.url,
                    len(result.body),
                    warn_size,
                )
        return result

    def process_exception(self, request: Request, exception: Exception) -> None:
        # In Scrapy 2.19 a download handler (HTTP/1.1, HTTP/2, the streaming ones) cancels a download
        # for one reason only: DOWNLOAD_MAXSIZE, announced by Content-Length or reached while receiving.
        if isinstance(exception, DownloadCancelledError):
            self._too_large(request, "received")
        return None

    def _too_large(self, request: Request, how: str) -> None:
        self.stats.inc_value(TOO_LARGE)
        max_size = request.meta.get("download_maxsize", self._max_size)
        logger.warning(
            "Download too large (%s): %s is over DOWNLOAD_MAXSIZE (%d bytes)", how, request.url, max_size
        )


class ExtractionFailed(Exception):
    """Analysing a fetched page raised: the page's URL and what it raised (``__cause__``)."""

    def __init__(self, url: str, cause: BaseException) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"{url} ({type(cause).__name__}: {str(cause)[:200]})")


class ExtractionGuardMiddleware:
    """Drops a page whose extraction failed, counted with its URL and reason; the crawl goes on.
    Closest to the spider, so the middlewares outside it (the resume journal) see a page that gave
    nothing, and finish it."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractionGuardMiddleware:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any] | None:
        if not isinstance(exception, ExtractionFailed):
            return None  # not ours: a bug in the spider still ends the run as one
        self.crawler.stats.inc_value(EXTRACTION_FAILED)
        logger.warning(
            "Dropped extraction_failed: %s (%s: %s)",
            exception.url,
            type(exception.cause).__name__,
            str(exception.cause)[:200],
        )
        request = response.request
        spider = self.crawler.spider
        if request is not None and callback_name(request) == "parse_article_page":
            # Page N of a split article: the pages before it still make the article.
            kwargs = request.cb_kwargs
            return [spider.build_article(kwargs["pages"], kwargs["fetched_at"])]
        return []
