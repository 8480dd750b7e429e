"""newsportal export: real crawl output of the sample portal, merged, collapsed, filtered, written.

The crawl runs once per session (``crawled_dir``). Each test builds its corpus from it: the real run,
plus a later run made from real records (a new version of a story, an exact and a near copy under
other URLs) and, where a test needs it, a run with bad lines.
"""

from __future__ import annotations

import copy
import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsportal.cli import main
from newsportal.corpus.selection import THRESHOLD
from newsportal.items import ARTICLE_FIELDS
from newsportal.state.signature import SIGNATURE_VERSION, is_near_duplicate, near_signature

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TIME = "2026-03-15T10:00:00+08:00"
RUN_1 = "20260315T020000Z"
RUN_2 = "20260316T020000Z"


def crawl_sample_portal(base: Path) -> Path:
    """A directory holding one real crawl of the sample portal (sample/<run>.jsonl and the run's
    stats file); crawled once per session, whichever test module asks first."""
    out = base / "crawl"
    feed = out / "sample" / f"{RUN_1}.jsonl"
    if not feed.exists():
        cmd = [
            str(Path(sys.executable).with_name("scrapy")), "crawl", "portal", "-O", str(feed),
            "-s", f"NEWSPORTAL_REFERENCE_TIME={REFERENCE_TIME}", "-s", f"NEWSPORTAL_OUTPUT_DIR={out}",
            "-s", f"NEWSPORTAL_STATE_DIR={base / 'state'}", "-s", "LOG_LEVEL=WARNING",
        ]  # fmt: skip
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert feed.exists(), proc.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def crawled_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crawl_sample_portal(tmp_path_factory.getbasetemp())


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def crawled_records(crawled_dir: Path) -> list[dict]:
    return read_jsonl(crawled_dir / "sample" / f"{RUN_1}.jsonl")


def is_near(a: str, b: str) -> bool:
    """The crawl's rule (newsportal.state.signature), which the export applies too."""
    return is_near_duplicate(near_signature(a), near_signature(b), THRESHOLD)


def later_run(records: list[dict]) -> tuple[list[dict], dict]:
    """A second run from real records: story 0 again as version 2 with a changed body, story 1's
    body under a new URL (exact copy), story 2's body plus a sentence under a new URL (near copy)."""
    updated = copy.deepcopy(records[0])
    updated.update(version=2, updated_at="2026-03-16T09:00:00+08:00", crawled_at="2026-03-16T10:00:00+08:00")
    updated["body"] += "\n（更新）记者了解到，相关部门已作出回应。"
    updated["content_hash"] = None
    exact = copy.deepcopy(records[1])
    exact.update(url=exact["url"] + "?copy=1", canonical_url=exact["canonical_url"] + "-copy")
    # the first story whose copy the rule finds (all are; see below)
    near = copy.deepcopy(next(r for r in records[2:] if is_near(r["body"], r["body"] + "。")))
    near.update(url=near["url"] + "?near=1", canonical_url=near["canonical_url"] + "-near", content_hash=None)
    near["body"] += "。"
    first = next(r for r in records if r["canonical_url"] + "-near" == near["canonical_url"])
    return [updated, exact, near], {"updated": updated, "exact": exact, "near": near, "near_first": first}


@pytest.fixture
def corpus(tmp_path: Path, crawled_dir: Path) -> tuple[Path, list[dict], dict]:
    """tmp/output with the real run and a later run; (dir, real records, the later run's records)."""
    records = crawled_records(crawled_dir)
    out = tmp_path / "output"
    (out / "sample").mkdir(parents=True)
    for path in (crawled_dir / "sample").iterdir():
        (out / "sample" / path.name).write_bytes(path.read_bytes())
    later, named = later_run(records)
    (out / "sample" / f"{RUN_2}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in later), encoding="utf-8"
    )
    return out, records, named


def export(capsys, *args: str) -> tuple[int, str]:
    code = main(["export", *args, "--no-progress"])
    return code, capsys.readouterr().out


def test_crawl_fixture_is_real_output_with_stats(crawled_dir: Path) -> None:
    records = crawled_records(crawled_dir)
    assert len(records) >= 30
    assert all(r["site"] == "sample" and r["body"] for r in records)
    assert list((crawled_dir / "sample").glob("*.stats.json"))


def test_export_keeps_each_story_once_with_its_latest_version(corpus, tmp_path, capsys) -> None:
    out, records, named = corpus
    code, printed = export(capsys, str(tmp_path / "corpus.jsonl"), str(out))
    assert code == 0
    exported = read_jsonl(tmp_path / "corpus.jsonl")
    keys = [r["canonical_url"] for r in exported]
    assert len(keys) == len(set(keys))
    story = next(r for r in exported if r["canonical_url"] == records[0]["canonical_url"])
    assert story["version"] == 2 and story["body"] == named["updated"]["body"]
    assert named["exact"]["canonical_url"] not in keys
    assert named["near"]["canonical_url"] not in keys
    assert len(exported) == len(records)  # the later run added copies and a version, no new story
    assert list(exported[0]) == list(ARTICLE_FIELDS)
    assert "read 2 files" in printed and "1 older versions replaced, 1 exact and 1 near duplicates" in printed
    assert f"wrote {len(records)} articles" in printed


def test_keep_duplicates_marks_copies_with_the_first_copys_url(corpus, tmp_path, capsys) -> None:
    out, records, named = corpus
    code, _ = export(capsys, str(tmp_path / "all.jsonl"), "--keep-duplicates", str(out))
    assert code == 0
    exported = {r["canonical_url"]: r for r in read_jsonl(tmp_path / "all.jsonl")}
    assert exported[named["exact"]["canonical_url"]]["duplicate_of"] == records[1]["canonical_url"]
    assert exported[named["near"]["canonical_url"]]["duplicate_of"] == named["near_first"]["canonical_url"]
    assert exported[records[1]["canonical_url"]]["duplicate_of"] is None
    assert len(exported) == len(records) + 2


def test_near_duplicate_rule_finds_every_copy_and_keeps_stories_apart(crawled_dir) -> None:
    records = crawled_records(crawled_dir)
    assert all(is_near(r["body"], r["body"] + "。") for r in records)
    bodies = [r["body"] for r in records]
    assert not any(is_near(a, b) for i, a in enumerate(bodies) for b in bodies[i + 1 :])


@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        (["--channel", "财经"], lambda r: r["channel"] == "财经"),
        (
            ["--site", "sample", "--channel", "体育", "--channel", "科技"],
            lambda r: r["channel"] in ("体育", "科技"),
        ),
        (["--since", "2026-03-14"], lambda r: (r["published_at"] or "") >= "2026-03-14"),
        (["--until", "2026-03-13"], lambda r: r["published_at"] and r["published_at"] < "2026-03-14"),
        (["--contains", "市民"], lambda r: "市民" in r["title"] + "\n" + r["body"]),
        (["--min-chars", "400"], lambda r: len("".join(r["body"].split())) >= 400),
    ],
)
def test_filters_pick_exactly_the_matching_stories(crawled_dir, tmp_path, capsys, options, wanted) -> None:
    records = crawled_records(crawled_dir)
    code, printed = export(capsys, str(tmp_path / "f.jsonl"), *options, str(crawled_dir))
    assert code == 0
    exported = read_jsonl(tmp_path / "f.jsonl")
    expected = {r["canonical_url"] for r in records if wanted(r)}
    assert 0 < len(expected) < len(records), "the filter case should select some, not all"
    assert {r["canonical_url"] for r in exported} == expected
    assert f"left out {len(records) - len(expected)}" in printed


def test_other_sites_are_filtered_out(crawled_dir, tmp_path, capsys) -> None:
    code, _ = export(capsys, str(tmp_path / "f.jsonl"), "--site", "sohu", str(crawled_dir))
    assert code == 0 and read_jsonl(tmp_path / "f.jsonl") == []


def test_parquet_reads_back_with_typed_columns(corpus, tmp_path, capsys) -> None:
    pd = pytest.importorskip("pandas")
    pq = pytest.importorskip("pyarrow.parquet")
    out, _, _ = corpus
    assert export(capsys, str(tmp_path / "c.parquet"), str(out))[0] == 0
    assert export(capsys, str(tmp_path / "c.jsonl"), str(out))[0] == 0
    schema = pq.read_schema(tmp_path / "c.parquet")
    assert str(schema.field("published_at").type) == "timestamp[us, tz=+08:00]"
    assert str(schema.field("tags").type) == "list<element: string>"
    df = pd.read_parquet(tmp_path / "c.parquet")
    expected = read_jsonl(tmp_path / "c.jsonl")
    assert list(df.columns) == list(ARTICLE_FIELDS) and len(df) == len(expected)
    first = df.iloc[0]
    assert first["published_at"] == pd.Timestamp(expected[0]["published_at"])
    assert first["published_at"].utcoffset().total_seconds() == 8 * 3600
    assert list(first["tags"]) == expected[0]["tags"]
    assert list(df["title"]) == [r["title"] for r in expected]


def test_csv_has_a_bom_and_lists_as_json(corpus, tmp_path, capsys) -> None:
    out, _, _ = corpus
    assert export(capsys, str(tmp_path / "c.csv"), str(out))[0] == 0
    assert export(capsys, str(tmp_path / "c.jsonl"), str(out))[0] == 0
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbfurl,canonical_url,")
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = read_jsonl(tmp_path / "c.jsonl")
    assert len(rows) == len(expected)
    for row, record in zip(rows, expected, strict=True):
        assert row["title"] == record["title"] and row["body"] == record["body"]
        assert json.loads(row["tags"]) == record["tags"] and json.loads(row["images"]) == record["images"]
        assert row["duplicate_of"] == "" and int(row["version"]) == record["version"]


def test_jsonl_gz_equals_jsonl(corpus, tmp_path, capsys) -> None:
    out, _, _ = corpus
    assert export(capsys, str(tmp_path / "c.jsonl.gz"), str(out))[0] == 0
    assert export(capsys, str(tmp_path / "c.jsonl"), str(out))[0] == 0
    assert read_jsonl(tmp_path / "c.jsonl.gz") == read_jsonl(tmp_path / "c.jsonl")


def write_bad_run(out: Path, good: dict) -> Path:
    """A run with a good line, invalid JSON, a record missing its title, and a cut-off last line."""
    missing = {k: v for k, v in good.items() if k != "title"}
    missing["canonical_url"] = good["canonical_url"] + "-missing"
    lines = [json.dumps(good, ensure_ascii=False), '{"url": "http://x", oops', json.dumps(missing)]
    path = out / "sample" / "20260317T020000Z.jsonl"
    path.write_text("\n".join(lines) + "\n" + json.dumps(good)[:40], encoding="utf-8")
    return path


def test_bad_input_is_skipped_counted_and_reported_with_file_and_line(corpus, tmp_path, capsys) -> None:
    out, records, _ = corpus
    bad = write_bad_run(out, records[5])
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    code, printed = export(capsys, str(tmp_path / "c.jsonl"), str(out), str(unknown))
    assert code == 0
    assert "skipped 4 bad inputs" in printed
    assert f"{bad}:2: invalid JSON" in printed
    assert f"{bad}:3: missing field (title)" in printed
    assert f"{bad}:4: truncated last line" in printed
    assert f"{unknown}: unknown file" in printed
    assert len(read_jsonl(tmp_path / "c.jsonl")) == len(records)


def test_nothing_valid_read_exits_1_and_writes_nothing(tmp_path, capsys) -> None:
    (tmp_path / "run.jsonl").write_text("not json\n", encoding="utf-8")
    code, printed = export(capsys, str(tmp_path / "c.parquet"), str(tmp_path / "run.jsonl"))
    assert code == 1 and "run.jsonl:1: invalid JSON" in printed
    assert not (tmp_path / "c.parquet").exists()


def test_unknown_output_format_is_a_usage_error(tmp_path, capsys) -> None:
    assert main(["export", str(tmp_path / "c.xlsx")]) == 2
    assert "unknown output format" in capsys.readouterr().err


# --- one near-duplicate rule: the crawl's, in the export too (issue 16) -------------------------------


def write_run(out: Path, name: str, records: list[dict], identity: str | None = None) -> Path:
    """A run file under out/sample/, and beside it a stats file naming a state store when given."""
    path = out / "sample" / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    if identity is not None:
        stats = {
            "newsportal/state/identity": identity,
            "newsportal/state/near_threshold": THRESHOLD,
            "newsportal/state/signature_version": SIGNATURE_VERSION,
        }
        path.with_name(f"{name}.stats.json").write_text(json.dumps(stats), encoding="utf-8")
    return path


def copy_of(record: dict, suffix: str, body: str) -> dict:
    copied = copy.deepcopy(record)
    copied.update(
        url=record["url"] + f"?{suffix}", canonical_url=record["canonical_url"] + f"-{suffix}", body=body
    )
    copied["content_hash"] = None
    return copied


def test_the_issues_three_edits_are_collapsed_as_the_crawl_drops_them(crawled_dir, tmp_path, capsys) -> None:
    # Issue 16: a 转载 header line, the last paragraph dropped, 2 % of the characters edited: the crawl
    # drops all three copies; the SimHash export kept them (5, 8 and 10 bits apart).
    import random

    from dedup_fixtures.labelled import edited_characters

    records = crawled_records(crawled_dir)
    story = max(records, key=lambda r: len(r["body"]))
    paragraphs = story["body"].split("\n")
    assert len(paragraphs) >= 3
    copies = [
        copy_of(story, "reprint", "转载自江城晚报，如有侵权请联系删除。\n" + story["body"]),
        copy_of(story, "cut", "\n".join(paragraphs[:-1])),
        copy_of(story, "edited", edited_characters(story["body"], random.Random(7), share=0.02)),
    ]
    assert all(is_near(story["body"], c["body"]) for c in copies)  # the crawl's decision
    out = tmp_path / "output"
    write_run(out, RUN_1, records)  # no stats: the export computes near duplicates itself
    write_run(out, RUN_2, copies)
    code, printed = export(capsys, str(tmp_path / "c.jsonl"), str(out))
    assert code == 0 and "0 exact and 3 near duplicates collapsed" in printed
    assert {r["canonical_url"] for r in read_jsonl(tmp_path / "c.jsonl")} == {
        r["canonical_url"] for r in records
    }


def export_decisions(pairs) -> list[bool]:
    """The export's pass one and selection (CorpusIndex, as export_corpus runs it) on the pairs, for
    each pair whether its second story collapses into its first. Pairs are packed into corpora of
    pairs that share no story (a duplicate pair's story is its first body; the sample stories are
    far apart): ~100 exports instead of ~2,800; a copy taken for another pair's story would show as
    a wrong decision."""
    import pyarrow as pa

    from newsportal.corpus.columns import read_schema
    from newsportal.corpus.selection import CorpusIndex

    schema = read_schema()
    corpora: list[tuple[set[str], list[int]]] = []
    for n, pair in enumerate(pairs):
        stories = {pair.a} if pair.duplicate else {pair.a, pair.b}
        corpus = next((c for c in corpora if not c[0] & stories), None)
        if corpus is None:
            corpus = (set(), [])
            corpora.append(corpus)
        corpus[0].update(stories)
        corpus[1].append(n)
    decisions = [False] * len(pairs)
    for _, members in corpora:
        rows = [
            {**{f: None for f in ARTICLE_FIELDS}, "url": f"http://p/{n}/{i}", "title": "t", "body": body,
             "images": [], "tags": [], "related_urls": [], "page_count": 1, "version": 1}
            for n in members
            for i, body in enumerate((pairs[n].a, pairs[n].b))
        ]  # fmt: skip
        index = CorpusIndex()
        index.add_batch(0, 0, pa.RecordBatch.from_pylist(rows, schema=schema))
        selection = index.select(keep_duplicates=True)
        for k, n in enumerate(members):
            decisions[n] = selection.duplicate_of_row.get((0, 2 * k + 1)) == 2 * k
    return decisions


def test_export_has_the_crawls_precision_and_recall_on_the_labelled_pairs() -> None:
    from dedup_fixtures.labelled import MANIFEST, labelled_pairs

    from newsportal.state.signature import estimated_similarity

    if not MANIFEST.exists():
        pytest.skip("sample portal manifest not generated")
    pairs = labelled_pairs()
    exported = export_decisions(pairs)

    def crawl(a: str, b: str) -> bool:  # the store's decision: a shared LSH band, then the estimate
        sa, sb = near_signature(a), near_signature(b)
        same = a.split() == b.split()  # an exact copy (after spacing): the content hash catches it first
        return same or (
            bool(set(sa.band_keys) & set(sb.band_keys))
            and estimated_similarity(sa.stored, sb.stored) >= THRESHOLD
        )

    crawled = [crawl(p.a, p.b) for p in pairs]

    def precision_recall(predicted: list[bool]) -> tuple[float, float]:
        tp = sum(p and pair.duplicate for p, pair in zip(predicted, pairs, strict=True))
        fp = sum(p and not pair.duplicate for p, pair in zip(predicted, pairs, strict=True))
        fn = sum(not p and pair.duplicate for p, pair in zip(predicted, pairs, strict=True))
        return tp / (tp + fp), tp / (tp + fn)

    assert precision_recall(exported) == precision_recall(crawled)
    assert exported == crawled  # pair by pair, not only in sum
    precision, recall = precision_recall(exported)
    assert precision >= 0.99 and recall >= 0.95


def test_a_crawl_names_its_state_store_in_its_stats(crawled_dir) -> None:
    from newsportal.state.sqlite import SQLiteStateStore

    stats = json.loads(next((crawled_dir / "sample").glob("*.stats.json")).read_text(encoding="utf-8"))
    with SQLiteStateStore(crawled_dir.parent / "state") as store:
        assert stats["newsportal/state/identity"] == store.identity()
    assert stats["newsportal/state/near_threshold"] == THRESHOLD
    assert stats["newsportal/state/signature_version"] == SIGNATURE_VERSION


def test_runs_of_one_state_store_reuse_the_crawls_decisions(crawled_dir, tmp_path, capsys) -> None:
    records = crawled_records(crawled_dir)
    stats = json.loads(next((crawled_dir / "sample").glob("*.stats.json")).read_text(encoding="utf-8"))
    identity = stats["newsportal/state/identity"]
    # a story the crawl kept as a duplicate (duplicate_of set), with a body the rule would not match,
    # and a near copy the crawl let through (no duplicate_of): the export takes the crawl's word
    marked = copy_of(records[3], "marked", "另一篇完全不同的报道，讲的是城市公园改造的进展与市民的意见。" * 3)
    marked["duplicate_of"] = records[3]["canonical_url"]
    passed = copy_of(records[4], "passed", records[4]["body"] + "。")
    out = tmp_path / "output"
    write_run(out, RUN_1, records, identity)
    write_run(out, RUN_2, [marked, passed], identity)

    code, printed = export(capsys, str(tmp_path / "reused.jsonl"), str(out))
    assert code == 0 and "the crawl's decisions" in printed
    reused = {r["canonical_url"] for r in read_jsonl(tmp_path / "reused.jsonl")}
    assert marked["canonical_url"] not in reused and passed["canonical_url"] in reused

    code, printed = export(capsys, str(tmp_path / "computed.jsonl"), "--recompute-near", str(out))
    assert code == 0 and "the crawl's decisions" not in printed
    computed = {r["canonical_url"] for r in read_jsonl(tmp_path / "computed.jsonl")}
    assert marked["canonical_url"] in computed and passed["canonical_url"] not in computed

    # a run of another store (or none): computed, whatever the other runs say
    write_run(out, RUN_2, [marked, passed], "another-store")
    code, printed = export(capsys, str(tmp_path / "mixed.jsonl"), str(out))
    assert code == 0 and "the crawl's decisions" not in printed


def test_a_file_read_line_by_line_gives_what_the_json_reader_gives(corpus, tmp_path, capsys) -> None:
    out, _records, _ = corpus
    assert export(capsys, str(tmp_path / "fast.jsonl"), str(out))[0] == 0
    run = out / "sample" / f"{RUN_2}.jsonl"
    run.write_text(run.read_text(encoding="utf-8") + '{"url": "http://x", oops\n', encoding="utf-8")
    code, printed = export(capsys, str(tmp_path / "lines.jsonl"), str(out))
    assert code == 0 and f"{run}:4: invalid JSON" in printed
    assert read_jsonl(tmp_path / "lines.jsonl") == read_jsonl(tmp_path / "fast.jsonl")


def test_parquet_types_as_an_analyst_expects_in_pandas_and_duckdb(corpus, tmp_path, capsys) -> None:
    pd = pytest.importorskip("pandas")
    duckdb = pytest.importorskip("duckdb")
    out, _records, _named = corpus
    run = out / "sample" / f"{RUN_2}.jsonl"
    later = read_jsonl(run)
    later[0]["read_count"] = None  # a story whose page shows no count
    later[0]["images"] = [
        {"url": "http://img/1.jpg", "caption": "图一"},
        {"url": "http://img/2.jpg", "caption": None},
    ]
    write_run(out, RUN_2, later)
    assert export(capsys, str(tmp_path / "c.parquet"), str(out))[0] == 0
    assert export(capsys, str(tmp_path / "c.jsonl"), str(out))[0] == 0
    expected = read_jsonl(tmp_path / "c.jsonl")

    df = pd.read_parquet(tmp_path / "c.parquet")
    assert str(df["read_count"].dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in df["read_count"]] == [r["read_count"] for r in expected]
    assert any(r["read_count"] is None for r in expected) and any(r["read_count"] for r in expected)
    story = df[df["canonical_url"] == later[0]["canonical_url"]].iloc[0]
    assert [dict(image) for image in story["images"]] == later[0]["images"]

    con = duckdb.connect()
    types = dict(
        con.execute(f"DESCRIBE SELECT * FROM '{tmp_path / 'c.parquet'}'").fetchall()[i][:2]
        for i in range(len(ARTICLE_FIELDS))
    )
    assert types["images"] == "STRUCT(url VARCHAR, caption VARCHAR)[]"
    assert types["read_count"] == "BIGINT"
    url, caption = con.execute(
        f"SELECT images[1].url, images[1].caption FROM '{tmp_path / 'c.parquet'}' WHERE canonical_url = ?",
        [later[0]["canonical_url"]],
    ).fetchone()
    assert (url, caption) == ("http://img/1.jpg", "图一")
