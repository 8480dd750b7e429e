"""A profile's URL rules are asked of every link of every page (issue 16, speed): each kind's
patterns are searched as one alternation, and a URL's host is read once. The answers must be what
searching each pattern in turn and splitting each URL gave, for every profile and every link we have."""

from __future__ import annotations

import pickle
import re
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html

from newsportal.sites import all_sites
from newsportal.sites.base import Site, _Searcher
from tests.conftest import every_page_file


def _urls() -> list[str]:
    files = every_page_file()
    urls: set[str] = set()
    for site in all_sites().values():
        for domain in site.domains:
            for host in (domain, "m." + domain):
                urls.update((f"http://{host}/", f"https://{host}/"))
    for file in files:
        tree = html.fromstring(file.read_bytes())
        for href in tree.xpath("//a/@href"):
            for base in ("https://news.sina.com.cn/c/x.shtml", "http://127.0.0.1:8800/news/"):
                try:
                    urls.add(urljoin(base, href.strip()))
                except ValueError:
                    continue
    return sorted(urls)


URLS = _urls()


def _each(patterns: tuple[str, ...], url: str) -> bool:
    return any(re.search(p, url) for p in patterns)


def _old_owns(site: Site, url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in site.domains)


def test_a_site_asked_once_still_pickles():
    # the crawl hands the profile to its extraction worker's process pickled
    site = all_sites()["sample"].with_start("http://127.0.0.1:8800/")
    url = "http://127.0.0.1:8800/a/1001_301.html"
    assert site.is_article_url(url) and not site.is_denied(url)
    copy = pickle.loads(pickle.dumps(site))
    assert (
        copy.is_article_url(url)
        and not copy.is_denied(url)
        and copy.is_listing_url("http://127.0.0.1:8800/news/")
    )


def test_there_are_links_of_every_kind():
    sample = all_sites()["sample"].with_start("http://127.0.0.1:8800/")
    kinds = {(sample.is_article_url(u), sample.is_listing_url(u), sample.is_denied(u)) for u in URLS}
    assert {(True, False, False), (False, True, False), (False, False, True)} <= kinds
    assert len(URLS) > 2000


@pytest.mark.parametrize("name", sorted(all_sites()))
def test_the_rules_answer_as_each_pattern_in_turn(name: str):
    site = all_sites()[name]
    for url in URLS:
        denied = _each(site.deny_urls, url)
        assert site.is_denied(url) == denied, url
        assert site.is_article_url(url) == (not denied and _each(site.article_urls, url)), url
        assert site.is_listing_url(url) == (not denied and _each(site.listing_urls, url)), url
        assert site.owns(url) == _old_owns(site, url), url


@pytest.mark.parametrize(
    ("patterns", "url", "found"),
    [
        ((r"(a)\1", r"x"), "zaa", True),  # a back-reference: the patterns are searched in turn
        ((r"(a)\1", r"x"), "za", False),
        ((r"(?i)^HTTP", r"/y/"), "http://h/", True),  # a global flag: in turn too
        ((r"(?i)^HTTP", r"/y/"), "ftp://h/y", False),
        ((r"^a|b$", r"c"), "xb", True),  # a top-level alternation
        ((r"^a|b$", r"c"), "bx", False),
        ((), "anything", False),  # no pattern: nothing matches (an empty alternation would)
    ],
)
def test_patterns_of_any_kind_answer_as_in_turn(patterns: tuple[str, ...], url: str, found: bool):
    assert _Searcher(patterns)(url) is found
    assert _each(patterns, url) is found
