"""Text cleaning for article fields: spaces, boilerplate lines, titles, counts, content hashes.

Pure functions over strings, no Scrapy. The boilerplate rules are generic for all portals: a line
is taken out of the body only when it is short and is boilerplate as a whole (a 来源 / 编辑 / byline
line, a promotion, a copyright notice, a share bar); a paragraph that merely mentions 来源 stays.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# --- spaces ---------------------------------------------------------------------------------------

# A regex, not str.translate with a dict: translate looks every character of a Chinese string up in
# the dict (~5x slower), and this runs on every line of every page.
# Characters that are not text: the control characters that are not whitespace (whitespace becomes a
# space below) and the format characters (Unicode category Cf: zero-width space / joiners, soft
# hyphen, BOM, bidi marks and embeddings, invisible operators, tag characters). Listed, not computed
# at import, from Unicode 15 (tests/test_properties.py checks it against unicodedata).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd"
    "\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
_SPACES = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    """One line of text: full-width / no-break spaces, tabs, newlines and runs of spaces → one space;
    zero-width, other format and control characters removed; ends stripped. Punctuation width is
    left as it is."""
    if not text:
        return ""
    # str.split() cuts at the whitespace \s means (both ask Py_UNICODE_ISSPACE) and drops the ends:
    # the regex's substitution and strip, in a quarter of the time.
    line = " ".join(text.split())
    # Every character _INVISIBLE takes is a control or format character that is not whitespace, so
    # not printable: a printable line has none (tests/test_text.py checks this of every code
    # point). isprintable() reads the line in C; the regex's search, run first on every text,
    # cost 0.2 ms a wild page.
    if line.isprintable():
        return line
    return " ".join(_INVISIBLE.sub("", text).split())


def normalize_paragraphs(paragraphs: Iterable[str]) -> list[str]:
    """normalize_space on each paragraph, dropping those left empty."""
    cleaned = (normalize_space(p) for p in paragraphs if p)
    return [p for p in cleaned if p]


# --- boilerplate ----------------------------------------------------------------------------------


@dataclass
class BoilerplateFields:
    paragraphs: list[str] = field(default_factory=list)  # the article's own paragraphs, in order
    source: str | None = None  # first 来源 value found in a removed line
    editor: str | None = None  # first 责任编辑 / 编辑 / 责编 value found in a removed line
    author: str | None = None  # first byline name(s) found in a removed line


# Labels of "LABEL：value" lines, by the field their value goes to (None: dropped, no field).
_SOURCE_LABELS = ("本文来源", "文章来源", "稿件来源", "新闻来源", "信息来源", "内容来源", "来源")
_EDITOR_LABELS = ("责任编辑", "值班编辑", "本文编辑", "编辑", "责编")
_AUTHOR_LABELS = (
    "作者", "本文作者", "撰文", "撰稿", "文字", "采写", "执笔", "记者", "本报记者", "口述", "整理",
    "专栏作者", "文",
)  # fmt: skip
_OTHER_LABELS = (
    "校对", "审核", "审校", "终审", "初审", "复审", "一审", "二审", "三审", "监制", "统筹", "策划",
    "制作", "出品", "出品人", "主编", "总编", "美编", "设计", "摄影", "摄像", "图", "图片", "剪辑",
    "通讯员", "实习生", "海报",
)  # fmt: skip
_LABEL_FIELD = {
    **dict.fromkeys(_SOURCE_LABELS, "source"),
    **dict.fromkeys(_EDITOR_LABELS, "editor"),
    **dict.fromkeys(_AUTHOR_LABELS, "author"),
    **dict.fromkeys(_OTHER_LABELS, None),
}
# Longest label first, so "责任编辑" is not read as "编辑".
_LABELS = "|".join(sorted(map(re.escape, _LABEL_FIELD), key=len, reverse=True))
# One-character labels ("文/张三", "图/新华社") need "/" or "|"; the others also take a colon.
_LABEL_AT = re.compile(
    rf"(?:^|(?<=[\s|丨，,;；]))(?P<label>{_LABELS})\s*(?P<sep>[:：/|丨]|\s(?=\S))\s*",
)
_OPEN = "（(【[〔"
_CLOSE = "）)】]〕"
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_LABEL_LINE_MAX = 60
_VALUE_MAX = 30

# Sources that name no outlet; the line still goes, the value does not.
_NO_SOURCE = re.compile(r"^(?:网络|互联网|网络整理|综合|综合网络|网友投稿|网友|未知|本站|原创)$")
# Trailing staff codes portals append to editor names, e.g. "杨倩_NF4425".
_STAFF_CODE = re.compile(r"[_\s]+[A-Za-z]{1,4}\d{2,}$")
# A date/time glued to a source value ("新华网 2018-12-28 19:55").
_VALUE_TAIL = re.compile(r"\s*(?:\d{2,4}[-/.年]\d{1,2}|\d{1,2}:\d{2}|\d{1,2}月\d{1,2}日).*$")

# Byline-only lines: "记者 张三", "本报记者 张三 李四", "澎湃新闻记者 段彦超 廖艳",
# "采写：南都见习记者 林子沛".
_NAME = r"(?!通讯员|实习生|记者|摄影|报道)[\u4e00-\u9fff·]{2,5}"
_NAMES = rf"{_NAME}(?:\s*[、，,&和/ ]\s*{_NAME})*"
_REPORTER_LINE = re.compile(
    rf"^[◎□■●]?\s*(?:采写|文字|文)?[:：/]?\s*(?P<org>[\w·]{{0,12}}?)(?:本报|本台|本网|本刊|特约|首席|资深|驻\w{{1,6}})?"
    rf"(?:见习|实习)?记者\s*[:：\s]\s*(?P<names>{_NAMES})"
    rf"(?:\s*(?:通讯员|实习生)\s*[:：\s]?\s*{_NAMES})?\s*(?:报道|摄影|摄|发自\w{{1,6}})?$"
)

# A newspaper's byline marked with a sign and no label: "□张三 李四".
_MARKED_LINE = re.compile(rf"^[◎□■●]\s*(?P<names>{_NAMES})$")

_REPORTER_PREFIX = re.compile(r"^[\w·]{0,12}?记者\s*")

_PROMOTION = re.compile(
    r"扫码|扫一扫|扫描.{0,12}二维码|长按.{0,10}(?:识别|二维码|关注)|二维码.{0,10}(?:关注|下载)"
    r"|关注.{0,16}(?:公众号|微信|官微|微博|客户端|头条号|百家号|企鹅号|视频号|抖音)"
    r"|(?:下载|安装|打开).{0,12}(?:客户端|APP|app|App)|(?:客户端|APP|app|App)\s*下载|下载地址"
    r"|点击(?:进入|查看|阅读|观看|收听|投票|这里|下载|关注|链接|播放|购买|报名)|阅读原文|查看原文"
    r"|返回.{0,8}查看更多|查看更多|更多精彩|更多猛料|欢迎(?:订阅|关注|投稿)|订阅(?:我们|本号)"
    r"|(?:^|[，。！\s])(?:微信|微博)\s*[:：]\s*\w+$|>>\s*$|→\s*【"
)
_PROMOTION_MAX = 60
_PROMOTION_LEAD = 6  # how far into the line a promotion may start
_NOTICE = re.compile(
    r"^[【\[（(]?\s*(?:版权声明|免责声明|特别声明|郑重声明|声明\s*[:：]|版权说明|转载声明|重要提示)"
)
_COPYRIGHT = re.compile(
    r"版权所有|版权归.{0,16}所有|独家所有|未经.{0,20}(?:授权|许可|同意).{0,16}(?:转载|使用|复制|摘编|镜像)"
    r"|(?:禁止|严禁|谢绝|不得|请勿)(?:任何)?.{0,6}转载|转载请(?:注明|联系)|如有侵权|侵权.{0,6}删除"
    r"|追究.{0,6}法律责任"
    r"|©|\(c\)|copyright|all rights reserved|ICP[备证]"
    r"|^(?:部分|文中|本文)?图片(?:均|皆)?(?:来自|来源于|源自|取自)(?:网络|互联网)",
    re.IGNORECASE,
)
_NOTICE_MAX = 300
_COPYRIGHT_MAX = 100
# What a _COPYRIGHT match must start with (its branches' first characters; "(c)", "copyright",
# "all rights reserved", "ICP" in any case, with the dotted and dotless i that IGNORECASE also
# takes for "i"). A line with none of them has no match: the regex, whose grouped and
# case-insensitive branches leave it trying every branch at every character, is not run on it.
_COPYRIGHT_ANCHORS = ("版权", "独家所有", "未经", "转载", "侵权", "追究", "图片", "©", "(")
_COPYRIGHT_LATIN = "[cCaAiI\u0130\u0131]"
# Any of them, in one search (re skips to the characters they start with): a third of the cost of
# nine substring tests and the class, on every line of every body.
_MAY_BE_COPYRIGHT = re.compile("|".join(map(re.escape, _COPYRIGHT_ANCHORS)) + "|" + _COPYRIGHT_LATIN)


def _may_be_copyright(line: str) -> bool:
    return _MAY_BE_COPYRIGHT.search(line) is not None


# Share bars and page furniture that end up as paragraphs of their own.
_SHARE_WORDS = frozenset((
    "分享到", "分享至", "分享", "微信", "微博", "新浪微博", "腾讯微博", "朋友圈", "微信朋友圈", "QQ",
    "QQ空间", "腾讯QQ", "豆瓣", "人人网", "举报", "收藏", "评论", "点赞", "赞", "打印", "关闭",
    "关闭窗口", "字号", "大", "中", "小", "返回顶部", "回到顶部", "纠错", "我要纠错", "跟帖",
    "我要跟帖", "复制链接", "转发", "手机看", "取消", "确认", "用微信扫码二维码", "分享至好友和朋友圈",
    "扫一扫", "手机阅读", "打印本页", "【打印】", "【关闭】", "【纠错】", "上一篇", "下一篇",
    "相关阅读", "相关新闻", "相关文章", "延伸阅读", "推荐阅读", "热点推荐", "猜你喜欢", "为您推荐",
    "举报文章问题", "转播到腾讯微博", "设为首页", "分享到微信", "分享到微博", "分享到QQ空间",
    "分享到朋友圈", "网友评论", "条评论", "人参与", "人评论", "次阅读", "阅读",
))  # fmt: skip
# Numbers in a share bar are its counters ("6 条评论 | 106 人参与"); a line of numbers alone stays.
_SHARE_WORD = re.compile(r"[^\s|丨/·、,，:：\d]+")


def split_boilerplate(paragraphs: list[str]) -> BoilerplateFields:
    """The paragraphs without the lines that are not the article's own text, and the values of
    those lines: 来源 → source, 责任编辑/编辑/责编 → editor, byline names → author (the first of each
    wins). 原标题 lines, image credits inside captions and long paragraphs mentioning 来源 stay.
    Paragraphs are normalize_space'd; empty ones are dropped."""
    result = BoilerplateFields()
    for paragraph in normalize_paragraphs(paragraphs):
        # Short lines through the cache (512 lines of at most _NOTICE_MAX characters).
        removed = _line_verdict(paragraph) if len(paragraph) <= _NOTICE_MAX else _verdict(paragraph)
        if removed is None:
            result.paragraphs.append(paragraph)
            continue
        for name, value in removed:
            if value and getattr(result, name) is None:
                setattr(result, name, value)
    return result


def _verdict(line: str) -> tuple[tuple[str, str | None], ...] | None:
    """_boilerplate_values as an immutable answer (it may be kept, see _line_verdict)."""
    values = _boilerplate_values(line)
    return None if values is None else tuple(values.items())


# Kept: every body is split twice (extraction, then the clean pipeline on the same lines), and a
# portal repeats its boilerplate lines on every page. Small on purpose: it serves those two, not a
# benchmark passing over the same pages again (a pass over 33 pages evicts the first page's lines).
_line_verdict = lru_cache(maxsize=512)(_verdict)


def _boilerplate_values(line: str) -> dict[str, str | None] | None:
    """None when line is article text; else the field values it carries (possibly none)."""
    size = len(line)
    if size <= _LABEL_LINE_MAX:
        byline = _REPORTER_LINE.match(_unbracket(line)) or _MARKED_LINE.match(line)
        if byline:
            return {"author": normalize_space(byline.group("names"))}
        labelled = _label_line_values(line)
        if labelled is not None:
            return labelled
    if _is_share_bar(line) or (size <= _BUTTON_BAR_MAX and _BUTTON_BAR.match(line)):
        return {}
    if size > _NOTICE_MAX:
        return None  # every rule below is for lines of at most _NOTICE_MAX characters
    promotion = _PROMOTION.search(line) if len(line) <= _PROMOTION_MAX else None
    # A promotion leads its line ("扫码下载…", "请关注公众号…"); an article sentence that mentions
    # scanning a code or following an account somewhere in its middle is the article's own text.
    if promotion and promotion.start() <= _PROMOTION_LEAD:
        return {}
    if len(line) <= _NOTICE_MAX and _NOTICE.search(line):
        return {}
    if len(line) <= _COPYRIGHT_MAX and _may_be_copyright(line) and _COPYRIGHT.search(line):
        return {}
    if len(line) <= _NOTICE_MAX and _is_disclaimer(line):
        return {}
    if len(line) <= _POSTED_LINE_MAX and is_posted_line(line):
        return {}
    return None


# A post's own footer or header line: "发表于 2004年12月27日 12:40 - (阅读:3727;评论:63)",
# "posted @ 2005-03-21 11:21 by lee", "2026-10-28 14:05 阅读(120) 评论(6)". A date with its year, after a
# publish label or before read/comment counters, and no sentence.
_POSTED_LINE_MAX = 80
_POSTED_DATE = re.compile(
    r"^[\[【(（〓※■□◆◇●○★☆\s]*(?P<label>(?:发表|发布|更新|提交)(?:于|时间|日期)\s*[:：]?|posted(?:\s+(?:on|at|@))?|@)?"
    r"\s*(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}",
    re.IGNORECASE,
)
# The same label after the board's or blog's name: "〓 某某论坛 某某版 发布时间 2005/05/17 22:11 by 某某 〓".
_POSTED_LABEL = re.compile(
    r"(?:发表|发布)(?:于|时间|日期)\s*[:：]?\s*(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"
)
_COUNTERS = re.compile(r"(?:阅读|浏览|点击|评论|回复|人气|views?|comments?)\s*[:：(（]?\s*\d", re.IGNORECASE)
_SENTENCE_MARKS = re.compile(r"[，。！？!?]")


def is_posted_line(line: str) -> bool:
    """Whether line is a post's date line (see _POSTED_DATE): never the article's text."""
    if _SENTENCE_MARKS.search(line):
        return False
    match = _POSTED_DATE.match(line)
    if match is None:
        return _POSTED_LABEL.search(line) is not None
    return bool(match.group("label")) or bool(_COUNTERS.search(line, match.end()))


# Phrases of a site's disclaimer: a paragraph made of several of them is a 声明 without its label.
_DISCLAIMER = re.compile(
    # every branch opens with a literal character, so the regex skips to where one of them stands
    r"不代表本(?:网|站|平台|号|刊)|观点仅代表作者|立场仅代表作者|对其真实性负责|与本(?:网|站|平台)联系|第一时间(?:删除|处理)"
    r"|仅供(?:读者)?参考|不构成(?:任何)?投资建议|信息发布平台|信息存储空间服务|传递更多信息"
)


def _is_disclaimer(line: str) -> bool:
    """Whether line is a disclaimer: two or more disclaimer or copyright phrases in it."""
    found = len(_DISCLAIMER.findall(line))
    if found >= 2:
        return True
    if not _may_be_copyright(line):
        return False
    needed = 2 - found
    for _ in _COPYRIGHT.finditer(line):  # read only as far as the phrase that makes two
        needed -= 1
        if not needed:
            return True
    return False


def _unbracket(line: str) -> str:
    """line without one pair of enclosing brackets: "（来源：新华网）" → "来源：新华网"."""
    line = line.strip()
    if len(line) >= 2 and line[0] in _OPEN and line[-1] in _CLOSE:
        return line[1:-1].strip()
    return line


def _label_line_values(line: str) -> dict[str, str | None] | None:
    """Values of a line made only of "LABEL：value" parts ("来源：新华网 作者：张三"), else None."""
    if len(line) > _LABEL_LINE_MAX:
        return None
    inner = _unbracket(line)
    marks = list(_LABEL_AT.finditer(inner))
    if not marks or marks[0].start() != 0:
        return None
    values: dict[str, str | None] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(inner)
        value = inner[mark.end() : end].strip(" |丨，,;；")
        label = mark.group("label")
        if not _is_label_value(label, mark.group("sep"), value):
            return None
        name = _LABEL_FIELD[label]
        if name and name not in values:
            values[name] = _clean_value(name, value)
    return values


def _is_label_value(label: str, sep: str, value: str) -> bool:
    """Whether value reads as the value of label (a name or an outlet), not as a sentence."""
    if len(value) > _VALUE_MAX or _SENTENCE_END.search(value):
        return False
    if len(label) == 1 and sep not in "/|丨":
        return False  # "文：" or "图 " open sentences too often ("图 1 显示...")
    if sep.isspace():
        # Without a colon only a short run of names is a byline ("记者 张三 李四", "编辑 王五").
        return label not in _SOURCE_LABELS and bool(re.fullmatch(_NAMES, value))
    return True


def _clean_value(name: str, value: str) -> str | None:
    value = normalize_space(value)
    if name == "source":
        value = _VALUE_TAIL.sub("", value)
        if _NO_SOURCE.match(value):
            return None
    if name == "editor":
        value = _STAFF_CODE.sub("", value)
    if name == "author":
        value = _REPORTER_PREFIX.sub("", value)  # "本报记者 张三" → "张三"
    value = value.strip(" ()（）[]【】")
    return value or None


# A bar of bracketed buttons, with at most a short label before it: "页面功能 【我来说两句】【推荐】
# 【字体：大 中 小】【打印】【关闭】". Three buttons or more, none a sentence.
_BUTTON_BAR = re.compile(r"^[^【】\[\]。！？]{0,6}(?:\s*[【\[][^】\]。！？，]{1,10}[】\]]\s*){3,}$")
_BUTTON_BAR_MAX = 80


def _is_share_bar(line: str) -> bool:
    # Word by word, stopping at the first that is not share-bar furniture: a paragraph of the article
    # is rejected at its first clause instead of being split whole.
    found = False
    for word in _SHARE_WORD.finditer(line):
        if word.group() not in _SHARE_WORDS:
            return False
        found = True
    return found and not line.isdigit()


# --- titles ---------------------------------------------------------------------------------------

_ORIGINAL_MARK = re.compile(r"^\s*(?:[【\[（(]\s*原创\s*[】\]）)]|原创\s*[:：|丨]|原创\s+(?=\S))\s*")
_ORIGINAL_MARK_END = re.compile(r"\s*[【\[（(]\s*原创\s*[】\]）)]\s*$")
# The last separator and what follows it: "标题_新浪网", "标题|凤凰网", "标题 - 腾讯新闻".
_TITLE_SUFFIX = re.compile(
    r"^(?P<head>.*\S)\s*(?P<sep>_+|\||｜|丨|\s[-–—]{1,2}\s|-{2,}|——)\s*(?P<tail>[^_|｜丨]+?)\s*$"
)
# Words of site and channel names; no portal's own name is listed (that evidence comes from the page).
_SITE_WORDS = re.compile(
    r"网|新闻|频道|日报|晚报|早报|时报|商报|周刊|杂志|报$|在线|客户端|资讯|头条|号$|APP|财经|体育|娱乐|科技|汽车|"
    r"房产|军事|国际|国内|社会|首页|官网|门户|中心|电视台|广播|手机|视频|专题|平台|联播|观察|博客|论坛|社区|BBS|blog|"
    r"\.com|\.cn|news|online|paper|daily|times|post",
    re.IGNORECASE,
)
# How a site's or channel's name ends ("清河网", "清河头条", "清河新闻", "清河发布").
_SITE_END = re.compile(
    r"(?:网|新闻|频道|头条|号|日报|晚报|早报|时报|报|客户端|在线|资讯|发布|app|电视台|广播|传媒|观察|视频|门户)$",
    re.IGNORECASE,
)
_DASHES = frozenset(["-", "–", "—", "--", "——", "-–", "—-"])
_SUFFIX_MAX = 16
_CHANNEL_MAX = 6


def strip_title(title: str, suffixes: Iterable[str] = (), site_names: Iterable[str] = ()) -> str:
    """title without 原创 marks, the given regexes, and trailing site/channel names.

    A short trailing part after "_" or "|" is cut when it reads as a site or channel name ("_新浪网",
    "|凤凰网") or names the page's own site; after a dash ("-", "——") only when it names the page's own
    site (``site_names``: og:site_name, the copyright holder, the logo's alt text, the host; see
    ``header.page_site_names``), because headlines use dashes themselves ("数字乡村——智慧农业服务平台").
    Behind a cut site name, a short part after the same separator is its channel ("--文化--人民网").
    A "|" that separates a column name from a long headline ("图说洛阳| ...") is kept."""
    if not title:
        return ""
    title = normalize_space(title)
    # Until nothing changes: taking one part off can expose another ("标题_新浪网【原创】",
    # "标题【原创】【原创】"), and cleaning must be idempotent. Each round only shortens the title.
    stripped = _strip_title_once(title, suffixes, site_names)
    while stripped != title:
        title, stripped = stripped, _strip_title_once(stripped, suffixes, site_names)
    return stripped


def _strip_title_once(title: str, suffixes: Iterable[str], site_names: Iterable[str]) -> str:
    for pattern in suffixes:
        title = re.sub(pattern, "", title).strip()
    names = site_names  # may compute on first use (header.SiteNames): only a dash or "_"/"|" tail asks
    cut_sep: str | None = None
    while True:
        match = _TITLE_SUFFIX.search(title)
        if not match:
            break
        tail, head, sep = match.group("tail"), match.group("head"), match.group("sep").strip()
        is_channel = sep == cut_sep and len(tail) <= _CHANNEL_MAX and len(head) >= 2 * len(tail)
        if sep in _DASHES:
            is_site = bool(head.strip()) and len(tail) <= _SUFFIX_MAX and names_site(tail, names)
        else:
            is_site = _looks_like_site(tail, head) or (bool(head.strip()) and names_site(tail, names))
        if not (is_channel or is_site):
            break
        title, cut_sep = head.strip(), sep
    title = _ORIGINAL_MARK.sub("", title)
    title = _ORIGINAL_MARK_END.sub("", title)
    return title.strip()


def _looks_like_site(tail: str, head: str) -> bool:
    if not head.strip() or len(tail) > _SUFFIX_MAX or _SENTENCE_END.search(tail):
        return False
    return bool(_SITE_WORDS.search(tail))


_NAME_NOISE = re.compile(r"[\s·・.\-_]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _name_keys(names: Iterable[str]) -> tuple[str, ...]:
    keys = []
    for name in names:
        key = _NAME_NOISE.sub("", name or "").lower()
        if len(key) >= 2 and key not in keys:
            keys.append(key)
    return tuple(keys)


def names_site(part: str, site_names: Iterable[str]) -> bool:
    """Whether part (a title's tail) names the site: compared without spaces, dots and case, it is
    one of site_names, holds one of three characters or more ("清河网" in "清河网 官方网站"), lies
    inside one ("清河网" in the copyright holder "清河网络传媒有限公司"), or is a Chinese site or
    channel name sharing its first two characters with one ("清河头条", "清河频道" beside "清河网")."""
    key = _NAME_NOISE.sub("", part).lower()
    if len(key) < 2 or _SENTENCE_END.search(part):
        return False
    for name in _name_keys(site_names):
        if key == name:
            return True
        if len(name) >= 3 and name in key and len(key) <= len(name) + _CHANNEL_MAX:
            return True
        if len(key) >= 3 and key in name:
            return True
        if _CJK.match(key) and key[:2] == name[:2] and len(key) <= _CHANNEL_MAX and _SITE_END.search(key):
            return True
    return False


# --- hashes and counts ----------------------------------------------------------------------------


_FULL_WIDTH = re.compile("[\uff01-\uff5e]")
_FEW_FORMS = 8  # distinct full-width forms replaced one by one; more: over the code points at once


# One entry: the body just folded is folded again at once (content_hash, then near_signature, of
# the same cleaned body); the lookup hashes the text once (a str keeps its hash) and holds one body.
@lru_cache(maxsize=1)
def fold_full_width(text: str) -> str:
    """text with the full-width ASCII forms (！ … ～, U+FF01-FF5E) as ASCII, everything else as it is."""
    return _fold_full_width(text)


def _fold_full_width(text: str) -> str:
    found = set(_FULL_WIDTH.findall(text))
    if not found:
        return text
    if len(found) <= _FEW_FORMS:
        # A Chinese body uses a few of them (，：（）…): one str.replace each, as C loops over the text.
        for char in found:
            text = text.replace(char, chr(ord(char) - 0xFEE0))  # ASCII: never one of the forms
        return text
    # Vectorised over the code points: str.translate with a dict looks every character up.
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    points[(points >= 0xFF01) & (points <= 0xFF5E)] -= 0xFEE0
    return points.tobytes().decode("utf-32-le")


# Characters NFKC leaves as they are and that never compose with a neighbour (no decomposition,
# combining class 0, not the first of a composite pair): printable ASCII, the CJK Unified
# Ideographs and the common Chinese punctuation; neither invisible (_INVISIBLE) nor whitespace but
# the space. tests/test_text.py checks every one against unicodedata.
_HASH_STABLE_CHARS = (
    " -~\u4e00-\u9fff\u3001\u3002\u300a-\u3011\u3014\u3015\u201c\u201d\u2018\u2019\u2014\u00b7"
)
_HASH_STABLE_LINE = re.compile(f"[{_HASH_STABLE_CHARS}]*")


def normalize_for_hash(body: str) -> str:
    """The body as compared for duplicates: NFKC (full- and half-width forms equal), no whitespace
    or zero-width characters, Latin lowercased."""
    # Full-width ASCII forms first, as NFKC maps them: NFKC of the folded text is NFKC of the text.
    # Then line by line: NFKC never joins across a newline (a starter nothing composes with), so a
    # line of stable characters only is its own NFKC. Most lines of a Chinese body are, and
    # unicodedata's quick check alone costs about as much as reading the whole body twice.
    parts = []
    for line in fold_full_width(body or "").split("\n"):
        if _HASH_STABLE_LINE.fullmatch(line):
            parts.append(line.replace(" ", ""))
        else:
            parts.append(_SPACES.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFKC", line))))
    # lowercased as a whole: str.lower reads a final sigma's next letter, which may open the next line
    return "".join(parts).lower()


def content_hash(body: str) -> str:
    """Hex SHA-1 of normalize_for_hash(body)."""
    return hashlib.sha1(normalize_for_hash(body).encode("utf-8")).hexdigest()


_COUNT = re.compile(r"(?P<number>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<unit>万|亿|千|[wWkK](?![a-zA-Z]))?")
_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000}


def parse_count(text: str) -> int | None:
    """A read/view count as an int: "阅读 (12345)" → 12345, "1.2万" → 12000, "3.5w" → 35000,
    "10万+" → 100000, "1,234" → 1234. None when the text has no number."""
    if not text:
        return None
    match = _COUNT.search(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    number = float(match.group("number").replace(",", ""))
    unit = (match.group("unit") or "").lower()
    return round(number * _UNITS.get(unit, 1))
