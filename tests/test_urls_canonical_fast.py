"""canonical_url gives a URL that is canonical already back without w3lib (issue 16, speed): only
URLs w3lib's canonicalisation would leave unchanged may take that way."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsportal.urls import _canonical, _canonical_by_w3lib, is_canonical_already

sys.path.insert(0, str(Path(__file__).parent))
from test_site_url_rules import URLS

REWRITES = ((r"/m/a/", "/a/"),)


def test_most_links_we_have_take_the_short_way_and_are_canonical():
    short = [u for u in URLS if is_canonical_already(u)]
    assert len(short) > 1000
    assert [u for u in short if _canonical_by_w3lib(u, (), ()) != u] == []


@pytest.mark.parametrize("url", URLS[:: max(1, len(URLS) // 1500)])
def test_canonical_is_what_w3lib_gives(url: str):
    assert _canonical(url, ("spm",), REWRITES) == _canonical_by_w3lib(url, ("spm",), REWRITES)


@pytest.mark.parametrize(
    "url",
    [
        "http://1.2.3/a",  # a numeric last label: an IPv4 number to URL parsers
        "http://0x7f.1/a",
        "http://1.2.3.04/x",
        "http://127.0.0.1:80/a",  # the default port goes
        "https://a.com:443/",
        "http://a.com:08080/",
        "http://a.com:65536/",  # out of range: w3lib raises
        "http://a--b.com/x",
        "http://xn--fiqs8s.cn/",
        "http://a.com/a/../b",
        "http://a.com/./b",
        "http://a.com//b",
        "http://A.com/",
        "HTTP://a.com/",
        "http://a.com",
        "http://a.com/x?spm=1",
        "http://a.com/x#top",
        "http://a.com/x;jsessionid=1",
        "http://a.com/%41",
        " http://a.com/x",
    ],
)
def test_urls_w3lib_changes_or_refuses_take_the_long_way(url: str):
    assert not is_canonical_already(url)


def test_a_rewritten_url_takes_the_long_way():
    assert _canonical("http://a.com/m/a/1.html", (), REWRITES) == "http://a.com/a/1.html"


_label = st.from_regex(r"[a-z0-9-]{1,6}|0x[0-9a-f]{1,3}|[0-9]{1,4}", fullmatch=True)
_url = st.builds(
    lambda scheme, labels, port, segments, slash: (
        f"{scheme}://{'.'.join(labels)}{port}/{'/'.join(segments)}{slash}"
    ),
    st.sampled_from(["http", "https"]),
    st.lists(_label, min_size=1, max_size=4),
    st.sampled_from(["", ":80", ":443", ":8080", ":0", ":08", ":65535", ":65536", ":99999"]),
    st.lists(st.from_regex(r"[A-Za-z0-9_.~%-]{0,6}", fullmatch=True), max_size=4),
    st.sampled_from(["", "/"]),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_url)
def test_every_url_taking_the_short_way_is_left_unchanged_by_w3lib(url: str):
    if is_canonical_already(url):
        assert _canonical_by_w3lib(url, (), ()) == url
