"""Which URLs the crawl may fetch: the one scheme-and-host policy (pure: no Scrapy, no network).

Only ``http`` and ``https`` are ever fetched: a ``file:`` link would read the crawl machine's own
disk into the corpus, ``ftp:``/``data:``/app deep links are not pages. Hosts that are, or resolve to,
loopback, private, link-local (169.254.x.x: cloud metadata), shared, reserved, multicast or
unspecified addresses are refused too (a portal page must not make the crawler probe the network it
runs in), except:

* origins (host and port) the site starts from when the operator chose them: ``-a start_url=`` on a
  private or loopback host; other private origins linked from it are still refused;
* loopback hosts, for a portal we serve ourselves (the bundled sample portal: ``local_site``);
* every host, when ``NEWSPORTAL_ALLOW_PRIVATE_HOSTS`` is on (an intranet crawl).

A host is judged as the resolver would read it: IP literals in every form ``inet_aton`` accepts
(``2130706433``, ``0x7f.1``, ``0177.0.0.1``), IPv6 literals (``[::1]``, IPv4-mapped
``[::ffff:127.0.0.1]``), ``localhost`` and ``*.localhost`` (RFC 6761). Other names need a DNS
answer: ``address_refusal`` judges the address a name resolved to (newsportal.urlguard does the
lookup without blocking the reactor and checks the address the response came from).

Refusal reasons (stats ``newsportal/refused/<reason>``): ``scheme``, ``no_host``, ``private_host``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Origin = tuple[str, int]  # (host as written, lowercased; port, the scheme's default when absent)

# What inet_aton may read as an IPv4 address: decimal, octal and hex parts, 1 to 4 of them.
_LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)


def scheme_allowed(url: str) -> bool:
    """True when url is http: or https: (case-insensitive)."""
    try:
        return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES
    except ValueError:
        return False


def host_address(host: str) -> IPAddress | None:
    """The address a host names without DNS: an IPv4 literal in any form the C resolver reads
    (dotted, decimal, octal, hex, shortened), an IPv6 literal (brackets and zone allowed), or
    127.0.0.1 for ``localhost`` and its subdomains. None for any other name (DNS decides)."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if not host:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_refusal(address: IPAddress | str) -> str | None:
    """ "private_host" when the address is not a public unicast one (loopback, private, link-local,
    shared, reserved, multicast, unspecified, documentation ranges; IPv4-mapped and 6to4 forms are
    judged by the IPv4 address they carry), else None. An unparsable address is refused."""
    try:
        addr = ipaddress.ip_address(str(address).split("%", 1)[0]) if isinstance(address, str) else address
    except ValueError:
        return "private_host"
    if isinstance(addr, ipaddress.IPv6Address):
        inner = addr.ipv4_mapped or addr.sixtofour
        if inner is not None:
            return address_refusal(inner)
    if addr.is_multicast or not addr.is_global:
        return "private_host"
    return None


def origin(url: str) -> Origin | None:
    """(host, port) of an http(s) URL, the port defaulted by scheme; None when it has no host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    return host, port if port is not None else DEFAULT_PORTS.get(parts.scheme.lower(), 0)


@dataclass(frozen=True)
class UrlPolicy:
    """The policy for one crawl: ``own`` origins are the site's even on private addresses;
    ``allow_private`` lets every private host through (intranet crawls)."""

    allow_private: bool = False
    own: frozenset[Origin] = field(default_factory=frozenset)
    # A portal we serve ourselves (the sample portal, also served on other ports by `scrapy check`):
    # loopback addresses are its own; other private ones are still refused.
    local_site: bool = False

    def with_own(self, urls: Iterable[str]) -> UrlPolicy:
        """This policy with the origins of urls (http(s) only) added to the site's own."""
        extra = {o for u in urls if scheme_allowed(u) and (o := origin(u)) is not None}
        return replace(self, own=self.own | extra)

    def is_own(self, url: str) -> bool:
        o = origin(url)
        return o is not None and (o in self.own or self._same_address(o) or self._local(host_address(o[0])))

    def _local(self, address: IPAddress | str | None) -> bool:
        if not self.local_site or address is None:
            return False
        try:
            addr = ipaddress.ip_address(str(address))
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        return addr.is_loopback

    def _same_address(self, o: Origin) -> bool:
        # http://2130706433:8000/ is the own http://127.0.0.1:8000/ under another spelling
        address = host_address(o[0])
        return address is not None and any(
            port == o[1] and host_address(host) == address for host, port in self.own
        )

    def refusal(self, url: str) -> str | None:
        """Why url must not be fetched, judged without DNS: "scheme", "no_host" or
        "private_host" (an address literal or localhost that is not the site's own); None when it
        may be fetched (a name still needs ``address_refusal`` on what it resolves to)."""
        if not scheme_allowed(url):
            return "scheme"
        o = origin(url)
        if o is None:
            return "no_host"
        if self.allow_private or self.is_own(url):
            return None
        address = host_address(o[0])
        return address_refusal(address) if address is not None else None

    def needs_lookup(self, url: str) -> bool:
        """True when url's host is a name whose address must be looked up and judged."""
        o = origin(url)
        return (
            o is not None and not self.allow_private and host_address(o[0]) is None and not self.is_own(url)
        )

    def resolved_refusal(self, url: str, address: IPAddress | str | None) -> str | None:
        """Why url must not be fetched given the address its host resolved to (or a response came
        from); None when allowed, own, unknown (no address), or private hosts are allowed."""
        if address is None or self.allow_private or self.is_own(url) or self._local(address):
            return None
        return address_refusal(address)
