"""Document and rejected-document records: the crawl's output shards (docs/ARCHITECTURE.md, "Document").

Every shard is written with these explicit pyarrow schemas: datatrove's ParquetWriter infers its schema
from the first document, so a later document with a new metadata key or a None would fail the write.
"""
from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 4  # 2: `source_offset`; `source` is the input file through every stage. 3: classifier columns (cls_*)
# 4: `n_set_aside_lines`; `gopher_pass`/`c4_pass`/`fineweb_pass` null when the group could not judge

# Quality signals recorded per document (computed on the prose view; see filters/prose.py, filters/quality.py).
SIGNAL_FIELDS: list[pa.Field] = [
    pa.field("n_chars", pa.int64()),
    pa.field("n_words", pa.int64()),
    pa.field("n_lines", pa.int64()),
    pa.field("mean_word_length", pa.float64()),
    pa.field("symbol_word_ratio", pa.float64()),
    pa.field("alpha_word_ratio", pa.float64()),
    pa.field("stop_word_count", pa.int64()),
    pa.field("dup_line_frac", pa.float64()),
    pa.field("line_punct_ratio", pa.float64()),
    pa.field("short_line_ratio", pa.float64()),
    # Lines set aside from the prose: code, equation lines, table rows, repeated quotes, captions.
    pa.field("n_set_aside_lines", pa.int64()),
    # Verdict of each rule group; null when it judged nothing (language outside `rule_languages`,
    # or a page mostly set aside with too little prose to judge).
    pa.field("gopher_pass", pa.bool_()),
    pa.field("c4_pass", pa.bool_()),
    pa.field("fineweb_pass", pa.bool_()),
    # ';'-joined reasons of every rule that failed ("" when none did).
    pa.field("quality_reasons", pa.string()),
]

# Classifier scores (filters/classifiers.py, docs/classifiers.md); null where no model was given.
CLASSIFIER_FIELDS: list[pa.Field] = [
    pa.field("cls_domain", pa.string()),  # math | code | science | humanities | other
    pa.field("cls_domain_prob", pa.float64()),
    pa.field("cls_content_type", pa.string()),  # ads | news | job_posting | forum | tutorial | reference | fiction | other
    pa.field("cls_content_type_prob", pa.float64()),
    pa.field("cls_reasoning_depth", pa.float64()),  # expected score, 0.0–5.0
    pa.field("cls_knowledge_density", pa.float64()),
    pa.field("cls_educational_value", pa.float64()),
]

DOCUMENT_FIELDS: list[pa.Field] = [
    pa.field("id", pa.string(), nullable=False),
    pa.field("url", pa.string()),
    pa.field("domain", pa.string()),  # host of the URL, lower-cased
    pa.field("source", pa.string()),  # input file the document came from (never an intermediate file)
    # Where in `source`: WARC byte offset of the record, JSONL line / Parquet row (0-based), HTML 0.
    pa.field("source_offset", pa.int64()),
    pa.field("crawl_date", pa.string()),
    pa.field("text", pa.string()),
    pa.field("language", pa.string()),
    pa.field("language_score", pa.float64()),
    pa.field("has_math", pa.bool_()),
    pa.field("has_code", pa.bool_()),
    pa.field("n_formulas", pa.int32()),
    pa.field("n_code_blocks", pa.int32()),
    *SIGNAL_FIELDS,
    pa.field("quality_pass", pa.bool_()),
    # Number of near-duplicates (including itself) in this document's MinHash cluster; 1 = unique.
    pa.field("dedup_cluster_size", pa.int32()),
    *CLASSIFIER_FIELDS,
]

DOCUMENT_SCHEMA = pa.schema(DOCUMENT_FIELDS, metadata={"reasoning-curator/record": f"document/{SCHEMA_VERSION}"})

# Rejected documents keep every column they had when rejected plus where and why.
REJECTED_SCHEMA = pa.schema(
    [
        *DOCUMENT_FIELDS,
        pa.field("rejection_stage", pa.string()),
        pa.field("rejection_reason", pa.string()),
    ],
    metadata={"reasoning-curator/record": f"rejected/{SCHEMA_VERSION}"},
)
