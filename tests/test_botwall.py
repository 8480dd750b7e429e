"""The bot-wall detector (newsportal.extract.botwall): walls served with 200 are named, and no real
page we hold (our fixtures, the shared real pages, the wild pages, the sample portal) is ever one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from newsportal.extract.article import make_selector
from newsportal.extract.botwall import bot_wall
from newsportal.extract.page import analyse_page
from newsportal.sites import get_site
from tests.conftest import REFERENCE_TIME, ROOT, SAMPLE_PORTAL, SHARED_PAGES
from tests.faultserver import article_html

WALLS = {
    "captcha_form": (
        "<html><head><title>安全验证</title></head><body><h2>请输入验证码</h2><form>"
        "<img src='/captcha.jpg'><input name='code'><button>提交</button></form></body></html>",
        "captcha",
    ),
    "slider": (
        "<html><body><div id='nc_1_wrapper'><div class='slider-verify'>请按住滑块，拖动到最右边</div>"
        "</div></body></html>",
        "captcha",
    ),
    "widget_only": (
        "<html><body><div class='g-recaptcha' data-sitekey='x'></div></body></html>",
        "captcha",
    ),
    "too_frequent": (
        "<html><head><title>提示</title></head><body><p>您的访问过于频繁，请稍后再试。</p></body></html>",
        "rate_limited",
    ),
    "english_rate_limit": ("<html><body><h1>429 Too Many Requests</h1></body></html>", "rate_limited"),
    "cookie_and_reload": (
        "<html><head><script>var x='a1b2';document.cookie='__jsl_clearance='+x+'; path=/';"
        "location.href=location.pathname+location.search;</script></head><body></body></html>",
        "js_challenge",
    ),
    "cookie_and_replace": (
        "<html><body><script>document.cookie = 'acw_sc__v2=5f2c'; window.location.replace(window.location)"
        "</script><noscript>loading</noscript></body></html>",
        "js_challenge",
    ),
    "checking_browser": (
        "<html><head><title>Just a moment...</title></head><body><p>Checking your browser before accessing"
        " the site.</p></body></html>",
        "js_challenge",
    ),
    "enable_js_zh": ("<html><body><p>请开启JavaScript并刷新该页</p></body></html>", "js_challenge"),
}


@pytest.mark.parametrize("name", sorted(WALLS))
def test_bot_walls_are_named(name: str):
    html, reason = WALLS[name]
    assert bot_wall(make_selector(html.encode())[0]) == reason


def _real_pages() -> list[Path]:
    roots = [SHARED_PAGES, ROOT.parent / "shared" / "pages-wild", ROOT / "tests" / "pages", SAMPLE_PORTAL]
    pages = [p for root in roots if root.exists() for p in root.rglob("*") if p.suffix in (".html", ".htm")]
    assert len(pages) > 100  # the shared pages are there: this test is not silently empty
    return sorted(pages)


@pytest.mark.parametrize("path", _real_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_real_page_is_a_bot_wall(path: Path):
    assert bot_wall(make_selector(path.read_bytes())[0]) is None


def test_a_story_about_captchas_and_a_page_with_a_login_box_are_not_walls():
    story = article_html("验证码诈骗又出新花样")
    story = story.replace(
        "</h1>", "</h1><p>警方提醒：不要把短信验证码告诉任何人，安全验证不会通过电话进行。</p>"
    )
    login = article_html(
        "地铁新线开通", extra="<form class='login'>请输入验证码 <input name='captcha'></form>"
    )
    for html in (story, login):
        assert bot_wall(make_selector(html.encode())[0]) is None


def test_analyse_page_gives_kind_bot_wall_whatever_the_url_said():
    html, _ = WALLS["too_frequent"]
    site, now = get_site("generic"), datetime.fromisoformat(REFERENCE_TIME)
    for prior in ("article", "listing", "unknown"):
        page = analyse_page(html.encode(), "http://news.example.cn/a/123456.html", site, now,
                            judge=prior != "article", prior=prior)  # fmt: skip
        assert (page.kind, page.wall, page.fields, page.links) == ("bot_wall", "rate_limited", None, None)


def test_odd_markup_is_not_a_wall_and_does_not_raise():
    for body in (
        b"",
        b"\x00\xff\xfe",
        b"<html>",
        b"<?xml version='1.0'?><rss></rss>",
        b"<html><body>" * 3000,
    ):
        assert bot_wall(make_selector(body)[0]) is None


@pytest.mark.parametrize("limit", [3, 12, 400])
def test_visible_text_walk_is_the_query(limit):
    """The tree walk (stops at limit) gives what the XPath query of visible text nodes gives: tails
    after a script or comment count, script/style/template content and comment text do not."""
    from newsportal.extract.article import make_selector
    from newsportal.extract.botwall import _SPACE, _VISIBLE_TEXT, visible_text
    from newsportal.extract.select import strings

    html = (
        "<html><head><title>t</title></head><body>a<script>x</script>b<!-- c -->d<style>e</style>"
        "<template>f</template><p>g <b>h</b> i</p>j<?pi z?>k</body></html>"
    )
    sel, _ = make_selector(html.encode())
    parts = [_SPACE.sub("", t) for t in strings(sel, _VISIBLE_TEXT)]
    expected = "".join(parts) if len("".join(parts)) <= limit else None
    assert visible_text(sel, limit) == expected
    assert limit < 12 or expected == "abdghijk"


def _visible_by_query(sel, limit: int) -> str | None:
    from newsportal.extract.botwall import _SPACE, _VISIBLE_TEXT
    from newsportal.extract.select import strings

    text = "".join(_SPACE.sub("", t) for t in strings(sel, _VISIBLE_TEXT))
    return text if len(text) <= limit else None


@pytest.mark.parametrize(
    "html",
    [
        # visible text under the limit, hidden text taking the page's whole text over it
        "<html><body><p>" + "字" * 300 + "</p><script>" + "x" * 200 + "</script></body></html>",
        "<html><body><p>"
        + "字" * 300
        + "</p><style>"
        + "x" * 60
        + "</style><template>"
        + "y" * 60
        + "</template></body></html>",
        # hidden inside hidden (counted twice by the shortcut: still a lower bound)
        "<html><body><template><script>" + "x" * 300 + "</script></template>" + "字" * 399 + "</body></html>",
        "<html><body>" + "字 " * 401 + "<!--" + "c" * 500 + "--></body></html>",
        "<html><body>" + "字\u3000\xa0\n" * 400 + "<script>x</script>z</body></html>",
    ],
)
def test_visible_text_shortcut_never_decides_a_short_page(html):
    """visible_text's count without the walk (botwall._surely_longer) settles only pages whose
    visible text surely passes the limit: pages whose script, style or template text takes them over
    it, while what shows stays under, are still walked."""
    from newsportal.extract.botwall import MAX_WALL_TEXT_CHARS, visible_text

    sel, _ = make_selector(html.encode())
    for limit in (60, MAX_WALL_TEXT_CHARS, 401):
        assert visible_text(sel, limit) == _visible_by_query(sel, limit)


@pytest.mark.parametrize("path", _real_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_visible_text_is_the_query_on_every_real_page(path: Path):
    from newsportal.extract.botwall import MAX_CHALLENGE_TEXT_CHARS, MAX_WALL_TEXT_CHARS, visible_text

    sel, _ = make_selector(path.read_bytes())
    for limit in (MAX_CHALLENGE_TEXT_CHARS, MAX_WALL_TEXT_CHARS, 5000):
        assert visible_text(sel, limit) == _visible_by_query(sel, limit)
