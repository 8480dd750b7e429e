"""CleanPipeline: normalise every text field and move boilerplate lines out of the body."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from itemadapter import ItemAdapter

from newsportal.extract.text import content_hash, normalize_space, split_boilerplate, strip_title
from newsportal.items import Article
from newsportal.precomputed import attach_keys, clean_ahead
from newsportal.workers import ExtractionPool, pool_for

_TEXT_FIELDS = ("canonical_url", "site", "channel", "title", "author", "source", "editor", "published_at")


def clean_article(article: Article) -> Article:
    """A cleaned copy: whitespace, \\u3000, \\xa0 and zero-width characters normalised; empty strings
    become None; 来源/责任编辑/byline lines left in the body move into their fields (a field the page
    labelled wins); the title loses 原创 marks and site suffixes; content_hash set from the body.
    Idempotent: cleaning a clean article changes nothing."""
    return replace(article, **cleaned_values(article))


def cleaned_values(article: Article) -> dict[str, Any]:
    """The fields ``clean_article`` sets, by name, with their cleaned values (the others it keeps)."""
    values: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = getattr(article, name)
        values[name] = normalize_space(value) or None if isinstance(value, str) else value
    if values["title"]:
        values["title"] = strip_title(values["title"]) or None
    # split_boilerplate normalises each line and drops the empty ones itself.
    split = split_boilerplate((article.body or "").split("\n"))
    values["body"] = "\n".join(split.paragraphs) or None
    values["source"] = values["source"] or split.source
    values["editor"] = values["editor"] or split.editor
    values["author"] = values["author"] or split.author
    values["tags"] = [t for t in dict.fromkeys(normalize_space(t) for t in article.tags) if t]
    values["images"] = [
        {"url": img.get("url"), "caption": normalize_space(img.get("caption") or "") or None}
        for img in article.images
        if img.get("url")
    ]
    values["content_hash"] = content_hash(values["body"]) if values["body"] else None
    return values


class CleanPipeline:
    def __init__(self, pool: ExtractionPool | None = None) -> None:
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler) -> CleanPipeline:
        return cls(pool_for(crawler))

    async def process_item(self, item: Article) -> Article:
        article = item if isinstance(item, Article) else Article(**ItemAdapter(item).asdict())
        prepared = clean_ahead(article)
        if prepared is not None:
            # Cleaned with the page's analysis, from these very values (newsportal.precomputed).
            cleaned = replace(article, **prepared.cleaned)
            attach_keys(cleaned, prepared)
            return cleaned
        # Pure CPU work on the item: in an extraction worker when there is one.
        if self.pool is not None:
            return await self.pool.call(clean_article, article)
        return clean_article(article)
