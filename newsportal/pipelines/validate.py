"""ValidatePipeline: drop what is not a usable article, with a reason, counted and logged."""

from __future__ import annotations

from datetime import datetime, timedelta

from newsportal.extract.dates import CHINA_TZ
from newsportal.items import Article
from newsportal.pipelines import NewsportalDrop


class ValidatePipeline:
    """Reasons (stat ``newsportal/dropped/<reason>``):

    * ``no_title`` – the page gave no headline;
    * ``empty_body`` – no body text at all (a video page, a removed story, a layout we cannot read);
    * ``body_too_short`` – fewer than NEWSPORTAL_MIN_BODY_CHARS non-space characters;
    * ``body_too_long`` – more than NEWSPORTAL_MAX_BODY_CHARS non-space characters (0: no limit);
    * ``future_date`` – published more than NEWSPORTAL_FUTURE_TOLERANCE_HOURS after now;
    * ``ancient_date`` – published before NEWSPORTAL_MIN_YEAR (a misread date);
    * ``not_article`` – no date and a body shorter than NEWSPORTAL_MIN_UNDATED_BODY_CHARS: a video,
      gallery or index page that reached extraction, not a story.
    """

    def __init__(
        self,
        crawler,
        min_body_chars: int,
        min_year: int,
        future_tolerance: timedelta,
        min_undated_body_chars: int = 0,
        max_body_chars: int = 0,
    ) -> None:
        self.crawler = crawler
        self.max_body_chars = max_body_chars
        self.min_undated_body_chars = min_undated_body_chars
        self.min_body_chars = min_body_chars
        self.min_year = min_year
        self.future_tolerance = future_tolerance

    @classmethod
    def from_crawler(cls, crawler) -> ValidatePipeline:
        s = crawler.settings
        return cls(
            crawler,
            s.getint("NEWSPORTAL_MIN_BODY_CHARS"),
            s.getint("NEWSPORTAL_MIN_YEAR"),
            timedelta(hours=s.getfloat("NEWSPORTAL_FUTURE_TOLERANCE_HOURS")),
            s.getint("NEWSPORTAL_MIN_UNDATED_BODY_CHARS"),
            s.getint("NEWSPORTAL_MAX_BODY_CHARS"),
        )

    def process_item(self, item: Article) -> Article:
        reason, detail = self.problem(item)
        if reason:
            drop = NewsportalDrop(reason, item.url, detail)
            self.crawler.stats.inc_value(drop.stat_key)
            raise drop
        return item

    def problem(self, item: Article) -> tuple[str | None, str]:
        """(reason, detail) of the first rule the item breaks, or (None, "")."""
        if not item.title:
            return "no_title", ""
        chars = len("".join((item.body or "").split()))
        if chars == 0:
            return "empty_body", ""
        if chars < self.min_body_chars:
            return "body_too_short", f"{chars} chars"
        if self.max_body_chars and chars > self.max_body_chars:
            # Dropped, not cut: a body this long is not a story (a page that dumps a whole site, a
            # log, a trap), and a cut body would be emitted as if whole, with a hash and a
            # near-duplicate signature of text no reader saw. Dropped here, before DedupPipeline
            # computes its signature; the download size limit bounds what reaches this point.
            return "body_too_long", f"{chars} chars, limit {self.max_body_chars}"
        if not item.published_at and chars < self.min_undated_body_chars:
            return "not_article", f"no date, {chars} chars"
        if item.published_at:
            published = datetime.fromisoformat(item.published_at)
            if published > datetime.now(CHINA_TZ) + self.future_tolerance:
                return "future_date", item.published_at
            if published.year < self.min_year:
                return "ancient_date", item.published_at
        return None, ""
