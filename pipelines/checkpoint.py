"""Checkpointed chunk mapping for row-batch jobs (the problem set): every finished chunk's result
is saved as it completes, so a run killed at any point (SIGKILL included) and started again
redoes only the chunks that had not finished, and writes each row once.

A chunk's checkpoint is keyed by the function, the chunk's content and the function's settings, so
a changed input row or setting is never served a stale result. Results are pickled: they are this
job's own Python objects (rows, signature arrays), read back only by the same job on the same
machine or shared filesystem.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pickle
from pathlib import Path
from typing import Any, Callable, Sequence

from core.io import atomic_write_bytes
from core.progress import bar

__all__ = ["ChunkStore", "checkpointed_mapper"]

log = logging.getLogger(__name__)


class ChunkStore:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def key(self, fn: Callable, chunk: Any, settings: dict[str, Any]) -> str:
        h = hashlib.sha256(getattr(fn, "__qualname__", repr(fn)).encode())
        h.update(json.dumps(chunk, sort_keys=True, default=str).encode())
        h.update(json.dumps(settings, sort_keys=True, default=lambda o: o.model_dump(mode="json") if hasattr(o, "model_dump") else str(o)).encode())
        return f"{fn.__name__}-{h.hexdigest()[:24]}"

    def get(self, key: str) -> Any | None:
        path = self.folder / f"{key}.pkl"
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            return pickle.load(f)

    def put(self, key: str, result: Any) -> None:
        atomic_write_bytes(self.folder / f"{key}.pkl", pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))

    def done(self) -> int:
        return len(list(self.folder.glob("*.pkl"))) if self.folder.is_dir() else 0


def checkpointed_mapper(client: Any, store: ChunkStore, broadcast: tuple[type, ...] = ()) -> Callable[..., list]:
    """`map(fn, chunks, **kwargs)` like pipelines.executors' mappers (dask client or in process when
    None), but each chunk's result is loaded from `store` when present and saved there as soon as
    it is computed; a progress bar counts rows (chunk by chunk). Keyword arguments of a `broadcast` type go to every
    worker once and are not part of the checkpoint key (the run's settings guard them)."""

    def run(fn: Callable, chunks: Sequence[list], **kwargs: Any) -> list:
        settings = {k: v for k, v in kwargs.items() if not (broadcast and isinstance(v, broadcast))}
        keys = [store.key(fn, c, settings) for c in chunks]
        results: list[Any] = [store.get(k) for k in keys]
        todo = [i for i, r in enumerate(results) if r is None]
        if len(todo) < len(chunks):
            log.info("%s: %d of %d chunks already done (checkpoints in %s); computing %d",
                     fn.__name__, len(chunks) - len(todo), len(chunks), store.folder, len(todo))
        rows_done = sum(len(c) for i, c in enumerate(chunks) if results[i] is not None)
        with bar(sum(len(c) for c in chunks), fn.__name__.replace("_chunk", ""), "row", initial=rows_done) as shown:
            if client is None:
                for i in todo:
                    results[i] = fn(chunks[i], **kwargs)
                    store.put(keys[i], results[i])
                    shown.update(len(chunks[i]))
                return results
            from distributed import as_completed

            shared = {k: client.scatter(v, broadcast=True) if broadcast and isinstance(v, broadcast) else v for k, v in kwargs.items()}
            futures = client.map(fn, [chunks[i] for i in todo], pure=False, **shared)
            where = {f.key: i for f, i in zip(futures, todo)}
            try:
                for future, result in as_completed(futures, with_results=True):
                    i = where[future.key]
                    results[i] = result
                    store.put(keys[i], result)
                    shown.update(len(chunks[i]))
            except KeyboardInterrupt:
                raise  # the cluster is closed next; cancelling first only makes workers log warnings
            except BaseException:
                client.cancel(futures)
                raise
        return results

    return run
