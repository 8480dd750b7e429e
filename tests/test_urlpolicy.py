"""The URL policy (newsportal.urlpolicy): only http(s), and no private host unless it is the site's own."""

from __future__ import annotations

import ipaddress

import pytest

from newsportal.urlpolicy import UrlPolicy, address_refusal, host_address, origin

POLICY = UrlPolicy()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE://127.0.0.1/etc/passwd",
        "ftp://ftp.example.cn/",
        "gopher://x.cn/",
        "data:,x",
    ],
)
def test_other_schemes_are_refused(url: str) -> None:
    assert POLICY.refusal(url) == "scheme"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.2:8080/a",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://news.localhost/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space (carrier NAT)
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://0.0.0.0/",
        "http://0/",
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",  # hex, shortened
        "http://0x7f000001/",
        "http://0177.0.0.1/",  # octal
        "http://017700000001/",
        "http://2852039166/",  # 169.254.169.254 as one number
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1%25eth0]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:a9fe:a9fe]/",  # IPv4-mapped 169.254.169.254
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    ],
)
def test_private_loopback_link_local_and_reserved_hosts_are_refused_in_every_spelling(url: str) -> None:
    assert POLICY.refusal(url) == "private_host"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.sohu.com/a/1_2",
        "http://news.sina.com.cn/",
        "http://8.8.8.8/",
        "http://[2001:4860::8888]/",
        "http://1.2.3/",
    ],
)
def test_public_hosts_and_names_pass_without_dns(url: str) -> None:
    assert POLICY.refusal(url) is None


def test_names_need_a_lookup_and_their_address_decides() -> None:
    assert POLICY.needs_lookup("http://news.example.cn/a")
    assert not POLICY.needs_lookup("http://127.0.0.1/a")
    assert POLICY.resolved_refusal("http://news.example.cn/a", "10.0.0.7") == "private_host"
    assert POLICY.resolved_refusal("http://news.example.cn/a", "169.254.169.254") == "private_host"
    assert POLICY.resolved_refusal("http://news.example.cn/a", "93.184.216.34") is None
    assert POLICY.resolved_refusal("http://news.example.cn/a", None) is None  # no answer: the fetch fails


def test_the_operators_own_origin_is_allowed_and_no_other_private_one() -> None:
    policy = UrlPolicy().with_own(["http://127.0.0.1:8000/"])
    assert policy.refusal("http://127.0.0.1:8000/a/1.html") is None
    assert policy.refusal("http://2130706433:8000/a/1.html") is None  # the same server, spelled otherwise
    assert policy.refusal("http://127.0.0.1:8001/a/1.html") == "private_host"
    assert policy.refusal("http://127.0.0.1/a/1.html") == "private_host"
    assert policy.refusal("http://10.0.0.1:8000/") == "private_host"
    assert policy.resolved_refusal("http://127.0.0.1:8000/a", ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal("file://127.0.0.1:8000/etc/passwd") == "scheme"


def test_a_setting_allows_private_hosts_but_never_other_schemes() -> None:
    policy = UrlPolicy(allow_private=True)
    assert policy.refusal("http://10.0.0.1/intranet/") is None
    assert policy.resolved_refusal("http://intranet.corp/", "10.0.0.1") is None
    assert not policy.needs_lookup("http://intranet.corp/")
    assert policy.refusal("file:///etc/passwd") == "scheme"


def test_a_url_without_a_host_is_refused() -> None:
    assert POLICY.refusal("http:///etc/passwd") == "no_host"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("localhost", "127.0.0.1"),
        ("example.cn", None),
        ("face.bed", None),
        ("0x", None),
    ],
)
def test_host_address_reads_ip_literals_as_the_resolver_does(host: str, address: str | None) -> None:
    found = host_address(host)
    assert (str(found) if found is not None else None) == address


def test_unparsable_addresses_are_refused_and_origins_default_their_port() -> None:
    assert address_refusal("not an address") == "private_host"
    assert origin("https://WWW.x.cn/a") == ("www.x.cn", 443)
    assert origin("http://x.cn:8080/") == ("x.cn", 8080)
    assert origin("http://x.cn:99999/") is None


def test_a_portal_we_serve_ourselves_may_use_any_loopback_port_and_nothing_else_private() -> None:
    policy = UrlPolicy(local_site=True)
    assert policy.refusal("http://127.0.0.1:41234/a/1001_301.html") is None
    assert policy.refusal("http://localhost:8631/") is None
    assert policy.refusal("http://10.0.0.1/") == "private_host"
    assert policy.refusal("http://169.254.169.254/") == "private_host"
    assert policy.resolved_refusal("http://portal.test/", "127.0.0.1") is None
    assert policy.resolved_refusal("http://portal.test/", "192.168.0.1") == "private_host"
