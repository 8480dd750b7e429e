"""Publish times as Chinese portals write them → aware datetimes in China time (+08:00).

Pure functions, no Scrapy. Every function here returns ``None`` for text without a usable time and
never raises on odd input: impossible dates (``2018-02-30``, hour 25) count as no time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8))

# Two-digit years are rare (baijiahao shows "18-03-08"); they are read as 20YY unless that is
# in the future, then 19YY.
_YEAR = r"(?P<y>\d{4}|\d{2})"

# Weekday words sit between the date and the time: "2018年12月28日 星期五 19:55", "(周五)".
_WEEKDAY = r"(?:[(\[]?\s*(?:星期|礼拜|周)[一二三四五六日天七]\s*[)\]]?)"


def _meridiem(group: str) -> str:
    """12-hour markers; "上午 7:55" and "下午 7:55" differ by twelve hours."""
    return rf"(?P<{group}>上午|下午|中午|早上|早晨|凌晨|傍晚|晚上|夜间|夜里|am|pm|a\.m\.|p\.m\.)"


# "19:55", "19:55:07", "19时55分", "7点55分", "11点半"; the minute is required so a bare hour is
# never taken for a time.
_TIME = (
    rf"(?:{_meridiem('ap')}\s*)?"
    r"(?P<H>\d{1,2})\s*(?::\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2})(?:\.\d+)?)?"
    r"|[时點点]\s*(?:(?P<half>半)|(?P<M2>\d{1,2})\s*分?(?:\s*(?P<S2>\d{1,2})\s*秒)?))"
    rf"(?:\s*{_meridiem('ap2')})?"
    r"(?!\d)"
)

_DATE_TAIL = rf"(?:\s*(?:T|\s)?\s*(?:{_WEEKDAY}\s*)?{_TIME})?"

# A date starts a number: not inside "2018-12-28" (for "12-28"), nor after "19:" or "3.".
_NOT_AFTER_NUMBER = r"(?<!\d)(?<!\d[.:/-])(?<!\d\s[.:/-])"

_ISO = re.compile(
    r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})T(?P<H>\d{1,2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?(?!\d)",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    rf"{_NOT_AFTER_NUMBER}{_YEAR}\s*(?P<sep>[-/.])\s*(?P<m>\d{{1,2}})\s*(?P=sep)\s*(?P<d>\d{{1,2}})"
    rf"(?!\d|\s*[/-]\s*\d|\.\d){_DATE_TAIL}",
    re.IGNORECASE,
)
_CN_DATE = re.compile(
    rf"(?<!\d){_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]?{_DATE_TAIL}",
    re.IGNORECASE,
)
# No year: "12-28 19:55", "12/28", "12月28日 19:55". A bare "12-28" only counts when no other digit
# follows it (a score such as "3-2" inside a sentence is not a date; see _yearless).
_MD_DATE = re.compile(
    rf"{_NOT_AFTER_NUMBER}(?P<m>\d{{1,2}})\s*(?P<sep>[-/])\s*(?P<d>\d{{1,2}})(?!\d|\s*[/.-]\s*\d){_DATE_TAIL}",
    re.IGNORECASE,
)
_CN_MD_DATE = re.compile(
    rf"(?<![\d年])(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]{_DATE_TAIL}",
    re.IGNORECASE,
)
_AGO = re.compile(r"(?P<n>\d+)\s*(?P<unit>秒|分钟|分|个?小时|个?钟头|天|日|周|个?星期)\s*(?:之|以)?前")
_JUST_NOW = re.compile(r"刚刚|刚才")
_DAY_WORD = re.compile(rf"(?P<word>今天|今日|昨天|昨日|前天)\s*(?:{_TIME})?", re.IGNORECASE)
_DATE_LABEL = re.compile(r"(?:发布|发表|更新|时间|日期|发布于|刊发)\s*[:：于]?\s*$")
_TIMESTAMP = re.compile(r"\d{10}(?:\d{3})?")

_DAY_OFFSETS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_AGO_UNITS = {"秒": "seconds", "分钟": "minutes", "分": "minutes", "小时": "hours", "钟头": "hours"}
_AGO_UNITS |= {"天": "days", "日": "days", "周": "weeks", "星期": "weeks"}


def format_datetime(dt: datetime) -> str:
    """ISO 8601 in +08:00 with seconds, e.g. ``2026-03-14T20:02:59+08:00`` (naive input = China time)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=CHINA_TZ)
    return dt.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def parse_datetime(text: str, now: datetime) -> datetime | None:
    """The first publish date/time written in text, as an aware datetime in +08:00, or None.

    ``now`` (aware; naive is taken as China time) is the reference for relative forms (``3小时前``,
    ``昨天 12:30``) and for dates without a year, which become the latest such date not after now's
    day. A date without a time is midnight. A bare time (``19:55``) is None: it names no day.
    A text that is only a 10- or 13-digit number is a Unix timestamp. Never raises.
    """
    if not text:
        return None
    now = _china(now)
    flat = _flatten(text)
    if _TIMESTAMP.fullmatch(flat.strip()):
        return _from_timestamp(flat.strip())
    candidates: list[tuple[int, int, Callable[[], datetime | None]]] = []
    for match in _matches(flat, now):
        candidates.append(match)
    # Earliest in the text wins; at one position the longest reading (date + time + zone) decides,
    # so an impossible part ("+23:00", "25:00") rejects the date rather than being cut off.
    decided: set[int] = set()
    for start, _neg_len, build in sorted(candidates, key=lambda c: (c[0], c[1])):
        if start in decided:
            continue
        decided.add(start)
        found = build()
        if found is not None:
            return found
    return None


def find_datetime_in_scripts(html: str, now: datetime) -> datetime | None:
    """The publish time a page keeps in inline scripts, JSON or hidden fields, or None.

    Looks for publish-time keys (``publish_time``, ``pubtime``, ``publishTime``, ``datePublished``,
    ``ptime``, ``publishdate``, ...) as JSON/JS properties (``"pubtime": "2019-09-07 19:02:26"``,
    ``publish_time: 1567837800``), as ``name``/``id``/``itemprop`` attributes with a ``content`` /
    ``value``, and as a ``<date>`` (or publish-time key) element inside an HTML comment, where some
    CMSs keep their record of the article; the first value in document order that parses wins.
    """
    return next(datetimes_in_scripts(html, now), None)


def datetimes_in_scripts(html: str, now: datetime) -> Iterator[datetime]:
    """Every publish time find_datetime_in_scripts would consider, in document order."""
    if not html:
        return
    values: list[tuple[int, str]] = []
    lowered = _lowered(html)
    for m in _script_key_values(html, lowered):
        values.append((m.start(), m.group("value")))
    for m in _attr_key_values(html, lowered):
        values.append((m.start(), m.group("value") or m.group("value2")))
    # cheap: the full pattern only runs on pages that can match (the lowered page searched without
    # IGNORECASE, which tried every "</" of the page against each key in each case: 0.11 ms a page)
    closes = _COMMENT_KEY_CLOSE.search(html) if lowered is None else _LOWERED_KEY_CLOSE.search(lowered)
    if closes:
        for m in _COMMENT_KEY_VALUE.finditer(html):
            values.append((m.start(), m.group("value")))
    for _pos, value in sorted(values):
        found = parse_datetime(value, now)
        if found is not None:
            yield found


# A clock time standing alone: "09:30", "9:30:05", "09：30"; not part of a longer number or date.
_CLOCK = re.compile(
    r"(?<![\d:：.\-/])(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d)(?:\s*[:：]\s*(?P<S>[0-5]\d))?(?![\d:：])"
)


def has_time_of_day(dt: datetime) -> bool:
    """Whether dt carries a time of day (parse_datetime gives midnight for a date alone)."""
    local = dt.astimezone(CHINA_TZ) if dt.tzinfo else dt
    return bool(local.hour or local.minute or local.second)


def clock_time(text: str) -> time | None:
    """The first clock time standing alone in text ("09:30", "9：30：05"), or None."""
    m = _CLOCK.search(text or "")
    if not m:
        return None
    return time(int(m.group("H")), int(m.group("M")), int(m.group("S") or 0))


_PUBLISH_KEYS = (
    r"publish_?time|publish_?date|publish_?at|pub_?time|pub_?date|ptime|datePublished|"
    r"published_?time|published_?at|release_?time|release_?date|news_?time|article_?time|"
    r"first_?publish_?time|create_?time|createdAt|ctime"
)
_SCRIPT_KEY_VALUE = re.compile(
    rf"""["']?\b(?:{_PUBLISH_KEYS})\b["']?\s*[:=]\s*["']?(?P<value>\d{{10,13}}(?!\d)|[^"'\n,}}<]{{4,60}})""",
    re.IGNORECASE,
)
# A CMS's record of the article kept in an HTML comment: "<!--enpproperty <articleid>…</articleid>
# <date>2022-02-13 00:00:00:0</date>…-->": a date element inside a comment.
_COMMENT_KEY_VALUE = re.compile(
    rf"""<!--(?:(?!-->).){{0,400}}?<(?P<key>date|{_PUBLISH_KEYS})>\s*(?P<value>[^<]{{8,40}}?)\s*</(?P=key)>""",
    re.IGNORECASE | re.DOTALL,
)
# The characters re.IGNORECASE matches to an ASCII letter (long s, dotted capital I, dotless i,
# Kelvin sign): a page holding one is scanned by the pattern itself.
_CASE_FOLDS = ("\u017f", "\u0130", "\u0131", "\u212a")


def _spellings(key: str) -> list[str]:
    """What a key of _PUBLISH_KEYS matches, lower-cased: "pub_?time" → pubtime, pub_time."""
    out = [""]
    for i, part in enumerate(key.lower().split("_?")):
        out = [o + part for o in out] if i == 0 else [o + sep + part for o in out for sep in ("", "_")]
    return out


# Every spelling of a key holds one of these texts: each text with the spellings it is found in and
# where ("pub_time" holds "pub" at 0, "news_time" "time" at 5). Four scans of the page find every
# place a key can start (a spelling checked there); a scan for each key's head ("news", "article",
# also in many of a page's URLs and class names) cost twice as much.
_KEY_PARTS = (b"pub", b"time", b"date", b"createdat")
_SPELLINGS_BY_PART: dict[bytes, list[tuple[int, bytes]]] = {part: [] for part in _KEY_PARTS}
for _key in _PUBLISH_KEYS.split("|"):
    for _spelling in _spellings(_key):
        _bytes = _spelling.encode("ascii")
        _part = next(p for p in _KEY_PARTS if p in _bytes)
        _SPELLINGS_BY_PART[_part].append((_bytes.index(_part), _bytes))
_UNSET = object()


def _lowered(html: str) -> bytes | None:
    """html lower-cased as ASCII bytes, one a character (every other character a "?"), so offsets line
    up with html's: the keys are ASCII letters, and no character left lowers to one; None when html
    holds a character re.IGNORECASE matches to an ASCII letter (_CASE_FOLDS), as a key could then be
    spelled with it. A third of html.lower()'s cost on a Chinese page (0.13 -> 0.04 ms a wild page)."""
    if any(c in html for c in _CASE_FOLDS):
        return None
    return html.encode("ascii", "replace").lower()


def _script_key_values(html: str, lowered: object = _UNSET) -> Iterator[re.Match[str]]:
    """The matches of _SCRIPT_KEY_VALUE.finditer(html), found faster. The pattern opens with an
    optional quote and a case-insensitive alternation, so the re module tries it at every offset
    (about 5 ms on a 100 kB page); a match can only start at a key or at the quote just before it,
    so those offsets are found with bytes.find on the lower-cased page (_KEY_PARTS) (no library does a
    case-insensitive multi-literal search) and the pattern is tried there only, left to right,
    skipping offsets inside the last match, as finditer does. lowered: _lowered(html), if read."""
    if lowered is _UNSET:
        lowered = _lowered(html)
    if not isinstance(lowered, bytes):
        # a key could be spelled with a character that is no ASCII letter
        yield from _SCRIPT_KEY_VALUE.finditer(html)
        return
    starts: set[int] = set()
    for part, spellings in _SPELLINGS_BY_PART.items():
        found = lowered.find(part)
        while found >= 0:
            for offset, spelling in spellings:
                at = found - offset
                # where a spelling starts (elsewhere the pattern cannot match, nor at a quote before)
                if at >= 0 and lowered.startswith(spelling, at):
                    starts.add(at)
                    if at and html[at - 1] in "\"'":
                        starts.add(at - 1)
            found = lowered.find(part, found + 1)
    yield from _matches_at(_SCRIPT_KEY_VALUE, html, starts)


_COMMENT_KEY_CLOSE = re.compile(rf"</(?:date|{_PUBLISH_KEYS})>", re.IGNORECASE)
# The same on _lowered(html): the same offsets match (the pattern is ASCII, the page lower-cased).
_LOWERED_KEY_CLOSE = re.compile(rf"</(?:date|{_PUBLISH_KEYS.lower()})>".encode("ascii"))
_ATTR_KEY_VALUE = re.compile(
    rf"""<(?:meta|input)\b[^>]*?\b(?:name|id|itemprop|property)\s*=\s*["'](?:[\w-]{{1,20}}:\s*)*"""
    # a publish-time key, with any prefix ("article:", "og:", "weibo: article:"); or a namespaced
    # publication time ("xpub:time", "pub:date")
    rf"""(?:{_PUBLISH_KEYS}|(?<=pub:)(?:time|date))["']"""
    rf"""[^>]*?\b(?:content|value)\s*=\s*(?:"(?P<value>[^"]*)"|'(?P<value2>[^']*)')""",
    re.IGNORECASE,
)


_ATTR_TAGS = (b"<meta", b"<input")


def _attr_key_values(html: str, lowered: bytes | None) -> Iterator[re.Match[str]]:
    """The matches of _ATTR_KEY_VALUE.finditer(html): the pattern tried only where a <meta or an
    <input opens (found in lowered, _lowered(html)), left to right, skipping offsets inside the
    last match, as finditer does; the ignore-case pattern tried at every "<" of the page cost more."""
    if lowered is None:
        yield from _ATTR_KEY_VALUE.finditer(html)
        return
    starts = []
    for tag in _ATTR_TAGS:
        at = lowered.find(tag)
        while at >= 0:
            starts.append(at)
            at = lowered.find(tag, at + 1)
    yield from _matches_at(_ATTR_KEY_VALUE, html, starts)


def _matches_at(pattern: re.Pattern[str], html: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """What pattern.finditer(html) gives when it can only match at one of ``starts``: tried there
    left to right, offsets inside the last match skipped, as finditer does."""
    end = 0
    for start in sorted(starts):
        if start < end:
            continue
        m = pattern.match(html, start)
        if m:
            end = m.end()
            yield m


def _china(now: datetime) -> datetime:
    if now.tzinfo is None:
        return now.replace(tzinfo=CHINA_TZ)
    return now.astimezone(CHINA_TZ)


def _flatten(text: str) -> str:
    """Full-width digits, colons and spaces → ASCII (NFKC); runs of whitespace → one space; a date
    in Chinese numerals ("二〇二二年一月二十七日") → Arabic digits."""
    text = unicodedata.normalize("NFKC", text)
    if "年" in text and _CN_NUMERAL_DATE.search(text):
        text = _CN_NUMERAL_DATE.sub(_arabic_date, text)
    return re.sub(r"\s+", " ", text)


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "[一二三四五六七八九十]{1,3}"
# Official documents date themselves in Chinese numerals: "二〇二二年一月二十七日".
_CN_NUMERAL_DATE = re.compile(
    rf"(?P<y>[〇○零Ｏ一二三四五六七八九]{{4}})\s*年\s*(?P<m>{_CN_NUMBER})\s*月\s*(?P<d>{_CN_NUMBER})\s*[日号]"
)


def _cn_number(text: str) -> int:
    """一 … 三十一 as an int (the numbers of months and days)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _arabic_date(m: re.Match[str]) -> str:
    year = "".join(str(_CN_DIGITS.get(c, 0)) for c in m.group("y"))
    return f"{year}年{_cn_number(m.group('m'))}月{_cn_number(m.group('d'))}日"


def _from_timestamp(digits: str) -> datetime | None:
    seconds = int(digits) / 1000 if len(digits) == 13 else int(digits)
    try:
        return datetime.fromtimestamp(seconds, CHINA_TZ).replace(microsecond=0)
    except (OverflowError, OSError, ValueError):
        return None


def _matches(text: str, now: datetime) -> Iterator[tuple[int, int, Callable[[], datetime | None]]]:
    """(start, -length, builder) for every date-like span; a builder gives None when impossible."""
    for m in _ISO.finditer(text):
        yield m.start(), -(m.end() - m.start()), lambda m=m: _build_iso(m)
    for pattern in (_FULL_DATE, _CN_DATE):
        for m in pattern.finditer(text):
            yield m.start(), -(m.end() - m.start()), lambda m=m: _build_full(m, now)
    for pattern in (_MD_DATE, _CN_MD_DATE):
        for m in pattern.finditer(text):
            if pattern is _MD_DATE and not _plausible_bare_month_day(text, m):
                continue
            yield m.start(), -(m.end() - m.start()), lambda m=m: _build_yearless(m, now)
    for m in _AGO.finditer(text):
        yield m.start(), -(m.end() - m.start()), lambda m=m: _build_ago(m, now)
    for m in _JUST_NOW.finditer(text):
        yield m.start(), -(m.end() - m.start()), lambda: now.replace(microsecond=0)
    for m in _DAY_WORD.finditer(text):
        yield m.start(), -(m.end() - m.start()), lambda m=m: _build_day_word(m, now)


def _plausible_bare_month_day(text: str, m: re.Match[str]) -> bool:
    """ "12-28" is a date when a time follows it, a date label precedes it, or nothing numeric
    follows it (so "3-2" inside a sentence about a score is not)."""
    if m.group("H") is not None:
        return True
    if _DATE_LABEL.search(text[max(0, m.start() - 8) : m.start()]):
        return True
    return not re.search(r"\d", text[m.end() :])


def _time_of(m: re.Match[str]) -> time | None:
    """The time part of a match; midnight when it has none; None when impossible."""
    if m.group("H") is None:
        return time(0, 0)
    hour = int(m.group("H"))
    minute_text = m.group("M") or m.group("M2")
    minute = 30 if m.group("half") else int(minute_text or 0)
    second = int(m.group("S") or m.group("S2") or 0)
    marker = (m.group("ap") or m.group("ap2") or "").lower()
    evening = marker in ("下午", "傍晚", "晚上", "夜间", "夜里", "pm", "p.m.") and hour < 12
    if evening or (marker == "中午" and hour < 11):
        hour += 12
    elif marker in ("上午", "凌晨", "早上", "早晨", "am", "a.m.") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _combine(day: date, at: time | None) -> datetime | None:
    if at is None:
        return None
    return datetime.combine(day, at, tzinfo=CHINA_TZ)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _build_iso(m: re.Match[str]) -> datetime | None:
    day = _make_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    hour, minute, second = int(m.group("H")), int(m.group("M")), int(m.group("S") or 0)
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    tz = m.group("tz")
    if not tz:
        zone = CHINA_TZ  # a naive ISO time on a Chinese portal is China time
    elif tz.upper() == "Z":
        zone = UTC
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset > timedelta(hours=14):
            return None
        zone = timezone(sign * offset)
    try:
        return datetime.combine(day, time(hour, minute, second), tzinfo=zone).astimezone(CHINA_TZ)
    except OverflowError:  # year 1 or 9999 moved past the calendar's end by the zone change
        return None


def _build_full(m: re.Match[str], now: datetime) -> datetime | None:
    year = int(m.group("y"))
    if len(m.group("y")) == 2:
        year += 2000 if 2000 + year <= now.year + 1 else 1900
    return _combine_checked(_make_date(year, int(m.group("m")), int(m.group("d"))), _time_of(m))


def _combine_checked(day: date | None, at: time | None) -> datetime | None:
    if day is None:
        return None
    return _combine(day, at)


def _build_yearless(m: re.Match[str], now: datetime) -> datetime | None:
    month, day_of_month = int(m.group("m")), int(m.group("d"))
    at = _time_of(m)
    # The latest such day not after today: in January, "12-28" is last December. Compared by day,
    # not by time, so a page clock a little ahead of ours still reads as today.
    for year in range(now.year, now.year - 8, -1):
        day = _make_date(year, month, day_of_month)
        if day is not None and day <= now.date():
            return _combine(day, at)
    return None


def _build_ago(m: re.Match[str], now: datetime) -> datetime | None:
    unit = m.group("unit").removeprefix("个")
    amount = int(m.group("n"))
    if amount > 100_000:
        return None
    return (now - timedelta(**{_AGO_UNITS[unit]: amount})).replace(microsecond=0)


def _build_day_word(m: re.Match[str], now: datetime) -> datetime | None:
    day = now.date() - timedelta(days=_DAY_OFFSETS[m.group("word")])
    return _combine(day, _time_of(m))
