"""Canonical URLs: one URL per story, whatever tracking parameters or mobile host it was linked with.

Pure functions (no Scrapy): the spider, the pipelines and the CLI use the same ones.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url, safe_url_string

from newsportal.urlpolicy import scheme_allowed

# Parameters that never change the page on any portal: analytics and share tracking.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "spm",
        "from",
        "scm",
        "share_token",
        "sharefrom",
        "wxshare",
        "isappinstalled",
        "tt_from",
        "gclid",
        "fbclid",
        "nsukey",
    }
)
_TRACKING_PREFIXES = ("utm_", "spm_")

# Session identifiers of server frameworks (Java, PHP, ASP, ColdFusion, ...): the same page under a
# new name for every visitor, so a crawl that keeps them fetches every page once per session.
SESSION_PARAMS: frozenset[str] = frozenset(
    {
        "sid",
        "sessid",
        "sessionid",
        "session_id",
        "session-id",
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
    }
)
_SESSION_PREFIXES = ("aspsessionid",)  # ASP appends a random suffix: ASPSESSIONIDQACBDRST
# ";jsessionid=..." (any case) as a path parameter, up to the next "?", "#", "/" or ";".
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^?#/;]*", re.IGNORECASE)


def _is_tracking(name: str, extra: frozenset[str]) -> bool:
    lname = name.lower()
    return (
        lname in TRACKING_PARAMS
        or lname in SESSION_PARAMS
        or lname in extra
        or lname.startswith(_TRACKING_PREFIXES)
        or lname.startswith(_SESSION_PREFIXES)
    )


def strip_tracking(url: str, extra: Iterable[str] = ()) -> str:
    """url without tracking and session query parameters (the shared lists plus a site's own,
    case-insensitive) and without a ``;jsessionid=`` path parameter."""
    parts = urlsplit(url)
    if ";" in parts.path:
        path = _PATH_SESSION.sub("", parts.path)
        if path != parts.path:
            parts = parts._replace(path=path)
            url = urlunsplit(parts)
    if not parts.query:
        return url
    extra_set = frozenset(p.lower() for p in extra)
    kept = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k, extra_set)
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def apply_rewrites(url: str, rewrites: Iterable[tuple[str, str]]) -> str:
    """Each (regex, replacement) applied in turn: maps mobile URLs to desktop ones."""
    for pattern, repl in rewrites:
        url = re.sub(pattern, repl, url)
    return url


def canonical_url(
    url: str,
    *,
    tracking_params: Iterable[str] = (),
    rewrites: Iterable[tuple[str, str]] = (),
) -> str:
    """The canonical form of url: rewrites, tracking parameters removed, then w3lib canonicalisation
    (sorted query, normalised percent-encoding, no fragment). Lowercases the host and drops the
    scheme's default port."""
    try:
        return _canonical_cached(url, tuple(tracking_params), tuple(rewrites))
    except TypeError:  # unhashable rewrites (lists): the same answer, not remembered
        return _canonical(url, tracking_params, rewrites)


# A crawl canonicalises one article URL several times (on its listing, in other articles' related
# links, as its own page's canonical link); w3lib's canonicalisation is the costly part.
@lru_cache(maxsize=8192)
def _canonical_cached(
    url: str, tracking_params: tuple[str, ...], rewrites: tuple[tuple[str, str], ...]
) -> str:
    return _canonical(url, tracking_params, rewrites)


def _canonical(url: str, tracking_params: Iterable[str], rewrites: Iterable[tuple[str, str]]) -> str:
    # Most links are canonical already (a site's own plain article URLs): w3lib's two passes
    # over one cost 20-40 us, a tenth of an article page's extraction (issue 16).
    if is_canonical_already(url) and apply_rewrites(url, rewrites) == url:
        return url
    return _canonical_by_w3lib(url, tracking_params, rewrites)


def _canonical_by_w3lib(url: str, tracking_params: Iterable[str], rewrites: Iterable[tuple[str, str]]) -> str:
    url = apply_rewrites(safe_url_string(url.strip()), rewrites)
    url = strip_tracking(url, tracking_params)
    canon = canonicalize_url(url, keep_fragments=False)
    parts = urlsplit(canon)
    netloc = parts.netloc.lower()
    # The scheme's default port names the same page: "http://x.cn:80/a" is "http://x.cn/a".
    if parts.port is not None and _DEFAULT_PORTS.get(parts.scheme) == parts.port:
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit(parts._replace(netloc=netloc))


_DEFAULT_PORTS = {"http": 80, "https": 443}

# An http(s) URL that canonicalisation leaves as it is: lower-case scheme and host (ASCII labels, no
# "--" that IDNA would check, no numeric last label but a plain dotted quad, which URL parsers read
# as an IPv4 number), no default, zero-led or out-of-range port, a path of unreserved characters
# without "." or ".." or empty segments, no query, no fragment. Anything else goes through w3lib
# (tests/test_urls_canonical_fast.py compares the two on every link we have and generated ones).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_CANONICAL_ALREADY = re.compile(
    rf"(https?)://((?:{_LABEL}\.)*{_LABEL})(?::([1-9][0-9]{{0,4}}))?"
    r"(?:(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)+/?|/)"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def is_canonical_already(url: str) -> bool:
    """Whether url is of the shape above (canonical_url gives it back unchanged, rewrites aside)."""
    match = _CANONICAL_ALREADY.fullmatch(url)
    if match is None:
        return False
    scheme, host, port = match.groups()
    if len(host) > 253 or "--" in host:
        return False
    if host.rsplit(".", 1)[-1][0].isdigit() and not _DOTTED_QUAD.fullmatch(host):
        return False
    return port is None or (int(port) <= 65535 and int(port) != _DEFAULT_PORTS[scheme])


def absolute(base: str, href: str | None) -> str | None:
    """href resolved against base when the result is an http(s) URL with a host; None for empty,
    javascript:, mailto: and fragment-only links, for file:, ftp:, data: and any other scheme
    (newsportal.urlpolicy: only http(s) is ever fetched), and for hrefs that are no URL at all."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    fast = _plain_join(base, href)
    if fast is not None:
        return fast or None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # .port raises on a port out of range or not a number
    except ValueError:  # "http://[::1", "http://x:99999/": no URL a server could be at
        return None
    return url if host and scheme_allowed(url) else None


# What urljoin gives back as it is, or as the base's origin and the href: a root-relative path or an
# absolute http(s) URL (scheme in lower case, an ASCII host) with no part urljoin would rewrite: no
# empty, "." or ".." segment ("//", "/."), no ";" parameters, no fragment, no empty query, none of the
# characters urlsplit removes (tab, CR, LF) or treats specially. Most links of a page are one of the
# two; anything else goes through urljoin (tests/test_urls_join.py compares the two on a table of hrefs).
_PLAIN_PATH = r"(?:/(?!/)[^\s/;#?]*)*(?:\?[^\s;#]+)?"  # and no "/." before the query (checked apart)
_ROOT_RELATIVE = re.compile(_PLAIN_PATH)
_ABSOLUTE = re.compile(r"(https?)://([A-Za-z0-9.:-]+)" + f"(?:{_PLAIN_PATH})?")


def _plain_join(base: str, href: str) -> str | None:
    """urljoin(base, href) checked as ``absolute`` checks it ("" for a URL it refuses) for the hrefs
    described above; None for any other href (or base), which urljoin must resolve."""
    if href[0] == "/":
        if not _ROOT_RELATIVE.fullmatch(href) or "/." in href.split("?", 1)[0]:
            return None
        origin = _origin(base)
        if origin is None:
            return None
        return origin + href if origin else ""
    match = _ABSOLUTE.fullmatch(href)
    if match is None or "/." in href.split("?", 1)[0][len(match.group(1)) + 3 :]:
        return None
    base_scheme = _origin_parts(base)
    if base_scheme is None or not base_scheme[0]:
        return None
    return href if _netloc_ok(match.group(1), match.group(2)) else ""


def _origin_parts(base: str) -> tuple[str, str] | None:
    """(scheme, netloc) of an http(s) base as urljoin reads them; None for another base."""
    # A page's own URL is the base of its links, a new one every page: read without urlsplit when
    # it is plain (lower-case scheme, an ASCII host, no character urlsplit removes).
    match = _PLAIN_BASE.match(base)
    if match is not None and not _REMOVED.search(base):
        return match.group(1), match.group(2)
    return _split_origin(base)


_PLAIN_BASE = re.compile(r"(https?)://([A-Za-z0-9.:-]+)(?:[/?#]|$)")
_REMOVED = re.compile(r"[\t\r\n]")


@lru_cache(maxsize=256)
def _split_origin(base: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc


def _origin(base: str) -> str | None:
    """The scheme and netloc a root-relative href is joined to ("" when ``absolute`` would refuse
    every URL on that host: no host, a bad port); None for a base that is no http(s) URL."""
    parts = _origin_parts(base)
    if parts is None:
        return None
    scheme, netloc = parts
    return f"{scheme}://{netloc}" if _netloc_ok(scheme, netloc) else ""


@lru_cache(maxsize=1024)
def _netloc_ok(scheme: str, netloc: str) -> bool:
    """What ``absolute`` checks of a joined URL's host and port (and scheme)."""
    url = f"{scheme}://{netloc}/"
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return False
    return bool(host) and scheme_allowed(url)


def image_url(base: str, src: str | None) -> str | None:
    """An image's address, recorded in items and never fetched: http(s) like ``absolute``, or a
    file: URL when the page itself is a saved file (``newsportal extract`` on a file: its images
    sit beside it)."""
    url = absolute(base, src)
    if url is not None or not src or not base.lower().startswith("file:"):
        return url
    try:
        url = urljoin(base, src.strip())
    except ValueError:
        return None
    return url if url.lower().startswith("file:") else None


def refused_link(base: str, href: str | None) -> str | None:
    """The URL href names when it is a link that ``absolute`` refuses for its scheme (file:, ftp:,
    app deep links): what a crawl counts as refused. None for http(s) links and for the hrefs that
    are no links (empty, fragments, javascript:, mailto:, tel:, data:)."""
    if not href or absolute(base, href) is not None:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    fast = _plain_join(base, href)
    if fast is not None:
        return fast or None
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    return None if scheme_allowed(url) else url


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on the same host or share a parent domain (news.sina.com.cn and
    sports.sina.com.cn); IP addresses only match themselves. Ports are not compared."""
    a = (urlsplit(url).hostname or "").lower()
    b = (urlsplit(other).hostname or "").lower()
    if not a or not b:
        return False
    if a == b:
        return True
    if _is_ip(a) or _is_ip(b):
        return False  # addresses have no parent domain: 127.0.0.1 and 10.0.0.1 are not one site
    return registrable_domain(a) == registrable_domain(b)


# The Public Suffix List as tldextract bundles it (a snapshot in the wheel): never fetched at run time
# (no suffix_list_urls), no cache written (cache_dir=None). Private suffixes count too, so a crawl that
# starts at someone.github.io stays on it. A list we would keep by hand misses the 400-odd provincial
# and city suffixes of .cn alone (sh.cn, bj.cn, gd.cn, ...).
_PSL = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The domain a portal's hosts share, by the Public Suffix List: ``news.example.com`` →
    ``example.com``, ``news.sina.com.cn`` → ``sina.com.cn``, ``news.example.sh.cn`` → ``example.sh.cn``.
    IP addresses, single-label hosts, a public suffix itself and hosts under no known suffix are
    returned as they are (lowercased: a crawl stays on that one host); an empty host gives ""."""
    host = host.lower().strip(".")
    if not host or _is_ip(host):
        return host
    return _PSL.extract_str(host).top_domain_under_public_suffix or host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
