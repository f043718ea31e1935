"""Input readers that survive bad input and say where every record came from.

datatrove's WarcReader stops the whole task on a broken gzip member or a truncated record, and
drops undecodable pages without saying why; its JSONL and Parquet readers drop bad lines and rows
silently. These readers keep datatrove's sharding and document model, and:

- stamp provenance on every document: `source` (the input file, as the reader resolved it) and
  `source_offset` (WARC: byte offset of the record in the file as stored, compressed or not;
  JSONL: 0-based line; Parquet: 0-based row; HTML file: 0). Later stages read them back from
  the intermediate shards, so they survive every stage;
- turn every record that cannot become a document into an empty marker document carrying the
  reason (`metadata["read_skip"]`: `empty_body`, `not_html`, `truncated`, `too_large`,
  `file_error`, `bad_json`, `no_text`, …) with its provenance; `ReadRejects`, right after the
  reader, writes those to `rejected/read/` and counts them as `dropped_<reason>`. So the reader's
  `documents` count is every record read, and each one is kept or rejected with a reason.
"""
from __future__ import annotations

import gzip
import zlib
from urllib.parse import urlsplit

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader, ParquetReader, WarcReader
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


READ_SKIP = "read_skip"  # metadata key of a marker document: why the record is not a document


class _Provenance:
    """Stamps `source` / `source_offset` on documents and makes marker documents for skipped records."""

    def _stamp(self, doc: Document, filepath: str, offset: int) -> Document:
        doc.metadata["source"] = self.data_folder.resolve_paths(filepath)
        doc.metadata["source_offset"] = int(offset)
        return doc

    def _skipped(self, filepath: str, offset: int, reason: str, *, doc_id: str | None = None, **meta) -> Document:
        source = self.data_folder.resolve_paths(filepath)
        doc = Document(text="", id=doc_id or f"{source}@{offset}", metadata={**{k: v for k, v in meta.items() if v}, READ_SKIP: reason})
        return self._stamp(doc, filepath, offset)


class _RowProvenance(_Provenance):
    """For row readers (JSONL, Parquet): the row's index is its offset; a row without text is a
    `no_text` marker instead of vanishing."""

    def get_document_from_dict(self, data: dict, source_file: str, id_in_file: int):
        document = super().get_document_from_dict(data, source_file, id_in_file)
        if document is None:
            return self._skipped(source_file, id_in_file, "no_text")
        return self._stamp(document, source_file, id_in_file)


class ReadRejects(BaseFilter):
    """Drops the readers' marker documents (records that could not be read) with their reason, so
    the exclusion writer keeps them in `rejected/read/`."""

    name = "🚮 Unreadable records"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = doc.metadata.get(READ_SKIP)
        return (False, reason) if reason else True


class RobustWarcReader(_Provenance, WarcReader):
    """WARC reader (response/conversion records) with per-record skip reasons.

    Skips (marker documents, see the module docstring): non-HTML payloads, empty bodies, truncated
    records, records over `max_record_bytes`. A file that cannot be read on (broken gzip, truncated
    record) gives one `file_error` marker at the offset where reading stopped, and the task
    continues with the next file.
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

        records = None
        try:
            # warcio decompresses each gzip member itself; letting fsspec gunzip the whole stream
            # instead would fail on a damaged member *before* yielding the good records ahead of it.
            with self.data_folder.open(filepath, "rb", compression=None) as f:
                records = ArchiveIterator(f)
                for ri, record in enumerate(records):
                    with self.track_time():
                        data, reason = self._record_to_dict(record)
                    # Byte offset of the record in the file: where to find it again, and how far
                    # into its file a task is (the crawl's progress bar). Asked only after the
                    # record's content was read: warcio reads the record to its end to answer.
                    offset = records.get_record_offset()
                    if reason:
                        h = record.rec_headers
                        yield self._skipped(filepath, offset, reason, doc_id=h.get_header("WARC-Record-ID"),
                                            url=h.get_header("WARC-Target-URI"), date=h.get_header("WARC-Date"))
                        continue
                    if not data:
                        continue
                    document = self.get_document_from_dict(data, filepath, ri)
                    if document:
                        yield self._stamp(document, filepath, offset)
        except (*STREAM_ERRORS, ArchiveLoadFailed) as e:
            logger.warning(f"{filepath}: stopped reading after an unreadable record ({type(e).__name__}: {e})")
            yield self._skipped(filepath, _stream_position(records), "file_error")


def _stream_position(records) -> int:
    """Where a broken WARC stopped being readable: the offset of the last record that started."""
    try:
        return int(records.get_record_offset()) if records is not None else 0
    except Exception:  # noqa: BLE001 - a half-initialised iterator: the file's start
        return 0


class RobustJsonlReader(_RowProvenance, JsonlReader):
    """JSONL reader: a line that is not JSON (`bad_json`), not an object (`not_an_object`) or has no
    text (`no_text`) becomes a marker document; undecodable bytes end the file (`file_error`)."""

    name = "🐿 Jsonl (robust)"

    def read_file(self, filepath: str):
        import orjson

        li = -1
        with self.data_folder.open(filepath, "r", compression=self.compression) as f:
            try:
                for li, line in enumerate(f):
                    with self.track_time():
                        try:
                            row = orjson.loads(line)
                        except orjson.JSONDecodeError:
                            yield self._skipped(filepath, li, "bad_json")
                            continue
                        if not isinstance(row, dict):
                            yield self._skipped(filepath, li, "not_an_object")
                            continue
                        document = self.get_document_from_dict(row, filepath, li)
                    yield document
            except UnicodeDecodeError as e:
                logger.warning(f"{filepath}: undecodable bytes after line {li + 1} ({e})")
                yield self._skipped(filepath, li + 1, "file_error")


class RobustParquetReader(_RowProvenance, ParquetReader):
    """Parquet reader: a row without text becomes a `no_text` marker document (datatrove's own
    reader drops it and numbers the following rows wrongly)."""

    name = "📒 Parquet (robust)"


class HtmlFileReader(_Provenance, BaseDiskReader):
    """One document per HTML file (`.html`, `.htm`, optionally gzip-compressed). The file path is the id;
    a `<link rel=canonical>` is not trusted for the URL, which stays empty unless `url_prefix` is given."""

    name = "📄 HTML files"

    def __init__(self, data_folder, *, url_prefix: str | None = None, max_file_bytes: int = 50 * 2**20, **kwargs):
        kwargs.setdefault("glob_pattern", "**/*.htm*")
        super().__init__(data_folder, **kwargs)
        self.url_prefix = url_prefix
        self.max_file_bytes = max_file_bytes

    def read_file(self, filepath: str):
        url = f"{self.url_prefix.rstrip('/')}/{filepath}" if self.url_prefix else None
        try:
            with self.data_folder.open(filepath, "rb", compression="infer") as f:
                content = f.read(self.max_file_bytes + 1)
        except STREAM_ERRORS as e:
            logger.warning(f"{filepath}: unreadable ({type(e).__name__}: {e})")
            yield self._skipped(filepath, 0, "file_error", doc_id=filepath, url=url)
            return
        if len(content) > self.max_file_bytes:
            yield self._skipped(filepath, 0, "too_large", doc_id=filepath, url=url)
            return
        if not content.strip():
            yield self._skipped(filepath, 0, "empty_body", doc_id=filepath, url=url)
            return
        text, how = decode_html(content)
        if how == "utf-8-replaced":
            self.stat_update("decoded_with_replacement")
        document = self.get_document_from_dict({"text": text, "id": filepath, "url": url}, filepath, 0)
        if document:
            yield self._stamp(document, filepath, 0)


def document_source(doc: Document) -> str | None:
    """The input file a document came from: the `source` its first reader stamped (carried through
    intermediate shards), never the intermediate file a later stage read it from."""
    return doc.metadata.get("source") or doc.metadata.get("file_path")
