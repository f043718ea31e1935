"""datatrove Document ⇄ flat crawl-shard rows (schemas in core/records/document.py)."""
from __future__ import annotations

from functools import partial

from datatrove.data import Document
from datatrove.pipeline.writers import ParquetWriter

from filters.readers import document_source, url_domain
from core.records.document import DOCUMENT_SCHEMA, REJECTED_SCHEMA

_DOC_COLUMNS = [f.name for f in DOCUMENT_SCHEMA]
_RENAMED = {"dedup_cluster_size": "minhash_cluster_size", "crawl_date": "date"}


def document_row(_writer, doc: Document) -> dict:
    """Writer adapter: one flat row; metadata a stage did not set stays null."""
    meta = doc.metadata
    row = {name: meta.get(_RENAMED.get(name, name), meta.get(name)) for name in _DOC_COLUMNS}
    row["id"] = doc.id
    row["text"] = doc.text
    row["domain"] = meta.get("domain") or url_domain(meta.get("url"))
    row["source"] = document_source(doc)
    return row


def rejected_row(writer, doc: Document, *, stage: str) -> dict:
    row = document_row(writer, doc)
    row["rejection_stage"] = stage
    row["rejection_reason"] = doc.metadata.get("filter_reason") or stage
    return row


def document_writer(folder, filename: str = "${rank}.parquet") -> ParquetWriter:
    return ParquetWriter(folder, output_filename=filename, adapter=document_row, schema=DOCUMENT_SCHEMA)


def rejected_writer(folder, stage: str) -> ParquetWriter:
    """Keeps what a stage rejected, with the reason, in `<folder>/<stage>/`."""
    return ParquetWriter(
        f"{folder}/{stage}" if isinstance(folder, str) else (f"{folder[0]}/{stage}", folder[1]),
        output_filename="${rank}.parquet",
        adapter=partial(rejected_row, stage=stage),
        schema=REJECTED_SCHEMA,
    )
