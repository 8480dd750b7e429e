"""Spec of newsportal.extract.dates: Chinese publish-time strings → aware datetimes in +08:00."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsportal.extract.dates import CHINA_TZ, find_datetime_in_scripts, format_datetime, parse_datetime
from tests.conftest import require_shared

NOW = datetime(2026, 3, 14, 20, 2, 59, tzinfo=CHINA_TZ)
EARLY_JANUARY = datetime(2026, 1, 5, 10, 0, tzinfo=CHINA_TZ)
REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "pages"


def iso(text: str, now: datetime = NOW) -> str | None:
    found = parse_datetime(text, now)
    return format_datetime(found) if found else None


def test_china_tz_is_utc_plus_eight():
    assert CHINA_TZ.utcoffset(None) == timedelta(hours=8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-12-28 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28 19:55:07", "2018-12-28T19:55:07+08:00"),
        ("2018/12/28 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018.12.28 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28", "2018-12-28T00:00:00+08:00"),
        ("2018-9-7 8:05", "2018-09-07T08:05:00+08:00"),
        ("2018年12月28日 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018年12月28日19:55:07", "2018-12-28T19:55:07+08:00"),
        ("2018年12月28日", "2018-12-28T00:00:00+08:00"),
        ("2018年12月28日 星期五 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018年12月28日（星期五）19:55", "2018-12-28T19:55:00+08:00"),
        ("2018年12月28日 周五 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018年12月28日19时55分", "2018-12-28T19:55:00+08:00"),
    ],
)
def test_absolute_dates_in_every_written_form(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2018-12-28 19:55", "2018-12-28T19:55:00+08:00"),
        ("发布于 2018-12-28 19:55", "2018-12-28T19:55:00+08:00"),
        ("时间:2018-12-28 19:55", "2018-12-28T19:55:00+08:00"),
        ("来源：新华网 2018-12-28 19:55", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28 19:55　来源: 新京报", "2018-12-28T19:55:00+08:00"),
        ("\n   2018-12-28\xa0\xa019:55  \t", "2018-12-28T19:55:00+08:00"),
        ("时间：2018 - 12 - 28  19 : 55", "2018-12-28T19:55:00+08:00"),
    ],
)
def test_labels_and_noise_around_the_date_are_ignored(text, expected):
    assert iso(text) == expected


def test_full_width_digits_colons_and_spaces_read_as_ascii():
    assert iso("２０１８－１２－２８　１９：５５") == "2018-12-28T19:55:00+08:00"
    assert iso("发布时间：2018年12月28日 19：55") == "2018-12-28T19:55:00+08:00"


def test_first_date_in_the_text_wins():
    assert iso("2018-12-28 19:55 更新于 2019-01-02 08:00") == "2018-12-28T19:55:00+08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-12-28 下午 7:55", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28 上午 7:55", "2018-12-28T07:55:00+08:00"),
        ("2018-12-28 上午 12:10", "2018-12-28T00:10:00+08:00"),
        ("2018-12-28 下午 12:10", "2018-12-28T12:10:00+08:00"),
        ("2018年12月28日 晚上8:30", "2018-12-28T20:30:00+08:00"),
        ("2018年12月28日下午7点55分", "2018-12-28T19:55:00+08:00"),
        ("2018年12月28日上午11点半", "2018-12-28T11:30:00+08:00"),
    ],
)
def test_twelve_hour_chinese_times_become_24_hour(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-28 19:55", "2025-12-28T19:55:00+08:00"),
        ("12月28日 19:55", "2025-12-28T19:55:00+08:00"),
        ("01-03 08:00", "2026-01-03T08:00:00+08:00"),
    ],
)
def test_year_less_date_in_january_is_the_latest_not_after_now(text, expected):
    assert iso(text, EARLY_JANUARY) == expected


def test_year_less_date_earlier_this_year_keeps_this_year():
    assert iso("03-01 12:00") == "2026-03-01T12:00:00+08:00"
    assert iso("发布时间：03-01") == "2026-03-01T00:00:00+08:00"


def test_year_less_date_of_today_with_a_later_time_stays_today():
    assert iso("03-14 21:30") == "2026-03-14T21:30:00+08:00"


def test_year_less_february_29_goes_back_to_a_leap_year():
    assert iso("02-29 10:00") == "2024-02-29T10:00:00+08:00"


def test_two_digit_year_with_dashes_is_this_century():
    assert iso("发布时间：18-03-08 23:16") == "2018-03-08T23:16:00+08:00"


@pytest.mark.parametrize("text", ["19:55", "发布时间：19:55", "08:00:00"])
def test_bare_time_without_a_day_is_none(text):
    assert parse_datetime(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刚刚", "2026-03-14T20:02:59+08:00"),
        ("30秒前", "2026-03-14T20:02:29+08:00"),
        ("5分钟前", "2026-03-14T19:57:59+08:00"),
        ("3小时前", "2026-03-14T17:02:59+08:00"),
        ("3个小时前", "2026-03-14T17:02:59+08:00"),
        ("2天前", "2026-03-12T20:02:59+08:00"),
        ("１０分钟前", "2026-03-14T19:52:59+08:00"),
    ],
)
def test_relative_ago_forms_count_back_from_now(text, expected):
    assert iso(text) == expected


def test_relative_today_with_time_uses_reference_day():
    assert iso("今天 12:30") == "2026-03-14T12:30:00+08:00"
    assert iso("今天19:55") == "2026-03-14T19:55:00+08:00"


def test_relative_yesterday_uses_reference_day():
    assert iso("昨天 12:30") == "2026-03-13T12:30:00+08:00"


def test_relative_day_before_yesterday_uses_reference_day():
    assert iso("前天 08:00") == "2026-03-12T08:00:00+08:00"


def test_relative_yesterday_crosses_month_and_year_boundaries():
    new_year = datetime(2026, 1, 1, 9, 0, tzinfo=CHINA_TZ)
    assert iso("昨天 23:10", new_year) == "2025-12-31T23:10:00+08:00"


def test_relative_forms_follow_a_reference_given_in_another_zone():
    utc_now = datetime(2026, 3, 14, 17, 0, tzinfo=UTC)  # already the 15th in China
    assert iso("今天 08:00", utc_now) == "2026-03-15T08:00:00+08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-12-28T19:55:00+08:00", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28T11:55:00Z", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28T06:55:00-05:00", "2018-12-28T19:55:00+08:00"),
        ("2019-11-25T18:57:38.000+0800", "2019-11-25T18:57:38+08:00"),
        ("2018-12-28T19:55:00", "2018-12-28T19:55:00+08:00"),
        ("2018-12-28T19:55", "2018-12-28T19:55:00+08:00"),
    ],
)
def test_iso_8601_is_converted_to_china_time_and_naive_iso_is_china_time(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1567837800", "2019-09-07T14:30:00+08:00"),
        ("1606349088000", "2020-11-26T08:04:48+08:00"),
        (" 1567837800 ", "2019-09-07T14:30:00+08:00"),
    ],
)
def test_whole_text_unix_timestamps_in_seconds_and_milliseconds(text, expected):
    assert iso(text) == expected


def test_numbers_that_are_not_whole_timestamps_are_not_dates():
    assert parse_datetime("阅读 1567837800 次", NOW) is None
    assert parse_datetime("12345", NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "2018-02-30",
        "2018-13-01 10:00",
        "2018-12-28 25:00",
        "2018-12-28 19:61",
        "2018年2月30日",
        "2018-12-28T19:55:00+23:00",
        "13-45 10:00",
        "",
        "没有日期的一句话",
        "比分3-2，第2节",
    ],
)
def test_impossible_or_missing_dates_are_none_not_errors(text):
    assert parse_datetime(text, NOW) is None


def test_naive_reference_time_is_taken_as_china_time():
    assert iso("昨天 12:30", datetime(2026, 3, 14, 1, 0)) == "2026-03-13T12:30:00+08:00"


def test_result_is_aware_and_in_china_time():
    found = parse_datetime("2018-12-28T11:55:00Z", NOW)
    assert found is not None
    assert found.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 3, 14, 20, 2, 59, tzinfo=CHINA_TZ), "2026-03-14T20:02:59+08:00"),
        (datetime(2026, 3, 14, 12, 2, 59, 123456, tzinfo=UTC), "2026-03-14T20:02:59+08:00"),
        (datetime(2026, 3, 14, 20, 0), "2026-03-14T20:00:00+08:00"),
    ],
)
def test_format_datetime_is_iso_in_china_time_with_seconds(value, expected):
    assert format_datetime(value) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<script>var d = {"publish_time": "2019-09-07 19:02:26"};</script>', "2019-09-07T19:02:26+08:00"),
        (
            "<script>window.DATA = {pubtime: '2016年10月14日07:17', id: 1}</script>",
            "2016-10-14T07:17:00+08:00",
        ),
        ('<script>{"publishTime":"2020-06-05 20:35:00"}</script>', "2020-06-05T20:35:00+08:00"),
        (
            '<script type="application/ld+json">{"datePublished": "2020-06-05T12:35:00Z"}</script>',
            "2020-06-05T20:35:00+08:00",
        ),
        ('<script>var ptime = "2019-09-07 13:43:45";</script>', "2019-09-07T13:43:45+08:00"),
        ('<script>{"publish_time": 1567837800, "x": 1}</script>', "2019-09-07T14:30:00+08:00"),
        ('<script>{"publish_time":1606349088000}</script>', "2020-11-26T08:04:48+08:00"),
        ('<meta name="publishdate" content="2019-06-15">', "2019-06-15T00:00:00+08:00"),
        (
            '<input type="hidden" name="pubtime" id="pubtime" value="2022-02-13 04:22:18" />',
            "2022-02-13T04:22:18+08:00",
        ),
    ],
)
def test_publish_time_found_in_scripts_json_and_hidden_fields(html, expected):
    found = find_datetime_in_scripts(html, NOW)
    assert found is not None and format_datetime(found) == expected


def test_scripts_first_parseable_publish_time_in_document_order_wins():
    html = (
        '<script>{"pubtime": "unknown", "publishTime": "2019-01-02 03:04"}</script>'
        '<script>ptime="2020-01-01"</script>'
    )
    found = find_datetime_in_scripts(html, NOW)
    assert found is not None and format_datetime(found) == "2019-01-02T03:04:00+08:00"


def test_scripts_without_publish_keys_give_none():
    html = '<script>{"time": "2019-09-07 19:02:26", "updateTime": "2019-09-08"}</script>'
    assert find_datetime_in_scripts(html, NOW) is None
    assert find_datetime_in_scripts("", NOW) is None


# The publish time as each real page in ../shared/pages shows it (short date strings, read off
# the pages by hand), with what the page's expected JSON says. Year-less ones follow the page's
# crawl-time reference.
REAL_PAGE_DATES = [
    ("163_001", "2019-09-07 13:43:45\u3000来源:"),
    ("163_009", "2020-07-04 01:55:04\u3000来源:"),
    ("baijiahao_003", "发布时间：18-03-08 23:16"),
    ("henandaily_001", "2022.01.20 16:31"),
    ("huanqiu_001", "2020-06-05 20:35"),
    ("ifeng_001", "2019年11月25日 16:04:30"),
    ("ifeng_002", "2019年09月09日 18:13:22"),
    ("people_001", "2019年06月15日08:18\xa0\xa0来源："),
    ("qq_001", "2019-9-7 21:30:50"),
    ("qq_003", "2016年10月14日07:17"),
    ("sina_001", "2019年11月25日 18:57"),
    ("sina_002", "2018年12月28日 19:55"),
    ("sina_003", "2019年09月09日 20:52"),
    ("sina_004", "2019年10月23日 09:05"),
    ("sohu_001", "2020-11-26 08:04"),
    ("thepaper_001", "2019-09-24 09:10"),
    ("thepaper_002", "2019-08-13 14:07 来源：澎湃新闻·澎湃号·政务"),
    ("toutiao_001", "2019-09-09 16:01:46"),
    ("yunnandaily_001", "\xa0\xa0发布时间：2022-02-13 04:22:18\xa0\xa0\xa0来源："),
]


@pytest.mark.parametrize(("page", "shown"), REAL_PAGE_DATES, ids=[p for p, _ in REAL_PAGE_DATES])
def test_real_page_publish_time_formats_parse_to_the_labelled_time(page, shown):
    labelled = REAL_PAGES / f"{page}.json"
    require_shared(labelled)
    expected = json.loads(labelled.read_text(encoding="utf-8"))["publish_time"]
    assert iso(shown) == expected


@pytest.mark.parametrize(
    ("shown", "now", "expected"),
    [
        ("发布时间：10-08 12:00", datetime(2019, 12, 29, tzinfo=CHINA_TZ), "2019-10-08T12:00:00+08:00"),
        ("发布时间：01-14 17:58", datetime(2020, 2, 29, tzinfo=CHINA_TZ), "2020-01-14T17:58:00+08:00"),
        ("发布时间：09-30 22:46", datetime(2020, 1, 2, tzinfo=CHINA_TZ), "2019-09-30T22:46:00+08:00"),
    ],
)
def test_real_year_less_baijiahao_dates_use_the_crawl_reference(shown, now, expected):
    assert iso(shown, now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二二年一月二十七日", datetime(2022, 1, 27, tzinfo=CHINA_TZ)),
        ("二○○五年三月二十一日", datetime(2005, 3, 21, tzinfo=CHINA_TZ)),
        ("清河市园林局 二〇二五年十二月十日", datetime(2025, 12, 10, tzinfo=CHINA_TZ)),
    ],
)
def test_date_in_chinese_numerals_as_official_documents_write_it(text, expected):
    assert parse_datetime(text, NOW) == expected


@pytest.mark.parametrize(
    "html",
    [
        """<script>var pubtime = "2020-01-02 10:00"; 'publish_time':'1567837800'</script>""",
        """<script>{"PubDate":"2020-01-02","datePublished" : "2021-03-04T05:06"}</script>""",
        "xpubtime: 2020-01-02 publish_timeX=2020 ctime=1567837800123 \u212atime",
        "İ pubtime: 2020-01-02",  # lower() makes this page longer: offsets would not line up
        "publi\u017fh_time: 2020-01-02 10:00",  # a long s, matched to 's' by re.IGNORECASE
        "'pubtime''pubtime': '2020-01-02' \"news_time\"=\"2020-05-06 07:08\"",
        # keys among Chinese and astral characters (the page is lower-cased as ASCII bytes)
        "<p>发布时间</p>\U0001f600<script>var PubTime=\"2020-01-02\";文章 createTime：'2021-02-03'</script>",
        # key heads that are no key ("news", "article" in URLs and classes) around keys of every part
        '<a href="/news/article/1">news</a> "NewsTime": "2020-01-02" RELEASE_DATE=2020-02-03 createdAt:2020',
        "firstPublish_time: 2020-01-02 article 'datePublished':'2021-01-01' x_ptime=1567837800",
    ],
)
def test_script_key_values_finds_what_the_pattern_finds(html):
    from newsportal.extract.dates import _SCRIPT_KEY_VALUE, _script_key_values

    def spans(matches):
        return [(m.start(), m.end(), m.group("value")) for m in matches]

    assert spans(_script_key_values(html)) == spans(_SCRIPT_KEY_VALUE.finditer(html))
    assert spans(_SCRIPT_KEY_VALUE.finditer(html))  # every case has a match to find


@pytest.mark.parametrize(
    "html",
    [
        "<!-- <DATE>2020-01-02 10:00</DATE> -->",
        "<!--x <Publish_Time>2020-01-02 10:00</Publish_Time>-->",
        "<p>发布</p></createdAt>",
        "</div></span></dates></pub-time>",  # closing tags that are no key
        "</newsTime >",
    ],
)
def test_the_comment_key_test_on_the_lowered_page_agrees_with_the_pattern(html):
    from newsportal.extract.dates import _COMMENT_KEY_CLOSE, _LOWERED_KEY_CLOSE, _lowered

    assert bool(_LOWERED_KEY_CLOSE.search(_lowered(html))) == bool(_COMMENT_KEY_CLOSE.search(html))


@pytest.mark.parametrize(
    "html",
    [
        '<META name="PubDate" content="2020-01-02">',
        "<p>正文</p><Input id='publish_time' value='2020-01-02 10:00'>"
        '<meta property="article:published_time" content="2021">',
        '<meta<meta name="pubdate" content="2020-01-02">',  # a match starting inside a broken tag
        "\U0001f600<meta name='xpub:time' content='2020-01-02'>",
    ],
)
def test_attr_key_values_finds_what_the_pattern_finds(html):
    from newsportal.extract.dates import _ATTR_KEY_VALUE, _attr_key_values, _lowered

    def spans(matches):
        return [(m.start(), m.end()) for m in matches]

    assert spans(_attr_key_values(html, _lowered(html))) == spans(_ATTR_KEY_VALUE.finditer(html))
    assert spans(_ATTR_KEY_VALUE.finditer(html))  # every case has a match to find
