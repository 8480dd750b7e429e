"""Every extraction record of every page we have, as one JSON file: the check that a speed change
changes no answer.

    .venv/bin/python tools/dump_records.py OUT.json          # dump
    .venv/bin/python tools/dump_records.py OUT.json --compare BEFORE.json

Pages: ``../shared/pages`` and ``../shared/pages-wild`` (or $NEWSPORTAL_DEVSET / $NEWSPORTAL_WILDSET),
our fixtures (``tests/pages``) and the sample portal (``samples/portal``). Each page gives:

* ``extract``: ``newsportal extract``'s record (the profile recognised from the page);
* ``generic``: the same through the generic profile;
* ``analyse``: ``analyse_page`` as the crawl calls it on an unknown portal (judged, article links),
  and as a listing.

The sample portal's articles and ~230 pages of the benchmarks' synthetic portal (every sixth
article, so every channel: UTF-8 and GBK /local/ ones; reprints, near copies, second pages; a few
listings) also give ``prepare``: ``analyse_and_prepare`` as the crawl's extraction worker calls
it on the sample profile (the analysed page, the cleaned values, the dedup keys with the signature
as hex), so the worker's whole path is compared.

With ``--compare``, exits 1 and names the pages whose records differ; 0 when all are identical.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path

from newsportal.cli.extract import extract_page
from newsportal.extract.dates import CHINA_TZ, format_datetime
from newsportal.extract.page import analyse_page
from newsportal.extract.scoring import devset_dir, wildset_dir
from newsportal.pageanalysis import analyse_and_prepare
from newsportal.sites import get_site

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)


def pages() -> list[Path]:
    """Every page, in a fixed order."""
    found: list[Path] = []
    for folder in (devset_dir(), wildset_dir()):
        if folder is not None and folder.is_dir():
            found.extend(sorted(folder.glob("*.html")))
    found.extend(sorted((ROOT / "tests" / "pages").rglob("*.html")))
    found.extend(sorted((ROOT / "samples" / "portal").rglob("*.html")))
    return found


def _plain(value: object) -> object:
    """A JSON-able form of what analyse_page returns (dataclasses, datetimes)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return value


def _key(path: Path) -> str:
    """The page's name in the dump: its path in the project, or its set's folder and file name."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else f"{path.parent.name}/{path.name}"


def records(path: Path) -> dict:
    body = path.read_bytes()
    url = path.resolve().as_uri()
    generic = get_site("generic")
    out: dict = {}
    for name, call in (
        ("extract", lambda: extract_page(body, url, None, NOW)),
        ("generic", lambda: extract_page(body, url, generic, NOW)),
        ("analyse", lambda: analyse_page(body, url, generic, NOW, judge=True, article_links=True)),
        ("listing", lambda: analyse_page(body, url, generic, NOW, prior="listing")),
    ):
        try:
            out[name] = _plain(call())
        except Exception as exc:  # a failure is a record too: it must stay the same failure
            out[name] = f"{type(exc).__name__}: {exc}"
    return out


SAMPLE_BASE = "http://127.0.0.1:8000"


def _prepared(body: bytes, url: str, prior: str = "article") -> object:
    """analyse_and_prepare on the sample profile, as the crawl's worker calls it."""
    site = get_site("sample").with_start(SAMPLE_BASE + "/")
    try:
        return _plain(analyse_and_prepare(body, url, site, NOW, "text/html", False, prior, False, True, 0))
    except Exception as exc:  # a failure is a record too
        return f"{type(exc).__name__}: {exc}"


def prepared_records() -> dict[str, dict]:
    """``prepare`` records: the sample portal's articles, and synthetic-portal pages."""
    out: dict[str, dict] = {}
    portal_dir = ROOT / "samples" / "portal"
    for path in sorted((portal_dir / "a").glob("*.html")):
        url = f"{SAMPLE_BASE}/{path.relative_to(portal_dir).as_posix()}"
        out[_key(path)] = {"prepare": _prepared(path.read_bytes(), url)}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic_portal import FIRST_ID, SyntheticPortal

    portal = SyntheticPortal(2000)
    paths = [portal.article_path(i) for i in range(FIRST_ID, FIRST_ID + 1200, 6)]
    # near copies (…77), reprints (…55) and two-page articles (…07 % 50) with their second pages
    paths += [portal.article_path(i) for i in range(FIRST_ID, FIRST_ID + 1000) if i % 100 in (55, 77)]
    multi = [portal.article_path(i) for i in range(FIRST_ID, FIRST_ID + 400) if portal.is_multipage(i)]
    paths += multi + [p.replace(".html", "_p2.html") for p in multi]
    for path in dict.fromkeys(paths):
        _status, _, body = portal.render(path)
        out[f"synthetic{path}"] = {"prepare": _prepared(body, SAMPLE_BASE + path)}
    for channel in ("news", "local"):
        for page in ("index.html", "index_3.html"):
            path = f"/{channel}/{page}"
            _status, _, body = portal.render(path)
            out[f"synthetic{path}"] = {"prepare": _prepared(body, SAMPLE_BASE + path, "listing")}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="a dump to compare with, record by record")
    args = parser.parse_args(argv)
    dump = {_key(p): records(p) for p in pages()}
    for page, record in prepared_records().items():
        dump.setdefault(page, {}).update(record)
    args.out.write_text(json.dumps(dump, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    print(f"{len(dump)} pages, {sum(len(r) for r in dump.values())} records -> {args.out}")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    changed = sorted(
        f"{page} {kind}"
        for page in set(before) | set(dump)
        for kind in set(before.get(page, {})) | set(dump.get(page, {}))
        if before.get(page, {}).get(kind) != dump.get(page, {}).get(kind)
    )
    for line in changed:
        print("changed:", line)
    print("identical" if not changed else f"{len(changed)} record(s) differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
