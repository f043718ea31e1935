"""The crawl's WARC reader as it was with warcio: the reference `filters.readers.RobustWarcReader`
(FastWARC) is checked against (tests/filters/test_warc_reader.py) and timed against
(bench/crawl.py). Not used by the product.

Only the reading differs: record parsing, offsets and payload come from warcio's `ArchiveIterator`
(this is the crawl's reader before the switch, kept verbatim where it read records); skip markers,
provenance and the page's decoding (`_page`) are the product reader's.
"""
from __future__ import annotations

from loguru import logger

from filters.readers import HTML_TYPES, STREAM_ERRORS, RobustWarcReader


class WarcioWarcReader(RobustWarcReader):
    name = "🕷 WARC (warcio reference)"

    def _record_to_dict(self, record) -> tuple[dict | None, str | None]:
        if record.rec_type not in ("response", "conversion"):
            return None, None
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
        return self._page(content, mime, headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Target-URI"),
                          headers.get_header("WARC-Date"))

    def read_file(self, filepath: str):
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed

        records = None
        try:
            with self.data_folder.open(filepath, "rb", compression=None) as f:
                records = ArchiveIterator(f)
                for ri, record in enumerate(records):
                    with self.track_time():
                        data, reason = self._record_to_dict(record)
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
    try:
        return int(records.get_record_offset()) if records is not None else 0
    except Exception:  # noqa: BLE001
        return 0
