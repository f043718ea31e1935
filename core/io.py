"""Atomic writes: the one helper every package uses to publish a file.

A file is written under a unique temporary name in its own folder (os.replace is atomic only within
one filesystem) and moved into place only when complete, so a reader never sees a half-written
file and a killed writer leaves at most a `.<name>.*.tmp` behind. The temporary name is made with
the process umask (not mkstemp's 0600), so outputs stay readable to the other users of a shared
cluster.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_path", "atomic_open", "atomic_write_text", "atomic_write_bytes"]


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def atomic_path(path: str | Path, *, mkdir: bool = True) -> Iterator[Path]:
    """Yields a temporary path beside `path`; on a clean exit it replaces `path`, on an error it is
    removed. For writers that take a file name (pyarrow, tokenizers, polars)."""
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8", mkdir: bool = True) -> Iterator[IO]:
    """`open()` for writing whose result appears at `path` only once the block ends without error."""
    if "b" in mode:
        encoding = None
    with atomic_path(path, mkdir=mkdir) as tmp:
        with open(tmp, mode, encoding=encoding) as f:
            yield f


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    with atomic_open(path, "w", encoding=encoding) as f:
        f.write(text)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as f:
        f.write(data)
