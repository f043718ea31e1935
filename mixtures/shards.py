"""Finding, hashing and reading input shards (local paths or any fsspec URL such as s3://)."""
from __future__ import annotations

import glob as _glob
import hashlib
from dataclasses import dataclass
from functools import lru_cache

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from mixtures.spec import MixtureError

_HASH_BLOCK = 8 * 2**20


def _fs(url: str):
    return fsspec.core.url_to_fs(url)


def _full_url(fs, path: str) -> str:
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    if "file" in protocols or "local" in protocols:
        return path
    return f"{protocols[0]}://{path}"


def expand_shards(patterns: list[str]) -> tuple[list[str], list[str]]:
    """Globs → (sorted unique shard URLs, patterns that matched nothing). Local paths are absolute."""
    found: set[str] = set()
    empty: list[str] = []
    for pattern in patterns:
        try:
            fs, path = _fs(pattern)
            if _glob.has_magic(path):
                matches = [p for p in fs.glob(path) if not fs.isdir(p)]
            else:
                matches = [path] if fs.isfile(path) else []
        except Exception as e:  # fsspec backends raise their own types (botocore, aiohttp, …)
            raise MixtureError(f"shards {pattern}: cannot list: {type(e).__name__}: {e}") from None
        if not matches:
            empty.append(pattern)
        found.update(_full_url(fs, p) for p in matches)
    return sorted(found), empty


@dataclass(frozen=True)
class ShardInfo:
    url: str
    sha256: str
    rows: int
    schema: pa.Schema

    @property
    def columns(self) -> list[str]:
        return self.schema.names


def _file_signature(url: str) -> tuple:
    fs, path = _fs(url)
    info = fs.info(path)
    return (url, info.get("size"), info.get("mtime") or info.get("LastModified") or info.get("ETag"))


@lru_cache(maxsize=4096)
def _inspect(signature: tuple) -> ShardInfo:
    url = signature[0]
    fs, path = _fs(url)
    digest = hashlib.sha256()
    try:
        with fs.open(path, "rb") as f:
            while block := f.read(_HASH_BLOCK):
                digest.update(block)
    except OSError as e:
        raise MixtureError(f"shard {url}: cannot read: {e}") from None
    try:
        with fs.open(path, "rb") as f:
            meta = pq.ParquetFile(f)
            schema, rows = meta.schema_arrow, meta.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as e:
        raise MixtureError(f"shard {url}: not a readable Parquet file: {e}") from None
    return ShardInfo(url=url, sha256=digest.hexdigest(), rows=rows, schema=schema)


def inspect_shard(url: str) -> ShardInfo:
    """Content hash (sha256), row count and schema of a shard. Cached per (url, size, mtime) within
    a process, so build + export in one run read each shard's bytes for hashing once."""
    try:
        return _inspect(_file_signature(url))
    except FileNotFoundError:
        raise MixtureError(f"shard {url}: file not found") from None
    except PermissionError as e:
        raise MixtureError(f"shard {url}: cannot read: {e}") from None


def read_columns(url: str, columns: list[str]) -> pa.Table:
    fs, path = _fs(url)
    try:
        with fs.open(path, "rb") as f:
            return pq.read_table(f, columns=columns)
    except (pa.ArrowException, OSError, ValueError) as e:
        raise MixtureError(f"shard {url}: cannot read columns {columns}: {e}") from None


def iter_column_batches(url: str, column: str, batch_size: int):
    """Yield one column of a shard as Python lists of `batch_size` values, in row order."""
    fs, path = _fs(url)
    try:
        with fs.open(path, "rb") as f:
            for batch in pq.ParquetFile(f).iter_batches(batch_size=batch_size, columns=[column]):
                yield batch.column(0).to_pylist()
    except (pa.ArrowException, OSError, ValueError) as e:
        raise MixtureError(f"shard {url}: cannot read column {column!r}: {e}") from None
