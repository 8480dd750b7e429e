"""Properties of URL canonicalisation (newsportal.urls), on generated URLs and arbitrary hrefs.

Whatever a page links, a link ``absolute()`` accepts canonicalises without raising, to an http(s)
URL that is its own canonical form, with no tracking or session parameter left in it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsportal.urls import SESSION_PARAMS, TRACKING_PARAMS, absolute, canonical_url

BASE = "https://news.example.com.cn/channel/index.html"
STRIPPED = [*sorted(TRACKING_PARAMS | SESSION_PARAMS), "utm_source", "ASPSESSIONIDQACBDRST", "spm_id"]
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _random_case(draw, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c for c, f in zip(word, flips, strict=True))


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_host = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z0-9]{1,8}){1,3}", fullmatch=True),
    st.sampled_from(["新闻.中国", "WWW.SOHU.COM", "127.0.0.1", "[::1]", "10.0.0.1", "xn--fiqs8s.cn"]),
)


@st.composite
def urls(draw) -> str:
    """http(s) URLs with ports, odd paths, path parameters, tracking / session / other parameters in
    any case, and fragments."""
    scheme = _random_case(draw, draw(st.sampled_from(["http", "https"])))
    port = draw(st.one_of(st.none(), st.integers(1, 65535)))
    netloc = draw(_host) + (f":{port}" if port else "")
    path = "/" + "/".join(draw(st.lists(_text, max_size=4)))
    if draw(st.booleans()):
        path += _random_case(draw, ";jsessionid=") + draw(_text)
    names = st.one_of(st.sampled_from(STRIPPED).map(lambda n: _random_case(draw, n)), _text)
    params = draw(st.lists(st.tuples(names, _text), max_size=5))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(_text)
    return (
        f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    )


def _no_stripped_parameter(canon: str) -> None:
    parts = urlsplit(canon)
    assert ";jsessionid=" not in parts.path.lower()
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        lname = name.lower()
        assert lname not in TRACKING_PARAMS and lname not in SESSION_PARAMS, canon
        assert not lname.startswith(("utm_", "spm_", "aspsessionid")), canon


@PROPERTY_SETTINGS
@given(urls())
@example("http://example.cn/a;JSESSIONID=1?SID=2&PHPSESSID=3&page=2#x")
def test_canonical_url_is_idempotent_keeps_http_and_strips_session_and_tracking(url: str) -> None:
    linked = absolute(BASE, url)
    if linked is None:  # not a URL at all (an unparsable port or host): never a link
        return
    canon = canonical_url(linked)
    assert canonical_url(canon) == canon
    assert urlsplit(canon).scheme in ("http", "https")
    _no_stripped_parameter(canon)


@PROPERTY_SETTINGS
@given(st.text(max_size=60))
@example("file:///etc/passwd")
@example("//[::1")
@example("http://[::1]:99999/")
@example("\x00http://x")
def test_any_href_absolute_accepts_canonicalises_without_raising(href: str) -> None:
    linked = absolute(BASE, href)
    if linked is None:
        return
    canon = canonical_url(linked)
    assert urlsplit(canon).scheme in ("http", "https")
    assert canonical_url(canon) == canon
    _no_stripped_parameter(canon)
