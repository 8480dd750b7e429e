"""Registrable domains by the Public Suffix List (tldextract's bundled snapshot, never fetched): a
generic crawl stays on its portal under provincial .cn suffixes too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsportal.urls import registrable_domain, same_site
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        # provincial and city suffixes under .cn
        ("news.example.sh.cn", "example.sh.cn"),
        ("www.example.bj.cn", "example.bj.cn"),
        ("a.b.example.gd.cn", "example.gd.cn"),
        ("example.sh.cn", "example.sh.cn"),
        # the usual cases
        ("news.example.com", "example.com"),
        ("News.Example.COM.", "example.com"),
        ("news.sina.com.cn", "sina.com.cn"),
        ("www.people.com.cn", "people.com.cn"),
        ("news.example.co.uk", "example.co.uk"),
        ("www.example.org.cn", "example.org.cn"),
        # a public suffix itself is its own site: www.gov.cn does not own every *.gov.cn
        ("www.gov.cn", "www.gov.cn"),
        ("sh.cn", "sh.cn"),
        # a private suffix (PSL private section): one user's pages, not the host's
        ("someone.github.io", "someone.github.io"),
        # no registrable domain: the host as it is
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("localhost", "localhost"),
        ("news.corp.internal", "news.corp.internal"),
        ("", ""),
    ],
)
def test_registrable_domain_by_the_public_suffix_list(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


def test_provincial_cn_portals_are_not_one_site() -> None:
    assert same_site("http://news.example.sh.cn/a", "http://www.example.sh.cn/b")
    assert not same_site("http://news.example.sh.cn/a", "http://news.other.sh.cn/b")


def test_generic_crawl_under_a_provincial_suffix_stays_on_its_portal() -> None:
    from newsportal.spiders.portal import PortalSpider

    spider = PortalSpider(start_url="http://news.example.sh.cn/roll/")
    assert spider.site.domains == ("example.sh.cn",)
    assert spider.site.owns("http://www.example.sh.cn/a/abcdef12")
    assert not spider.site.owns("http://news.other.sh.cn/a/abcdef12")


def test_the_suffix_list_is_never_fetched_nor_cached(tmp_path: Path) -> None:
    """With every socket refused and a fresh home and cache dir, the answer still comes (from the
    snapshot in tldextract's wheel) and no cache file is written."""
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from newsportal.urls import registrable_domain\n"
        "print(registrable_domain('news.example.sh.cn'))\n"
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TLDEXTRACT_CACHE": str(tmp_path / "tld"),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "example.sh.cn"
    assert list(tmp_path.rglob("*")) == []
