"""The crawl's statistics as one self-contained HTML page: `python -m pipelines.stats OUT --html report.html`.

Figures (each a plotly figure in a `<section data-figure="NAME">`, names in `FIGURES`):

- `funnel`: records read → documents extracted → after language ID → after the quality rules →
  after URL dedup → after MinHash dedup (= documents kept), with each stage's loss;
- `rejection_reasons`: documents lost per stage and reason (rejected shards and engine counts);
- `language_mix`: documents per language, kept and rejected per stage;
- `quality_signals`: histograms of every quality signal column, kept vs rejected by the rules;
- `extractor_flags`: share of documents with math / code and histograms of formulas and code
  blocks per document;
- `duplicate_clusters`: kept documents per MinHash cluster size;
- `shard_sizes`: documents and megabytes per output shard (full paths).

Why plotly: maintained, draws every chart above from plain arrays, and `to_html` inlines
plotly.js so the page opens offline, from a mail attachment or a cluster's file browser (no CDN).
Histograms are binned here with polars, so the page stays small however large the crawl is.
"""
from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

FIGURES = (
    "funnel",
    "rejection_reasons",
    "language_mix",
    "quality_signals",
    "extractor_flags",
    "duplicate_clusters",
    "shard_sizes",
)

# Pipeline order of the places a record can be lost. `read` and `extraction` losses leave no
# document (the engine counts them) unless a `rejected/<stage>/` folder holds them.
LOSS_STAGES = ("read", "extraction", "language", "quality", "url_dedup", "minhash_dedup")
_FUNNEL_LABELS = {
    "read": "documents read",
    "extraction": "documents extracted",
    "language": "after language ID",
    "quality": "after quality rules",
    "url_dedup": "after URL dedup",
    "minhash_dedup": "after MinHash dedup (kept)",
}
# Engine stat keys of losses that leave no shard, by the stage they belong to.
_ENGINE_LOSS_STAGE = {"file_error": "read", "timeout": "extraction", "broken_process": "extraction", "clean_error": "extraction",
                      "extraction_empty": "extraction"}

QUALITY_SIGNALS = (
    "language_score",
    "n_words",
    "n_chars",
    "n_lines",
    "mean_word_length",
    "symbol_word_ratio",
    "alpha_word_ratio",
    "stop_word_count",
    "dup_line_frac",
    "line_punct_ratio",
    "short_line_ratio",
)
_LOG_SCALE = {"n_words", "n_chars", "n_lines", "stop_word_count"}
_BINS = 40


def _engine_losses(stats: pl.DataFrame) -> dict[str, dict[str, int]]:
    """{stage: {reason: documents}} for losses the engine counted but no shard holds."""
    out: dict[str, dict[str, int]] = {}
    if "documents_in" not in stats.columns:
        return out
    for r in stats.filter(pl.col("level") == "pipeline").iter_rows(named=True):
        for item in r["rejection_reasons"] or []:
            key, n = item["rejection_reason"], int(item["documents"])
            stage = "read" if key.startswith("skipped_") else _ENGINE_LOSS_STAGE.get(key)
            if stage and n:
                reason = key.removeprefix("skipped_")
                out.setdefault(stage, {})[reason] = out[stage].get(reason, 0) + n
    return out


def funnel_counts(stats: pl.DataFrame) -> tuple[list[tuple[str, int]], dict[str, int], int | None]:
    """[(label, documents remaining)], {stage: lost} and records read (None without engine logs).

    Starts from the records the reader saw (documents the engine read plus those it skipped), or,
    when the engine's logs are gone, from the documents in shards. Each later step subtracts the
    stage's rejected shard rows (or, for `read`/`extraction`, the engine's count when no shard
    holds them)."""
    stage_rows = {r["stage"]: r["documents"] for r in stats.filter(pl.col("level") == "stage").iter_rows(named=True)}
    engine = _engine_losses(stats)
    losses: dict[str, int] = {}
    for stage in LOSS_STAGES:
        if stage in stage_rows:
            losses[stage] = int(stage_rows[stage])
        elif stage in engine:
            losses[stage] = sum(engine[stage].values())
    kept = int(stage_rows.get("kept", 0))
    pipeline = {r["stage"]: r for r in stats.filter(pl.col("level") == "pipeline").iter_rows(named=True)} if "documents_in" in stats.columns else {}
    records_read = None
    if "process" in pipeline:
        # Documents the reader produced plus the records it skipped (shards of rejected/read, when
        # present, hold those same records, so they are not added twice).
        records_read = int(pipeline["process"]["documents_in"] or 0) + sum(engine.get("read", {}).values())
    start = records_read if records_read is not None else kept + sum(losses.values())
    steps = [("records read", start)]
    remaining = start
    for stage in LOSS_STAGES:
        remaining -= losses.get(stage, 0)
        steps.append((_FUNNEL_LABELS[stage], remaining))
    return steps, losses, records_read


def _scan(output_dir: Path, columns: list[str]) -> pl.DataFrame:
    """The named columns of every shard (those a shard lacks are null), with a `group` column:
    `kept` or the rejection stage."""
    frames = []
    for group, pattern in [("kept", "documents/*.parquet")] + [
        (d.name, f"rejected/{d.name}/*.parquet") for d in sorted((output_dir / "rejected").glob("*")) if d.is_dir()
    ]:
        files = sorted(output_dir.glob(pattern))
        if not files:
            continue
        lf = pl.scan_parquet(files)
        have = set(lf.collect_schema().names())
        frames.append(
            lf.select([pl.col(c) if c in have else pl.lit(None).alias(c) for c in columns]).with_columns(pl.lit(group).alias("group")).collect()
        )
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _histogram(values: pl.Series, edges: list[float]) -> list[int]:
    """Counts of `values` in the equal-width bins `edges` (the last bin includes its right edge)."""
    lo, step, n = edges[0], edges[1] - edges[0], len(edges) - 1
    index = ((values.drop_nulls().cast(pl.Float64) - lo) / step).floor().clip(0, n - 1).cast(pl.Int64)
    counts = dict(zip(*index.value_counts().to_dict(as_series=False).values()))
    return [int(counts.get(i, 0)) for i in range(n)]


def _edges(values: pl.Series, log: bool) -> list[float] | None:
    v = values.drop_nulls().cast(pl.Float64)
    if log:
        v = (v + 1).log10()
    if v.is_empty():
        return None
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        hi = lo + 1.0
    step = (hi - lo) / _BINS
    return [lo + i * step for i in range(_BINS + 1)]


def build_figures(output_dir: str | Path, stats: pl.DataFrame) -> dict:
    """{name: plotly Figure} for every name in FIGURES."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    output_dir = Path(output_dir)
    figs: dict = {}

    steps, losses, _ = funnel_counts(stats)
    figs["funnel"] = go.Figure(
        go.Funnel(y=[s for s, _ in steps], x=[n for _, n in steps], textinfo="value+percent initial")
    ).update_layout(title="From records read to documents kept")

    # Rejection reasons: shard rows by (stage, reason) plus engine-only losses.
    reasons: list[tuple[str, str, int]] = []
    for r in stats.filter((pl.col("level") == "stage") & (pl.col("stage") != "kept")).iter_rows(named=True):
        for item in r["rejection_reasons"] or []:
            reasons.append((r["stage"], item["rejection_reason"], int(item["documents"])))
    shard_stages = {s for s, _, _ in reasons}
    for stage, by in _engine_losses(stats).items():
        if stage not in shard_stages:
            reasons += [(stage, k, n) for k, n in by.items()]
    reasons.sort(key=lambda t: (LOSS_STAGES.index(t[0]) if t[0] in LOSS_STAGES else 99, -t[2]))
    fig = go.Figure()
    for stage in dict.fromkeys(s for s, _, _ in reasons):
        part = [t for t in reasons if t[0] == stage]
        fig.add_bar(y=[f"{stage}: {k}" for _, k, _ in part], x=[n for _, _, n in part], orientation="h", name=stage)
    figs["rejection_reasons"] = fig.update_layout(
        title="Documents lost, by stage and reason", yaxis={"autorange": "reversed"}, height=max(350, 22 * len(reasons) + 120)
    )

    columns = ["language", "has_math", "has_code", "n_formulas", "n_code_blocks", "dedup_cluster_size", "quality_pass", *QUALITY_SIGNALS]
    # Records rejected while reading never reached extraction or language ID: no flags, no language.
    docs = _scan(output_dir, columns)
    if not docs.is_empty():
        docs = docs.filter(pl.col("group") != "read")

    fig = go.Figure()
    if not docs.is_empty():
        mix = docs.with_columns(pl.col("language").fill_null("unknown")).group_by("language", "group").len()
        order = mix.group_by("language").agg(pl.col("len").sum()).sort("len", descending=True)["language"].to_list()
        for group in ["kept", *sorted(g for g in mix["group"].unique() if g != "kept")]:
            part = {r["language"]: r["len"] for r in mix.filter(pl.col("group") == group).iter_rows(named=True)}
            fig.add_bar(x=order, y=[part.get(lang, 0) for lang in order], name=group if group == "kept" else f"rejected: {group}")
    figs["language_mix"] = fig.update_layout(barmode="stack", title="Languages (fastText lid.176), kept and rejected", xaxis_title="language", yaxis_title="documents")

    # Quality signals: kept vs rejected by the quality rules, on common bins.
    signals = [c for c in QUALITY_SIGNALS if not docs.is_empty() and docs[c].null_count() < len(docs)]
    ncols = 3
    nrows = max(1, -(-len(signals) // ncols))
    titles = [f"log10(1 + {c})" if c in _LOG_SCALE else c for c in signals]
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=titles or ["no documents"])
    groups = [("kept", "kept"), ("quality", "rejected by quality rules")]
    colours = {"kept": "#1f77b4", "quality": "#d62728"}
    for i, c in enumerate(signals):
        log = c in _LOG_SCALE
        edges = _edges(docs[c], log)
        if edges is None:
            continue
        centers = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
        for group, label in groups:
            v = docs.filter(pl.col("group") == group)[c].cast(pl.Float64)
            if v.drop_nulls().is_empty():
                continue
            if log:
                v = (v + 1).log10()
            fig.add_bar(
                x=centers, y=_histogram(v, edges), name=label, legendgroup=group, showlegend=i == 0,
                marker_color=colours[group], opacity=0.6, row=i // ncols + 1, col=i % ncols + 1,
            )
    figs["quality_signals"] = fig.update_layout(barmode="overlay", bargap=0, title="Quality signals (prose only; code and formulas masked)", height=260 * nrows + 100)

    fig = make_subplots(rows=1, cols=3, subplot_titles=["documents with math / code", "formulas per document", "code blocks per document"])
    if not docs.is_empty():
        flags = docs.group_by("group").agg(
            pl.col("has_math").cast(pl.Float64).mean().alias("math"), pl.col("has_code").cast(pl.Float64).mean().alias("code"), pl.len().alias("n")
        ).sort("group")
        for r in flags.iter_rows(named=True):
            fig.add_bar(x=["has_math", "has_code"], y=[r["math"] or 0, r["code"] or 0], name=f"{r['group']} ({r['n']})", legendgroup=r["group"], row=1, col=1)
        kept = docs.filter(pl.col("group") == "kept")
        for col, c in ((2, "n_formulas"), (3, "n_code_blocks")):
            counts = kept.filter(pl.col(c) > 0).group_by(c).len().sort(c)
            fig.add_bar(x=counts[c].to_list(), y=counts["len"].to_list(), name=f"kept: {c} > 0", showlegend=False, row=1, col=col)
    fig.update_yaxes(title_text="share of documents", row=1, col=1)
    figs["extractor_flags"] = fig.update_layout(title="Extractor flags: math and code", barmode="group")

    fig = go.Figure()
    if not docs.is_empty():
        sizes = docs.filter(pl.col("group") == "kept").group_by(pl.col("dedup_cluster_size").fill_null(1)).len().sort("dedup_cluster_size")
        fig.add_bar(x=sizes["dedup_cluster_size"].to_list(), y=sizes["len"].to_list(), name="kept documents")
    figs["duplicate_clusters"] = fig.update_layout(
        title="MinHash cluster size of each kept document (1 = no near-duplicate)", xaxis_title="cluster size", yaxis_title="kept documents"
    )

    shards = stats.filter(pl.col("level") == "shard")
    names = shards["shard"].to_list()
    mbytes = [(output_dir / n).stat().st_size / 1e6 if (output_dir / n).is_file() else 0.0 for n in names]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["documents", "megabytes on disk"], shared_yaxes=True)
    fig.add_bar(y=names, x=shards["documents"].to_list(), orientation="h", name="documents", row=1, col=1)
    fig.add_bar(y=names, x=mbytes, orientation="h", name="MB", row=1, col=2)
    figs["shard_sizes"] = fig.update_layout(
        title="Per shard", showlegend=False, height=max(350, 22 * len(names) + 120), yaxis={"autorange": "reversed"}, margin={"l": 20}
    )
    fig.update_yaxes(automargin=True)
    assert set(figs) == set(FIGURES)
    return figs


def _summary_table(stats: pl.DataFrame) -> str:
    rows = []
    for r in stats.filter(pl.col("level") == "stage").iter_rows(named=True):
        langs = ", ".join(f"{m['language']}:{m['documents']}" for m in (r["language_mix"] or [])[:5])
        rows.append(
            f"<tr><td>{html.escape(r['stage'])}</td><td>{r['documents']:,}</td><td>{r['characters']:,}</td><td>{r['words']:,}</td>"
            f"<td>{(r['math_fraction'] or 0):.2f}</td><td>{(r['code_fraction'] or 0):.2f}</td><td>{html.escape(langs)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>stage</th><th>documents</th><th>characters</th><th>words</th><th>math</th><th>code</th>"
        "<th>languages</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def write_html(output_dir: str | Path, stats: pl.DataFrame, path: str | Path) -> Path:
    """Writes the report to `path` (atomically) and returns it."""
    import os

    output_dir, path = Path(output_dir), Path(path)
    figs = build_figures(output_dir, stats)
    steps, losses, records_read = funnel_counts(stats)
    kept = steps[-1][1]
    sections = []
    for i, name in enumerate(FIGURES):
        body = figs[name].to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"fig-{name}", config={"responsive": True})
        sections.append(f'<section class="figure" data-figure="{name}">{body}</section>')
    lost = ", ".join(f"{s} {n:,}" for s, n in losses.items() if n)
    start = f"{records_read:,} records read" if records_read is not None else f"{steps[0][1]:,} documents in shards (engine logs absent)"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Crawl report: {html.escape(str(output_dir))}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }} td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: right; }}
td:first-child, th:first-child, td:last-child {{ text-align: left; }} section.figure {{ margin: 2em 0; }}
</style></head><body>
<h1>Crawl report</h1>
<p><code>{html.escape(str(output_dir.resolve()))}</code>, generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} by
<code>python -m pipelines.stats --html</code>.</p>
<p><b>{start} → {kept:,} documents kept</b>{" (lost: " + html.escape(lost) + ")" if lost else ""}.</p>
{_summary_table(stats)}
{''.join(sections)}
<script type="application/json" id="report-figures">{json.dumps(list(FIGURES))}</script>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
