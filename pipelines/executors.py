"""Executors shared by every job. Each takes an executor config, never a job's config.

- datatrove pipelines: `local_executor` / `slurm_executor` (datatrove's own executors; one logging
  folder per stage, so completion markers make every stage resumable task by task) and
  `wait_for_slurm` (blocks until a submitted chain of stages completed);
- row batches (the problem set): `dask_client` (a dask.distributed LocalCluster or an existing
  scheduler) and `dask_mapper` / `local_mapper`, the `map(fn, chunks, **kwargs)` the cleaning steps run on.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Sequence

from pydantic import Field, model_validator

from core.config import StrictModel

__all__ = [
    "SlurmConfig", "ExecutorConfig", "ClusterSettings", "local_executor", "slurm_executor", "completed_tasks",
    "wait_for_slurm", "dask_client", "dask_mapper", "local_mapper", "Mapper", "descendants", "kill_processes",
    "end_new_processes", "adopt_orphans", "StagePool", "reduce_datatrove_overheads",
]


# ----------------------------------------------------------------------------- datatrove executors
class SlurmConfig(StrictModel):
    partition: str
    time: str = "04:00:00"
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: float = Field(2, gt=0)
    qos: str | None = None
    job_name: str = "reasoning-curator"
    venv_path: str | None = Field(None, description="virtualenv activated in jobs; default: this interpreter's")
    env_command: str | None = None
    sbatch_args: dict[str, Any] = Field(default_factory=dict)
    wait: bool = Field(True, description="wait for the jobs and print the summary")
    poll_seconds: float = Field(2.0, gt=0)


class ExecutorConfig(StrictModel):
    type: Literal["local", "slurm"] = "local"
    tasks: int = Field(4, ge=1, description="shards of the per-document stages")
    workers: int = Field(-1, description="parallel tasks; -1 = as many as tasks (local) / no cap (slurm)")
    slurm: SlurmConfig | None = None

    @model_validator(mode="after")
    def _slurm_needs_settings(self) -> "ExecutorConfig":
        if self.type == "slurm" and self.slurm is None:
            raise ValueError("executor.type is 'slurm' but the `executor.slurm` section (partition, time, …) is missing")
        return self


_STAGES: list = []  # the executors whose tasks a StagePool's forked workers run (see _run_task)


def _run_task(stage: int, rank: int, local_rank: int, stderr: str | None):
    """One task in a pool worker: a fresh copy of the stage's pipeline per task (datatrove's own
    pool unpickles one per task; steps keep per-task state and stats), with the worker's stderr
    sent to `stderr` (the stage's capture file) while it runs."""
    import copy

    executor = copy.copy(_STAGES[stage])
    executor.pipeline = copy.deepcopy(executor.pipeline)
    if stderr is None:
        return executor._run_for_rank(rank, local_rank)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(stderr, "ab") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            return executor._run_for_rank(rank, local_rank)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


class StagePool:
    """Forked worker processes that run the tasks of one or more datatrove local executors (the
    stages of a job), stage after stage, and fail fast.

    datatrove's `LocalPipelineExecutor` starts a `multiprocess.Pool` per stage, which waits forever
    for the result of a worker that died (seen on a full disk: a crawl stuck at `0/4` tasks) and on
    an error terminates its workers but not their children (the extractor's sandbox processes, left
    running). Here the workers are forked once (`fork` start method; Linux), after the job loaded
    its models and built every stage, so they inherit the executors instead of unpickling them, and
    what a worker keeps between tasks (the word splitter's memo) carries over from one stage to the
    next. The first failed task, or a worker that died, stops the run at once — every worker and its
    descendants are killed — and the error is raised in this process. Completion markers are
    datatrove's (written after a task's outputs and stats), so a rerun redoes exactly the tasks that
    did not finish.

    Use as a context manager; `run(executor)` runs the executor's incomplete tasks (it must be one of
    `executors`) and returns its merged stats."""

    def __init__(self, executors: Sequence, workers: int):
        self.executors = list(executors)
        self.workers = workers
        self.pool = None

    def __enter__(self) -> "StagePool":
        import concurrent.futures as cf
        import multiprocessing

        global _STAGES
        _STAGES = self.executors
        self.pool = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        # With `fork` every worker starts at the first submit: start them now, from this process
        # as it is (before a stage redirects stderr). Freeze the heap first: the workers' garbage
        # collections then skip the objects they inherited instead of touching every one of them
        # (copying the parent's pages: ~0.3 CPU s per worker).
        gc.freeze()
        try:
            self.pool.submit(int).result()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        finally:
            gc.unfreeze()
        return self

    def run(self, executor, stderr: str | None = None):
        """Runs the executor's incomplete tasks in the workers (`stderr`: file their stderr goes to)."""
        import concurrent.futures as cf

        from datatrove.utils.stats import PipelineStats

        index = next(i for i, e in enumerate(self.executors) if e is executor)
        ranks = executor.get_incomplete_ranks(range(executor.local_rank_offset, executor.local_rank_offset + executor.local_tasks))
        if not ranks:
            return PipelineStats()
        executor.save_executor_as_json()
        try:
            futures = [self.pool.submit(_run_task, index, rank, 0 if i == 0 else 1, stderr) for i, rank in enumerate(ranks)]
            stats = [future.result() for future in cf.as_completed(futures)]
        except BaseException:
            self._kill()
            raise
        merged = sum(stats, start=PipelineStats())
        with executor.logging_dir.open("stats.json", "wt") as f:
            merged.save_to_disk(f)
        return merged

    def _kill(self) -> None:
        if self.pool is not None:
            kill_processes([p.pid for p in list((self.pool._processes or {}).values())])
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __exit__(self, exc_type=None, exc=None, tb=None):
        global _STAGES
        if exc_type is not None:
            self._kill()
        elif self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        _STAGES = []
        return False


def _fail_fast_executor():
    from datatrove.executor import LocalPipelineExecutor

    class FailFastLocalExecutor(LocalPipelineExecutor):
        """datatrove's local executor, its parallel tasks run by a `StagePool` of its own (fails
        fast; see there). With one worker or one task left (run in this process), or a start
        method other than `fork`, datatrove's own `run`."""

        def run(self):
            ranks = self.get_incomplete_ranks(range(self.local_rank_offset, self.local_rank_offset + self.local_tasks))
            if len(ranks) <= 1:
                self.workers = 1  # one task left: in this process (datatrove would start a pool for it)
            if self.workers == 1 or self.start_method != "fork":
                return super().run()
            with StagePool([self], min(self.workers, len(ranks))) as pool:
                return pool.run(self)

    return FailFastLocalExecutor


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid` (children, their children, …), from /proc (Linux; [] elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_processes(pids: list[int]) -> None:
    """SIGKILL `pids` and all their descendants (descendants first, so none is re-parented away)."""
    import signal

    everyone = [d for p in pids for d in descendants(p)][::-1] + [p for p in pids if p != os.getpid()]
    for pid in everyone:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def end_new_processes(before: set[int], grace_s: float = 3.0) -> None:
    """Kill this process's descendants that are not in `before`, after giving them `grace_s`
    seconds to exit on their own (a closing dask cluster, a terminated reporter)."""
    deadline = time.monotonic() + grace_s
    while True:
        new = [p for p in descendants(os.getpid()) if p not in before and not _is_zombie(p)]
        if not new or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    kill_processes(new)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rindex(b")") + 2 :].split()[0] == b"Z"


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux PR_SET_CHILD_SUBREAPER), so a
    process whose parent died stays a descendant of the job and is ended with it."""
    if sys.platform != "linux":
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reduce_datatrove_overheads() -> None:
    """Two fixed costs datatrove pays in every process, answered the same way, cheaper (both are
    private functions of the libraries; if they move, the libraries' own stay in place):

    - the dependency check of every pipeline step when it is created: datatrove's
      `_is_distribution_available(name)` reads the metadata of every installed distribution for each
      name it is asked about (~0.1 CPU s a name with this environment's ~280 distributions; a crawl
      asks about 7, ~0.7 s before its first stage starts). Here: the same test (a distribution
      whose `Name`, lower-cased, is `name`: True, else None) from one pass over the distributions.
    - the per-task logging set-up: datatrove adds three loguru sinks per task (console, task log,
      then the default again), and each recomputes the interpreter's library folders from
      sysconfig (~10 ms; two thirds of a light task such as one MinHash bucket, 14 of them per
      crawl). Here: computed once per process (a pure function of sysconfig and sys.path).

    Called in the parent before the workers fork, so they inherit both."""
    import functools
    import importlib.metadata

    with contextlib.suppress(ImportError):
        from datatrove.utils import _import_utils

        stock = getattr(_import_utils, "_is_distribution_available", None)
        if stock is not None and not hasattr(stock, "replaces"):
            names: set[str] = set()

            @functools.lru_cache
            def is_distribution_available(distribution_name: str):
                if not names:
                    for dist in importlib.metadata.distributions():
                        metadata = getattr(dist, "metadata", None)
                        name = metadata.get("Name") if metadata is not None else None
                        if name:
                            names.add(name.lower())
                return True if distribution_name in names else None

            is_distribution_available.replaces = stock
            _import_utils._is_distribution_available = is_distribution_available
    with contextlib.suppress(ImportError):
        from loguru._better_exceptions import ExceptionFormatter

        lib_dirs = ExceptionFormatter.__dict__.get("_get_lib_dirs")
        if isinstance(lib_dirs, staticmethod) and not hasattr(lib_dirs.__func__, "cache_info"):
            ExceptionFormatter._get_lib_dirs = staticmethod(functools.lru_cache(maxsize=1)(lib_dirs.__func__))


def local_executor(pipeline: list, tasks: int, logging_dir: str, cfg: ExecutorConfig):
    workers = cfg.workers if cfg.workers > 0 else min(tasks, os.cpu_count() or 1)
    return _fail_fast_executor()(
        pipeline=pipeline,
        tasks=tasks,
        workers=min(workers, tasks),
        logging_dir=logging_dir,
        start_method="fork" if sys.platform == "linux" else "spawn",
    )


def slurm_executor(pipeline: list, tasks: int, name: str, logging_dir: str, cfg: ExecutorConfig, depends=None):
    """One sbatch array job for a stage; `depends` is the previous stage's executor."""
    from datatrove.executor import SlurmPipelineExecutor

    s = cfg.slurm
    if s is None:
        raise ValueError("executor.slurm settings are missing")
    venv = s.venv_path or (sys.prefix if sys.prefix != sys.base_prefix else None)
    return SlurmPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=cfg.workers,
        time=s.time,
        partition=s.partition,
        cpus_per_task=s.cpus_per_task,
        mem_per_cpu_gb=s.mem_per_cpu_gb,
        qos=s.qos or "normal",
        job_name=f"{s.job_name}-{name}",
        venv_path=f"{venv}/bin/activate" if venv and not s.env_command else None,
        env_command=s.env_command,
        sbatch_args=s.sbatch_args or None,
        logging_dir=logging_dir,
        depends=depends,
        mail_type="NONE",
        # Jobs must import this project's packages: run them from the current directory.
        srun_args={"chdir": os.getcwd()},
    )


def completed_tasks(logging_dir: str) -> int:
    """Tasks of a datatrove stage that finished (its completion markers)."""
    d = Path(logging_dir) / "completions"
    return len(list(d.iterdir())) if d.is_dir() else 0


def wait_for_slurm(stages: Sequence[tuple[str, int, str]], poll: float) -> None:
    """Block until the last of `stages` ((name, tasks, logging_dir), in order) has completed every
    task; fail if the jobs left the queue first. Polls `squeue` (datatrove has no wait of its own)."""
    from core.progress import bar

    _, last_tasks, last_dir = stages[-1]
    user = os.environ.get("USER") or "root"
    # One bar over every stage's tasks, on a terminal only (a log gets nothing until the summary).
    with bar(sum(t for _, t, _ in stages), "slurm", "task") as shown:
        while completed_tasks(last_dir) < last_tasks:
            queued = subprocess.run(["squeue", "-h", "-u", user, "-o", "%i"], capture_output=True, text=True).stdout.strip()
            if not queued and completed_tasks(last_dir) < last_tasks:
                time.sleep(poll)  # completion markers can land just after the job leaves the queue
                if completed_tasks(last_dir) >= last_tasks:
                    break
                failed = [n for n, t, d in stages if completed_tasks(d) < t]
                raise RuntimeError(f"Slurm jobs ended but stages did not complete: {failed}; see their logs/ folders")
            done = [(n, completed_tasks(d), t) for n, t, d in stages]
            shown.n = sum(c for _, c, _ in done)
            current = next((f"{n} {c}/{t}" for n, c, t in done if c < t), "")
            shown.set_postfix_str(current, refresh=False)
            shown.refresh()
            time.sleep(poll)


# ----------------------------------------------------------------------------- dask (row batches)
class ClusterSettings(StrictModel):
    # "dask": a dask.distributed cluster (LocalCluster unless scheduler_address is set); "local": in process.
    executor: Literal["dask", "local"] = "dask"
    scheduler_address: str | None = None  # e.g. tcp://head-node:8786; workers need this repo importable
    n_workers: int = Field(default=2, ge=1)  # LocalCluster only
    threads_per_worker: int = Field(default=1, ge=1)
    memory_limit: str = "auto"
    chunk_size: int = Field(default=1000, ge=1)  # rows per screening task
    judge_chunk_size: int = Field(default=8, ge=1)  # problems per reference-solution task


def silence_cluster_logs() -> None:
    """Mute what dask, tornado and asyncio log while a cancelled or failed run is torn down.
    dask's logging config gives children such as `tornado.application` their own level, so
    muting the parents alone is not enough: every logger under those names is set."""
    prefixes = ("distributed", "tornado", "asyncio")
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in prefixes]
    for name in {*prefixes, *names}:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextlib.contextmanager
def dask_client(c: ClusterSettings, *, verbose: bool = False) -> Iterator[Any]:
    """A dask client for `c`, or None for `executor: local`."""
    if c.executor == "local":
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    # distributed logs every worker start/stop at INFO; keep the job's own log readable.
    if not verbose:
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if c.scheduler_address:
        with Client(c.scheduler_address) as client:
            yield client
        return
    # Non-daemonic workers: the math grader and the code judge start child processes of their own.
    # Workers start with SIGINT ignored: Ctrl-C reaches the whole process group, and the job (not
    # each worker, with a traceback apiece) handles it: it cancels the work and closes the cluster.
    import signal

    with dask.config.set({"distributed.worker.daemon": False}):
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Worker processes read their logging levels from the environment when they start. Without
        # --verbose they log nothing: a task's failure reaches the job through the client (with its
        # traceback), and a worker's death through its nanny, which runs in this process; what
        # workers log at ERROR is then their teardown (a heartbeat to a scheduler already closed
        # by Ctrl-C or a failed run), noise around the job's one-line message.
        saved_env = os.environ.get("DASK_LOGGING__DISTRIBUTED")
        if not verbose:
            os.environ["DASK_LOGGING__DISTRIBUTED"] = "critical"
        try:
            # No dashboard; the scheduler's small HTTP server (health, metrics) still starts, by default
            # on port 8787, warning when another job on the machine holds it: a free port instead.
            cluster = LocalCluster(n_workers=c.n_workers, threads_per_worker=c.threads_per_worker, processes=True,
                                   memory_limit=c.memory_limit, dashboard_address=None,
                                   scheduler_kwargs={"dashboard_address": ":0"})
        finally:
            signal.signal(signal.SIGINT, previous)
            if saved_env is None:
                os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)
            else:
                os.environ["DASK_LOGGING__DISTRIBUTED"] = saved_env
    with dask.config.set({"distributed.worker.daemon": False}), cluster, Client(cluster) as client:
        try:
            yield client
        except KeyboardInterrupt:
            # Closing a cluster whose tasks were cancelled logs warnings, and the client's pending
            # result trackers log their closed connections through tornado; the runner prints one line.
            silence_cluster_logs()
            raise


Mapper = Callable[..., list]


def local_mapper(fn: Callable, chunks: Sequence[list], **kwargs: Any) -> list:
    return [fn(c, **kwargs) for c in chunks]


def dask_mapper(client: Any, broadcast: tuple[type, ...] = ()) -> Mapper:
    """`map(fn, chunks, **kwargs)` over a dask client, or in process when client is None.
    Keyword arguments of a `broadcast` type (big shared objects) go to every worker once, not once per task."""
    if client is None:
        return local_mapper

    def run(fn: Callable, chunks: Sequence[list], **kwargs: Any) -> list:
        scattered = {k: client.scatter(v, broadcast=True) if broadcast and isinstance(v, broadcast) else v
                     for k, v in kwargs.items()}
        futures = client.map(fn, list(chunks), pure=False, **scattered)
        return client.gather(futures)

    return run
