"""One worker call per article: the spider's page analysis also computes what CleanPipeline and
DedupPipeline need of a one-page article (newsportal.pageanalysis, newsportal.precomputed); the
pipelines use those values only while the item is still the one they were computed for."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from newsportal.extract.article import merge_pages
from newsportal.items import Article
from newsportal.pageanalysis import analyse_and_prepare
from newsportal.pipelines import NewsportalDrop
from newsportal.pipelines.clean import CleanPipeline, clean_article
from newsportal.pipelines.dedup import dedup_keys
from newsportal.precomputed import PreparedArticle, attach_clean, attach_keys, clean_ahead, keys_ahead
from newsportal.workers import ExtractionPool
from tests.test_dedup_pipeline import BODY, OTHER, Pipelines, article, crawler_for
from tests.test_workers import ARTICLES, NOW, SITE, _url

FETCHED = NOW.replace(minute=5)
WITH_IMAGE = next(p for p in ARTICLES if p.name == "1007_306.html")  # one image, with a caption


def _prepared(path: Path) -> tuple[Article, PreparedArticle | None]:
    """The article the spider builds from this page, with what the worker computed ahead for it."""
    analysed, prepared = analyse_and_prepare(
        path.read_bytes(), _url(path), SITE, NOW, "text/html", False, "article"
    )
    built = merge_pages([analysed.fields], site=SITE.name, fetched_at=FETCHED)
    if prepared is not None:
        attach_clean(built, prepared)
    return built, prepared


def _clean(item, pool: ExtractionPool | None = None) -> Article:
    async def run():
        return await CleanPipeline(pool).process_item(item)

    return asyncio.run(run())


def _poisoned(item: Article) -> Article:
    """The item with values 'computed ahead' that cleaning would never give: whether the pipeline used
    them shows in its output."""
    attach_clean(item, PreparedArticle({"title": "POISON"}, ("poison-hash", None, ())))
    return item


def test_values_computed_ahead_are_the_pipelines_own_for_every_sample_article():
    prepared_count = 0
    for path in ARTICLES:
        built, prepared = _prepared(path)
        expected = clean_article(built)
        cleaned = _clean(built)
        assert cleaned == expected, path.name
        if prepared is None:  # page 1 of a split article: its article is the merge of its pages
            assert keys_ahead(cleaned) is None
            continue
        prepared_count += 1
        chash, signature = keys_ahead(cleaned)
        own_hash, own_signature = dedup_keys(expected.body, expected.content_hash)
        assert chash == own_hash
        if own_signature is None:  # no body: dropped as empty_body later
            assert signature is None and not expected.body
            continue
        assert signature.stored == own_signature.stored
        assert signature.band_keys == own_signature.band_keys
        assert (signature.minhash == own_signature.minhash).all()
    assert prepared_count >= len(ARTICLES) - 5


def test_page_one_of_a_split_article_gets_nothing_computed_ahead():
    split = next(p for p in ARTICLES if "_p" not in p.stem and p.with_name(p.stem + "_p2.html").exists())
    _, prepared = _prepared(split)
    assert prepared is None


def test_no_keys_computed_ahead_for_a_body_over_the_limit():
    """Validation drops it as body_too_long before DedupPipeline: no signature of it is computed."""
    path = ARTICLES[0]
    args = (path.read_bytes(), _url(path), SITE, NOW, "text/html", False, "article", False, True)
    _, limited = analyse_and_prepare(*args, 50)
    _, unlimited = analyse_and_prepare(*args, 0)
    assert limited.keys is None and unlimited.keys is not None
    assert limited.cleaned == unlimited.cleaned  # cleaning comes before validation: still ahead
    built = merge_pages([analyse_page_fields(path)], site=SITE.name, fetched_at=FETCHED)
    attach_clean(built, limited)
    assert keys_ahead(_clean(built)) is None


def analyse_page_fields(path: Path):
    return analyse_and_prepare(path.read_bytes(), _url(path), SITE, NOW, "text/html", False, "article")[
        0
    ].fields


def test_clean_pipeline_takes_values_computed_ahead_for_the_unchanged_item():
    built, _ = _prepared(ARTICLES[0])
    assert _clean(_poisoned(built)).title == "POISON"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a: setattr(a, "body", a.body + "\n来源：新华社"), id="body_set"),
        pytest.param(lambda a: a.tags.append("  新标签 "), id="tags_in_place"),
        pytest.param(
            lambda a: a.images.append({"url": "http://x/1.jpg", "caption": " c "}), id="images_in_place"
        ),
        pytest.param(lambda a: a.images[0].update(caption=" 天井\u3000"), id="image_caption_in_place"),
        pytest.param(lambda a: setattr(a, "title", a.title + "_网易新闻"), id="title_set"),
        pytest.param(lambda a: setattr(a, "crawled_at", None), id="other_field_set"),
    ],
)
def test_clean_pipeline_cleans_anew_an_item_changed_after_analysis(change):
    built, _ = _prepared(WITH_IMAGE)
    item = _poisoned(built)
    change(item)
    cleaned = _clean(item)
    assert cleaned.title != "POISON"
    assert cleaned == clean_article(item)


def test_clean_pipeline_cleans_anew_a_replaced_item_or_a_dict():
    built, _ = _prepared(ARTICLES[0])
    item = _poisoned(built)
    assert clean_ahead(item) is not None
    replaced = replace(item, body=item.body + "\n责任编辑：王五")
    assert clean_ahead(replaced) is None
    assert _clean(replaced) == clean_article(replaced)
    as_dict = {k: v for k, v in vars(item).items() if not k.startswith("_")}
    assert _clean(as_dict) == clean_article(Article(**as_dict))


def _with_keys_of(item: Article, other: Article) -> Article:
    """item, with the dedup keys of other's body attached as if computed ahead for item."""
    chash, signature = dedup_keys(other.body, other.content_hash)
    attach_keys(item, PreparedArticle({}, (chash, signature.stored, signature.band_keys)))
    return item


@pytest.fixture
def pipelines(tmp_path: Path):
    p = Pipelines(crawler_for(tmp_path / "state"))
    yield p
    p.close()


def test_dedup_pipeline_takes_keys_computed_ahead_for_the_unchanged_body(pipelines):
    first = article("http://x/a/1.html", BODY)
    pipelines.emit(first)
    other = _with_keys_of(article("http://x/a/2.html", OTHER), first)
    with pytest.raises(NewsportalDrop, match="content"):  # the keys computed ahead say: a copy of 1
        pipelines.check(other)


@pytest.mark.parametrize("field", ["body", "content_hash"])
def test_dedup_pipeline_keys_anew_an_item_whose_body_changed_after_cleaning(pipelines, field):
    first = article("http://x/a/1.html", BODY)
    pipelines.emit(first)
    other = _with_keys_of(article("http://x/a/2.html", BODY), first)  # a true copy of 1 ...
    if field == "body":
        other.body = OTHER  # ... until a pipeline rewrote its body in place
        other.content_hash = clean_article(replace(other, content_hash=None)).content_hash
    else:
        other.content_hash = None
        other.body = OTHER
    assert keys_ahead(other) is None
    assert pipelines.check(other).url == "http://x/a/2.html"


def test_one_worker_call_per_one_page_article():
    """With a real worker: the page's call is the only one; the pipelines ask the worker nothing
    for a one-page article, and still ask it for an article that came with nothing ahead."""
    one_page = [p for p in ARTICLES if not p.with_name(p.stem + "_p2.html").exists() and "_p" not in p.stem]

    async def run():
        pool = ExtractionPool(1)
        try:
            assert await pool.ready()
            clean = CleanPipeline(pool)
            out = []
            for path in one_page:
                analysed, prepared = await pool.call(
                    analyse_and_prepare,
                    path.read_bytes(),
                    _url(path),
                    SITE,
                    NOW,
                    "text/html",
                    False,
                    "article",
                )
                built = merge_pages([analysed.fields], site=SITE.name, fetched_at=FETCHED)
                attach_clean(built, prepared)
                out.append((built, await clean.process_item(built)))
            sent_for_articles = dict(pool.sent)
            await clean.process_item(Article(url="http://x/a/9.html", title="t", body=BODY))  # nothing ahead
            return out, sent_for_articles, dict(pool.sent)
        finally:
            pool.close()

    out, sent_for_articles, sent = asyncio.run(run())
    assert sent_for_articles == {"newsportal.pageanalysis:analyse_and_prepare": len(one_page)}
    assert sent["newsportal.pipelines.clean:clean_article"] == 1
    for built, cleaned in out:
        assert cleaned == clean_article(built)
        assert keys_ahead(cleaned) is not None
