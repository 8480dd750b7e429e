"""newsportal schema: the JSON Schema of an exported record, from the Article item; every exported
record of a real crawl validates against it."""

from __future__ import annotations

import json

import jsonschema
from test_export import crawled_dir, read_jsonl  # noqa: F401 - the session fixture

from newsportal.cli import main
from newsportal.items import ARTICLE_FIELDS, json_schema


def test_schema_command_prints_the_article_schema(capsys) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json_schema()
    assert list(printed["properties"]) == list(ARTICLE_FIELDS)


def test_every_exported_record_validates_against_the_schema(crawled_dir, tmp_path, capsys) -> None:  # noqa: F811
    assert (
        main(["export", str(tmp_path / "c.jsonl"), "--keep-duplicates", "--no-progress", str(crawled_dir)])
        == 0
    )
    records = read_jsonl(tmp_path / "c.jsonl")
    assert records
    validator = jsonschema.Draft202012Validator(json_schema(), format_checker=jsonschema.FormatChecker())
    for record in records:
        validator.validate(record)
