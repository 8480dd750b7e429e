"""Spidermon's item validation, with the schema compiled once (``ItemValidationPipeline``).

Spidermon's ``JSONSchemaValidator`` makes a jsonschema validator for every item and walks the schema
keyword by keyword: ~260 µs an Article, the largest cost an item had in the crawl process. Here the
schema is also compiled once by fastjsonschema (Python code generated for it, ~20 µs an Article),
which answers for a valid item. Everything else is Spidermon's, so its stats, messages and monitors
are unchanged:

* an item the compiled check refuses is validated by Spidermon's own path, which gives its errors;
* the formats (``uri``, ``date-time``…) are checked by the same functions Spidermon's jsonschema
  validation uses (its format checker), not by fastjsonschema's own patterns;
* where fastjsonschema and jsonschema differ, the compiled check is not asked: an item holding a tuple
  (fastjsonschema takes one for an array, jsonschema does not), and a schema using any keyword
  outside ``COMPILED_KEYWORDS`` (fastjsonschema ignores keywords of drafts after 7).

The item is validated as a dict of its own field values, not as ``ItemAdapter(item).asdict()``: that
copies every nested list and dict (~130 µs an Article, more than the compiled check), and validation
only reads. A dataclass item whose values are not all plain JSON values (a nested item, a set) is
still copied by ItemAdapter, so the validators see what Spidermon's pipeline gives them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from functools import partial
from typing import Any

import fastjsonschema
from itemadapter import ItemAdapter
from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline as SpidermonPipeline
from spidermon.contrib.scrapy.stats import NAMES
from spidermon.contrib.validation import JSONSchemaValidator
from spidermon.contrib.validation.jsonschema.formats import format_checker

from newsportal.items import field_names

# Keywords whose meaning fastjsonschema and jsonschema share (and annotations): a schema with only
# these is compiled; any other keeps Spidermon's validation alone.
COMPILED_KEYWORDS = frozenset(
    {
        "$schema",
        "title",
        "description",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "format",
    }
)


def _keywords(schema: Any) -> set[str]:
    """Every keyword a schema uses, nested schemas included (property names are not keywords)."""
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            for sub in value.values():
                found |= _keywords(sub)
        elif key in ("items", "additionalProperties"):
            found |= _keywords(value)
        elif key == "anyOf" and isinstance(value, list):
            for sub in value:
                found |= _keywords(sub)
    return found


def _conforms(name: str, value: Any) -> bool:
    return format_checker.conforms(value, name)


# Values that hold nothing: not looked into (most of an item's values, and every string in its lists).
_ATOMS = (str, int, float, type(None))


def _holds_tuple(value: Any) -> bool:
    if isinstance(value, tuple):
        return True
    if isinstance(value, list):
        values = value
    elif isinstance(value, dict):
        values = value.values()
    else:
        return False
    return any(_holds_tuple(v) for v in values if not isinstance(v, _ATOMS))


class CompiledSchemaValidator(JSONSchemaValidator):
    """Spidermon's JSONSchemaValidator whose valid items are told apart by the compiled schema."""

    def __init__(self, schema: dict, *args: Any, **kwargs: Any) -> None:
        super().__init__(schema, *args, **kwargs)
        self._compiled = None
        if _keywords(schema) <= COMPILED_KEYWORDS:
            formats = {name: partial(_conforms, name) for name in format_checker.checkers}
            # a schema it cannot compile: Spidermon's validation alone
            with contextlib.suppress(fastjsonschema.JsonSchemaDefinitionException):
                self._compiled = fastjsonschema.compile(schema, formats=formats)

    def _validate(self, data: Any, strict: bool = False) -> None:
        if self._compiled is not None and not _holds_tuple(data):
            try:
                self._compiled(data)
            except fastjsonschema.JsonSchemaException:
                pass  # not valid: Spidermon's validation says why
            else:
                return
        super()._validate(data, strict=strict)


def _plain(value: Any) -> bool:
    """Whether value is what ItemAdapter's asdict gives back as an equal value: str, numbers, None,
    and lists / tuples / dicts of them (asdict copies those, keeping their type)."""
    if value is None or type(value) in _SCALARS:
        return True
    if type(value) in (list, tuple):
        return all(map(_plain, value))
    if type(value) is dict:
        return all(map(_plain, value.values()))
    return False


_SCALARS = frozenset({str, int, float, bool})


def item_values(item: Any) -> dict[str, Any]:
    """The dict Spidermon validates, ``ItemAdapter(item).asdict()``, without its copies where they would
    be equal: a dataclass item of plain values gives its own values (read, never changed here)."""
    cls = type(item)
    if dataclasses.is_dataclass(cls):
        values = {name: getattr(item, name) for name in field_names(cls)}
        if all(map(_plain, values.values())):
            return values
    return ItemAdapter(item).asdict()


class ItemValidationPipeline(SpidermonPipeline):
    """Spidermon's ItemValidationPipeline (same settings, stats and drops) with CompiledSchemaValidator,
    validating ``item_values(item)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The keys Spidermon's add_item / add_fields count every item under, named (slugified) once,
        # by Spidermon's own function, instead of twice an item.
        self._items_key = self.stats._get_stats_name(NAMES.ITEMS)
        self._fields_key = self.stats._get_stats_name(NAMES.FIELDS)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # Spidermon's process_item (spidermon.contrib.scrapy.pipelines), but for the dict it validates.
        validators = self.find_validators(item)
        if not validators:
            return item
        item_dict = item_values(item)
        counts = self.stats.stats  # Scrapy's stats collector
        counts.inc_value(self._items_key)  # Spidermon's add_item
        counts.inc_value(self._fields_key, count=len(item_dict))  # Spidermon's add_fields
        for validator in validators:
            ok, errors = validator.validate(item_dict)
            if not ok:
                self._add_error_stats(errors)
                if self.add_errors_to_items:
                    self._add_errors_to_item(ItemAdapter(item), errors)
                if self.drop_items_with_errors:
                    self._drop_item(item, errors)
        return item

    @classmethod
    def _load_jsonschema_validator(cls, schema: Any) -> JSONSchemaValidator:
        loaded = super()._load_jsonschema_validator(schema)  # a path or JSON string read, as Spidermon does
        return CompiledSchemaValidator(loaded._schema)
