"""Fixtures for the mixtures tests: small crawl-like shards written with the crawl's own schema
(core.records.document.DOCUMENT_SCHEMA) and a BPE tokenizer trained on their text."""
from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from core.records.document import DOCUMENT_SCHEMA

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an "
         "they you were her she there been one all we their has would when if so no what up out who them some "
         "river mountain theory proof lemma market price network signal energy protein history language").split()
MATH = ["$x^2 + y^2 = z^2$", r"\frac{a}{b}", r"\int_0^1 f(x)\,dx", "$e^{i\\pi} + 1 = 0$", r"\sum_{k=1}^n k"]
CODE = ["def f(x):\n    return x + 1\n", "for i in range(10):\n    print(i)\n", "int main() { return 0; }"]


def make_text(rng: random.Random, n_words: int, math: bool = False, code: bool = False) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    parts = [" ".join(words[i : i + 12]) + "." for i in range(0, len(words), 12)]
    if math:
        parts.insert(1, rng.choice(MATH))
    if code:
        parts.append(rng.choice(CODE))
    return "\n".join(parts)


def document(i: int, rng: random.Random, *, domain: str = "example.org", math: bool = False, code: bool = False,
             quality: bool = True, n_words: int | None = None, text: str | None = None, **extra) -> dict:
    """A row with every DOCUMENT_SCHEMA column (the ones the tests do not care about get plain values)."""
    text = make_text(rng, n_words or rng.randint(20, 80), math, code) if text is None else text
    row = {name: None for name in DOCUMENT_SCHEMA.names}
    row.update(id=f"doc-{i}", url=f"https://{domain}/page/{i}", domain=domain, source="sample.warc.gz", source_offset=1000 * i,
               crawl_date="2026-01-01", text=text, language="en", language_score=0.95, has_math=math,
               has_code=code, n_formulas=int(math), n_code_blocks=int(code), quality_pass=quality,
               dedup_cluster_size=1, n_words=len(text.split()) if text else 0)
    row.update(extra)
    return row


def write_shard(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), path)
    return path


def corpus(n: int, seed: int = 0, start: int = 0, **kw) -> list[dict]:
    rng = random.Random(seed)
    return [document(start + i, rng, **kw) for i in range(n)]


@pytest.fixture(scope="session")
def tokenizer_path(tmp_path_factory) -> Path:
    """A 400-token byte-level BPE trained here on local text (with an <|endoftext|> token)."""
    from mixtures.tokens import train_tokenizer

    rng = random.Random(1)
    texts = [make_text(rng, 60, math=i % 3 == 0, code=i % 4 == 0) for i in range(300)]
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    train_tokenizer(texts, 400, path, ["<|endoftext|>"])
    return path


def write_spec(path: Path, spec: dict) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def base_spec(tmp_path: Path, tokenizer: Path, stages: list[dict], **kw) -> dict:
    spec = {
        "kind": "mixture",
        "output_dir": str(tmp_path / "out"),
        "seed": 7,
        "documents": {"id_column": "id", "text_column": "text"},
        "tokenizer": {"path": str(tokenizer), "eod_token": "<|endoftext|>"},
        "stages": stages,
    }
    spec.update(kw)
    return spec
