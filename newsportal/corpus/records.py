"""One line of a crawl's JSON Lines feed → one exported record (a dict with every Article field).

The field list, order, defaults and types all come from ``newsportal.items.Article``.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Any

from newsportal.extract.dates import CHINA_TZ
from newsportal.items import ARTICLE_FIELDS, Article

# Without these there is no article to export; every other field falls back to its default, so
# records written before a field existed still load.
REQUIRED_FIELDS: tuple[str, ...] = ("url", "title", "body")
DATETIME_FIELDS: tuple[str, ...] = ("published_at", "crawled_at", "updated_at")


class RecordError(ValueError):
    """A JSON value that is not an Article record: a kind to count it by and a detail to show."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail


def _python_types(tp: Any) -> tuple[type, ...]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        return tuple(t for arg in typing.get_args(tp) for t in _python_types(arg))
    if origin is not None:
        return (origin,)
    return (type(None),) if tp is type(None) else (tp,)


_HINTS = typing.get_type_hints(Article)
FIELD_TYPES: dict[str, tuple[type, ...]] = {name: _python_types(_HINTS[name]) for name in ARTICLE_FIELDS}
_DEFAULTS: dict[str, Any] = {}
for _f in dataclasses.fields(Article):
    if _f.default is not dataclasses.MISSING:
        _DEFAULTS[_f.name] = _f.default
    elif _f.default_factory is not dataclasses.MISSING:
        _DEFAULTS[_f.name] = _f.default_factory
_LIST_ITEM_TYPES: dict[str, type] = {
    name: typing.get_origin(typing.get_args(_HINTS[name])[0]) or typing.get_args(_HINTS[name])[0]
    for name in ARTICLE_FIELDS
    if typing.get_origin(_HINTS[name]) is list
}


def article_record(value: Any) -> dict[str, Any]:
    """The exported record for one parsed JSON value: every Article field, in the schema's order,
    missing optional fields set to their defaults, unknown keys left out.

    Raises RecordError when value is not an object, lacks a required field, has a value of the
    wrong type, or a date-time field that is not ISO 8601."""
    if not isinstance(value, dict):
        raise RecordError("not a JSON object", type(value).__name__)
    missing = [name for name in REQUIRED_FIELDS if value.get(name) is None]
    if missing:
        raise RecordError("missing field", ", ".join(missing))
    record: dict[str, Any] = {}
    for name in ARTICLE_FIELDS:
        if name in value:
            field_value = value[name]
        else:
            default = _DEFAULTS.get(name)
            field_value = default() if callable(default) else default
        types = FIELD_TYPES[name]
        # bool is an int to Python, not to the schema
        if not isinstance(field_value, types) or (isinstance(field_value, bool) and bool not in types):
            found = type(field_value).__name__
            raise RecordError("wrong type", f"{name} is {found}, not {_type_names(types)}")
        item_type = _LIST_ITEM_TYPES.get(name)
        if item_type is not None and not all(isinstance(v, item_type) for v in field_value):
            raise RecordError("wrong type", f"{name} holds an item that is not {item_type.__name__}")
        record[name] = field_value
    for name in DATETIME_FIELDS:
        if record[name] is not None:
            try:
                datetime.fromisoformat(record[name])
            except ValueError:
                raise RecordError("bad date-time", f"{name}={record[name]!r}") from None
    return record


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 string as an aware datetime; a time without an offset is taken as +08:00."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TZ)


def article_key(record: dict[str, Any]) -> str:
    """What identifies the story: its canonical URL, else the URL it was fetched from."""
    return record["canonical_url"] or record["url"]
