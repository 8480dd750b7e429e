"""The spider's one call to its extraction worker a page: the page analysed, and for a one-page
article also what CleanPipeline and DedupPipeline will compute of it (``newsportal.precomputed``).

Pure and picklable, so ``newsportal.workers`` runs it in a worker process (or in the crawl's own
when there is none): bytes and a few strings in, plain values out.
"""

from __future__ import annotations

from datetime import datetime

from newsportal.extract.article import merge_pages
from newsportal.extract.page import AnalysedPage, analyse_page
from newsportal.pipelines.clean import cleaned_values
from newsportal.pipelines.dedup import dedup_keys
from newsportal.precomputed import PreparedArticle, pack_signature
from newsportal.sites.base import Site


def analyse_and_prepare(
    body: bytes,
    url: str,
    site: Site,
    now: datetime,
    content_type: str | None = None,
    judge: bool = False,
    prior: str = "unknown",
    article_links: bool = False,
    prepare: bool = True,
    max_body_chars: int = 0,
) -> tuple[AnalysedPage, PreparedArticle | None]:
    """``analyse_page`` (same arguments, positional: fewer bytes to pickle), and, with ``prepare``,
    for an article with no next page: the cleaned values and dedup keys of the article the spider
    builds from it (``merge_pages`` of this one page; ``crawled_at`` plays no part in either).
    None for anything else (a listing, a page 1 of N: its article is the merge of N pages). The keys
    are left out for a cleaned body longer than ``max_body_chars`` (0: no limit): validation drops it
    as body_too_long before DedupPipeline, and its signature would cost memory for nothing."""
    analysed = analyse_page(
        body, url, site, now, content_type, judge=judge, prior=prior, article_links=article_links
    )
    fields = analysed.fields
    if not prepare or analysed.kind != "article" or fields is None or fields.next_page_url:
        return analysed, None
    article = merge_pages([fields], site=site.name, fetched_at=now)
    values = cleaned_values(article)
    keys = None
    if not max_body_chars or len(values["body"] or "") <= max_body_chars:
        chash, signature = dedup_keys(values["body"], values["content_hash"])
        keys = (chash, *pack_signature(signature))
    # Only what cleaning changed travels back: the rest the crawl process has already.
    changed = {name: value for name, value in values.items() if value != getattr(article, name)}
    return analysed, PreparedArticle(changed, keys)
