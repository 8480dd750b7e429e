"""``newsportal schema``: the JSON Schema of one exported record, generated from the Article item."""

from __future__ import annotations

import argparse
import json

from newsportal.items import json_schema


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of an exported record (from the Article item)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0
