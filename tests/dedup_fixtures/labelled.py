"""The labelled near-duplicate set: pairs of article bodies, each marked duplicate or distinct.

Built by code, deterministically (fixed seeds), from the sample portal's article bodies
(``samples/portal/manifest.json``) and hand-written distinct stories on shared topics
(``same_topic.json``):

* duplicates: a story and a syndicated copy with one edit kind applied (``EDITS``), or a few
  kinds combined, as Chinese portals do when they re-publish a report;
* distinct: every pair of different sample stories (many share a channel or a topic), and the
  hand-written pairs of different stories about the same event or subject.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "samples" / "portal" / "manifest.json"
SAME_TOPIC = Path(__file__).with_name("same_topic.json")


@dataclass(frozen=True)
class LabelledPair:
    kind: str  # the edit that made b from a ("trimmed_last_paragraph", ...) or "distinct_*"
    a: str
    b: str
    duplicate: bool


EDITOR_NOTES = (
    "编者按：本文转载自合作媒体，文中观点仅代表作者本人，不代表本网立场。",
    "【编者按】近期不少读者来信关心此事，本报记者进行了跟踪采访，现将有关情况整理如下。",
    "本报讯 据有关部门最新消息，相关工作正在有序推进之中，具体情况请看下方报道。",
    "（记者手记：采访当天下着小雨，现场仍有不少市民驻足围观，纷纷拿出手机拍照留念。）",
)
SOURCE_LINES = (
    "来源：新华网",
    "来源：人民网",
    "本文来源：澎湃新闻",
    "稿件来源：中国新闻网",
    "来源：江城晚报",
)
# Characters an edit may put in; common in news prose so edits look like rewording, not noise.
EDIT_CHARS = (
    "的一是在了不和有大这主中人上为们地个用工时要动国产以我到他会作来分生对于学下级就年阶义发成部民可"
    "出能方进同行面说种过命度革而多子后自社加小机也经力线本电高量长党得实家定深法表着水理化争现所二起"
    "政三好十战无农使性前等反体合斗路图把结第里正新开论之物从当两些还天资事队批点育重其思与间内去因件"
    "日利相由压员气业代全组数果期导平各基或月毛然如应形想制心样干都向变关问比展那它最及外没看治提五解"
    "系林者米群头意只明四道马认次文通但条较克又公孔领军流入接席位情运器并飞原油放立题质指建区验活众很"
    "教决特此常石强极土少已根共直团统式转别造切九你取西持总料连任志观调七么山程百报更见必真保热委手改"
    "管处己将修支识病象几先老光专什六型具示复安带每东增则完风回南广劳轮科北打积车计给节做务被整联步类"
    "集号列温装即毫知轴研单色坚据速防史拉世设达尔场织历花受求传口断况采精金界品判参层止边清至万确究书"
    "术状厂须离再目海交权且儿青才证低越际八试规斯近注办布门铁需走议县兵固除般引齿千胜细影济白格效置推"
    "空配刀叶率述今选养德话查差半敌始片施响收华觉备名红续均药标记难存测士身紧液派准斤角降维板许破述技"
    "消底床田势端感往神便贺村构照容非搞亚磨族火段算适讲按值美态黄易彪服早班麦削信排台声该击素张密害侯"
    "草何树肥继右属市严径螺检左页抗苏显苦英快称坏移约巴材省黑武培著河帝仅针怎植京助升王眼她抓含苗副杂"
    "普谈围食射源例致酸旧却充足短划剂宣环落首尺波承粉践府鱼随考刻靠够满夫失包住促枝局菌杆周护岩师举曲"
    "春元超负砂封换太模贫减阳扬江析亩木言球朝医校古呢稻宋听唯输滑站另卫字鼓刚写刘微略范供阿块某功套友"
    "限项余倒卷创律雨让骨远帮初皮播优占死毒圈伟季训控激找叫云互跟裂粮粒母练塞钢顶策双留误础吸阻故寸盾"
    "晚丝女散焊功株亲院冷彻弹错散商视艺灭版烈零室轻血倍缺厘泵察绝富城冲喷壤简否柱李望盘磁雄似困巩益洲"
    "脱投送奴侧润盖挥距触星松送获兴独官混纪依未突架宽冬章湿偏纹吃执阀矿寨责熟稳夺硬价努翻奇甲预职评读"
    "背协损棉侵灰虽矛厚罗泥辟告卵箱掌氧恩爱停曾溶营终纲孟钱待尽俄缩沙退陈讨奋械载胞幼哪剥迫旋征槽倒握"
    "担仍呀鲜吧卡粗介钻逐弱脚怕盐末阴丰雾冠丙街莱贝辐肠付吉渗瑞惊顿挤秒悬姆烂森糖圣凹陶词迟蚕亿矩"
)
# Half-width forms a portal's editor may type instead of the full-width ones (and the reverse).
WIDTH_SWAPS = {"，": ",", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")", "％": "%"}


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n") if p.strip()]


def added_paragraph(body: str, rng: random.Random) -> str:
    """An editor's note put before the first paragraph or after the last."""
    paras = paragraphs(body)
    note = rng.choice(EDITOR_NOTES)
    return "\n".join([note, *paras] if rng.random() < 0.5 else [*paras, note])


def removed_paragraph(body: str, rng: random.Random) -> str:
    """One paragraph other than the first taken out (a shortened re-publication)."""
    paras = paragraphs(body)
    if len(paras) < 3:
        return body
    del paras[rng.randrange(1, len(paras))]
    return "\n".join(paras)


def trimmed_last_paragraph(body: str, rng: random.Random) -> str:
    paras = paragraphs(body)
    return "\n".join(paras[:-1]) if len(paras) >= 3 else body


def changed_source_line(body: str, rng: random.Random) -> str:
    """A 来源 line of another outlet added at the top or the bottom."""
    line = rng.choice(SOURCE_LINES)
    paras = paragraphs(body)
    return "\n".join([line, *paras] if rng.random() < 0.5 else [*paras, line])


def punctuation_width(body: str, rng: random.Random) -> str:
    """Full-width punctuation typed half-width (or, for a copy that was half-width, the reverse)."""
    swapped = "".join(WIDTH_SWAPS.get(ch, ch) for ch in body)
    return swapped.replace("“", '"').replace("”", '"')


def edited_characters(body: str, rng: random.Random, share: float = 0.10) -> str:
    """share of the characters replaced, deleted or followed by an inserted one (typos, rewording)."""
    chars = list(body)
    positions = [i for i, ch in enumerate(chars) if ch != "\n"]
    for i in sorted(rng.sample(positions, round(len(positions) * share)), reverse=True):
        op = rng.random()
        if op < 0.6:
            chars[i] = rng.choice(EDIT_CHARS)
        elif op < 0.8:
            del chars[i]
        else:
            chars.insert(i + 1, rng.choice(EDIT_CHARS))
    return "".join(chars)


def combined(body: str, rng: random.Random) -> str:
    """A 来源 line, half-width punctuation, a trimmed last paragraph and 5 % of characters edited."""
    body = trimmed_last_paragraph(body, rng)
    body = punctuation_width(body, rng)
    body = changed_source_line(body, rng)
    return edited_characters(body, rng, share=0.05)


EDITS: dict[str, Callable[[str, random.Random], str]] = {
    "added_paragraph": added_paragraph,
    "removed_paragraph": removed_paragraph,
    "trimmed_last_paragraph": trimmed_last_paragraph,
    "changed_source_line": changed_source_line,
    "punctuation_width": punctuation_width,
    "edited_characters_10pct": edited_characters,
    "combined": combined,
}


def sample_bodies() -> list[str]:
    """The bodies of the sample portal's articles, in manifest order."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [a["body"] for a in manifest["articles"] if a.get("body")]


def same_topic_pairs() -> list[tuple[str, str, str]]:
    """(topic, body a, body b): different stories about the same subject, written for this set."""
    data = json.loads(SAME_TOPIC.read_text(encoding="utf-8"))
    return [(p["topic"], "\n".join(p["a"]), "\n".join(p["b"])) for p in data]


def labelled_pairs(seed: int = 20260315) -> list[LabelledPair]:
    """Every labelled pair: each edit kind on each sample body (3 seeds for the random edits),
    every pair of distinct sample bodies, and the same-topic pairs."""
    bodies = sample_bodies()
    pairs: list[LabelledPair] = []
    for n, body in enumerate(bodies):
        for kind, edit in EDITS.items():
            for k in range(3 if kind in ("edited_characters_10pct", "combined", "removed_paragraph") else 1):
                copy = edit(body, random.Random(f"{seed}-{n}-{kind}-{k}"))
                if copy != body:
                    pairs.append(LabelledPair(kind, body, copy, True))
    for a, b in itertools.combinations(bodies, 2):
        pairs.append(LabelledPair("distinct_sample_stories", a, b, False))
    for _topic, a, b in same_topic_pairs():
        pairs.append(LabelledPair("distinct_same_topic", a, b, False))
    return pairs
