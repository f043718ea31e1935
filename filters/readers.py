"""Input readers that survive bad input.

datatrove's WarcReader stops the whole task on a broken gzip member or a truncated record, and
drops undecodable pages without saying why. These readers keep datatrove's sharding and
document model but count every skipped record with a reason (in the stage's stats) and go on.
"""
from __future__ import annotations

import gzip
import zlib
from urllib.parse import urlsplit

from datatrove.data import Document
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.readers.base import BaseDiskReader
from loguru import logger

from core.charset import decode_html

HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Errors that mean "the rest of this file cannot be read"; everything read before them is kept.
STREAM_ERRORS = (EOFError, OSError, zlib.error, gzip.BadGzipFile, ValueError)


def url_domain(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


class RobustWarcReader(WarcReader):
    """WARC reader (response/conversion records) with per-record skip reasons.

    Skips, each counted as `skipped_<reason>`: non-HTML payloads, empty bodies, truncated records,
    records over `max_record_bytes`. A file that cannot be read on (broken gzip, truncated record) is counted
    as `file_error` and the task continues with the next file.
    """

    name = "🕷 WARC (robust)"

    def __init__(self, data_folder, *, max_record_bytes: int = 20 * 2**20, **kwargs):
        super().__init__(data_folder, **kwargs)
        self.max_record_bytes = max_record_bytes

    def _record_to_dict(self, record) -> tuple[dict | None, str | None]:
        if record.rec_type not in ("response", "conversion"):
            return None, None  # requests, metadata, warcinfo: not documents, not counted
        headers = record.rec_headers
        length = int(headers.get_header("Content-Length") or 0)
        if length > self.max_record_bytes:
            return None, "too_large"
        mime = (headers.get_header("WARC-Identified-Payload-Type") or "").split(";")[0].strip().lower()
        if not mime and record.http_headers is not None:
            mime = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
        if record.rec_type == "response" and mime and mime not in HTML_TYPES:
            return None, "not_html"
        content = record.content_stream().read(self.max_record_bytes + 1)
        if len(content) > self.max_record_bytes:
            return None, "too_large"
        if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than the record announced
            return None, "truncated"
        if not content.strip():
            return None, "empty_body"
        if not mime:
            import magic

            if magic.from_buffer(content[:4096], mime=True) not in HTML_TYPES | {"text/plain"}:
                return None, "not_html"
        text, how = decode_html(content)
        if how == "utf-8-replaced":
            self.stat_update("decoded_with_replacement")
        url = headers.get_header("WARC-Target-URI")
        return {
            "text": text,
            "id": headers.get_header("WARC-Record-ID") or f"{url}",
            "url": url,
            "date": headers.get_header("WARC-Date"),
        }, None

    def read_file(self, filepath: str):
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed

        try:
            # warcio decompresses each gzip member itself; letting fsspec gunzip the whole stream
            # instead would fail on a damaged member *before* yielding the good records ahead of it.
            with self.data_folder.open(filepath, "rb", compression=None) as f:
                records = ArchiveIterator(f)
                for ri, record in enumerate(records):
                    with self.track_time():
                        data, reason = self._record_to_dict(record)
                    if reason:
                        self.stat_update(f"skipped_{reason}")
                    if not data:
                        continue
                    # Byte offset of the record in the (compressed) file: where to find it again,
                    # and how far into its file a task is (the crawl's progress bar).
                    data["source_offset"] = records.get_record_offset()
                    document = self.get_document_from_dict(data, filepath, ri)
                    if document:
                        yield document
        except (*STREAM_ERRORS, ArchiveLoadFailed) as e:
            self._file_error(filepath, e)

    def _file_error(self, filepath: str, e: Exception) -> None:
        self.stat_update("file_error")
        logger.warning(f"{filepath}: stopped reading after an unreadable record ({type(e).__name__}: {e})")


class HtmlFileReader(BaseDiskReader):
    """One document per HTML file (`.html`, `.htm`, optionally gzip-compressed). The file path is the id;
    a `<link rel=canonical>` is not trusted for the URL, which stays empty unless `url_prefix` is given."""

    name = "📄 HTML files"

    def __init__(self, data_folder, *, url_prefix: str | None = None, max_file_bytes: int = 50 * 2**20, **kwargs):
        kwargs.setdefault("glob_pattern", "**/*.htm*")
        super().__init__(data_folder, **kwargs)
        self.url_prefix = url_prefix
        self.max_file_bytes = max_file_bytes

    def read_file(self, filepath: str):
        try:
            with self.data_folder.open(filepath, "rb", compression="infer") as f:
                content = f.read(self.max_file_bytes + 1)
        except STREAM_ERRORS as e:
            self.stat_update("file_error")
            logger.warning(f"{filepath}: unreadable ({type(e).__name__}: {e})")
            return
        if len(content) > self.max_file_bytes:
            self.stat_update("skipped_too_large")
            return
        if not content.strip():
            self.stat_update("skipped_empty_body")
            return
        text, how = decode_html(content)
        if how == "utf-8-replaced":
            self.stat_update("decoded_with_replacement")
        url = f"{self.url_prefix.rstrip('/')}/{filepath}" if self.url_prefix else None
        document = self.get_document_from_dict({"text": text, "id": filepath, "url": url}, filepath, 0)
        if document:
            yield document


def document_source(doc: Document) -> str | None:
    return doc.metadata.get("file_path") or doc.metadata.get("source")
