"""filters.readers.RobustWarcReader (FastWARC) against the same reader on warcio
(tools.warcio_reader, what the crawl used before): the same documents and marker documents — id,
text, url, date, skip reason, source offset — on the sample crawl, on a WARC with every kind of
record the reader tells apart (gzip and plain), and on that WARC cut short or damaged at 60 places
each."""
from __future__ import annotations

import brotli
import gzip
import io
import zlib
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from filters.readers import READ_SKIP, RobustWarcReader
from tests.pipelines.warcs import article_html
from tools.warcio_reader import WarcioWarcReader

SAMPLE_CRAWL = Path(__file__).resolve().parents[2] / "data" / "sample-crawl"
MAX_BYTES = 20_000  # small, so that one record of the mixed WARC is too large


def _read(reader_cls, path: Path) -> tuple[list[tuple], Exception | None]:
    """Every document of one file as comparable tuples, and the exception that stopped the reader
    (the warcio reader let some through: the task failed)."""
    reader = reader_cls(str(path.parent), max_record_bytes=MAX_BYTES)
    out = []
    try:
        for d in reader.read_file(path.name):
            m = d.metadata
            out.append((m.get(READ_SKIP), m["source_offset"], d.id, d.text, m.get("url"), m.get("date"), m["source"]))
    except Exception as e:  # noqa: BLE001 - reported to the comparison
        return out, e
    return out, None


def _assert_same(path: Path) -> list[tuple]:
    """The FastWARC reader's documents of `path` equal the warcio reader's."""
    fast, error = _read(RobustWarcReader, path)
    assert error is None, f"{path.name}: {error!r}"
    ref, ref_error = _read(WarcioWarcReader, path)
    assert ref_error is None and fast == ref, path.name
    return fast


def _same_or_reported(path: Path) -> tuple[list[tuple], bool]:
    """On a damaged file: the same documents as the warcio reader up to the damaged record; from
    there the two may differ only as listed below. Returns the documents and whether they were
    identical."""
    fast, error = _read(RobustWarcReader, path)
    assert error is None, f"{path.name}: {error!r}"
    ref, ref_error = _read(WarcioWarcReader, path)
    k = next((i for i, (f, r) in enumerate(zip(fast, ref)) if f != r), min(len(fast), len(ref)))
    f_rest, r_rest = fast[k:], ref[k:]
    if not f_rest and not r_rest and ref_error is None:
        return fast, True
    where = (path.name, [d[:3] for d in f_rest[:3]], [d[:3] for d in r_rest[:3]], ref_error)
    assert f_rest, where  # FastWARC never ends a damaged file without a word where warcio said something
    assert f_rest[0][1] >= (fast[k - 1][1] if k else 0), where
    if ref_error is not None:
        # warcio raised past the reader (AttributeError on a record header cut or damaged before its
        # WARC-Target-URI or Content-Length): the task failed there. FastWARC reads on or stops
        # with a file_error marker.
        assert not r_rest, where
    elif not r_rest and len(f_rest) == 1 and f_rest[0][0]:
        # warcio ended the file without a word at a record cut short (inside its header, or after
        # headers that already make it `not_html` or `too_large`) or a damaged gzip member it took
        # for the end of the file: FastWARC gives that record's marker.
        pass
    elif [d[0] for d in f_rest] in (["truncated"], ["file_error"]):
        # FastWARC stops at the damage with a marker where warcio (a) ended the file without a word
        # (a record or gzip member cut inside its header, a damaged member taken for the end),
        # (b) called a record cut inside its header `empty_body`, or gave offset 0 to a file_error,
        # (c) handed over the record whose gzip member fails its checksum (checked by warcio after
        # the record, by FastWARC before), or (d) read on past a damaged line between two records
        # of a plain WARC (warcio warns and resynchronises; FastWARC ends the file there: the
        # records after it are lost, with the file_error marker saying so).
        pass
    elif f_rest == r_rest[1:] and r_rest[0][0] is None:
        # A header line of a plain WARC damaged into ending with a bare LF: FastWARC (strict: CRLF,
        # as the WARC standard says) reads it and the next line as one; when that hides the
        # record's WARC-Type, the record is skipped like any record that is not a response.
        pass
    else:
        # Damage inside one record's WARC or HTTP header of a plain WARC: the two parsers make
        # something different of that record (its reason, text or URL); the records after it agree.
        assert f_rest[0][1] == r_rest[0][1] and f_rest[1:] == r_rest[1:], where
    return fast, False


def _fixed(n: int) -> dict:
    """Record id and date fixed (warcio's writer draws a random id and takes the clock), so that
    the files and the places they are cut at are the same in every run."""
    return {"WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>", "WARC-Date": f"2024-05-{1 + n % 28:02d}T10:00:00Z"}


def _response(writer, url, body: bytes, headers, *, warc_headers=None, warc_content_type=""):
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                  warc_content_type=warc_content_type,
                                                  warc_headers_dict={**_fixed(zlib.crc32(url.encode())), **(warc_headers or {})}))


def _mixed_warc(path: Path, gzipped: bool) -> bytes:
    """A WARC with each case the reader tells apart, in a realistic order (warcinfo, request +
    response pairs)."""
    page = article_html("Mixed records about harbours and meadows", paragraphs=2).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(page[i:i + 700]), page[i:i + 700]) for i in range(0, len(page), 700)) + b"0\r\n\r\n"
    html = [("Content-Type", "text/html; charset=utf-8")]
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gzipped)
        info = b"software: test\r\n"
        w.write_record(w.create_warc_record("", "warcinfo", payload=io.BytesIO(info), length=len(info),
                                            warc_content_type="application/warc-fields", warc_headers_dict=_fixed(1)))
        w.write_record(w.create_warc_record("https://m.example/1", "request", payload=io.BytesIO(b""),
                                            http_headers=StatusAndHeaders("GET /1 HTTP/1.1", [("Host", "m.example")], is_http_request=True),
                                            warc_headers_dict=_fixed(2)))
        _response(w, "https://m.example/1", page, html)
        _response(w, "https://m.example/xhtml", page, [("Content-Type", "application/xhtml+xml")])
        _response(w, "https://m.example/pdf", b"%PDF-1.4 binary", [("Content-Type", "application/pdf")])
        _response(w, "https://m.example/typed", b"%PDF-1.4", html, warc_headers={"WARC-Identified-Payload-Type": "application/pdf"})
        _response(w, "https://m.example/empty", b" \r\n\t", html)
        _response(w, "https://m.example/no-mime-html", page, [("Server", "x")])
        _response(w, "https://m.example/no-mime-png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, [("Server", "x")])
        _response(w, "https://m.example/big", b"<html><body><p>" + b"word " * 5000 + b"</p></body></html>", html)
        _response(w, "https://m.example/gzip", gzip.compress(page, mtime=0), html + [("Content-Encoding", "gzip")])
        _response(w, "https://m.example/deflate", zlib.compress(page), html + [("Content-Encoding", "deflate")])
        _response(w, "https://m.example/gzip-big", gzip.compress(b"<p>" + b"x" * 30_000, mtime=0), html + [("Content-Encoding", "gzip")])
        _response(w, "https://m.example/chunked", chunked, html + [("Transfer-Encoding", "chunked")])
        _response(w, "https://m.example/not-gzip", page, html + [("Content-Encoding", "gzip")])
        _response(w, "https://m.example/unknown-encoding", page, html + [("Content-Encoding", "x-custom")])
        _response(w, "https://m.example/http-as-text", page, html, warc_content_type="Application/HTTP; msgtype=response")
        # a response record of an http URI without HTTP headers (warcio's writer refuses to write one)
        fields = {"WARC-Type": "response", **_fixed(4), "WARC-Target-URI": "https://m.example/no-http-headers",
                  "Content-Type": "text/html", "Content-Length": len(page)}
        raw = b"WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n" + page + b"\r\n\r\n"
        f.write(gzip.compress(raw, mtime=0) if gzipped else raw)
        _response(w, "https://m.example/a page with spaces", page, html)
        _response(w, "<https://m.example/wget-brackets>", page, html)
        _response(w, "https://m.example/caf\u00e9", page.replace(b"harbours", b"harb\xf6urs"), html)
        w.write_record(w.create_warc_record("https://m.example/conv", "conversion", payload=io.BytesIO(page), length=len(page),
                                            warc_content_type="text/html", warc_headers_dict=_fixed(3)))
        _response(w, "https://m.example/last", page, html)
    data = path.read_bytes()
    if not gzipped:
        # a WARC-Target-URI in Latin-1 (warcio decodes a header line that is not UTF-8 as ISO-8859-1)
        data = data.replace("https://m.example/caf\u00e9".encode(), b"https://m.example/caf\xe9")
        path.write_bytes(data)
    return data


@pytest.fixture(scope="module", params=["warc.gz", "warc"])
def mixed(request, tmp_path_factory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("mixed") / f"mixed.{request.param}"
    return path, _mixed_warc(path, gzipped=request.param == "warc.gz")


@pytest.mark.parametrize("path", sorted(SAMPLE_CRAWL.glob("*.warc.gz")), ids=lambda p: p.name)
def test_sample_crawl_reads_as_with_warcio(path: Path) -> None:
    docs = _assert_same(path)
    assert len(docs) == 100 and sum(d[0] is None for d in docs) > 80


def test_every_kind_of_record_reads_as_with_warcio(mixed) -> None:
    path, _ = mixed
    docs = _assert_same(path)
    reasons = {d[4].rsplit("/", 1)[-1] if d[4] else "": d[0] for d in docs}
    assert reasons == {
        "1": None, "xhtml": None, "pdf": "not_html", "typed": "not_html", "empty": "empty_body",
        "no-mime-html": None, "no-mime-png": "not_html", "big": "too_large", "gzip": None, "deflate": None,
        "gzip-big": "too_large", "chunked": None, "not-gzip": None, "unknown-encoding": None,
        "http-as-text": None, "no-http-headers": "empty_body",
        "a%20page%20with%20spaces": None, "wget-brackets": None, "caf\u00e9": None, "conv": None, "last": None,
    }
    texts = {d[4]: d[3] for d in docs if d[0] is None}
    assert texts["https://m.example/gzip"] == texts["https://m.example/deflate"] == texts["https://m.example/chunked"] == texts["https://m.example/1"]
    offsets = [d[1] for d in docs]
    assert offsets == sorted(set(offsets)) and offsets[0] > 0


def test_cut_short_anywhere_reads_as_with_warcio(mixed, tmp_path) -> None:
    path, data = mixed
    reasons, identical = set(), 0
    for i, cut in enumerate(range(1, len(data), max(1, len(data) // 60))):
        damaged = tmp_path / f"cut{i}.{path.name}"
        damaged.write_bytes(data[:cut])
        docs, same = _same_or_reported(damaged)
        reasons |= {d[0] for d in docs}
        identical += same
    assert {"truncated", None} <= reasons and identical > 40


def test_damaged_anywhere_reads_as_with_warcio(mixed, tmp_path) -> None:
    path, data = mixed
    reasons, identical = set(), 0
    for i, at in enumerate(range(0, len(data) - 16, max(1, len(data) // 60))):
        damaged = tmp_path / f"bad{i}.{path.name}"
        damaged.write_bytes(data[:at] + b"\x00" * 16 + data[at + 16:])
        docs, same = _same_or_reported(damaged)
        reasons |= {d[0] for d in docs}
        identical += same
    assert {"file_error", None} <= reasons and identical > 40


def test_brotli_payload_is_decoded(tmp_path) -> None:
    """Brotli (`Content-Encoding: br`, plain and chunked): warcio's decoder fails on brotli ≥ 1.2
    (AttributeError: the task stopped); the FastWARC reader decodes it, and keeps a payload that
    only claims to be Brotli as it is."""
    page = article_html("Brotli pages about lanterns and orchards", paragraphs=2).encode()
    packed = brotli.compress(page)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed)
    html = [("Content-Type", "text/html")]
    path = tmp_path / "br.warc.gz"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        _response(w, "https://b.example/plain", page, html)
        _response(w, "https://b.example/br", packed, html + [("Content-Encoding", "br")])
        _response(w, "https://b.example/br-chunked", chunked, html + [("Content-Encoding", "br"), ("Transfer-Encoding", "chunked")])
        _response(w, "https://b.example/not-br", page, html + [("Content-Encoding", "br")])
    docs, error = _read(RobustWarcReader, path)
    assert error is None
    assert [d[0] for d in docs] == [None] * 4
    assert len({d[3] for d in docs}) == 1 and "lanterns" in docs[0][3]
    ref, ref_error = _read(WarcioWarcReader, path)
    assert isinstance(ref_error, AttributeError) and ref == docs[:1]
