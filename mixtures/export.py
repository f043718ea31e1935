"""Export a manifest: Megatron `.bin/.idx` per stage and source, the blend arguments, and Parquet
mixtures (the sampled documents with their stage and source) for inspection in Polars.

Layout under the manifest's output_dir:
  megatron/<stage>/<source>.bin|.idx        one document per (copy of a) selected row, + EOD
  megatron/<stage>/data_args.txt            `--data-args-path` (w1 p1 w2 p2 …, weights = token shares)
  megatron/<stage>/per_split_data_args.json `--per-split-data-args-path` (train; valid/test null)
  megatron/<stage>/blend.json               the above plus seq length, samples, rope base, CLI args
  parquet/<stage>/<source>.parquet          selected rows + mixture_stage/source/copies/tokens/shard
  export.json                               what was written

Export reads the manifest and the files it names, nothing else: each source's rows come from its
selection file (written by the build, pinned by sha256), its tokens from the shards (pinned by
sha256) through the token cache. It refuses to run when a shard, a selection file or the tokenizer
changed since the build, so the files match the manifest. A finished source leaves a `.done`
marker with its manifest entry's hash: rerunning after an interruption skips what is complete.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from core.io import atomic_path, atomic_write_text
from mixtures.card import write_mixture_cards
from mixtures.megatron import IndexedDatasetWriter, write_blend_files
from pydantic import ValidationError

from core.config import ConfigError
from core.records.manifest import MANIFEST_FORMAT, Manifest, ManifestSource
from mixtures.select import ShardSelection, SourceSelection
from mixtures.shards import inspect_shard, read_columns
from mixtures.spec import MixtureError, MixtureSpec
from mixtures.tokens import LoadedTokenizer, load_tokenizer, tokenize_shard

log = logging.getLogger(__name__)
GATHER_DOCS = 8192  # documents gathered per write
# Columns the Parquet mixture adds to each row (prefixed: shards have a `source` column of their own).
EXTRA_COLUMNS = ("mixture_stage", "mixture_source", "mixture_copies", "mixture_tokens", "mixture_shard")


def gather_documents(tokens: np.ndarray, offsets: np.ndarray, rows: np.ndarray, copies: np.ndarray,
                     eod_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows' tokens, each row repeated `copies` times and followed by EOD → (tokens, lengths)."""
    starts = np.repeat(offsets[rows], copies)
    lens = np.repeat(offsets[rows + 1] - offsets[rows], copies)
    out_lens = lens + (eod_id is not None)
    out_starts = np.cumsum(out_lens) - out_lens
    n = int(lens.sum())
    within = np.arange(n) - np.repeat(np.cumsum(lens) - lens, lens)  # position inside its document
    out = np.empty(int(out_lens.sum()), dtype=tokens.dtype)
    out[np.repeat(out_starts, lens) + within] = tokens[np.repeat(starts, lens) + within]
    if eod_id is not None:
        out[out_starts + lens] = eod_id
    return out, out_lens


def write_megatron(prefix: Path, selection: SourceSelection, tokenized: dict, tok: LoadedTokenizer) -> dict:
    with IndexedDatasetWriter(prefix, tok.dtype) as writer:
        for sel in selection.shards:
            ts = tokenized[sel.shard.url]
            for i in range(0, len(sel.rows), GATHER_DOCS):
                toks, lens = gather_documents(ts.tokens, ts.offsets, sel.rows[i : i + GATHER_DOCS],
                                              sel.copies[i : i + GATHER_DOCS], tok.eod_id)
                writer.add_documents(toks, lens)
    return {"documents": selection.documents, "tokens": selection.tokens(tok.eod_id is not None)}


def write_parquet(path: Path, selection: SourceSelection, stage: str, source: str, eod: bool) -> int:
    writer, rows_written = None, 0
    with atomic_path(path) as tmp:
        try:
            for sel in selection.shards:
                table = read_columns(sel.shard.url, sel.shard.columns).take(pa.array(sel.rows))
                clash = set(EXTRA_COLUMNS) & set(table.column_names)
                if clash:
                    raise MixtureError(f"shard {sel.shard.url}: has column(s) {sorted(clash)} the mixture export adds")
                n = len(sel.rows)
                table = (table.append_column("mixture_stage", pa.array([stage] * n, pa.string()))
                         .append_column("mixture_source", pa.array([source] * n, pa.string()))
                         .append_column("mixture_copies", pa.array(sel.copies, pa.int32()))
                         .append_column("mixture_tokens", pa.array(sel.lengths + int(eod), pa.int64()))
                         .append_column("mixture_shard", pa.array([sel.shard.url] * n, pa.string())))
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                elif table.schema != writer.schema:
                    try:
                        table = table.cast(writer.schema)
                    except (pa.ArrowException, ValueError) as e:
                        raise MixtureError(f"shard {sel.shard.url}: schema differs from the source's first shard: {e}") from None
                writer.write_table(table)
                rows_written += n
            if writer is None:  # no rows: still write an (empty) file so readers find every source
                writer = pq.ParquetWriter(tmp, pa.schema([(c, pa.string()) for c in EXTRA_COLUMNS]))
            writer.close()
        except BaseException:
            if writer is not None:
                writer.close()
            raise
    return rows_written


def _entry_key(entry: ManifestSource, tok: LoadedTokenizer, spec: MixtureSpec) -> str:
    blob = json.dumps([entry.model_dump(mode="json"), tok.sha256, spec.export.model_dump()], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _changed(label: str, detail: str) -> MixtureError:
    return MixtureError(f"{label}: inputs changed since the manifest was built ({detail}); build it again")


def load_selection(out: Path, entry: ManifestSource, label: str, tok: LoadedTokenizer, spec: MixtureSpec,
                   cache: Path | None = None):
    """The source's selection as the build made it: (SourceSelection, tokenized shards by url).
    Every input is checked against the hash the manifest pins."""
    path = out / entry.selection.path
    try:
        data = path.read_bytes()
    except OSError as e:
        raise _changed(label, f"selection file {path} unreadable: {e}") from None
    if hashlib.sha256(data).hexdigest() != entry.selection.sha256:
        raise _changed(label, f"selection file {path} differs")
    table = pq.read_table(path)
    shard_idx = table["shard"].to_numpy()
    rows, copies = table["row"].to_numpy(), table["copies"].to_numpy()
    changed = []
    infos = []
    for shard in entry.shards:
        try:
            info = inspect_shard(shard.path)
        except MixtureError:
            info = None
        if info is None or info.sha256 != shard.sha256:
            changed.append(shard.path)
        infos.append(info)
    if changed:
        raise _changed(label, f"shards added, removed or changed: {changed}")
    cache = cache or Path(out) / "token_cache"
    tokenized, shards = {}, []
    for i, info in enumerate(infos):
        ts = tokenize_shard(info, spec.documents.text_column, tok, cache, spec.export.batch_size)
        tokenized[info.url] = ts
        mask = shard_idx == i
        r = rows[mask]
        shards.append(ShardSelection(info, r, copies[mask], (ts.offsets[r + 1] - ts.offsets[r]).astype(np.int64)))
    selection = SourceSelection(shards=shards, matched=entry.matched_rows, skipped=dict(entry.skipped))
    eod = tok.eod_id is not None
    if selection.documents != entry.documents or selection.tokens(eod) != entry.tokens:
        raise _changed(label, f"documents/tokens {selection.documents}/{selection.tokens(eod)} now, "
                              f"{entry.documents}/{entry.tokens} in the manifest")
    return selection, tokenized


def as_manifest(manifest: Manifest | dict) -> Manifest:
    if isinstance(manifest, Manifest):
        return manifest
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise MixtureError(f"not a mixture manifest (expected format {MANIFEST_FORMAT!r})")
    try:
        return Manifest.model_validate(manifest)
    except ValidationError as e:
        raise MixtureError(f"not a valid mixture manifest: {e}") from None


def blend_path(spec: MixtureSpec, stage: str, name: str) -> str:
    """How blend files name `megatron/<stage>/<name>`: relative to their own folder (`name`), or
    absolute under `export.megatron_path_prefix` (where output_dir lives on the training cluster)."""
    prefix = spec.export.megatron_path_prefix
    return f"{prefix.rstrip('/')}/megatron/{stage}/{name}" if prefix else name


def export(manifest: Manifest | dict, root: str | Path | None = None) -> dict:
    """Write every stage's files from a manifest; returns (and writes) export.json's content.
    `root`: write (and read the selection files) there instead of the manifest's output_dir — a
    staging folder that is published as output_dir afterwards (core.publish); paths written into
    the files name output_dir."""
    manifest = as_manifest(manifest)
    spec = MixtureSpec.model_validate(manifest.spec)
    tok = load_tokenizer(spec.tokenizer)
    if tok.sha256 != manifest.tokenizer.sha256:
        raise MixtureError(f"tokenizer {tok.name_or_path} changed since the manifest was built; build it again")
    final = Path(manifest.output_dir)
    out = Path(root) if root is not None else final

    def shown(path: Path) -> str:  # the path once published
        return str(final / path.relative_to(out))

    eod = tok.eod_id is not None
    summary = {"manifest_spec_sha256": manifest.spec_sha256, "tokenizer": manifest.tokenizer.model_dump(mode="json"),
               "stages": []}
    for st in manifest.stages:
        stage_dir = out / "megatron" / st.name
        weighted, files = [], []
        for entry in st.sources:
            label = f"stage `{st.name}`, source `{entry.name}`"
            prefix = stage_dir / entry.name
            parquet_path = out / "parquet" / st.name / f"{entry.name}.parquet"
            done = Path(f"{prefix}.done")
            key = _entry_key(entry, tok, spec)
            record = {"source": entry.name, "weight": entry.weight, "documents": entry.documents,
                      "tokens": entry.tokens,
                      "megatron_prefix": shown(prefix) if spec.export.megatron else None,
                      "parquet": shown(parquet_path) if spec.export.parquet else None}
            outputs = ([Path(f"{prefix}.bin"), Path(f"{prefix}.idx")] if spec.export.megatron else []) + (
                [parquet_path] if spec.export.parquet else [])
            finished = done.is_file() and done.read_text().strip() == key and all(p.is_file() for p in outputs)
            if not finished:
                selection, tokenized = load_selection(out, entry, label, tok, spec, cache=final / "token_cache")
                if spec.export.megatron:
                    write_megatron(prefix, selection, tokenized, tok)
                if spec.export.parquet:
                    write_parquet(parquet_path, selection, st.name, entry.name, eod)
                atomic_write_text(done, key + "\n")
                log.info("%s: wrote %s documents, %s tokens", label, f"{entry.documents:,}", f"{entry.tokens:,}")
            else:
                log.info("%s: already exported, skipping", label)
            weighted.append((entry.weight, blend_path(spec, st.name, entry.name)))
            files.append(record)
        stage_summary = {"name": st.name, "sources": files}
        if spec.export.megatron:
            write_blend_files(stage_dir, weighted)
            args = ["--seq-length", str(st.seq_length), "--train-samples", str(st.train_samples),
                    "--per-split-data-args-path", blend_path(spec, st.name, "per_split_data_args.json")]
            if st.rope_base is not None:
                args += ["--rotary-base", str(int(st.rope_base))]
            blend = {"stage": st.name, "seq_length": st.seq_length, "token_budget": st.token_budget,
                     "train_samples": st.train_samples, "rope_base": st.rope_base,
                     "data_path": [x for w, p in weighted for x in (repr(float(w)), p)],
                     "data_args_path": blend_path(spec, st.name, "data_args.txt"),
                     "per_split_data_args_path": blend_path(spec, st.name, "per_split_data_args.json"),
                     # null: every path above is relative to this file's folder (run Megatron from it)
                     "path_prefix": spec.export.megatron_path_prefix,
                     "megatron_args": args}
            atomic_write_text(stage_dir / "blend.json", json.dumps(blend, indent=2) + "\n")
            stage_summary["blend"] = shown(stage_dir / "blend.json")
        summary["stages"].append(stage_summary)
    atomic_write_text(out / "export.json", json.dumps(summary, indent=2) + "\n")
    if spec.export.parquet:
        write_mixture_cards(out, [{"name": st.name, "sources": [{"name": e.name, "documents": e.documents, "tokens": e.tokens}
                                                                for e in st.sources]} for st in manifest.stages], manifest.spec,
                            shown_as=final)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mixtures.export", description="Export a mixture manifest.")
    parser.add_argument("manifest", type=Path, help="manifest.json written by `python -m mixtures.build`")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
        summary = export(manifest)  # validated as core.records.manifest.Manifest
    except (OSError, json.JSONDecodeError) as e:
        print(f"{args.manifest}: cannot read manifest: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    from core.io import exit_cli

    exit_cli(main())
