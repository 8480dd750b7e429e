"""The item: one news article. This module is the single source of truth for its schema.

Missing values are ``None`` (scalars) or empty lists, never invented. ``json_schema()`` derives the
JSON Schema of an exported record from the dataclass below.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Article:
    url: str  # the URL the article was fetched from (first page of a multi-page article)
    canonical_url: str | None = None  # normalised URL that identifies the story on its site
    site: str | None = None  # site profile name, e.g. "sohu", "sample", "generic"
    channel: str | None = None  # channel / section the article was found in, e.g. "财经"
    title: str | None = None  # headline, without the 原创 mark or the site suffix
    is_original: bool | None = None  # True when the page marks it 原创; None when the page does not say
    author: str | None = None  # the named writer or author account (never the 责任编辑)
    source: str | None = None  # the 来源 value: the outlet the story comes from
    editor: str | None = None  # the 责任编辑 value
    published_at: str | None = None  # ISO 8601 with +08:00, e.g. "2026-03-14T20:02:59+08:00"
    body: str | None = None  # the article's own paragraphs, in order, joined by "\n"
    images: list[dict[str, str | None]] = field(default_factory=list)  # [{"url": ..., "caption": ...}]
    tags: list[str] = field(default_factory=list)  # keywords / tags the page gives
    related_urls: list[str] = field(default_factory=list)  # absolute URLs of related stories
    read_count: int | None = None  # read / view count shown on the page at crawl time
    page_count: int = 1  # how many pages the article was split over
    crawled_at: str | None = None  # ISO 8601 time the (first) page was fetched, +08:00
    content_hash: str | None = None  # SHA-1 of the normalised body (see newsportal.extract.text)
    duplicate_of: str | None = None  # canonical URL of the first copy, when kept as a duplicate
    updated_at: str | None = None  # ISO 8601 time a changed version was seen (incremental runs)
    version: int = 1  # 1 for the first version; +1 each time a changed body is emitted again


@functools.cache
def field_names(cls: type) -> tuple[str, ...]:
    """A dataclass item class's field names, in declaration order (the order ItemAdapter gives),
    read once a class: the crawl's per-item code (validation, field coverage) asks it every item."""
    return tuple(f.name for f in dataclasses.fields(cls))


ARTICLE_FIELDS: tuple[str, ...] = field_names(Article)


def _schema_for(tp: Any) -> dict[str, Any]:
    """JSON Schema fragment for one annotation of Article (the few types it uses)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        types = [_schema_for(a) for a in args if a is not type(None)]
        nullable = type(None) in args
        schema = types[0] if len(types) == 1 else {"anyOf": types}
        if nullable:
            if "type" in schema and isinstance(schema["type"], str):
                schema = {**schema, "type": [schema["type"], "null"]}
            else:
                schema = {"anyOf": [schema, {"type": "null"}]}
        return schema
    if origin is list:
        return {"type": "array", "items": _schema_for(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_for(args[1]) if args else {}}
    return {
        str: {"type": "string"},
        int: {"type": "integer"},
        bool: {"type": "boolean"},
        float: {"type": "number"},
    }.get(tp, {})


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one exported Article record."""
    hints = typing.get_type_hints(Article)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(Article):
        props[f.name] = _schema_for(hints[f.name])
        required.append(f.name)
    props["url"]["format"] = "uri"
    for name in ("published_at", "crawled_at", "updated_at"):
        props[name]["format"] = "date-time"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Article",
        "description": "One news article as written by newsportal's feed and export.",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
