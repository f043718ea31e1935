"""`python -m pipelines.stats OUTPUT_DIR [--html report.html]`: per-stage and per-shard summary of a crawl's output.

Reads `OUTPUT_DIR/documents/*.parquet` (kept) and `OUTPUT_DIR/rejected/<stage>/*.parquet`, prints
two tables and writes them as one Parquet table, `OUTPUT_DIR/stats.parquet` (column `level` is
`stage` or `shard`; see docs/ARCHITECTURE.md). Load it with:

    import polars as pl
    stats = pl.read_parquet("output/crawl/stats.parquet")
    stats.filter(pl.col("level") == "shard").sort("documents", descending=True)

`--html report.html` also writes one self-contained page of figures (`pipelines.report`): the
funnel from records read to documents kept, rejection reasons, language mix, quality-signal and
extractor-flag histograms, duplicate-cluster sizes and per-shard sizes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from core.io import atomic_path

DEDUP_STAGES = ("url_dedup", "minhash_dedup")


def _shard_files(output_dir: Path) -> list[tuple[str, Path]]:
    files = [("kept", p) for p in sorted((output_dir / "documents").glob("*.parquet"))]
    rejected = output_dir / "rejected"
    if rejected.is_dir():
        for stage_dir in sorted(p for p in rejected.iterdir() if p.is_dir()):
            files += [(stage_dir.name, p) for p in sorted(stage_dir.glob("*.parquet"))]
    return files


def _summarise(frame: pl.LazyFrame) -> pl.LazyFrame:
    """One row of counts for a group of documents."""
    text_len = pl.col("text").str.len_chars()
    return frame.select(
        pl.len().alias("documents"),
        text_len.sum().cast(pl.Int64).alias("characters"),
        # Whitespace-separated words: a tokenizer-free token estimate that works for any shard.
        pl.col("text").str.count_matches(r"\S+").sum().cast(pl.Int64).alias("words"),
        pl.col("has_math").cast(pl.Float64).mean().alias("math_fraction"),
        pl.col("has_code").cast(pl.Float64).mean().alias("code_fraction"),
        (pl.col("dedup_cluster_size").fill_null(1) > 1).cast(pl.Float64).mean().alias("in_duplicate_cluster_fraction"),
        pl.col("language")
        .fill_null("unknown")
        .value_counts(sort=True, name="documents")
        .implode()
        .alias("language_mix"),
    )


def _reasons(frame: pl.LazyFrame, stage: str) -> pl.LazyFrame:
    if stage == "kept":
        return frame.select(pl.lit(None, dtype=pl.List(pl.Struct({"rejection_reason": pl.String, "documents": pl.UInt32}))).alias("rejection_reasons"))
    return frame.select(
        pl.col("rejection_reason").fill_null(stage).value_counts(sort=True, name="documents").implode().alias("rejection_reasons")
    )


def compute_stats(output_dir: str | Path) -> pl.DataFrame:
    output_dir = Path(output_dir)
    files = _shard_files(output_dir)
    if not files:
        raise FileNotFoundError(f"{output_dir}: no Parquet shards under documents/ or rejected/ — is this a crawl output folder?")
    rows: list[pl.DataFrame] = []
    by_stage: dict[str, list[Path]] = {}
    for stage, path in files:
        by_stage.setdefault(stage, []).append(path)
        lf = pl.scan_parquet(path)
        row = pl.concat([_summarise(lf), _reasons(lf, stage)], how="horizontal").collect()
        rows.append(row.with_columns(pl.lit("shard").alias("level"), pl.lit(stage).alias("stage"), pl.lit(str(path.relative_to(output_dir))).alias("shard")))
    for stage, paths in by_stage.items():
        lf = pl.scan_parquet(paths)
        row = pl.concat([_summarise(lf), _reasons(lf, stage)], how="horizontal").collect()
        rows.append(row.with_columns(pl.lit("stage").alias("level"), pl.lit(stage).alias("stage"), pl.lit(None, dtype=pl.String).alias("shard")))
    table = pl.concat(rows, how="vertical_relaxed")
    # Share of all documents that reached the dedup stages and were removed there.
    stage_docs = {r["stage"]: r["documents"] for r in table.filter(pl.col("level") == "stage").iter_rows(named=True)}
    reached_dedup = stage_docs.get("kept", 0) + sum(stage_docs.get(s, 0) for s in DEDUP_STAGES)
    dup_rate = (sum(stage_docs.get(s, 0) for s in DEDUP_STAGES) / reached_dedup) if reached_dedup else 0.0
    table = table.with_columns(pl.lit(dup_rate).alias("run_duplicate_rate"))
    pipeline_rows = _pipeline_stage_rows(output_dir)
    if pipeline_rows is not None:
        table = pl.concat([table, pipeline_rows], how="diagonal_relaxed")
    return table.select(["level", "stage", "shard", *[c for c in table.columns if c not in ("level", "stage", "shard")]])


def _pipeline_stage_rows(output_dir: Path) -> pl.DataFrame | None:
    """Engine-level counts per pipeline stage (documents in/out and losses, including losses that
    leave no shard: unreadable records, extraction timeouts), from datatrove's stats."""
    from pipelines.progress import read_stage_report

    logs = output_dir / "_work" / "logs"
    stage_dirs = sorted(p for p in logs.iterdir() if p.is_dir()) if logs.is_dir() else []
    if not stage_dirs:
        return None
    rows = []
    for d in stage_dirs:
        r = read_stage_report(d.name.split("_", 1)[-1], d, None)
        rows.append(
            {
                "level": "pipeline",
                "stage": r.name,
                "documents_in": r.docs_in,
                "documents": r.docs_out,
                "rejection_reasons": [{"rejection_reason": k, "documents": v} for k, v in sorted(r.reasons.items())] or None,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"documents": pl.UInt32, "documents_in": pl.UInt32})


def _fmt_mix(mix, key: str, top: int = 4) -> str:
    if not mix:
        return ""
    return ", ".join(f"{m[key]}:{m['documents']}" for m in mix[:top])


def print_stats(table: pl.DataFrame, stream=sys.stdout) -> None:
    pipeline = table.filter(pl.col("level") == "pipeline") if "documents_in" in table.columns else table.clear()
    if len(pipeline):
        print("== per pipeline stage (engine counts) ==", file=stream)
        for r in pipeline.iter_rows(named=True):
            extra = _fmt_mix(r["rejection_reasons"], "rejection_reason", top=8)
            print(f"{r['stage']:<20} {r['documents_in']:>8} in {r['documents']:>8} out  {extra}", file=stream)
    for level in ("stage", "shard"):
        part = table.filter(pl.col("level") == level)
        print(f"\n== per {level} ==", file=stream)
        # The shard column is as wide as the longest path: never cut (a cut path cannot be opened).
        width = max([5, *(len(s) for s in part["shard"].drop_nulls())]) + 1 if level == "shard" else 0
        shard_head = f"{'shard':<{width}}" if width else ""
        head = f"{'stage':<14} {shard_head}{'docs':>7} {'chars':>11} {'words':>9} {'math':>5} {'code':>5}  languages / reasons"
        print(head, file=stream)
        for r in part.iter_rows(named=True):
            extra = _fmt_mix(r["language_mix"], "language")
            if r["rejection_reasons"]:
                extra += "  |  " + _fmt_mix(r["rejection_reasons"], "rejection_reason")
            print(
                f"{r['stage']:<14} {(r['shard'] or '') if width else '':<{width}}{r['documents']:>7} {r['characters']:>11} {r['words']:>9} "
                f"{(r['math_fraction'] or 0):5.2f} {(r['code_fraction'] or 0):5.2f}  {extra}",
                file=stream,
            )
    rate = table["run_duplicate_rate"][0]
    print(f"\nduplicate rate (URL + MinHash removals / documents reaching dedup): {rate:.3f}", file=stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.stats", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("-o", "--out", type=Path, help="where to write the table (default OUTPUT_DIR/stats.parquet)")
    parser.add_argument("--html", type=Path, metavar="REPORT.html", help="also write a self-contained HTML page of figures")
    args = parser.parse_args(argv)
    try:
        table = compute_stats(args.output_dir)
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    print_stats(table)
    out = args.out or args.output_dir / "stats.parquet"
    with atomic_path(out) as tmp:
        table.write_parquet(tmp)
    print(f"\nwrote {out}", file=sys.stderr)
    if args.html:
        from pipelines.report import write_html

        print(f"wrote {write_html(args.output_dir, table, args.html)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
