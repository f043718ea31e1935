"""Provenance on the sample crawl: every kept and rejected row names its input WARC file and the
byte offset of its record there (the record found at that offset has the row's id), unreadable
records are rows of rejected/read, and the end-of-run table adds up from the records read."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.progress import read_stage_report

pytestmark = pytest.mark.xdist_group("crawl")


def _records(sample_crawl_dir: Path) -> dict[str, tuple[str, int]]:
    """WARC-Record-ID → (file, offset) of every response record of the input, read with warcio."""
    out = {}
    for warc in sorted(sample_crawl_dir.glob("*.warc.gz")):
        with open(warc, "rb") as f:
            it = ArchiveIterator(f)
            for record in it:
                if record.rec_type == "response":
                    record.content_stream().read()
                    out[record.rec_headers.get_header("WARC-Record-ID")] = (str(warc), it.get_record_offset())
    return out


def test_every_row_names_its_warc_record(sample_crawl_output, sample_crawl_dir):
    records = _records(sample_crawl_dir)
    kept = pl.read_parquet(sample_crawl_output / "documents" / "*.parquet")
    rejected = pl.read_parquet(sample_crawl_output / "rejected" / "*" / "*.parquet")
    rows = pl.concat([kept.select("id", "source", "source_offset"), rejected.select("id", "source", "source_offset")])
    # Nothing lost, nothing twice: the rows are exactly the input's records.
    assert sorted(rows["id"]) == sorted(records)
    for r in rows.iter_rows(named=True):
        assert (Path(r["source"]).resolve(), r["source_offset"]) == (Path(records[r["id"]][0]).resolve(), records[r["id"]][1]), r
    assert not any("_work" in s for s in rows["source"])
    read = rejected.filter(pl.col("rejection_stage") == "read")
    assert len(read) and set(read["rejection_reason"]) <= {"empty_body", "not_html", "truncated", "too_large", "file_error"}


def test_end_of_run_table_adds_up(sample_crawl_output, sample_crawl_dir):
    logs = sorted((sample_crawl_output / "_work" / "logs").glob("[0-9][0-9]_*"))
    reports = [read_stage_report(d.name.split("_", 1)[1], d, None) for d in logs]
    assert reports[0].name == "process" and reports[0].docs_in == len(_records(sample_crawl_dir))
    for r in reports:
        assert r.docs_in == r.docs_out + sum(r.reasons.values()) or not r.docs_in, (r.name, r.docs_in, r.docs_out, r.reasons)
    kept = pl.read_parquet(sample_crawl_output / "documents" / "*.parquet").height
    assert reports[-1].docs_out == kept
    # Losses with a shard: every rejected row is one loss of its stage.
    by_stage = pl.read_parquet(sample_crawl_output / "rejected" / "*" / "*.parquet").group_by("rejection_stage").len()
    shard_losses = dict(by_stage.iter_rows())
    assert reports[0].docs_in == kept + sum(shard_losses.values()) + sum(
        n for r in reports for k, n in r.reasons.items() if k in ("timeout", "broken_process", "clean_error", "extraction_empty"))
