"""Scoring extracted fields against labelled pages: the one place the benchmark and the tests share.

A labelled page is ``NAME.html`` with ``NAME.json`` (``url``, ``portal``, ``title``, ``publish_time``,
``author``, ``source``, ``body``), as in ``../shared/pages``, ``../shared/pages-wild`` and
``tests/pages/<class>/``. Two page sets are labelled differently (``LabelConventions``):

* ``SHARED`` (``../shared/pages``, our labels): every page has its title; ``publish_time`` is empty
  where the page shows no year (such pages are not scored on date or time: the year a prediction needs
  cannot be checked against the page); an empty author or source means the page names none, so an
  answer there is a wrong answer.
* ``WILD`` (``../shared/pages-wild``, a third party's labels): no title or source labels (those
  columns are not scored); ``publish_time`` is a date alone (``YYYY-MM-DD``: scored to the day, not
  on time) or null where the page shows none; author null where the labeller found none.

How each field is scored:

* body: F1 over character 3-grams (counted with multiplicity) of the text with all whitespace
  removed, so paragraph splits and spaces do not matter and edge paragraphs cost what they weigh;
* title, source: exact match after whitespace normalisation (NFKC is not applied: a full-width
  character is a different character); author as a set of names: split at any separator (space, 、 ，
  , ; / &), order ignored, as the wild labels write some lists "张三、李四" and newsportal "张三 李四";
* date: the publish day, in +08:00; time: the publish time to the minute, in +08:00;
* per field, **recall** = right answers among the pages whose label has a value, **precision** =
  right answers among the pages where the tool answered and the label can judge the answer (a label
  with a value, or an empty label that says the page has none).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from statistics import mean

from newsportal.extract.dates import CHINA_TZ

# Where the shared labelled pages live, relative to the project root; the variables override.
DEVSET_ENV = "NEWSPORTAL_DEVSET"
WILDSET_ENV = "NEWSPORTAL_WILDSET"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEVSET = _PROJECT_ROOT.parent / "shared" / "pages"
DEFAULT_WILDSET = _PROJECT_ROOT.parent / "shared" / "pages-wild"

# The targets of issue 4 on the dev set (recall, as "right among labelled pages").
TARGETS = {"body_f1_mean": 0.98, "body_f1_min": 0.90, "title": 0.98, "time": 0.95, "author": 0.90}
TARGETS |= {"source": 0.90, "generic_body_f1_mean": 0.95}

FIELDS = ("title", "date", "time", "author", "source")

_WHITESPACE = re.compile(r"\s+")
_NAME_SEPARATORS = re.compile(r"[\s、，,;；/&＆]+")


@dataclass(frozen=True)
class LabelConventions:
    """How a page set's labels read: which fields are labelled at all, and for which an empty label
    says the page has no such value (so that an answer there is wrong)."""

    name: str
    labelled: frozenset[str]
    empty_means_none: frozenset[str]


SHARED = LabelConventions(
    "shared", frozenset(FIELDS), frozenset({"author", "source"})
)  # empty publish_time: no year shown
WILD = LabelConventions("wild", frozenset({"date", "time", "author"}), frozenset({"date", "time", "author"}))


@dataclass(frozen=True)
class LabelledPage:
    name: str
    html_path: Path
    url: str
    portal: str
    title: str
    publish_time: str
    author: str
    source: str
    body: str

    def read_bytes(self) -> bytes:
        return self.html_path.read_bytes()


def devset_dir() -> Path:
    """The labelled-page directory: $NEWSPORTAL_DEVSET, else ../shared/pages next to the project."""
    return Path(os.environ.get(DEVSET_ENV) or DEFAULT_DEVSET)


def wildset_dir() -> Path:
    """The wild pages: $NEWSPORTAL_WILDSET, else ../shared/pages-wild next to the project."""
    return Path(os.environ.get(WILDSET_ENV) or DEFAULT_WILDSET)


def load_pages(directory: Path) -> list[LabelledPage]:
    """Every NAME.html with its NAME.json under directory (recursively), sorted by name; [] when the
    directory does not exist. A JSON without its HTML is skipped."""
    if not directory.is_dir():
        return []
    pages: list[LabelledPage] = []
    for json_path in sorted(directory.rglob("*.json")):
        html_path = json_path.with_suffix(".html")
        if not html_path.is_file():
            continue
        data = json.loads(json_path.read_text(encoding="utf-8"))
        pages.append(
            LabelledPage(
                name=json_path.stem,
                html_path=html_path,
                url=data.get("url") or "",
                portal=data.get("portal") or json_path.parent.name,
                title=data.get("title") or "",
                publish_time=data.get("publish_time") or "",
                author=data.get("author") or "",
                source=data.get("source") or "",
                body=data.get("body") or "",
            )
        )
    return pages


@dataclass(frozen=True)
class Erratum:
    """A label that contradicts its set's own labelling rules, with the evidence on the page.

    ``shown`` is text the page itself shows (compared after whitespace is collapsed) and ``value`` the
    label the README's rule gives for it; ``label`` is the label as it stands, so an erratum the
    labels' owners have since fixed is reported as stale instead of applied twice."""

    page: str
    field: str
    label: str
    shown: str
    value: str
    why: str


_ERRATA_FIELDS = frozenset({"title", "publish_time", "author", "source"})


def load_errata(path: Path) -> list[Erratum]:
    """The errata in a JSON list of objects with Erratum's keys; [] when path does not exist."""
    if not path.is_file():
        return []
    return [Erratum(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]


def shown_text(html: bytes) -> str:
    """A page's text as a reader sees it, whitespace collapsed (scripts and styles left out)."""
    from lxml import html as lxml_html

    from newsportal.extract.encoding import decode_html

    text, _ = decode_html(html)
    root = lxml_html.document_fromstring(text)
    for node in root.iter("script", "style", "noscript"):
        node.text = None
    return _WHITESPACE.sub(" ", root.text_content())


def apply_errata(
    pages: list[LabelledPage], errata: Iterable[Erratum]
) -> tuple[list[LabelledPage], list[str]]:
    """pages with each erratum's value in place of the label it corrects, and the errata applied.

    An erratum is applied only where the evidence holds: its page is in the set, the label still reads
    ``label``, and the page shows ``shown``. Otherwise ValueError says which and why: a correction
    that cannot be checked against the page is not made."""
    by_name = {page.name: page for page in pages}
    applied: list[str] = []
    for erratum in errata:
        page = by_name.get(erratum.page)
        if page is None:
            raise ValueError(f"erratum for {erratum.page}: no such page in the set")
        if erratum.field not in _ERRATA_FIELDS:
            raise ValueError(f"erratum for {erratum.page}: {erratum.field!r} is not a corrected field")
        current = getattr(page, erratum.field)
        if current != erratum.label:
            raise ValueError(
                f"erratum for {erratum.page}.{erratum.field} is stale: the label reads {current!r},"
                f" not {erratum.label!r}"
            )
        if _WHITESPACE.sub(" ", erratum.shown).strip() not in shown_text(page.read_bytes()):
            raise ValueError(f"erratum for {erratum.page}: the page does not show {erratum.shown!r}")
        by_name[page.name] = replace(page, **{erratum.field: erratum.value})
        applied.append(f"{erratum.page}.{erratum.field}")
    return [by_name[page.name] for page in pages], applied


def trigrams(text: str) -> Counter[str]:
    flat = _WHITESPACE.sub("", text or "")
    return Counter(flat[i : i + 3] for i in range(len(flat) - 2))


def body_f1(predicted: str | None, expected: str) -> float:
    """F1 of character 3-grams (whitespace removed); 1.0 when both are empty."""
    pred, gold = trigrams(predicted or ""), trigrams(expected)
    if not pred and not gold:
        return 1.0
    overlap = sum((pred & gold).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def _flat(value: str | None) -> str:
    return _WHITESPACE.sub(" ", value or "").strip()


def same_text(predicted: str | None, expected: str) -> bool | None:
    """Exact match after whitespace normalisation; None (not scored) when expected is empty."""
    if not expected:
        return None
    return _flat(predicted) == _flat(expected)


def name_set(value: str | None) -> frozenset[str]:
    """The names in a list of names, whatever separates them (space, 、，,;/&), in any order."""
    return frozenset(n for n in _NAME_SEPARATORS.split(value or "") if n)


def same_names(predicted: str | None, expected: str) -> bool | None:
    """Whether predicted names the same people as expected, as sets: "张三 李四", "李四、张三" and
    "张三&李四" are one answer (labels join names with 、 or &, newsportal with one space);
    None (not scored) when expected is empty."""
    if not expected:
        return None
    return name_set(predicted) == name_set(expected)


def _as_china(value: str | datetime) -> datetime:
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (dt if dt.tzinfo else dt.replace(tzinfo=CHINA_TZ)).astimezone(CHINA_TZ)


def same_minute(predicted: str | datetime | None, expected: str) -> bool | None:
    """Whether predicted is expected to the minute (both in +08:00); None when expected is empty."""
    if not expected:
        return None
    if not predicted:
        return False
    try:
        pred, gold = _as_china(predicted), _as_china(expected)
    except ValueError:
        return False
    return pred.replace(second=0, microsecond=0) == gold.replace(second=0, microsecond=0)


def same_day(predicted: str | datetime | None, expected: str) -> bool | None:
    """Whether predicted falls on expected's day (+08:00; expected may be a date alone)."""
    if not expected:
        return None
    if not predicted:
        return False
    try:
        pred = _as_china(predicted).date()
        gold = date.fromisoformat(expected) if len(expected) == 10 else _as_china(expected).date()
    except ValueError:
        return False
    return pred == gold


@dataclass(frozen=True)
class FieldScore:
    """One field of one page: whether the label has a value (counts for recall), whether the tool
    answered (counts for precision), and whether the answer is right."""

    labelled: bool
    answered: bool
    right: bool


@dataclass
class PageScore:
    name: str
    body_f1: float
    title: FieldScore | None  # None: the field is not scored on this page
    date: FieldScore | None
    time: FieldScore | None
    author: FieldScore | None
    source: FieldScore | None
    portal: str = ""
    predicted: dict = field(default_factory=dict, repr=False)


def _field(
    name: str,
    expected: str,
    predicted: object,
    compare: Callable[[object, str], bool | None],
    conventions: LabelConventions,
) -> FieldScore | None:
    if name not in conventions.labelled:
        return None
    answered = bool(predicted)
    if expected:
        return FieldScore(True, answered, answered and bool(compare(predicted, expected)))
    if name in conventions.empty_means_none:
        return FieldScore(False, answered, False)
    return None


def score_page(page: LabelledPage, predicted: dict, conventions: LabelConventions = SHARED) -> PageScore:
    """Score one prediction: a dict with title, published_at, author, source, body (None where a
    tool gives nothing; a key absent means the tool does not extract that field at all)."""
    label_time = page.publish_time
    # A date-alone label scores the day only; its time of day is not known.
    time_label = label_time if "T" in label_time else ""
    time_conventions = conventions
    if label_time and not time_label:
        time_conventions = LabelConventions(conventions.name, frozenset(), frozenset())
    published = predicted.get("published_at")
    return PageScore(
        name=page.name,
        portal=page.portal,
        body_f1=body_f1(predicted.get("body"), page.body),
        title=_field("title", page.title, predicted.get("title"), same_text, conventions),
        date=_field("date", label_time, published, same_day, conventions),
        time=_field("time", time_label, published, same_minute, time_conventions),
        author=_field("author", page.author, predicted.get("author"), same_names, conventions),
        source=_field("source", page.source, predicted.get("source"), same_text, conventions),
        predicted=predicted,
    )


@dataclass(frozen=True)
class Rate:
    """Precision and recall of one field over a set of pages (None where nothing counts)."""

    precision: float | None
    recall: float | None
    answered: int
    labelled: int


def rate(scores: Iterable[FieldScore | None]) -> Rate:
    scored = [s for s in scores if s is not None]
    labelled = [s for s in scored if s.labelled]
    answered = [s for s in scored if s.answered]
    return Rate(
        precision=sum(s.right for s in answered) / len(answered) if answered else None,
        recall=sum(s.right for s in labelled) / len(labelled) if labelled else None,
        answered=len(answered),
        labelled=len(labelled),
    )


@dataclass
class Summary:
    name: str
    pages: int
    body_f1_mean: float
    body_f1_min: float
    rates: dict[str, Rate]
    ms_per_page: float | None = None  # wall time
    cpu_ms_per_page: float | None = None  # CPU time of the process (time.process_time)
    fields: frozenset[str] = frozenset(FIELDS)  # the fields the tool extracts at all; others print "–"
    low_pages: int = 0  # pages with body F1 below LOW_F1

    # Recall per field: the figure issue 4's targets are written in.
    @property
    def title(self) -> float | None:
        return self.rates["title"].recall

    @property
    def time(self) -> float | None:
        return self.rates["time"].recall

    @property
    def author(self) -> float | None:
        return self.rates["author"].recall

    @property
    def source(self) -> float | None:
        return self.rates["source"].recall


LOW_F1 = 0.5


def summarize(
    name: str,
    scores: list[PageScore],
    *,
    seconds: float | None = None,
    cpu_seconds: float | None = None,
    fields=None,
) -> Summary:
    f1s = [s.body_f1 for s in scores] or [0.0]
    return Summary(
        name=name,
        pages=len(scores),
        body_f1_mean=mean(f1s),
        body_f1_min=min(f1s),
        rates={name_: rate(getattr(s, name_) for s in scores) for name_ in FIELDS},
        ms_per_page=1000 * seconds / len(scores) if seconds is not None and scores else None,
        cpu_ms_per_page=1000 * cpu_seconds / len(scores) if cpu_seconds is not None and scores else None,
        fields=frozenset(fields or FIELDS),
        low_pages=sum(f < LOW_F1 for f in f1s),
    )


def format_table(rows: list[Summary]) -> str:
    """A fixed-width table: one row per tool; each field as precision/recall in %."""
    head = f"{'extractor':<24} {'pages':>5} {'F1 mean':>7} {'F1 min':>6} {'<0.5':>4}"
    head += "".join(f" {name + ' P/R':>11}" for name in FIELDS) + f" {'CPU ms':>6} {'wall ms':>7}"
    lines = [head, "-" * len(head)]

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.0f}"

    def cell(row: Summary, name: str) -> str:
        r = row.rates[name]
        if name not in row.fields or (r.answered == 0 and r.labelled == 0):
            return f" {'–':>11}"
        return f" {pct(r.precision) + '/' + pct(r.recall):>11}"

    for row in rows:
        cpu = f"{row.cpu_ms_per_page:>6.1f}" if row.cpu_ms_per_page is not None else f"{'–':>6}"
        ms = f"{row.ms_per_page:>7.1f}" if row.ms_per_page is not None else f"{'–':>7}"
        lines.append(
            f"{row.name:<24} {row.pages:>5} {row.body_f1_mean:>7.3f} {row.body_f1_min:>6.3f} "
            f"{row.low_pages:>4}" + "".join(cell(row, name) for name in FIELDS) + f" {cpu} {ms}"
        )
    return "\n".join(lines)


def missed_targets(ours: Summary, generic: Summary | None = None) -> list[str]:
    """The targets of issue 4 that ours (and the generic-only run) miss, as readable lines."""
    missed: list[str] = []
    checks = [
        ("body F1 mean", ours.body_f1_mean, TARGETS["body_f1_mean"]),
        ("body F1 min", ours.body_f1_min, TARGETS["body_f1_min"]),
        ("title", ours.title, TARGETS["title"]),
        ("time", ours.time, TARGETS["time"]),
        ("author", ours.author, TARGETS["author"]),
        ("source", ours.source, TARGETS["source"]),
    ]
    if generic is not None:
        checks.append(("generic-only body F1 mean", generic.body_f1_mean, TARGETS["generic_body_f1_mean"]))
    for label, value, target in checks:
        if value is None or value < target:
            missed.append(f"{label}: {value if value is None else round(value, 3)} < {target}")
    return missed


# The targets of issue 13. Portal pages: the newsportal row; wild pages: the newsportal row against
# each peer, in the same run.
PORTAL_TARGETS = {"body_f1_mean": 0.985, "body_f1_min": 0.90, "title": 0.98, "time": 0.95}
PORTAL_TARGETS |= {"author": 0.80, "author_precision": 0.95, "source": 0.90, "source_precision": 0.95}
WILD_TARGETS = {"body_f1_mean": 0.92, "behind_best_peer": 0.3}


def missed_portal_targets(row: Summary) -> list[str]:
    """The portal-page targets of issue 13 that row misses."""
    values = {
        "body_f1_mean": row.body_f1_mean,
        "body_f1_min": row.body_f1_min,
        "title": row.title,
        "time": row.time,
        "author": row.author,
        "author_precision": row.rates["author"].precision,
        "source": row.source,
        "source_precision": row.rates["source"].precision,
    }
    return [
        f"{row.name}: {key} {value if value is None else round(value, 3)} < {target}"
        for key, target in PORTAL_TARGETS.items()
        if (value := values[key]) is None or value < target
    ]


def missed_wild_targets(
    row: Summary, scores: list[PageScore], peers: list[tuple[Summary, list[PageScore]]]
) -> list[str]:
    """The wild-page targets of issue 13 that row misses: body F1 mean; ahead of every peer on body
    F1 mean and on date, time and author recall; no page more than 0.3 F1 behind the best peer."""
    missed: list[str] = []
    if row.body_f1_mean < WILD_TARGETS["body_f1_mean"]:
        missed.append(f"{row.name}: body F1 mean {row.body_f1_mean:.3f} < {WILD_TARGETS['body_f1_mean']}")
    for peer, _ in peers:
        if peer.body_f1_mean >= row.body_f1_mean:
            missed.append(f"{row.name}: body F1 mean {row.body_f1_mean:.3f} not ahead of {peer.name}")
        for name in ("date", "time", "author"):
            ours, theirs = row.rates[name].recall, peer.rates[name].recall
            if name in peer.fields and theirs is not None and (ours is None or ours <= theirs):
                shown = "none" if ours is None else f"{ours:.3f}"
                missed.append(f"{row.name}: {name} recall {shown} not ahead of {peer.name} ({theirs:.3f})")
    behind = pages_behind_best_peer(scores, [s for _, s in peers])
    if behind:
        missed.append(f"{row.name}: {len(behind)} page(s) more than 0.3 F1 behind the best peer")
    return missed


def pages_behind_best_peer(scores: list[PageScore], peer_scores: list[list[PageScore]]) -> list[str]:
    """Names of the pages where the best peer's body F1 is more than WILD_TARGETS's margin above ours."""
    out = []
    for i, score in enumerate(scores):
        best = max((peer[i].body_f1 for peer in peer_scores), default=0.0)
        if best - score.body_f1 > WILD_TARGETS["behind_best_peer"]:
            out.append(score.name)
    return out
