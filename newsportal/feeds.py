"""Feed plumbing: per-run output names, and a file storage that never shows a half-written file.

The default feed (NEWSPORTAL_DEFAULT_FEED) is ``<output dir>/<site>/<UTC start time>.jsonl``.
``AtomicFileFeedStorage`` writes to ``<name>.part`` and renames it to ``<name>`` only when the feed
is complete, so a reader (or ``newsportal export``) never sees half a file; a crash leaves a
``.part`` that the next run recovers (see newsportal.recovery and newsportal.middlewares). So does a
failed write (disk full, I/O error): the ``.part`` is cut back to its last whole line, takes nothing
more, and is not published (see newsportal.durability).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from itemadapter.adapter import DataclassAdapter
from scrapy.exporters import BaseItemExporter, JsonLinesItemExporter
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.python import to_bytes

from newsportal.durability import WriteGuard, guard_for

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


class PartFile(io.FileIO):
    """The unbuffered ``.part`` file of a feed: each write reaches the OS whole, or not at all.

    ``os.write`` may write part of the bytes when the disk fills up (a line cut in the middle, and
    FileIO does not retry); here the rest is retried, and on an error the file is cut back to the end
    of the last whole write and the failure goes to the crawl's WriteGuard instead of being raised:
    Scrapy's FeedExporter has no way to report it, and the receivers of ``item_scraped`` after it
    (the journal, the state) must see the guard failed before they count the item as written. After
    any failed write of the crawl (this file's or another's) the file takes nothing more.
    """

    def __init__(self, path: Path, guard: WriteGuard) -> None:
        super().__init__(path, "wb")
        self.path = path
        self.guard = guard
        self.end = 0  # bytes of whole writes

    def write(self, data: Any) -> int:
        if self.guard.failed:
            return 0
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                n = super().write(view[done:])
                if not n:
                    raise OSError(errno.ENOSPC, "write wrote nothing", str(self.path))
                done += n
        except OSError as exc:
            with contextlib.suppress(OSError):  # else the next run cuts the torn line off (recovery)
                self.truncate(self.end)
            self.guard.fail(OSError(exc.errno, exc.strerror or str(exc), str(self.path)))
            return 0
        self.end += done
        return done


class AtomicFileFeedStorage(FileFeedStorage):
    """FileFeedStorage that writes ``<path>.part`` and publishes it on close (fsync, then rename).

    With ``overwrite`` off (``-o``) and an existing file, the finished part is appended to it in one
    piece instead of replacing it.
    """

    def open(self, spider: Any) -> IO[bytes]:
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.part = target.with_name(target.name + PART_SUFFIX)
        self.guard = guard_for(spider.crawler)
        # Unbuffered: each exported line reaches the OS when the item is scraped, before the state
        # records it as emitted, so a killed process never loses a line it counted as written.
        with self.guard.writing(self.part):
            return PartFile(self.part, self.guard)
        raise OSError(errno.EIO, f"{self.part} could not be created")  # the guard has logged why

    def store(self, file: IO[bytes]) -> None:
        if self.guard.failed:
            file.close()
            # Raised for FeedExporter, which logs it and counts feedexport/failed_count/...
            raise OSError(
                errno.EIO,
                f"not published after a failed write; the next run publishes its complete lines "
                f"(the run's write error: {self.guard.error})",
                str(self.part),
            )
        with self.guard.writing(self.part):
            self._publish(file)
        if self.guard.failed:
            raise OSError(errno.EIO, "not published after a failed write", str(self.part))

    def _publish(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        target = Path(self.path)
        if self.write_mode == "ab" and target.exists():
            with target.open("ab", buffering=0) as out, self.part.open("rb") as part:
                size = out.seek(0, os.SEEK_END)
                try:
                    while chunk := memoryview(part.read(1 << 20)):
                        while chunk:
                            chunk = chunk[out.write(chunk) or 0 :]
                    os.fsync(out.fileno())
                except OSError:
                    out.truncate(size)  # the file as it was: the part stays for the next run
                    raise
            self.part.unlink()
        else:
            os.replace(self.part, target)
        return None


class JsonLinesExporter(JsonLinesItemExporter):
    """Scrapy's JsonLinesItemExporter (FEED_EXPORTERS: jsonlines, jsonl, jl), the same bytes, with a
    dataclass item's line built from its fields directly.

    Scrapy builds each line through ItemAdapter: per field a membership test, a metadata lookup and a
    serializer call (~30 µs an Article in the crawl process, more than encoding the line). For an item
    ItemAdapter handles as a dataclass, with no fields to export named and empty fields not asked for,
    that gives the fields that are set, in declaration order, each through its metadata's
    ``serializer`` if it has one: looked up here once per class. Anything else goes through Scrapy's
    path."""

    def __init__(self, file: Any, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self._plain = (
            self.fields_to_export is None
            and not self.export_empty_fields
            and type(self).serialize_field is BaseItemExporter.serialize_field
        )
        # item class → its fields as (name, serializer or _UNSET), or None: not a dataclass item
        self._fields: dict[type, tuple[tuple[str, Any], ...] | None] = {}

    def export_item(self, item: Any) -> None:
        cls = type(item)
        fields = self._fields.get(cls, _UNSET) if self._plain else None
        if fields is _UNSET:
            fields = self._fields[cls] = _dataclass_fields(item)
        if fields is None:
            super().export_item(item)
            return
        itemdict = {}
        for name, serializer in fields:
            value = getattr(item, name, _UNSET)
            if value is not _UNSET:
                itemdict[name] = value if serializer is _UNSET else serializer(value)
        self.file.write(to_bytes(self.encoder.encode(itemdict) + "\n", self.encoding))


_UNSET: Any = object()


def _dataclass_fields(item: Any) -> tuple[tuple[str, Any], ...] | None:
    """(name, serializer or _UNSET) of each field of an item ItemAdapter adapts as a dataclass."""
    if type(ItemAdapter(item).adapter) is not DataclassAdapter:
        return None
    return tuple((f.name, f.metadata.get("serializer", _UNSET)) for f in dataclasses.fields(item))
