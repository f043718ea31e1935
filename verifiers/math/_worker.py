"""Grading worker process: `python -m verifiers.math._worker READ_FD WRITE_FD [MEMORY_MB]`.

Started by `verifiers.math.pool` with subprocess (not multiprocessing) so it works from daemonic
processes (dask workers), from threaded callers, and from scripts without a __main__ guard.
Reads lists of (idx, gold, response) and answers each item as soon as it is graded; an item whose
response is None asks for `parse_gold(gold)` instead.
"""
from __future__ import annotations

import resource
import sys
from multiprocessing.connection import Connection

from verifiers.math.grader import Grade, grade_inprocess
from verifiers.math.parse import _mv_configs, parse_gold


def serve(inbox: Connection, outbox: Connection) -> None:
    _mv_configs()  # import sympy / Math-Verify before the first item's clock starts
    outbox.send("ready")
    while True:
        try:
            msg = inbox.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        for idx, gold, response in msg:
            if response is None:  # a parse_gold request
                try:
                    outbox.send((idx, parse_gold(gold)))
                except Exception:  # noqa: BLE001 - an unparseable gold is None, never a dead worker
                    outbox.send((idx, None))
                continue
            try:
                verdict = grade_inprocess(gold, response)
            except TypeError as exc:
                verdict = Grade(False, "unparseable", None, f"bad input: {exc}")
            except Exception as exc:  # noqa: BLE001 - one bad item must not end the batch
                verdict = Grade(False, "unparseable", None, f"grader error: {type(exc).__name__}: {exc}"[:300])
            outbox.send((idx, verdict))


def _limit_memory(megabytes: int) -> None:
    # sympy will happily build a 10**10-bit integer; cap the address space so such an answer
    # ends in MemoryError (graded "unparseable") instead of taking the machine's RAM.
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    _limit_memory(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
