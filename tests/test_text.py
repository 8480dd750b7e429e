"""Spec of newsportal.extract.text: spaces, boilerplate lines, titles, hashes and counts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from newsportal.extract.text import (
    BoilerplateFields,
    content_hash,
    normalize_for_hash,
    normalize_paragraphs,
    normalize_space,
    parse_count,
    split_boilerplate,
    strip_title,
)
from tests.conftest import require_shared

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "pages"


# --- normalize_space ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u3000\u3000今天天气很好", "今天天气很好"),
        ("今天\xa0\xa0天气", "今天 天气"),
        ("今天\t\t天气", "今天 天气"),
        ("今天    天气", "今天 天气"),
        ("第一行\n第二行\r\n第三行", "第一行 第二行 第三行"),
        ("零\u200b宽\u200c字\u200d符\u2060在\ufeff此", "零宽字符在此"),
        ("  两端  ", "两端"),
        ("", ""),
        ("\u3000 \xa0\t\n", ""),
    ],
)
def test_normalize_space_makes_one_clean_line(raw, expected):
    assert normalize_space(raw) == expected


def test_every_invisible_character_is_unprintable_and_no_whitespace():
    """normalize_space returns a printable line as it is: no character it removes may be in one."""
    import sys

    from newsportal.extract.text import _INVISIBLE

    taken = _INVISIBLE.findall("".join(map(chr, range(sys.maxunicode + 1))))
    assert len(taken) > 100
    assert not [c for c in taken if c.isprintable() or c.isspace()]


def test_normalize_space_keeps_punctuation_width():
    assert normalize_space("你好，世界！Hello, world!") == "你好，世界！Hello, world!"


def test_normalize_paragraphs_cleans_each_and_drops_empty_ones():
    assert normalize_paragraphs(["\u3000第一段\xa0", "", "  ", "\u200b", "第二段"]) == ["第一段", "第二段"]


# --- split_boilerplate ----------------------------------------------------------------------------

TEXT_1 = "今年以来，本市新建了十二座社区公园，市民在家门口就能锻炼身体。"
TEXT_2 = "市园林局表示，明年还将继续推进口袋公园建设，方便更多居民。"


def split(*lines: str) -> BoilerplateFields:
    return split_boilerplate([TEXT_1, *lines, TEXT_2])


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("来源：新华网", "新华网"),
        ("来源:新华网", "新华网"),
        ("（来源：光明日报）", "光明日报"),
        ("(来源：光明日报)", "光明日报"),
        ("文章来源：中国青年报", "中国青年报"),
        ("本文来源：每日经济新闻", "每日经济新闻"),
        ("来源： 人民网-文化频道", "人民网-文化频道"),
        ("来源：新华网 2018-12-28 19:55", "新华网"),
    ],
)
def test_source_lines_leave_the_body_and_fill_source(line, source):
    result = split(line)
    assert result.paragraphs == [TEXT_1, TEXT_2]
    assert result.source == source


def test_source_line_with_author_and_editor_parts_fills_all_three():
    result = split("来源：新华网 作者：张三 责任编辑：李四")
    assert (result.source, result.author, result.editor) == ("新华网", "张三", "李四")
    assert result.paragraphs == [TEXT_1, TEXT_2]


def test_first_source_wins():
    assert split("来源：新华网", "来源：人民网").source == "新华网"


def test_source_that_names_no_outlet_is_dropped_with_its_line():
    result = split("来源：网络")
    assert (result.paragraphs, result.source) == ([TEXT_1, TEXT_2], None)


@pytest.mark.parametrize(
    ("line", "editor"),
    [
        ("责任编辑：王五", "王五"),
        ("编辑：王五", "王五"),
        ("(责任编辑：王五)", "王五"),
        ("【责任编辑：王五】", "王五"),
        ("责编：王五", "王五"),
        ("责任编辑：王五_NB12345", "王五"),
        ("责任编辑 王五", "王五"),
    ],
)
def test_editor_lines_leave_the_body_and_fill_editor(line, editor):
    result = split(line)
    assert result.paragraphs == [TEXT_1, TEXT_2]
    assert result.editor == editor
    assert result.author is None


@pytest.mark.parametrize(
    "line", ["校对：赵六", "审核：钱七", "校对：赵六 审核：钱七", "图/某图片社", "摄影：孙八"]
)
def test_proofreading_review_and_photo_credit_lines_leave_without_a_field(line):
    result = split(line)
    assert result.paragraphs == [TEXT_1, TEXT_2]
    assert (result.source, result.editor, result.author) == (None, None, None)


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("作者：张三", "张三"),
        ("文/张三", "张三"),
        ("文 / 张三", "张三"),
        ("记者 张三", "张三"),
        ("本报记者 张三 李四", "张三 李四"),
        ("某某晚报记者 张三", "张三"),
        ("某某新闻记者 张三 李四", "张三 李四"),
        ("采写：某报见习记者 张三", "张三"),
        ("作者：本报记者 张三", "张三"),
        ("执笔/张三、李四&王五", "张三、李四&王五"),
        ("（记者 张三 通讯员 李四）", "张三"),
    ],
)
def test_byline_only_lines_leave_the_body_and_fill_author(line, author):
    result = split(line)
    assert result.paragraphs == [TEXT_1, TEXT_2]
    assert result.author == author


@pytest.mark.parametrize(
    "line",
    [
        "扫码下载某某新闻客户端",
        "关注公众号，获取更多资讯",
        "下载客户端，阅读更多",
        "点击进入专题",
        "返回搜狐，查看更多",
        "打开APP阅读全文",
        "更多精彩！欢迎扫描左方二维码关注官方微信",
        "安装某某客户端第一时间接收最全面的资讯→【 下载地址 】",
        "点击进入“文艺频道” >>",
        "长按识别二维码关注我们",
    ],
)
def test_promotion_lines_leave_the_body(line):
    assert split(line).paragraphs == [TEXT_1, TEXT_2]


@pytest.mark.parametrize(
    "line",
    [
        "版权声明：本文版权归某某网所有",
        "声明：本文仅代表作者个人观点",
        "免责声明：本站内容均来自网友投稿，文章观点仅代表作者本人，不代表本站立场。投资有风险，入市需谨慎。",
        "本文为某某号原创，未经授权禁止转载",
        "【本作品的中文相关权益归某某公司独家所有。未经授权，不得转载、摘编等。】",
        "© 2020 某某网",
        "Copyright © 1996-2020 Example Network. All Rights Reserved",
        "图片均来自网络",
        "违者依法追究相关法律责任",
    ],
)
def test_copyright_and_disclaimer_lines_leave_the_body(line):
    assert split(line).paragraphs == [TEXT_1, TEXT_2]


@pytest.mark.parametrize(
    "line",
    [
        "分享到",
        "分享到：",
        "微信",
        "微博",
        "举报",
        "分享到： 微信 微博 QQ空间",
        "0 条评论 | 12 人参与",
        "举报文章问题",
    ],
)
def test_share_bar_words_alone_leave_the_body(line):
    assert split(line).paragraphs == [TEXT_1, TEXT_2]


@pytest.mark.parametrize(
    "line",
    [
        "原标题：多地公园免费开放 市民点赞",
        "（原标题：多地公园免费开放 市民点赞）",
        "图片来源：某某大奖官网",
        "资料图：市民在公园晨练。某某社记者 张三 摄",
        "（应受访者要求，文中人名为化名。）",
        "（实习生张三对此文亦有贡献）",
        "文章指出：公园建设要因地制宜",
        "据报道，来源：此次事件的消息来源是当地政府，官员表示将尽快公布调查结果和后续安排。",
        "记者从市园林局获悉，今年全市新增绿地面积超过三百公顷，公园总数达到一百二十个。",
        "新京报快讯（记者 张三）今日有网友爆料，某网站的用户数据在暗网出售，官方随即辟谣。",
        "他在微信朋友圈里写道：我们终于等到了这一天。",
        "1",
        "记者节快乐",
    ],
)
def test_article_text_that_mentions_labels_stays(line):
    result = split(line)
    assert result.paragraphs == [TEXT_1, line, TEXT_2]
    assert (result.source, result.editor, result.author) == (None, None, None)


def test_long_paragraph_starting_with_a_label_stays():
    long_line = "来源：" + "这是一段很长的正文，讲述了公园建设的来龙去脉。" * 4
    assert split(long_line).paragraphs == [TEXT_1, long_line, TEXT_2]


def test_split_boilerplate_keeps_order_and_normalizes_space():
    result = split_boilerplate(["\u3000\u3000" + TEXT_1, "责任编辑：王五", "", "  " + TEXT_2 + "\xa0"])
    assert result == BoilerplateFields(paragraphs=[TEXT_1, TEXT_2], source=None, editor="王五", author=None)


def test_split_boilerplate_of_nothing_is_empty():
    assert split_boilerplate([]) == BoilerplateFields(paragraphs=[], source=None, editor=None, author=None)


def test_no_labelled_body_paragraph_of_the_real_pages_is_removed():
    require_shared(REAL_PAGES)
    removed = []
    for labelled in sorted(REAL_PAGES.glob("*.json")):
        body = json.loads(labelled.read_text(encoding="utf-8"))["body"].split("\n")
        kept = split_boilerplate(body).paragraphs
        removed += [(labelled.stem, p) for p in normalize_paragraphs(body) if p not in kept]
    assert removed == []


# --- strip_title ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("公园免费开放_新浪网", "公园免费开放"),
        ("公园免费开放|凤凰网", "公园免费开放"),
        ("公园免费开放_手机搜狐网", "公园免费开放"),
        ("公园免费开放_网易订阅", "公园免费开放"),
        ("公园免费开放_新闻_新浪网", "公园免费开放"),
        ("公园免费开放 丨 某某日报", "公园免费开放"),
        ("【原创】公园免费开放", "公园免费开放"),
        ("原创：公园免费开放", "公园免费开放"),
        ("公园免费开放（原创）", "公园免费开放"),
        ("\u3000公园免费开放\xa0", "公园免费开放"),
    ],
)
def test_strip_title_removes_site_suffixes_and_original_marks(raw, expected):
    assert strip_title(raw) == expected


@pytest.mark.parametrize(
    "title",
    [
        "图说洛阳| 洛阳职业技术学院：剪“廉洁窗花” 过廉洁之年",
        "早报丨多地降温",
        "视界丨这个地方为何让人说“了不得”？",
        "华为Mate20X 5G版半天不到需充电",
        "原创内容平台发布年度报告",
    ],
)
def test_strip_title_keeps_separators_that_are_part_of_the_headline(title):
    assert strip_title(title) == title


@pytest.mark.parametrize(
    ("raw", "names", "expected"),
    [
        ("公园免费开放 - 腾讯新闻", ("腾讯网",), "公园免费开放"),
        ("公园免费开放--文化--人民网", ("人民网",), "公园免费开放"),
        ("公园免费开放——清河频道", ("清河网",), "公园免费开放"),
        ("公园免费开放 - 清河头条", ("清河网络传媒有限公司",), "公园免费开放"),
        ("公园免费开放 - Qinghe Daily", ("qinghedaily",), "公园免费开放"),
        ("公园免费开放_南山号", ("南山号",), "公园免费开放"),
    ],
)
def test_strip_title_cuts_a_dash_suffix_that_names_the_pages_own_site(raw, names, expected):
    assert strip_title(raw, site_names=names) == expected


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("公园免费开放 - 腾讯新闻", ()),
        ("数字乡村——打造智慧农业服务平台", ("清河网",)),
        ("中国女排3-0战胜美国 - 赛后采访", ("清河网",)),
        ("专访 - 清河大学新闻学院教授", ("清河网",)),
    ],
)
def test_strip_title_keeps_a_dash_part_that_does_not_name_the_site(title, names):
    assert strip_title(title, site_names=names) == title


def test_strip_title_applies_the_given_regexes():
    assert strip_title("公园免费开放 - 某某观察者", [r"\s*-\s*某某观察者$"]) == "公园免费开放"
    assert strip_title("[独家]公园免费开放", [r"^\[独家\]"]) == "公园免费开放"


# --- hashes ---------------------------------------------------------------------------------------


def test_normalize_for_hash_equates_full_and_half_width_and_ignores_whitespace_and_case():
    assert normalize_for_hash("Ａｂｃ，１２３ 公园\n开放") == normalize_for_hash("abc,123公园开放")
    assert normalize_for_hash("Ａｂｃ，１２３ 公园\n开放") == "abc,123公园开放"


def test_normalize_for_hash_drops_zero_width_characters():
    assert normalize_for_hash("公\u200b园\ufeff") == "公园"


def test_content_hash_is_sha1_hex_of_the_normalised_body():
    assert content_hash("公园 开放") == hashlib.sha1("公园开放".encode()).hexdigest()
    assert content_hash("ＡＢＣ\u3000公园") == content_hash("abc公园")
    assert content_hash("公园开放") != content_hash("公园关闭")
    assert len(content_hash("")) == 40


# --- parse_count ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("阅读 (12345)", 12345),
        ("阅读量：1.2万", 12000),
        ("3.5w", 35000),
        ("3.5W", 35000),
        ("10万+", 100000),
        ("1,234", 1234),
        ("阅读 1,234,567", 1234567),
        ("2.3k", 2300),
        ("1.5亿", 150000000),
        ("１２３４ 阅读", 1234),
        ("0", 0),
    ],
)
def test_parse_count_reads_counts_with_chinese_units(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["", "阅读", "暂无评论"])
def test_parse_count_without_a_number_is_none(text):
    assert parse_count(text) is None


def test_hash_stable_characters_are_their_own_nfkc_and_compose_with_nothing():
    import re
    import unicodedata

    from newsportal.extract.text import _HASH_STABLE_LINE, _INVISIBLE

    stable = [chr(c) for c in range(0x110000) if _HASH_STABLE_LINE.fullmatch(chr(c))]
    assert len(stable) > 20_000  # ASCII, the CJK ideographs, Chinese punctuation
    for char in stable:
        assert unicodedata.normalize("NFKC", char) == char
        assert unicodedata.combining(char) == 0 and not unicodedata.decomposition(char)
        assert not _INVISIBLE.match(char) and (char == " " or not re.match(r"\s", char))
    # no two of them compose: no character's canonical decomposition is a pair of stable characters
    stable_set = set(stable)
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            assert not {chr(int(p, 16)) for p in parts} <= stable_set, hex(code)


@pytest.mark.parametrize(
    "body",
    [
        "今天，气温２５℃。\n第二段…\u3000结束",
        "ΑΣ\nΑλλά ΟΔΟΣ\nabc",  # a final sigma at a line's end before letters: lowered as one text
        "e\u0301 combining\ncafe\u0301\n①②\n\u200b零宽\n\n",
        "普通一行，只有常用字。\n第二行“引号”《书名》——破折号·间隔号",
    ],
)
def test_normalize_for_hash_line_by_line_is_nfkc_of_the_whole(body):
    import re
    import unicodedata

    from newsportal.extract.text import _INVISIBLE, fold_full_width, normalize_for_hash

    whole = _INVISIBLE.sub("", unicodedata.normalize("NFKC", fold_full_width(body)))
    assert normalize_for_hash(body) == re.sub(r"\s+", "", whole).lower()


@pytest.mark.parametrize(
    "line",
    [
        "版权所有 某某网",
        "版权归某某日报社所有",
        "独家所有",
        "未经本网书面授权，不得转载",
        "严禁任何形式转载",
        "转载请注明出处",
        "如有侵权请联系",
        "侵权必删除",
        "追究其法律责任",
        "© 2026",
        "(C) 2026 某某网",
        "COPYRIGHT 2026",
        "CopyrIght",
        "copyr\u0131ght",  # a dotless i: IGNORECASE takes it for "i"
        "All Rights Reserved",
        "京ICP备12345678号",
        "图片来自网络",
        "本文图片均来源于互联网",
    ],
)
def test_every_copyright_phrase_passes_the_anchor_check(line):
    from newsportal.extract.text import _COPYRIGHT, _may_be_copyright

    assert _COPYRIGHT.search(line)
    assert _may_be_copyright(line)


def test_the_anchor_check_lets_no_copyright_match_through_on_our_lines():
    from newsportal.extract.text import _COPYRIGHT, _may_be_copyright

    lines = [line for page in (Path(__file__).parent / "pages").rglob("*.html") for line in
             page.read_text(encoding="utf-8", errors="replace").splitlines()]  # fmt: skip
    matched = [line for line in lines if _COPYRIGHT.search(line)]
    assert matched and all(_may_be_copyright(line) for line in matched)


def test_normalize_space_takes_every_whitespace_character_the_regex_takes():
    import re

    from newsportal.extract.text import _INVISIBLE

    chars = (chr(c) for c in range(0x110000))
    spaces = "".join(c for c in chars if (re.match(r"\s", c) or c.isspace()) and not _INVISIBLE.match(c))
    text = f"{spaces}甲{spaces}乙 丙{spaces}"
    assert normalize_space(text) == "甲 乙 丙" == re.sub(r"\s+", " ", text).strip()
