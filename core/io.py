"""Atomic writes: the one helper every package uses to publish a file.

A file is written under a unique temporary name in its own folder (os.replace is atomic only within
one filesystem) and moved into place only when complete, so a reader never sees a half-written
file and a killed writer leaves at most a `.<name>.*.tmp` behind. The temporary name is made with
the process umask (not mkstemp's 0600), so outputs stay readable to the other users of a shared
cluster.
"""
from __future__ import annotations

import contextlib
import errno
import os
import uuid
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_path", "atomic_open", "atomic_write_text", "atomic_write_bytes", "locate_os_error", "describe_os_error",
           "exit_cli"]


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


# ----------------------------------------------------------------------------- I/O errors
_FULL = (errno.ENOSPC, errno.EDQUOT)
_ADVICE = {
    errno.ENOSPC: "free space there and run the same command again",
    errno.EDQUOT: "free space (disk quota) and run the same command again",
    errno.EACCES: "check the permissions of that path, then run the same command again",
    errno.EPERM: "check the permissions of that path, then run the same command again",
    errno.EROFS: "the filesystem is read-only: choose another output_dir or remount it writable",
    errno.EIO: "the device reported an I/O error: check the disk (dmesg), then run the same command again",
}


def _free_bytes(path: str) -> int | None:
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        st = os.statvfs(p)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def locate_os_error(exc: OSError, candidates: list[str | Path]) -> OSError:
    """`exc` with a path: errors raised by writes on an open file (in a worker, by a library) often
    carry none. For a full disk the path is the first of `candidates` (the folders the job was
    writing) whose filesystem has (almost) no space left; otherwise the first candidate."""
    if exc.filename:
        return exc
    local = [str(c) for c in candidates if c and "://" not in str(c)]
    if not local:
        return exc
    full = [c for c in local if (_free_bytes(c) or 0) < 64 * 1024]
    code = exc.errno
    if code is None:  # numpy's short writes, for one, say only "N requested and M written"
        if not full:
            return exc
        code = errno.ENOSPC
    path = full[0] if code in _FULL and full else local[0]
    text = exc.strerror if exc.errno is not None and exc.strerror else os.strerror(code)
    located = type(exc)(code, text, path)
    located.__cause__ = exc
    return located


def _mount_point(path: str) -> str:
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    while not os.path.ismount(p) and p != p.parent:
        p = p.parent
    return str(p)


def describe_os_error(exc: OSError, job: str = "the job") -> str:
    """One line for an I/O error that stopped a job: what (the system's text and errno name), where
    (with the filesystem for a full disk), what to do."""
    name = errno.errorcode.get(exc.errno, "") if exc.errno is not None else ""
    text = os.strerror(exc.errno) if exc.errno is not None else (exc.strerror or str(exc))
    where = f" at {exc.filename}" if exc.filename else ""
    if exc.filename and exc.errno in _FULL:
        where += f" (the filesystem mounted at {_mount_point(str(exc.filename))})"
    advice = _ADVICE.get(exc.errno, "fix the cause and run the same command again")
    return f"{job} stopped: {text}{f' ({name})' if name else ''}{where}; {advice}"


def exit_cli(code: int) -> None:
    """End a command-line tool whose work is finished and written: flush Python's streams and log
    handlers, then leave without running native libraries' static destructors. pyarrow's C++
    thread pools, torn down while one of their threads is still parked, now and then abort the
    interpreter's exit ("terminate called without an active exception", exit -6 instead of the
    tool's own code); the output was complete, but the status a script checks was lost."""
    import logging
    import os
    import sys

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
