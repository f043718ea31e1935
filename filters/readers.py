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
import io
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
    """WARC reader (response/conversion records) with per-record skip reasons, reading with FastWARC.

    Skips (marker documents, see the module docstring): non-HTML payloads, empty bodies, truncated
    records, records over `max_record_bytes`. A file that cannot be read on (broken gzip, garbage
    between records, a record without a length) gives one `file_error` marker at the offset of the
    last record that started, and the task continues with the next file.

    FastWARC (Rust) parses the WARC and gzip framing ~2.5× faster than warcio (`bench/crawl.py`).
    The documents are the ones warcio's reader made (tests/filters/test_warc_reader.py compares the
    two record by record); where FastWARC does less than warcio, this class does the rest: see
    `_header`, `_target_uri`, `_payload`.
    """

    name = "🕷 WARC (robust)"
    _requires_dependencies = ["fastwarc", "warcio", ("cchardet", "faust-cchardet"), ("magic", "python-magic")]

    def __init__(self, data_folder, *, max_record_bytes: int = 20 * 2**20, **kwargs):
        super().__init__(data_folder, **kwargs)
        self.max_record_bytes = max_record_bytes

    def _record_to_dict(self, record) -> tuple[dict | None, str | None]:
        from fastwarc.warc import WarcRecordType

        headers = record.headers
        length = _header(headers, b"Content-Length")
        if length is None:
            # A WARC record must state its length; without one (a file cut inside a record's header,
            # or a malformed header) nothing after it can be delimited. FastWARC hands such a
            # header over as a record; warcio raised AttributeError, which stopped the task.
            raise ValueError("WARC record without Content-Length")
        if record.record_type not in (WarcRecordType.response, WarcRecordType.conversion):
            return None, None  # requests, metadata, warcinfo: not documents, not counted
        if int(length) > self.max_record_bytes:
            return None, "too_large"
        if record.record_type == WarcRecordType.response and not record.is_http \
                and (_target_uri(headers) or "").startswith(("http:", "https:")):
            # warcio reads HTTP headers from every response record of an http(s) URI; FastWARC only
            # when the record's Content-Type is application/http, case-sensitively.
            record.is_http = True
            record.parse_http()
        mime = (_header(headers, b"WARC-Identified-Payload-Type") or "").split(";")[0].strip().lower()
        if not mime and record.is_http:
            mime = (record.http_headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if record.record_type == WarcRecordType.response and mime and mime not in HTML_TYPES:
            return None, "not_html"
        content, truncated = _payload(record, self.max_record_bytes + 1)
        if len(content) > self.max_record_bytes:
            return None, "too_large"
        if truncated:
            return None, "truncated"
        return self._page(content, mime, _header(headers, b"WARC-Record-ID"), _target_uri(headers),
                          _header(headers, b"WARC-Date"))

    def _page(self, content: bytes, mime: str, record_id: str | None, url: str | None, date: str | None):
        """A whole payload → (the document's fields, None) or (None, why not)."""
        if not content.strip():
            return None, "empty_body"
        if not mime:
            import magic

            if magic.from_buffer(content[:4096], mime=True) not in HTML_TYPES | {"text/plain"}:
                return None, "not_html"
        text, how = decode_html(content)
        if how == "utf-8-replaced":
            self.stat_update("decoded_with_replacement")
        return {"text": text, "id": record_id or f"{url}", "url": url, "date": date}, None

    def read_file(self, filepath: str):
        from fastwarc.warc import ArchiveIterator

        offset = 0  # where the last record that started begins: a file_error's offset
        try:
            # FastWARC decompresses each gzip member itself (and tells gzip from plain by the first
            # bytes); letting fsspec gunzip the whole stream instead would fail on a damaged member
            # *before* yielding the good records ahead of it.
            with self.data_folder.open(filepath, "rb", compression=None) as f:
                # Strict mode (FastWARC's default): header lines end in CRLF, as the WARC standard
                # says. quirks_mode would also take bare LFs, as warcio does, but it ends a damaged
                # or cut file without an error, i.e. without a file_error marker.
                records = iter(ArchiveIterator(f))
                ri = 0
                while True:
                    # Timed with the iteration: FastWARC parses the record's headers (and inflates
                    # its gzip member) while stepping to it.
                    with self.track_time():
                        record = next(records, None)
                        if record is None:
                            break
                        # Byte offset of the record in the file as stored (the gzip member's start
                        # in a .warc.gz): where to find it again, and how far into its file a task
                        # is (the crawl's progress bar).
                        offset = record.stream_pos
                        data, reason = self._record_to_dict(record)
                    if reason:
                        h = record.headers
                        yield self._skipped(filepath, offset, reason, doc_id=_header(h, b"WARC-Record-ID"),
                                            url=_target_uri(h), date=_header(h, b"WARC-Date"))
                    elif data:
                        document = self.get_document_from_dict(data, filepath, ri)
                        if document:
                            yield self._stamp(document, filepath, offset)
                    ri += 1
        except STREAM_ERRORS as e:
            logger.warning(f"{filepath}: stopped reading after an unreadable record ({type(e).__name__}: {e})")
            yield self._skipped(filepath, offset, "file_error")


def _header(headers, name: bytes) -> str | None:
    """A WARC header's value decoded as warcio decodes it: UTF-8, else ISO-8859-1 (FastWARC's `get`
    would replace undecodable bytes with U+FFFD)."""
    value = headers.get_bytes(name)
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("iso-8859-1")


def _target_uri(headers) -> str | None:
    """WARC-Target-URI normalised as warcio normalises it (FastWARC returns it as written): `<…>`
    around it removed (Wget 1.19 wrote them), spaces percent-encoded."""
    uri = _header(headers, b"WARC-Target-URI")
    if uri is not None and uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]
    return uri.replace(" ", "%20") if uri is not None else None


def _payload(record, limit: int) -> tuple[bytes, bool]:
    """(the record's payload, at most `limit` bytes; whether the file ended inside the record).

    FastWARC hands over the payload as stored, and a record cut short by the end of the file reads
    short without an error: the record's announced length is the check. An HTTP payload sent with
    a Content-Encoding or chunked is decoded as warcio's reader decoded it, by warcio's decoders
    (FastWARC's `auto_decode` raises on a payload that only claims to be gzip and ends the file
    there; warcio keeps such bytes as they are), except Brotli: warcio's Brotli decoder fails on
    brotli ≥ 1.2 (AttributeError, which stopped the task), so `brotli` decodes it here, keeping the
    bytes as they are when they are not Brotli. Common Crawl stores payloads decoded: the rare path.
    """
    raw = record.reader.read(limit)
    truncated = len(raw) < record.content_length
    if not record.is_http:
        return raw, truncated
    http = record.http_headers
    encoding = http.get("Content-Encoding")
    chunked = http.get("Transfer-Encoding") == "chunked"
    if not encoding and not chunked:
        return raw, truncated
    from warcio.bufferedreaders import BufferedReader, ChunkedDataReader

    encoding = encoding.lower() if encoding else None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    is_brotli = encoding == "br"
    if is_brotli:
        encoding = None
    if chunked:
        raw = ChunkedDataReader(io.BytesIO(raw), decomp_type=encoding).read(limit)
    elif encoding:
        raw = BufferedReader(io.BytesIO(raw), decomp_type=encoding).read(limit)
    if is_brotli:
        import brotli

        try:
            raw = brotli.Decompressor().process(raw, output_buffer_limit=limit)
        except brotli.error:
            pass
    return raw, truncated


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
