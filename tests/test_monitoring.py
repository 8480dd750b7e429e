"""Monitoring with Spidermon, on real crawls (`scrapy crawl portal` processes) of a copy of the sample
portal on 127.0.0.1 whose pages change between runs, a real SMTP server (aiosmtpd) and a real HTTP
server receiving webhooks, both on 127.0.0.1.

* every run's stats hold the coverage of title, body, published_at, author, source, images, and
  Spidermon's validation of each item against the schema `newsportal schema` prints;
* a redesign that loses the author (100 % → 0 %) gives the verdict `degraded`, exit 79, and a line
  naming the site and the field; listings that lose their links (articles seen collapse) too;
* an unchanged portal's incremental run is not degraded;
* a run that needs a person is mailed and posted to the webhook; a run that does not, is not.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from newsportal.extensions.summary import EXIT_CODES
from newsportal.monitoring.suites import count_collapse, coverage_drops
from tests.test_cron import CronSite

FIELDS = ["title", "body", "published_at", "author", "source", "images"]
ANCHOR_TO_ARTICLE = re.compile(r'<a [^>]*href="/a/\d+_\d+\.html[^"]*"[^>]*>.*?</a>', re.S)


class Inbox:
    """aiosmtpd handler: keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(tmp_path: Path):
    s = CronSite(tmp_path)
    yield s
    s.close()


def _stats(site: CronSite) -> dict:
    """The stats file of the site's latest run."""
    return json.loads(sorted((site.output / "sample").glob("*.stats.json"))[-1].read_text("utf-8"))


def _rewrite(folder: Path, pattern: re.Pattern[str], keep: set[str] = frozenset()) -> int:
    """Removes pattern from every page under folder (not those named in keep); how many pages changed."""
    changed = 0
    for page in folder.rglob("*.html"):
        if str(page.relative_to(folder)) in keep:
            continue
        raw = page.read_bytes()
        encoding = "gbk" if b"gb2312" in raw[:1000].lower() else "utf-8"
        text = raw.decode(encoding)
        new = pattern.sub("", text)
        if new != text:
            page.write_bytes(new.encode(encoding))
            changed += 1
    return changed


def test_author_lost_in_a_redesign_gives_degraded_naming_site_and_field(site: CronSite, webhook) -> None:
    server, url = webhook
    first = site.run(NEWSPORTAL_NOTIFY_WEBHOOKS=url)
    assert first.code == 0, first.log[-3000:]
    assert server.received == []  # a run that needs nobody is not posted
    assert _stats(site)["newsportal/coverage/author"] == 1.0

    # The portal's redesign drops the byline; the state is reset so every story is fetched again,
    # as on a day whose stories are all new.
    assert _rewrite(site.portal, re.compile(r'<span class="author">.*?</span>', re.S)) > 50
    site.state = site.state.with_name("state-after-redesign")
    second = site.run(NEWSPORTAL_NOTIFY_WEBHOOKS=url)

    assert second.code == EXIT_CODES["degraded"] == 79
    stats = _stats(site)
    assert stats["newsportal/verdict"] == "degraded"
    assert stats["newsportal/coverage/author"] == 0.0
    assert stats["newsportal/degraded/coverage/author"] == 1
    assert not [k for k in stats if k.startswith("newsportal/degraded/coverage/") and k[-6:] != "author"]
    assert "site sample: author coverage 0% in this run" in second.log
    assert "100% in its last 1 run" in second.log
    assert "exit=79 (degraded)" in second.log
    [posted] = server.received
    assert posted["verdict"] == "degraded" and posted["exit_code"] == 79 and posted["site"] == "sample"
    assert any("author coverage 0%" in reason for reason in posted["reasons"])


def test_listings_losing_their_links_collapse_the_article_count(site: CronSite) -> None:
    # listings only: the sample's sitemaps and feed would still find every story (issue 17)
    listings_only = {"NEWSPORTAL_DISCOVERY": "False"}
    assert site.run(**listings_only).code == 0
    seen = _stats(site)["newsportal/pages/article"]
    # Redesigned listings and articles link to no story; only the home page still does.
    assert _rewrite(site.portal, ANCHOR_TO_ARTICLE, keep={"index.html"}) > 10
    site.state = site.state.with_name("state-after-redesign")
    run = site.run(**listings_only)
    stats = _stats(site)
    assert stats["newsportal/pages/article"] < seen * 0.3
    assert run.code == 79, run.log[-3000:]
    assert stats["newsportal/degraded/count/articles"] == 1
    assert re.search(
        r"site sample: articles seen collapsed to \d+ in this run, \d+ in its last 1 run", run.log
    )


def test_each_run_keeps_coverage_and_validation_and_an_unchanged_portal_is_not_degraded(
    site: CronSite, smtp_server
) -> None:
    inbox, smtp_port = smtp_server
    mail = {
        "NEWSPORTAL_NOTIFY_EMAIL_TO": "ops@example.org",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }
    run = site.run(**mail)
    assert run.code == 0, run.log[-3000:]
    stats = _stats(site)
    items = stats["item_scraped_count"]
    assert stats["newsportal/site"] == "sample"
    for field in FIELDS:
        assert 0.0 <= stats[f"newsportal/coverage/{field}"] <= 1.0
    assert stats["newsportal/coverage/title"] == 1.0 and stats["newsportal/coverage/author"] == 1.0
    # images: only some stories have one; the count is Spidermon's, None/[] not counted
    with_images = sum(1 for item in site.items(site.feeds()[-1]) if item["images"])
    assert stats["newsportal/coverage/images"] == round(with_images / items, 4)
    assert 0 < with_images < items
    assert stats["spidermon/validation/items"] == items
    assert "spidermon/validation/items/errors" not in stats
    assert stats["newsportal/verdict"] == "ok" and "newsportal/degraded" not in stats

    again = site.run(**mail)  # nothing new: few items, the articles seen are the stored ones
    assert again.code == 0, again.log[-3000:]
    stats = _stats(site)
    assert stats.get("item_scraped_count", 0) < 10
    assert stats["newsportal/skipped/stored"] > 50
    assert "newsportal/degraded" not in stats
    assert inbox.messages == []  # two runs that need nobody: no mail


def test_a_run_that_needs_a_person_is_mailed_and_posted(tmp_path: Path, smtp_server, webhook) -> None:
    inbox, smtp_port = smtp_server
    server, url = webhook
    site = CronSite(tmp_path)
    site.server.close()  # the portal is down: nothing answers on its port
    run = site.run(
        NEWSPORTAL_NOTIFY_EMAIL_TO="ops@example.org,editor@example.org",
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_FROM="crawler@example.org",
        NEWSPORTAL_NOTIFY_WEBHOOKS=url,
        RETRY_TIMES="0",
    )
    assert run.code == EXIT_CODES["unreachable"] == 69
    [(recipients, message)] = inbox.messages
    assert recipients == ["ops@example.org", "editor@example.org"]
    assert "Subject: newsportal: sample needs a look: unreachable (exit 69)" in message
    assert "From: crawler@example.org" in message
    assert "The crawl of site sample ended with exit 69 (unreachable)." in message
    [posted] = server.received
    assert posted["exit_code"] == 69 and "unreachable" in posted["text"]


def test_an_smtp_server_that_is_down_is_logged_and_counted_not_fatal(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    site = CronSite(tmp_path)
    site.server.close()
    run = site.run(
        NEWSPORTAL_NOTIFY_EMAIL_TO="ops@example.org",
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=str(closed),
        RETRY_TIMES="0",
    )
    assert run.code == 69  # the verdict stands
    assert f"could not mail ops@example.org through 127.0.0.1:{closed}" in run.log


# --- the rules themselves, on stats ----------------------------------------------------------------


def _run(items: int, **counts: int) -> dict:
    stats = {"spidermon_item_scraped_count/Article": items}
    stats.update({f"spidermon_item_scraped_count/Article/{f}": n for f, n in counts.items()})
    return stats


def test_coverage_rule_needs_a_real_fall_and_enough_items() -> None:
    history = [_run(40, author=32), _run(50, author=40), _run(3, author=0)]  # 80 %, 80 %, too small
    assert coverage_drops("s", _run(30, author=0), history, ["author"], 10, 0.5) == [
        ("author", "site s: author coverage 0% in this run (30 items), 80% in its last 2 runs")
    ]
    assert coverage_drops("s", _run(30, author=20), history, ["author"], 10, 0.5) == []  # 67 %: holds
    assert coverage_drops("s", _run(5, author=0), history, ["author"], 10, 0.5) == []  # too few items
    assert coverage_drops("s", _run(30, author=0), [], ["author"], 10, 0.5) == []  # no history
    rare = [_run(40, images=4)]  # 10 %: a field the site rarely has is not judged
    assert coverage_drops("s", _run(30, images=0), rare, ["images"], 10, 0.5) == []


def test_count_rule_compares_articles_seen_not_items() -> None:
    history = [
        {"newsportal/pages/article": 60},
        {"newsportal/pages/article": 5, "newsportal/skipped/stored": 58},
    ]
    assert count_collapse("s", {"newsportal/skipped/stored": 61}, history, 10, 0.7) is None
    assert count_collapse("s", {"newsportal/pages/article": 7}, history, 10, 0.7) == (
        "site s: articles seen collapsed to 7 in this run, 62 in its last 2 runs"
    )


def test_items_breaking_the_schema_are_counted_by_spidermon_and_named() -> None:
    """The project's own pipeline settings: Spidermon's ItemValidationPipeline with the schema
    `newsportal schema` prints; a bad date and a bad read count are counted per field."""
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.test import get_crawler
    from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline

    from newsportal.items import Article
    from newsportal.monitoring.suites import schema_failures

    settings = get_project_settings().copy_to_dict()
    settings["TWISTED_REACTOR_ENABLED"] = False  # no crawl here: no reactor to install
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    pipeline = ItemValidationPipeline.from_crawler(crawler)
    good = Article(
        url="http://127.0.0.1/a/1_2.html",
        title="标题",
        body="正文" * 20,
        published_at="2026-03-14T20:02:59+08:00",
    )
    bad = Article(
        url="http://127.0.0.1/a/3_4.html", title="标题", body="正文" * 20, published_at="昨天 12:30"
    )
    bad.read_count = "很多"  # type: ignore[assignment]
    for item in (good, bad, good):
        assert pipeline.process_item(item) is item  # counted, not dropped
    stats = crawler.stats.get_stats()
    assert stats["spidermon/validation/items"] == 3 and stats["spidermon/validation/items/errors"] == 1
    found = dict(schema_failures("sample", stats))
    assert set(found) == {"published_at", "read_count"}
    assert found["published_at"].startswith("site sample: published_at breaks the schema (")


def test_spidermons_error_lines_for_failed_monitors_are_not_crawl_errors() -> None:
    from newsportal.extensions.summary import verdict

    small = {
        "finish_reason": "finished",
        "response_received_count": 9,
        "downloader/request_count": 9,
        "newsportal/pages/article": 8,
        "log_count/ERROR": 2,  # Spidermon's report of two failed monitors
        "newsportal/monitor/error_lines": 2,
        "newsportal/degraded": 2,
    }
    assert verdict(small, max_error_rate=0.2) == "degraded"
    assert verdict({**small, "log_count/ERROR": 4}, max_error_rate=0.2) == "too_many_errors"


def test_the_compiled_schema_gives_spidermons_own_stats_and_errors() -> None:
    """The project's ItemValidationPipeline (the schema compiled once, newsportal.monitoring.validation)
    counts and names exactly what Spidermon's counts, for valid items and for each kind of fault,
    a tuple where the schema wants an array included (fastjsonschema would take it)."""
    from dataclasses import replace

    from scrapy.utils.project import get_project_settings
    from scrapy.utils.test import get_crawler
    from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline as Spidermons

    from newsportal.items import Article
    from newsportal.monitoring.validation import ItemValidationPipeline

    settings = get_project_settings().copy_to_dict()
    settings["TWISTED_REACTOR_ENABLED"] = False
    assert settings["ITEM_PIPELINES"]["newsportal.monitoring.validation.ItemValidationPipeline"] == 850
    good = Article(
        url="http://127.0.0.1/a/1_2.html",
        title="标题",
        body="正文" * 20,
        published_at="2026-03-14T20:02:59+08:00",
        images=[{"url": "http://127.0.0.1/i.jpg", "caption": None}],
        tags=["经济"],
        read_count=12,
    )
    items = [
        good,
        replace(good, published_at="昨天 12:30"),
        replace(good, read_count="很多"),  # type: ignore[arg-type]
        replace(good, tags=("经济",)),  # type: ignore[arg-type]
        replace(good, url="not a url"),
        replace(good, images=[{"url": 3}]),  # type: ignore[list-item]
        replace(good, is_original=1),  # type: ignore[arg-type]
        good,
    ]
    found = []
    for cls in (Spidermons, ItemValidationPipeline):
        crawler = get_crawler(settings_dict=settings)
        crawler.stats.open_spider()
        pipeline = cls.from_crawler(crawler)
        for item in items:
            assert pipeline.process_item(item) is item
        found.append(crawler.stats.get_stats())
    assert found[0] == found[1]
    assert found[1]["spidermon/validation/items/errors"] == 6
    compiled = pipeline.validators["Item"][0]
    assert compiled._compiled is not None  # the project's schema is compiled


def test_validation_reads_the_items_own_values_and_copies_only_what_asdict_would_change() -> None:
    """The dict validated is the Article's own field values (no copy of its lists and dicts: ~130 µs an
    item in the crawl process); a value ItemAdapter's asdict would turn into something else (a nested
    item) is converted as Spidermon's pipeline converts it, so the validators see the same dict."""
    from dataclasses import dataclass

    from itemadapter import ItemAdapter

    from newsportal.items import Article
    from newsportal.monitoring.validation import item_values

    item = Article(
        url="http://127.0.0.1/a/1_2.html", images=[{"url": "http://127.0.0.1/i.jpg"}], tags=["经济"]
    )
    values = item_values(item)
    assert values == ItemAdapter(item).asdict()
    assert values["images"] is item.images and values["tags"] is item.tags  # read in place

    @dataclass
    class Caption:
        text: str

    nested = Article(url="http://127.0.0.1/a/3_4.html", images=[{"url": "x", "caption": Caption("图")}])
    assert item_values(nested) == ItemAdapter(nested).asdict()
    assert item_values(nested)["images"] == [{"url": "x", "caption": {"text": "图"}}]
    assert item_values({"url": "u", "tags": ("a",)}) == {"url": "u", "tags": ("a",)}


@pytest.mark.parametrize(
    "option", ["SPIDERMON_VALIDATION_ADD_ERRORS_TO_ITEMS", "SPIDERMON_VALIDATION_DROP_ITEMS_WITH_ERRORS"]
)
def test_the_compiled_pipeline_adds_errors_and_drops_as_spidermons_does(option: str) -> None:
    from dataclasses import asdict

    from scrapy.exceptions import DropItem
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.test import get_crawler
    from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline as Spidermons

    from newsportal.items import Article
    from newsportal.monitoring.validation import ItemValidationPipeline

    settings = get_project_settings().copy_to_dict()
    settings["TWISTED_REACTOR_ENABLED"] = False
    settings[option] = True
    good = asdict(Article(url="http://127.0.0.1/a/1_2.html", title="标题", body="正文" * 20))
    items = [good, {**good, "published_at": "昨天 12:30"}, {**good, "read_count": "很多"}, good]
    found = []
    for cls in (Spidermons, ItemValidationPipeline):
        crawler = get_crawler(settings_dict=settings)
        crawler.stats.open_spider()
        pipeline = cls.from_crawler(crawler)
        outcome = []
        for item in items:
            item = dict(item)
            try:
                outcome.append(pipeline.process_item(item))
            except DropItem as exc:
                outcome.append(("dropped", str(exc)))
        found.append((outcome, crawler.stats.get_stats()))
    assert found[0] == found[1]
    assert found[1][0][0] == good and found[1][1]["spidermon/validation/items/errors"] == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"SPIDERMON_FIELD_COVERAGE_SKIP_NONE": False, "SPIDERMON_FIELD_COVERAGE_SKIP_FALSY": False},
        {"SPIDERMON_FIELD_COVERAGE_SKIP_VALUES": [0, "无", None]},
        {"SPIDERMON_LIST_FIELDS_COVERAGE_LEVELS": 1},  # Spidermon's own path
        {"SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS": 1},  # Spidermon's own path
    ],
)
def test_field_counts_are_spidermons_keys_values_and_order(overrides: dict) -> None:
    """The project's Spidermon extension (per-item field counts written in one go,
    newsportal.monitoring.coverage) leaves the stats exactly as Spidermon's item_scraped does: the
    same keys in the same order, the same counts, for Articles and dicts, nested dicts, falsy values,
    skip values of a given type (False is not 0) and settings it hands back to Spidermon."""
    from scrapy import Spider
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.test import get_crawler
    from spidermon.contrib.scrapy.extensions import Spidermon

    from newsportal.items import Article
    from newsportal.monitoring.coverage import FieldCountingSpidermon

    settings = get_project_settings().copy_to_dict()
    assert settings["EXTENSIONS"]["newsportal.monitoring.coverage.FieldCountingSpidermon"] == 400
    settings.update({"TWISTED_REACTOR_ENABLED": False, **overrides})
    items = [
        Article(url="http://127.0.0.1/a/1.html", title="标题", body="正文", read_count=0, is_original=False),
        Article(url="http://127.0.0.1/a/2.html", title="N/A", author="-", tags=["经济"], images=[{"url": 1}]),
        Article(url="http://127.0.0.1/a/3.html", author="无", source="", is_original=True, read_count=5),
        {"url": "u", "meta": {"a": {"b": 1, "c": None, "d": ""}, "e": []}, "n": 0, "f": False, "x": "无"},
        {"url": "v", "meta": {}, "n": 1},
    ]
    found = []
    for cls in (Spidermon, FieldCountingSpidermon):
        crawler = get_crawler(settings_dict=settings)
        crawler.stats.open_spider()
        ext = cls.from_crawler(crawler)
        spider = Spider.from_crawler(crawler, name="t")
        for item in items * 2:
            ext.item_scraped(item, None, spider)
        found.append(list(crawler.stats.get_stats().items()))
    assert found[0] == found[1]
    assert ("spidermon_item_scraped_count/Article", 6) in found[1]
