"""Feed plumbing: per-run output names, and a file storage that never shows a half-written file.

The default feed (NEWSPORTAL_DEFAULT_FEED) is ``<output dir>/<site>/<UTC start time>.jsonl``.
``AtomicFileFeedStorage`` writes to ``<name>.part`` and renames it to ``<name>`` only when the feed
is complete, so a reader (or ``newsportal export``) never sees half a file; a crash leaves a
``.part`` that the next run recovers (see newsportal.recovery and newsportal.middlewares).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage

PART_SUFFIX = ".part"


def run_id(spider: Any) -> str:
    """The run's UTC start time, e.g. 20261127T205500Z, fixed once per spider; a run started in the
    same second as an earlier one of the same site gets a suffix (-2, -3, ...) so it never
    overwrites that run's files."""
    rid = getattr(spider, "run_id", None)
    if rid is None:
        base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        crawler = getattr(spider, "crawler", None)
        folder = Path(crawler.settings.get("NEWSPORTAL_OUTPUT_DIR") or "output") if crawler else None
        rid, n = base, 1
        while folder is not None and any((folder / site_label(spider)).glob(f"{rid}.*")):
            n += 1
            rid = f"{base}-{n}"
        spider.run_id = rid
    return rid


def site_label(spider: Any) -> str:
    site = getattr(spider, "site", None)
    return getattr(site, "name", None) or spider.name


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS: adds %(site)s (profile name), %(run)s (run id) and %(output_dir)s
    (NEWSPORTAL_OUTPUT_DIR) to Scrapy's params."""
    output_dir = spider.crawler.settings.get("NEWSPORTAL_OUTPUT_DIR") or "output"
    return {**params, "site": site_label(spider), "run": run_id(spider), "output_dir": output_dir}


class AtomicFileFeedStorage(FileFeedStorage):
    """FileFeedStorage that writes ``<path>.part`` and publishes it on close (fsync, then rename).

    With ``overwrite`` off (``-o``) and an existing file, the finished part is appended to it in one
    piece instead of replacing it.
    """

    def open(self, spider: Any) -> IO[bytes]:
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.part = target.with_name(target.name + PART_SUFFIX)
        # Unbuffered: each exported line reaches the OS when the item is scraped, before the state
        # records it as emitted, so a killed process never loses a line it counted as written.
        return self.part.open("wb", buffering=0)

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        target = Path(self.path)
        if self.write_mode == "ab" and target.exists():
            with target.open("ab") as out, self.part.open("rb") as part:
                while chunk := part.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self.part.unlink()
        else:
            os.replace(self.part, target)
        return None
