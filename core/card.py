"""Dataset cards: the `README.md` every job writes into its output folder, so that
`datasets.load_dataset(folder)` loads what the job meant (kept rows by default; rejected rows and
mixture stages as named configs) and a person reading the folder learns what is in it.

The card is the Hugging Face format: a YAML header whose `configs:` list names each config's
`data_files` (globs relative to the folder), then Markdown: what each config holds with its row
count, the schema, the counts of the run and the configuration that made it. Only the files a
config names are loaded, so work folders (`_work/`), markers and reports beside the data are
invisible to the loader.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from core.io import atomic_write_text

__all__ = ["CardConfig", "write_card", "count_rows"]


@dataclass
class CardConfig:
    name: str  # `default` for what the job kept
    paths: list[str]  # globs relative to the folder
    description: str
    rows: int | None = None  # filled in by write_card when None
    default: bool | None = None  # None: the config named `default` is the default one


def _fs(folder: str | Path, storage_options: dict | None):
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(str(folder), **(storage_options or {}))
    return fs, root.rstrip("/")


def count_rows(folder: str | Path, patterns: list[str], storage_options: dict | None = None) -> tuple[int, int]:
    """(files, rows) matched by Parquet globs under `folder`, local or remote (from the footers; no
    data is read)."""
    import pyarrow.parquet as pq

    fs, root = _fs(folder, storage_options)
    files = sorted({f for p in patterns for f in fs.glob(f"{root}/{p}")})
    rows = 0
    for f in files:
        with fs.open(f, "rb") as fh:
            rows += pq.ParquetFile(fh).metadata.num_rows
    return len(files), rows


def _type_name(t: pa.DataType) -> str:
    return str(t).replace("large_string", "string")


def write_card(
    folder: str | Path,
    *,
    title: str,
    summary: str,
    configs: list[CardConfig],
    schema: pa.Schema | None = None,
    column_notes: dict[str, str] | None = None,
    counts: dict[str, Any] | None = None,
    job_config: dict[str, Any] | None = None,
    notes: str = "",
    storage_options: dict | None = None,
    shown_as: str | Path | None = None,
) -> str:
    """Writes `folder/README.md` (local: atomically; `s3://…`: one object put) ; configs that match
    no file are left out (a loader would fail on them). `shown_as`: the folder's path in the card's
    examples when `folder` is a staging folder published under another name (core.publish).
    Returns the card's path."""
    shown = shown_as if shown_as is not None else folder
    present: list[CardConfig] = []
    for c in configs:
        n_files, rows = count_rows(folder, c.paths, storage_options)
        if n_files:
            c.rows = rows if c.rows is None else c.rows
            present.append(c)
    header: dict[str, Any] = {
        "pretty_name": title,
        "configs": [
            {
                "config_name": c.name,
                "data_files": [{"split": "train", "path": c.paths if len(c.paths) > 1 else c.paths[0]}],
                **({"default": True} if (c.default if c.default is not None else c.name == "default") else {}),
            }
            for c in present
        ],
    }
    lines = ["---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(), "---", "", f"# {title}", "", summary, ""]
    lines += ["## Configs", "", "| config | files | rows | what |", "|---|---|---:|---|"]
    for c in present:
        lines.append(f"| `{c.name}` | `{'`, `'.join(c.paths)}` | {c.rows:,} | {c.description} |")
    default = next((c.name for c in present if (c.default if c.default is not None else c.name == "default")), None)
    first_other = next((c.name for c in present if c.name != default), None)
    lines += [
        "",
        "```python",
        "import datasets, polars as pl",
        *([f'rows = datasets.load_dataset("{shown}", split="train")        # the default config, `{default}`'] if default else []),
        *([f'other = datasets.load_dataset("{shown}", "{first_other}", split="train")'] if first_other else []),
        f'frame = pl.read_parquet("{shown}/{present[0].paths[0]}")' if present else "",
        "```",
        "",
    ]
    if schema is not None:
        notes_by_col = column_notes or {}
        lines += ["## Schema", "", "| column | type | meaning |", "|---|---|---|"]
        for f in schema:
            meaning = notes_by_col.get(f.name) or (f.metadata or {}).get(b"description", b"").decode()
            lines.append(f"| `{f.name}` | {_type_name(f.type)}{'' if f.nullable else ', not null'} | {meaning} |")
        lines.append("")
    if counts:
        lines += ["## Counts", "", "```yaml", yaml.safe_dump(counts, sort_keys=False, allow_unicode=True).rstrip(), "```", ""]
    if job_config is not None:
        lines += ["## Configuration that made it", "", "```yaml", yaml.safe_dump(job_config, sort_keys=False, allow_unicode=True).rstrip(), "```", ""]
    if notes:
        lines += [notes.rstrip(), ""]
    text = "\n".join(lines)
    if "://" in str(folder):
        fs, root = _fs(folder, storage_options)
        fs.pipe_file(f"{root}/README.md", text.encode())
        return f"{str(folder).rstrip('/')}/README.md"
    path = Path(folder) / "README.md"
    atomic_write_text(path, text)
    return str(path)
