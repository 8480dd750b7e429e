"""The body rules of issue 13, each disabled in turn: which pages' marks change (the rule audit of
benchmarks/README.md).

    .venv/bin/python tools/body_rule_audit.py base /tmp/audit-base.json
    .venv/bin/python tools/body_rule_audit.py RULE /tmp/audit-RULE.json /tmp/audit-base.json

RULE is one of the names below (``base``: none disabled). A rule is disabled by replacing, in this
process only, the function, pattern or constant that makes it (the code is not edited). Writes each
page's marks (body F1; labelled / answered / right per field) for the shared pages (tune or score
part of the split by portal; through the recognised and the generic profile), the wild pages (the
crc32 look / check half, and the body rules' own even / odd split by sorted name), and whether each
fixture of tests/pages still gives exactly its fields; with a base dump, prints what changed.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
import extraction as bench  # noqa: E402
import test_extraction_pages as fx  # noqa: E402

from newsportal.cli.extract import extract_page  # noqa: E402
from newsportal.extract import article, density, encoding, text  # noqa: E402
from newsportal.extract.scoring import SHARED, WILD, load_pages, score_page  # noqa: E402

NEVER = re.compile(r"(?!x)x")
rule = sys.argv[1]
if rule == "form":
    density._SKIP = density._SKIP | {"form"}
elif rule == "furniture_ancestor":

    def choose(self):
        self.candidates.sort(key=lambda c: c[0], reverse=True)
        return self._dominant_unit(self.candidates[0][1]) if self.candidates else None

    density._Scorer.choose = choose
elif rule == "document_tags":
    density._DOCUMENT_TAGS = frozenset()
elif rule == "posted_line":
    text.is_posted_line = lambda line: False
elif rule == "board_line":
    old_date = re.compile(
        r"^[\[【(（]?\s*(?P<label>(?:发表|发布|更新|提交)(?:于|时间|日期)\s*[:：]?|posted(?:\s+(?:on|at|@))?|@)?\s*"
        r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}",
        re.IGNORECASE,
    )

    def old_posted(line):
        if text._SENTENCE_MARKS.search(line):
            return False
        m = old_date.match(line)
        if m is None:
            return False
        return bool(m.group("label")) or bool(text._COUNTERS.search(line, m.end()))

    text.is_posted_line = old_posted
elif rule == "dominant_unit":
    density._Scorer._dominant_unit = lambda self, el: el
elif rule == "comment_headings":
    density.RELATED_HEADING = re.compile(
        r"^(?:相关|推荐|延伸|热点|热门|精彩|更多|最新|猜你|为您|大家都在|今日|编辑)"
        r"[\s·]*(?:阅读|新闻|文章|推荐|视频推荐|视频|报道|专题|链接|喜欢|都在看|热点|精选|搜索)+$|^作者最新文章$"
    )
elif rule == "button_bar":
    text._BUTTON_BAR = NEVER
elif rule == "noframes":
    article._open_noframes = lambda root: None
elif rule == "gbk_nocharset":
    # the shortcut's GB18030 reading fails, so such bytes go on to the detector, as before the rule
    # (with nothing declared, decode_html asks _strict for gb18030 only in that shortcut)
    orig_strict = encoding._strict

    def strict(body, enc):
        frame = sys._getframe(1)
        if frame.f_code.co_name == "decode_html" and enc == "gb18030" and not frame.f_locals["declared"]:
            return None
        return orig_strict(body, enc)

    encoding._strict = strict
elif rule == "no_block_fallback":
    orig_sc = article.sentence_container
    article.sentence_container = lambda sel, exclude=None: None if exclude is None else orig_sc(sel, exclude)
elif rule == "too_little_fallback":
    orig_sc2 = article.sentence_container
    article.sentence_container = lambda sel, exclude=None: orig_sc2(sel) if exclude is None else None
elif rule == "menu_links_only":
    article._is_menu_link = lambda a: True
elif rule == "climb":
    article._CLIMB_GAIN = float("inf")
elif rule == "disclaimer":
    text._is_disclaimer = lambda line: False
elif rule == "decorative_image":
    density._decorative = lambda marks: False
else:
    assert rule == "base", rule
text._line_verdict.cache_clear()
density._names_furniture.cache_clear()


def marks(s):
    def m(f):
        return None if f is None else [f.labelled, f.answered, f.right]

    return {
        "f1": round(s.body_f1, 3),
        **{k: m(getattr(s, k)) for k in ("title", "date", "time", "author", "source")},
    }


out = {}
for setname, folder, conv in (("shared", bench.devset_dir(), SHARED), ("wild", bench.wildset_dir(), WILD)):
    pages = load_pages(folder)
    for i, p in enumerate(pages):
        if setname == "shared":
            part = "score" if bench.in_score_part(p.portal) else "tune"
        else:
            part = ("look" if bench.in_wild_look_half(p.name) else "check") + (
                "/even" if i % 2 == 0 else "/odd"
            )
        out[f"{setname}:{part}:{p.name}"] = marks(score_page(p, bench.newsportal_extractor(p), conv))
        if setname == "shared":
            out[f"shared-generic:{part}:{p.name}"] = marks(score_page(p, bench.generic_extractor(p), conv))
for p in fx.PAGES:
    rec = extract_page(p.read_bytes(), p.html_path.resolve().as_uri(), None, fx._now(p))
    ok = (
        rec["title"] == (p.title or None)
        and rec["author"] == (p.author or None)
        and rec["source"] == (p.source or None)
        and rec["body"] == p.body
    )
    out[f"fixture:{p.html_path.parent.name}/{p.name}"] = {"ok": ok, "body_ok": rec["body"] == p.body}
Path(sys.argv[2]).write_text(json.dumps(out, indent=0, ensure_ascii=False))
if len(sys.argv) > 3:
    base = json.loads(Path(sys.argv[3]).read_text())
    for k in out:
        if out[k] != base.get(k):
            print(f"  {k}: {base.get(k)} -> {out[k]}")
