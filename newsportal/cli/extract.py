"""``newsportal extract [--url URL] [--site NAME] FILE...``: the fields of saved pages, as JSON Lines.

Same code path as the spider: bytes → encoding detection → the site profile's rules with the generic
fallbacks → one Article → the clean pipeline's cleaning. One JSON object per file on stdout; a file
that cannot be read or extracted is reported on stderr with the reason, the next files are still
extracted, and the exit code is 1 when any file failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import datetime
from pathlib import Path

from newsportal.extract.article import extract_from_selector, make_selector, merge_pages
from newsportal.extract.dates import CHINA_TZ
from newsportal.pipelines.clean import clean_article
from newsportal.sites import get_site, page_urls, site_for_page
from newsportal.sites.base import Site


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="print the fields of saved article pages as JSON Lines")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--url", help="the address the page was saved from (picks the site profile)")
    p.add_argument("--site", help="use this site profile instead of recognising it from the URL")
    p.add_argument("--now", help="ISO time that relative dates are resolved against (default: now)")
    p.set_defaults(run=run)


def extract_file(path: Path, url: str | None, site: Site | None, now: datetime) -> dict:
    """The cleaned Article fields of one saved page, as a dict."""
    return extract_page(path.read_bytes(), url or path.resolve().as_uri(), site, now)


def extract_page(body: bytes, url: str, site: Site | None, now: datetime) -> dict:
    """The cleaned Article fields of a page's bytes, as a dict. Without a site, the profile is the one
    url belongs to or, for a saved page (a file:// URL), the one the page's own markup names; a saved
    page's ``url`` is the address it gives for itself when it gives one."""
    sel, encoding = make_selector(body)
    own_urls = None
    if not url.startswith(("http://", "https://")):
        # A saved page: its own canonical / og:url address is where it came from (and the base its
        # protocol-relative links resolve against).
        own_urls = page_urls(sel)
        url = next(iter(own_urls), url)
    fetched = url.startswith(("http://", "https://"))
    profile = site or site_for_page(sel, url if fetched else None, own_urls)
    fields = extract_from_selector(sel, url, profile, now=now)
    fields.encoding = encoding
    article = clean_article(merge_pages([fields], site=profile.name, fetched_at=now))
    return dataclasses.asdict(article)


def run(args: argparse.Namespace) -> int:
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(CHINA_TZ)
    if now.tzinfo is None:
        now = now.replace(tzinfo=CHINA_TZ)
    site = get_site(args.site) if args.site else None
    failed = 0
    for path in args.files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"newsportal extract: {path}: not readable: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
            continue
        try:
            record = extract_page(body, args.url or path.resolve().as_uri(), site, now)
        except Exception as exc:  # one bad page must not stop the files after it
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            print(f"newsportal extract: {path}: extraction failed ({reason})", file=sys.stderr)
            failed += 1
            continue
        print(json.dumps(record, ensure_ascii=False), flush=True)
    if failed:
        print(f"newsportal extract: {failed} of {len(args.files)} file(s) failed", file=sys.stderr)
    return 1 if failed else 0
