"""Extraction fidelity and speed of ``newsportal extract`` against its peers, on labelled real pages.

    .venv/bin/python benchmarks/extraction.py [--pages DIR] [--wild DIR] [--pages-detail] [--quick]

Scores two page sets separately, each with the peers in the same run:

* ``shared``: ``../shared/pages`` (or --pages, or $NEWSPORTAL_DEVSET), our labels, 13 portals: the
  development set;
* ``wild``: ``../shared/pages-wild`` (or --wild, or $NEWSPORTAL_WILDSET), a third party's labels
  (no title or 来源 labels; some dates without a time, scored to the day).

Rows, in one process over the same pages:

* ``newsportal``: the ``newsportal extract`` code path (profile recognised from the page itself);
* ``newsportal generic``: every page through the generic profile only, as on a portal no profile knows;
* ``generic, tune portals`` / ``generic, unseen portals`` (shared set): the generic rows on the two
  halves of ``SPLIT`` below: rules are tuned on the first half only, the second is only scored;
* ``newsportal, look half`` / ``check half`` (and GNE's, the peer to beat there): the wild set
  split by page name (``in_wild_look_half``): rules may be written looking at the first half only;
* ``newsportal, label errata`` / ``generic, label errata`` (shared set): the same answers scored
  against the labels corrected by ``label-errata.json``: labels that contradict the set's own README
  (e.g. an empty 来源 on a page that shows one), each with the text the page shows, which is checked
  on the page before the correction is made. The strict rows stay the first figures;
* the peers: trafilatura, GNE, readability-lxml (``pip install -e '.[bench]'``; a missing peer is an
  error, not a shorter table).

Columns and rules are those of ``newsportal.extract.scoring``: body F1 over character 3-grams (mean,
min, pages below 0.5), then per field precision/recall in %: title, date (to the day), time (to the
minute), author, 来源; time per page: CPU time (``time.process_time``, the headline) and wall time, each
the fastest of ``--repeat`` passes over all pages after a warm-up, every tool in this one process,
decoding included for every tool; the speed-up over trafilatura is the ratio of CPU times. "–" means
the tool does not extract that field or the set does not label it. Exits 1 when newsportal misses a
target of issue 4 on the shared set; the targets of issue 13 are listed, not enforced.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from newsportal.cli.extract import extract_page
from newsportal.extract.dates import CHINA_TZ, parse_datetime
from newsportal.extract.encoding import decode_html
from newsportal.extract.scoring import (
    FIELDS,
    SHARED,
    WILD,
    Erratum,
    LabelConventions,
    LabelledPage,
    PageScore,
    Summary,
    apply_errata,
    devset_dir,
    format_table,
    load_errata,
    load_pages,
    missed_portal_targets,
    missed_targets,
    missed_wild_targets,
    pages_behind_best_peer,
    score_page,
    summarize,
    wildset_dir,
)
from newsportal.sites import get_site

# Saved pages carry no crawl time; relative dates are resolved against this fixed instant.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=CHINA_TZ)

# The split of the shared pages BY PORTAL, fixed before any rule of issue 13 was written: a portal is
# in the score part when crc32(its name) % 3 == 0. Generic rules are tuned on the tune part (and on
# fixtures we write); the score part's pages are not read while writing a rule, only scored.
SCORE_PORTALS = frozenset({"baijiahao", "henandaily", "huanqiu", "qq", "sina"})
TUNE_PORTALS = frozenset({"163", "dahe", "ifeng", "people", "sohu", "thepaper", "toutiao", "yunnandaily"})


def in_score_part(portal: str) -> bool:
    """Whether portal's pages are only scored (SCORE_PORTALS; a portal added later: by the crc32 rule)."""
    if portal in SCORE_PORTALS or portal in TUNE_PORTALS:
        return portal in SCORE_PORTALS
    return zlib.crc32(portal.encode("utf-8")) % 3 == 0


def in_wild_look_half(name: str) -> bool:
    """The wild pages split in two by page name, fixed before the field rules of this session were
    written: rules may be written looking at the half where crc32(name) is even; the other half is
    only scored, to confirm a rule on pages nobody looked at."""
    return zlib.crc32(name.encode("utf-8")) % 2 == 0


Extractor = Callable[[LabelledPage], dict]


def newsportal_extractor(page: LabelledPage) -> dict:
    return extract_page(page.read_bytes(), page.html_path.resolve().as_uri(), None, NOW)


def generic_extractor(page: LabelledPage) -> dict:
    return extract_page(page.read_bytes(), page.html_path.resolve().as_uri(), get_site("generic"), NOW)


def _peer_time(value: object) -> datetime | None:
    return parse_datetime(str(value), NOW) if value else None


def _trafilatura() -> tuple[Extractor, tuple[str, ...]]:
    import trafilatura

    # Asked for the time of day too (htmldate's output format), so its time column is fair.
    date_params = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%d %H:%M"}

    def run(page: LabelledPage) -> dict:
        html, _ = decode_html(page.read_bytes())
        doc = trafilatura.bare_extraction(html, with_metadata=True, date_extraction_params=date_params) or {}
        if not isinstance(doc, dict):  # trafilatura 2.x returns a Document
            doc = doc.as_dict()
        return {
            "title": doc.get("title"),
            "author": doc.get("author"),
            "published_at": _peer_time(doc.get("date")),
            "body": doc.get("text"),
        }

    return run, ("title", "date", "time", "author")


def _gne() -> tuple[Extractor, tuple[str, ...]]:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()

    def run(page: LabelledPage) -> dict:
        html, _ = decode_html(page.read_bytes())
        try:
            doc = extractor.extract(html)
        except Exception:  # GNE raises on some markup; that page scores as empty
            doc = {}
        return {
            "title": doc.get("title"),
            "author": doc.get("author"),
            "published_at": _peer_time(doc.get("publish_time")),
            "body": doc.get("content"),
        }

    return run, ("title", "date", "time", "author")


def _readability() -> tuple[Extractor, tuple[str, ...]]:
    import lxml.html
    from readability import Document

    def run(page: LabelledPage) -> dict:
        html, _ = decode_html(page.read_bytes())
        doc = Document(html)
        summary = lxml.html.fromstring(doc.summary(html_partial=True))
        return {"title": doc.short_title(), "body": "\n".join(summary.itertext())}

    return run, ("title",)


PEERS = (("trafilatura", _trafilatura), ("GNE", _gne), ("readability-lxml", _readability))


def run_one(
    name: str,
    extractor: Extractor,
    pages: list[LabelledPage],
    fields,
    conventions: LabelConventions,
    repeat: int = 3,
) -> tuple[Summary, list[PageScore]]:
    for page in pages[:3]:  # warm-up: imports, caches, compiled regexes
        extractor(page)
    # The fastest of `repeat` passes, for CPU time and wall time each: other processes on the machine
    # only ever add time. CPU time (time.process_time: this process's user + system time) is the
    # headline: on the shared, loaded machine wall time also counts the time other processes hold the
    # core, CPU time only the work done (cache and frequency effects of the load remain).
    seconds = cpu_seconds = float("inf")
    for _ in range(max(1, repeat)):
        predictions = []
        started, cpu_started = time.perf_counter(), time.process_time()
        for page in pages:
            predictions.append(extractor(page))
        cpu_seconds = min(cpu_seconds, time.process_time() - cpu_started)
        seconds = min(seconds, time.perf_counter() - started)
    scores = [score_page(page, pred, conventions) for page, pred in zip(pages, predictions, strict=True)]
    return summarize(name, scores, seconds=seconds, cpu_seconds=cpu_seconds, fields=fields), scores


def page_detail(scores: list[PageScore]) -> str:
    def mark(value) -> str:
        if value is None or not (value.labelled or value.answered):
            return "."
        if value.right:
            return "ok"
        return "miss" if not value.answered else ("XX" if value.labelled else "FP")

    lines = [f"{'page':<22} {'F1':>6}" + "".join(f" {name[:6]:>6}" for name in FIELDS)]
    for s in scores:
        lines.append(
            f"{s.name:<22} {s.body_f1:>6.3f}" + "".join(f" {mark(getattr(s, n)):>6}" for n in FIELDS)
        )
    lines.append("(ok right, XX wrong, miss no answer, FP an answer where the label says none)")
    return "\n".join(lines)


RESULTS = Path(__file__).resolve().parent / "results"
SPEEDUP_TARGET = 3.0  # issue 13: at least 3x faster per page than trafilatura (CPU time), on each set
# Labels of the shared set that contradict the set's own labelling rules, each with the text the page
# shows (newsportal.extract.scoring.Erratum; checked against the page before it is applied).
LABEL_ERRATA = Path(__file__).resolve().parent / "label-errata.json"


def _key(name: str) -> str:
    name = name.replace("newsportal generic", "generic").replace("generic, ", "generic_").replace("-lxml", "")
    return name.replace(" ", "_").replace(",", "").lower()


def _figures(set_name: str, rows: list[Summary]) -> dict[str, float | int | bool | None]:
    """The table as flat key=value figures (the last line printed and results/extraction.json)."""
    out: dict[str, float | int | bool | None] = {}
    for row in rows:
        key = f"{set_name}_{_key(row.name)}"
        out[f"{key}_f1_mean"] = round(row.body_f1_mean, 3)
        out[f"{key}_f1_min"] = round(row.body_f1_min, 3)
        for name in FIELDS:
            r = row.rates[name]
            if name in row.fields and (r.answered or r.labelled):
                out[f"{key}_{name}_p"] = None if r.precision is None else round(r.precision, 3)
                out[f"{key}_{name}_r"] = None if r.recall is None else round(r.recall, 3)
        if row.ms_per_page is not None:
            out[f"{key}_ms_per_page"] = round(row.ms_per_page, 1)
        if row.cpu_ms_per_page is not None:
            out[f"{key}_cpu_ms_per_page"] = round(row.cpu_ms_per_page, 2)
    return out


def score_set(
    set_name: str,
    pages: list[LabelledPage],
    conventions: LabelConventions,
    repeat: int,
    errata: list[Erratum] = (),
) -> tuple[list[Summary], dict[str, tuple[Summary, list[PageScore]]]]:
    runs: dict[str, tuple[Summary, list[PageScore]]] = {}
    runs["newsportal"] = run_one("newsportal", newsportal_extractor, pages, None, conventions, repeat)
    runs["generic"] = run_one("newsportal generic", generic_extractor, pages, None, conventions, repeat)
    for name, factory in PEERS:
        extractor, fields = factory()
        runs[name] = run_one(name, extractor, pages, fields, conventions, repeat)
    rows = [runs["newsportal"][0], runs["generic"][0]]
    if errata:
        # The same predictions scored against the labels with their errata (LABEL_ERRATA): a row of its
        # own below the strict one, which stays the first figure.
        fixed, _ = apply_errata(pages, errata)
        for key, name in (("newsportal", "newsportal"), ("generic", "generic")):
            rescored = [
                score_page(page, s.predicted, conventions)
                for page, s in zip(fixed, runs[key][1], strict=True)
            ]
            rows.append(summarize(f"{name}, label errata", rescored))
    if set_name == "shared":
        generic_scores = runs["generic"][1]
        for label, part in (("tune", False), ("unseen", True)):
            subset = [s for s in generic_scores if in_score_part(s.portal) is part]
            rows.append(summarize(f"generic, {label} portals", subset))
    else:
        for label, look in (("look", True), ("check", False)):
            for key, name in (("newsportal", "newsportal"), ("GNE", "GNE")):
                subset = [s for s in runs[key][1] if in_wild_look_half(s.name) is look]
                rows.append(summarize(f"{name}, {label} half", subset, fields=runs[key][0].fields))
    rows += [runs[name][0] for name, _ in PEERS]
    return rows, runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=None, help="shared pages (default: ../shared/pages)")
    parser.add_argument("--wild", type=Path, default=None, help="wild pages (default: ../shared/pages-wild)")
    parser.add_argument(
        "--pages-detail",
        action="store_true",
        help="newsportal's score per page: tune portals and the wild look half only",
    )
    parser.add_argument(
        "--pages-detail-all", action="store_true", help="per page on every set (for checking, not tuning)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per tool; the fastest counts")
    parser.add_argument("--quick", action="store_true", help="one timed pass per tool (a fast look)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1

    sets = (
        ("shared", args.pages or devset_dir(), SHARED),
        ("wild", args.wild or wildset_dir(), WILD),
    )
    figures: dict[str, float | int | bool | None] = {}
    missed: list[str] = []
    issue13: list[str] = []
    for set_name, directory, conventions in sets:
        pages = load_pages(directory)
        if not pages:
            print(f"no labelled pages under {directory}", file=sys.stderr)
            return 2
        if set_name == "shared":
            unknown = {p.portal for p in pages} - SCORE_PORTALS - TUNE_PORTALS
            if unknown:
                print(f"portals in neither part of the split: {sorted(unknown)}", file=sys.stderr)
        errata = load_errata(LABEL_ERRATA) if set_name == "shared" else []
        rows, runs = score_set(set_name, pages, conventions, args.repeat, errata)
        portals = len({p.portal for p in pages})
        print(
            f"== {set_name}: {len(pages)} labelled pages from {directory}"
            + (f" ({portals} portals)" if set_name == "shared" else "")
        )
        print(format_table(rows))
        ours, our_scores = runs["newsportal"]
        generic, generic_scores = runs["generic"]
        peers = [runs[name] for name, _ in PEERS]
        for label, scores in (("newsportal", our_scores), ("newsportal generic", generic_scores)):
            behind = pages_behind_best_peer(scores, [s for _, s in peers])
            print(
                f"{label}: {len(behind)} page(s) more than 0.3 body F1 behind the best peer"
                + (f" ({', '.join(behind)})" if behind and set_name != "wild" else "")
            )
        figures |= _figures(set_name, rows)
        trafilatura = runs["trafilatura"][0]
        if trafilatura.cpu_ms_per_page and ours.cpu_ms_per_page:
            # The headline: trafilatura's CPU time per page over ours (issue 13: at least 3x).
            speedup = trafilatura.cpu_ms_per_page / ours.cpu_ms_per_page
            figures[f"{set_name}_speedup_vs_trafilatura"] = round(speedup, 2)
            if speedup < SPEEDUP_TARGET:
                issue13.append(f"{set_name} speed: {speedup:.2f}x trafilatura (CPU) < {SPEEDUP_TARGET}x")
            print(f"newsportal is {speedup:.2f}x faster per page than trafilatura in CPU time", end="")
            if trafilatura.ms_per_page and ours.ms_per_page:
                wall = trafilatura.ms_per_page / ours.ms_per_page
                figures[f"{set_name}_speedup_vs_trafilatura_wall"] = round(wall, 2)
                print(f" ({wall:.2f}x in wall time)", end="")
            print()
        if set_name == "shared":
            missed += missed_targets(ours, generic)
            issue13 += [f"shared {m}" for m in missed_portal_targets(ours)]
            if errata:
                fixed = next(r for r in rows if r.name == "newsportal, label errata")
                errata_missed = missed_portal_targets(fixed)
                print(
                    f"with the {len(errata)} label errata of {LABEL_ERRATA.name} "
                    f"({', '.join(f'{e.page}.{e.field}' for e in errata)}): "
                    + ("every portal-page target met" if not errata_missed else "; ".join(errata_missed))
                )
                issue13 += [f"shared {m}" for m in errata_missed]
            unseen = next(r for r in rows if r.name == "generic, unseen portals")
            issue13 += [f"shared {m}" for m in missed_portal_targets(unseen)]
        else:
            issue13 += [f"wild {m}" for m in missed_wild_targets(ours, our_scores, peers)]
        show = args.pages_detail_all or args.pages_detail
        if show:
            for label, scores in (("newsportal", our_scores), ("newsportal generic", generic_scores)):
                if not args.pages_detail_all:
                    if set_name == "shared":
                        scores = [s for s in scores if not in_score_part(s.portal)]
                    else:
                        scores = [s for s in scores if in_wild_look_half(s.name)]
                print(f"\n{label}, per page ({set_name}):\n" + page_detail(scores))
        print()

    figures["targets_met"] = not missed
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "extraction.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    if issue13:
        print("\nissue 13 targets not yet met:\n  " + "\n  ".join(issue13))
    if missed:
        print("\nmissed targets of issue 4:\n  " + "\n  ".join(missed))
        return 1
    print("\nall targets of issue 4 met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
