"""Document and problem transforms (below the jobs, above the ground floor and the verifiers).

- `filters.readers`: datatrove readers that count bad records (`RobustWarcReader`, `HtmlFileReader`)
- `filters.extraction`: math-, code- and forum-preserving HTML extraction (`extract_text`, `MathCodeExtractor`)
- `filters.language`: `LanguageID` step, `detect_language`
- `filters.quality`: `QualitySignals` step (datatrove's Gopher/C4/FineWeb rules on the prose)
- `filters.prose`: `prose_view`, the text the quality rules judge
- `filters.words`: `shared_tokenizer` / `FastSpacyTokenizer`, the rules' and MinHash's word split
- `filters.stock_rules`: `GopherRepetition`, `GopherQuality` (datatrove's Gopher rules, same verdicts, cheaper counting)
- `filters.writers`: `document_writer`, `rejected_writer` (Parquet with the `core.records.document` schemas)
- `filters.classifiers`: fastText classifiers per dimension (`Classifier`, `ClassifierScores` step, `train`;
  `python -m filters.classifiers train|evaluate`)
- `filters.decontam`: `BenchmarkIndex`, the one decontamination implementation (problems; web documents)
- `filters.problems`: problem ingest, rules, dedup, reference-solution checks

May import `core` and `verifiers`; never `synth`, `mixtures`, `trainer` or `pipelines`.
Submodules are imported where used (nothing here), so `filters.extraction` does not pay for datatrove.
"""

__all__ = ["readers", "extraction", "language", "quality", "prose", "stock_rules", "words", "writers", "classifiers",
           "decontam", "problems"]
