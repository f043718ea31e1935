"""Outputs change as a set: a job writes its outputs (data, report, card, manifest) into a staging
folder and publishes them at once, so a reader of the output folder sees one run's outputs or the
other's, never a mix (the one implementation every job uses).

Layout: the staging folder is `<parent>/.<name>.staging/` beside `OUTPUT` (the same filesystem,
so a rename publishes it). Publishing

1. moves every entry of `OUTPUT` that is not one of the job's outputs (its working state, `_work/`,
   `_run/`, `token_cache/`, and anything a user put there) into the staging folder (renames),
2. swaps the staging folder with `OUTPUT` in one step (Linux `renameat2(RENAME_EXCHANGE)`; where
   the filesystem has no exchange: `OUTPUT` is renamed aside and the staging folder renamed into
   place, so a reader in between finds no folder, never a mixed one),
3. removes the previous outputs, now in the staging folder's place.

A staging folder carries a marker file (`.staging`), removed from `OUTPUT` right after the swap; a
folder at the staging path without it is a previous run's outputs left by a crash between 2 and 3
and is removed. `recover()` (run by `Publication()`) moves carried entries back into `OUTPUT` when
a crash came between 1 and 2, so a rerun finds its resume state.

Where no staging folder can sit beside `OUTPUT` on its filesystem (`OUTPUT` is a mount point) the
staging folder is `OUTPUT/.staging/` and entries are replaced one by one (each entry atomically,
the set not; a warning says so). Remote outputs (`s3://…`) are written in place: object stores
have no rename.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import shutil
from pathlib import Path

__all__ = ["Publication", "exchange"]

log = logging.getLogger(__name__)

MARKER = ".staging"  # in a staging folder beside OUTPUT
IN_PLACE = ".publishing"  # the staging folder inside an OUTPUT that is a mount point
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


_RENAMEAT2 = _renameat2()


def exchange(a: str | Path, b: str | Path) -> bool:
    """Atomically swap two paths (both must exist); False where the OS or filesystem cannot."""
    if _RENAMEAT2 is None:
        return False
    rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


class Publication:
    """The staging folder of one output folder. `outputs` names the entries the job publishes
    (`kept.parquet`, `documents`, `README.md`, …): at publish the output folder's entries of those
    names are replaced, as a set, by the staging folder's; every other entry of the output folder
    (working state such as `_work/` and `_run/`, a user's own files) is carried over unchanged.
    `staging` is the folder the job writes into (a path string, for datatrove writers and the
    like). Remote outputs have `staging == output_dir` and a no-op `publish()`."""

    def __init__(self, output_dir: str | Path, outputs: tuple[str, ...] | list[str]):
        self.output_dir = str(output_dir).rstrip("/")
        self.outputs = tuple(outputs)
        self.remote = "://" in self.output_dir
        if self.remote:
            self.staging, self.in_place = self.output_dir, True
            return
        out = Path(self.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        # Beside OUTPUT only on its filesystem (renames do not cross filesystems; a mount point's
        # parent is another one).
        self.in_place = os.stat(out).st_dev != os.stat(out.parent).st_dev
        self._path = out / IN_PLACE if self.in_place else out.parent / f".{out.name}.staging"
        self.staging = str(self._path)
        self.recover()

    def exists(self) -> bool:
        """A staging folder holds outputs not yet published (a run in progress or interrupted)."""
        if self.remote:
            return False
        return self._path.is_dir() if self.in_place else (self._path / MARKER).exists()

    def prepare(self) -> str:
        """Create the staging folder (kept as it is when a previous run left one: a resumed run fills
        it further); returns its path."""
        if not self.remote:
            self._path.mkdir(parents=True, exist_ok=True)
            if not self.in_place:
                (self._path / MARKER).touch()
        return self.staging

    def discard(self) -> None:
        """Remove the staging folder (the run starts over)."""
        if not self.remote:
            _remove(self._path)

    def recover(self) -> None:
        """Finish what a crash during publish() left: entries carried into the staging folder go
        back to OUTPUT; a staging path without the marker (the previous outputs, after the swap) is
        removed; a marker left in OUTPUT is removed."""
        if self.remote or self.in_place:
            return
        out = Path(self.output_dir)
        (out / MARKER).unlink(missing_ok=True)
        if not self._path.exists():
            return
        if not (self._path / MARKER).exists():
            _remove(self._path)
            return
        for entry in self._path.iterdir():
            if entry.name not in self.outputs and entry.name != MARKER and not (out / entry.name).exists():
                os.rename(entry, out / entry.name)

    def publish(self) -> None:
        """Make the staging folder's entries the output folder's published outputs, at once."""
        if self.remote:
            return
        out = Path(self.output_dir)
        if self.in_place:
            self._publish_entries(out)
            return
        self.prepare()
        carried = []
        try:
            for entry in sorted(out.iterdir()):
                if entry.name not in self.outputs and entry.name != MARKER and not (self._path / entry.name).exists():
                    os.rename(entry, self._path / entry.name)
                    carried.append(entry.name)
            if not exchange(self._path, out):
                aside = out.parent / f".{out.name}.old"
                _remove(aside)
                os.rename(out, aside)
                os.rename(self._path, out)
                os.rename(aside, self._path)
        except BaseException:
            for name in carried:  # put them back where the next run looks for them
                if (self._path / name).exists() and not (out / name).exists():
                    os.rename(self._path / name, out / name)
            raise
        (out / MARKER).unlink(missing_ok=True)
        _remove(self._path)  # the previous outputs

    def _publish_entries(self, out: Path) -> None:
        log.warning("%s is a mount point: its outputs are replaced one by one, not as a set "
                    "(an output_dir inside it is published atomically)", out)
        for name in self.outputs:
            entry, target = self._path / name, out / name
            if not entry.exists():
                _remove(target)
            elif target.is_dir() and not target.is_symlink():
                aside = out / f".{name}.old"
                _remove(aside)
                os.rename(target, aside)
                os.rename(entry, target)
                _remove(aside)
            else:
                os.replace(entry, target)
        _remove(self._path)
