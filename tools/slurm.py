"""A real single-node Slurm cluster on localhost, for tests, plus a helper that waits for jobs.

`start_cluster(root)` writes a munge key and a slurm.conf under `root`, starts munged,
slurmctld and slurmd (Debian's slurm-wlm + munge; every path, socket and port is private to
`root`, so several clusters can run side by side on one machine) and returns once `sinfo`
shows the node idle. `shared_cluster(root)` does the same for several pytest-xdist workers:
a file lock lets one worker start the cluster and the others reuse it; the last one to leave
stops it, and a watchdog stops it if the whole pytest run dies first.

Client commands (sbatch, squeue, ...) find the cluster through `SLURM_CONF`; jobs submitted
with `--export=ALL` (what datatrove's SlurmPipelineExecutor does) inherit it, so `srun`
inside a job talks to the same cluster.

`wait_for_slurm_jobs(logging_dir, ...)` polls until every job a datatrove SlurmPipelineExecutor
launched for that logging dir (array tasks, dependent stages, merge_stats) has finished, and
raises with the job logs if one failed.

Run as a script (`python tools/slurm.py start DIR` / `stop DIR`) to start or stop a
cluster by hand; `watch PID DIR` is the watchdog mode.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.procs import pid_alive

REPO_ROOT = Path(__file__).resolve().parents[2]
SYSTEM_DEPS = REPO_ROOT / "scripts" / "system_deps.sh"
REQUIRED_BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "scancel", "srun")

# Job states after which Slurm will not run the job again (see `man squeue`, JOB STATE CODES).
TERMINAL_STATES = {
    "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
    "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED",
}


class SlurmUnavailable(RuntimeError):
    """Slurm cannot be installed or started here; the message says why."""


class SlurmJobError(RuntimeError):
    """A Slurm job of the awaited pipeline failed (the message carries its logs)."""


@dataclass(frozen=True)
class SlurmCluster:
    """A running cluster: where its config is, and what it offers."""

    root: Path
    conf: Path
    partition: str
    node: str
    cpus: int
    memory_mb: int
    pids: dict[str, int] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point Slurm client commands at this cluster."""
        return {"SLURM_CONF": str(self.conf)}

    def command(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a Slurm client command (e.g. "sinfo", "-h") against this cluster."""
        return subprocess.run(
            list(args), env={**os.environ, **self.env}, capture_output=True, text=True, timeout=timeout
        )

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "root": str(self.root), "conf": str(self.conf)})

    @classmethod
    def from_json(cls, text: str) -> SlurmCluster:
        data = json.loads(text)
        return cls(**{**data, "root": Path(data["root"]), "conf": Path(data["conf"])})


# --------------------------------------------------------------------------- installation


def ensure_installed() -> None:
    """Install slurm-wlm + munge with scripts/system_deps.sh when missing and we are root."""
    missing = [b for b in REQUIRED_BINARIES if not _which(b)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable(f"Slurm binaries missing ({', '.join(missing)}) and not root to apt-get install them")
    proc = subprocess.run(["bash", str(SYSTEM_DEPS)], capture_output=True, text=True, timeout=600)
    missing = [b for b in REQUIRED_BINARIES if not _which(b)]
    if missing:
        raise SlurmUnavailable(
            f"{SYSTEM_DEPS.name} did not install {', '.join(missing)}: {(proc.stderr or proc.stdout).strip()[-500:]}"
        )


def _which(binary: str) -> str | None:
    # The daemons live in /usr/sbin, which a non-login PATH may lack.
    return shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")


# --------------------------------------------------------------------------- start / stop


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _machine_cpus() -> int:
    # The CPUs this process may run on (a container's cpuset), not the host's count.
    return len(os.sched_getaffinity(0))


def _machine_memory_mb() -> int:
    meminfo = Path("/proc/meminfo").read_text()
    total_mb = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo).group(1)) // 1024
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if raw.isdigit():
            total_mb = min(total_mb, int(raw) // (1024 * 1024))
    # slurmd drains a node whose configured memory exceeds what it finds; leave a margin.
    return max(256, int(total_mb * 0.95))


def _write_conf(root: Path, partition: str, node: str, cpus: int, memory_mb: int) -> Path:
    ctld_port, slurmd_port = _free_port(), _free_port()
    while slurmd_port == ctld_port:
        slurmd_port = _free_port()
    conf = root / "slurm.conf"
    user = pwd.getpwuid(os.geteuid()).pw_name
    (root / "plugstack.conf").write_text("")  # keep the system's SPANK plugins out
    conf.write_text(
        f"""# Written by tools/slurm.py: a private single-node cluster for the test suite.
ClusterName=rctest
SlurmctldHost={node}(127.0.0.1)
# The daemons run as whoever starts them (root here); a non-root slurmd can only run that user's jobs.
SlurmUser={user}
SlurmdUser={user}
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={root}/munge/munge.socket
CredType=cred/munge
StateSaveLocation={root}/ctld
SlurmdSpoolDir={root}/slurmd
SlurmctldPidFile={root}/run/slurmctld.pid
SlurmdPidFile={root}/run/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
PlugStackConfig={root}/plugstack.conf
# No cgroups in this container: track processes through /proc and bind no tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
# Schedule batch jobs as soon as they are submitted or become eligible (default: up to 3 s later);
# cancel jobs whose dependency failed instead of leaving them pending forever.
SchedulerParameters=batch_sched_delay=0,kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Trust this file's node description instead of draining the node over hardware details.
SlurmdParameters=config_overrides
ReturnToService=2
# Keep finished jobs visible to `scontrol show job` long enough for wait_for_slurm_jobs.
MinJobAge=600
KillWait=5
InactiveLimit=0
MessageTimeout=10
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName={node} NodeAddr=127.0.0.1 NodeHostname={node} CPUs={cpus} Boards=1 SocketsPerBoard=1 CoresPerSocket={cpus} ThreadsPerCore=1 RealMemory={memory_mb} State=UNKNOWN
# Up to 4 jobs share a core: tests on both xdist workers (and datatrove's merge_stats jobs) run
# side by side instead of queueing behind each other on a 2-CPU machine.
PartitionName={partition} Nodes={node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
"""
    )
    return conf


def _start_munge(root: Path) -> int:
    munge_dir = root / "munge"
    munge_dir.mkdir(mode=0o755, exist_ok=True)  # clients must reach the socket; the key itself is 0400
    key = munge_dir / "munge.key"
    if not key.exists():
        # munged needs a secret key only it can read; random bytes are what `mungekey` writes too.
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(1024))
    pid_file = munge_dir / "munged.pid"
    cmd = [
        _which("munged"), "--force",  # --force: munged refuses to run as root (or with odd dir permissions) otherwise
        f"--key-file={key}", f"--socket={munge_dir / 'munge.socket'}", f"--pid-file={pid_file}",
        f"--log-file={root / 'log' / 'munged.log'}", f"--seed-file={munge_dir / 'munged.seed'}",
    ]
    _run_daemon("munged", cmd, root)
    return _read_pid(pid_file, "munged", root)


def _run_daemon(name: str, cmd: list[str], root: Path, env: dict | None = None) -> None:
    """Start a self-daemonizing program; its parent process exits once the daemon is up."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise SlurmUnavailable(
            f"{name} failed to start (exit {proc.returncode}): {(proc.stderr + proc.stdout).strip()[-800:]}"
            f"{_log_tail(root / 'log' / (name + '.log'))}"
        )


def _read_pid(pid_file: Path, name: str, root: Path, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(pid_file.read_text().strip())
        except (OSError, ValueError):
            time.sleep(0.05)
    raise SlurmUnavailable(f"{name} wrote no pid file {pid_file}{_log_tail(root / 'log' / (name + '.log'))}")


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return f"\n--- {path.name} (tail) ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_cluster(root: Path, partition: str = "debug", timeout: float = 30) -> SlurmCluster:
    """Start munged, slurmctld and slurmd with all state under `root`; wait until the node is idle.

    Raises SlurmUnavailable with the reason (and daemon log tails) if it cannot.
    """
    ensure_installed()
    root = Path(root).resolve()
    for sub in ("ctld", "slurmd", "run", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    node = socket.gethostname().split(".")[0]
    cpus, memory_mb = _machine_cpus(), _machine_memory_mb()
    conf = _write_conf(root, partition, node, cpus, memory_mb)
    env = {**os.environ, "SLURM_CONF": str(conf)}
    # Pid files left by an earlier cluster in this dir must not be mistaken for the new daemons'.
    for stale in (root / "munge" / "munged.pid", root / "run" / "slurmctld.pid", root / "run" / "slurmd.pid"):
        stale.unlink(missing_ok=True)
    pids: dict[str, int] = {}
    try:
        pids["munged"] = _start_munge(root)
        # -c: start from a clean state (no jobs or node states from an earlier cluster in this dir).
        _run_daemon("slurmctld", [_which("slurmctld"), "-c", "-f", str(conf)], root, env)
        pids["slurmctld"] = _read_pid(root / "run" / "slurmctld.pid", "slurmctld", root)
        _run_daemon("slurmd", [_which("slurmd"), "-f", str(conf), "-N", node], root, env)
        pids["slurmd"] = _read_pid(root / "run" / "slurmd.pid", "slurmd", root)
        cluster = SlurmCluster(root, conf, partition, node, cpus, memory_mb, pids)
        _wait_node_idle(cluster, timeout)
    except BaseException:
        _stop_pids(pids)
        raise
    (root / "cluster.json").write_text(cluster.to_json())
    return cluster


def _wait_node_idle(cluster: SlurmCluster, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        for name, pid in cluster.pids.items():
            if not pid_alive(pid):
                raise SlurmUnavailable(f"{name} exited during start-up{_log_tail(cluster.root / 'log' / (name + '.log'))}")
        proc = cluster.command("sinfo", "-h", "-N", "-n", cluster.node, "-o", "%T")
        state = (proc.stdout or proc.stderr).strip()
        if state == "idle":
            return
        time.sleep(0.1)
    raise SlurmUnavailable(
        f"node {cluster.node} not idle after {timeout:.0f}s (sinfo: {state!r})"
        f"{_log_tail(cluster.root / 'log' / 'slurmctld.log')}{_log_tail(cluster.root / 'log' / 'slurmd.log')}"
    )


def _stop_pids(pids: dict[str, int], timeout: float = 10) -> None:
    # Stop in reverse start order: slurmd, slurmctld, then munged (the others use it).
    for pid in reversed(list(pids.values())):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids.values()):
        time.sleep(0.05)
    for pid in pids.values():
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def stop_cluster(cluster: SlurmCluster, timeout: float = 15) -> None:
    """Cancel the cluster's jobs (their processes die with them), then stop its daemons."""
    if pid_alive(cluster.pids.get("slurmctld", -1)):
        cluster.command("scancel", "--user", str(os.geteuid()), "--full")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = cluster.command("squeue", "-h", "-o", "%i")
            if proc.returncode != 0 or not proc.stdout.strip():
                break
            time.sleep(0.2)
    _stop_pids(cluster.pids)
    (cluster.root / "cluster.json").unlink(missing_ok=True)


def is_running(cluster: SlurmCluster) -> bool:
    if not all(pid_alive(pid) for pid in cluster.pids.values()):
        return False
    proc = cluster.command("sinfo", "-h", "-N", "-n", cluster.node, "-o", "%T")
    return proc.returncode == 0 and proc.stdout.strip() in {"idle", "mixed", "allocated", "completing"}


# --------------------------------------------------------------------------- sharing between workers


@contextmanager
def shared_cluster(root: Path, owner_pid: int | None = None, partition: str = "debug") -> Iterator[SlurmCluster]:
    """One cluster under `root` for every process that enters this; the last to leave stops it.

    `owner_pid` is the process whose death means nobody needs the cluster any more (the pytest
    controller under xdist); a detached watchdog stops the cluster then, even after a SIGKILL.
    """
    from filelock import FileLock

    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / "cluster.lock"))
    users_file = root / "users.json"
    me = os.getpid()
    with lock.acquire(timeout=180):
        users = [p for p in _read_json(users_file, []) if pid_alive(p) and p != me]
        cluster = _load_cluster(root)
        if cluster is None or not is_running(cluster):
            if cluster is not None:
                stop_cluster(cluster)
            cluster = start_cluster(root, partition)
            _start_watchdog(root, owner_pid or me)
        _write_json_atomic(users_file, users + [me])
    try:
        yield cluster
    finally:
        with lock.acquire(timeout=180):
            users = [p for p in _read_json(users_file, []) if pid_alive(p) and p != me]
            _write_json_atomic(users_file, users)
            if not users:
                current = _load_cluster(root)
                if current is not None:
                    stop_cluster(current)
                _stop_watchdog(root)


def _load_cluster(root: Path) -> SlurmCluster | None:
    try:
        return SlurmCluster.from_json((root / "cluster.json").read_text())
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def _write_json_atomic(path: Path, data) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _start_watchdog(root: Path, owner_pid: int) -> None:
    _stop_watchdog(root)
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "watch", str(owner_pid), str(root)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # outlive a Ctrl-C / kill of the pytest process group
    )
    (root / "run" / "watchdog.pid").write_text(str(proc.pid))


def _stop_watchdog(root: Path) -> None:
    pid_file = root / "run" / "watchdog.pid"
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    if pid != os.getpid() and pid_alive(pid):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    pid_file.unlink(missing_ok=True)


def _watch(owner_pid: int, root: Path) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while pid_alive(owner_pid):
        time.sleep(1)
    cluster = _load_cluster(root)
    if cluster is not None:
        stop_cluster(cluster)


# --------------------------------------------------------------------------- waiting for jobs


@dataclass(frozen=True)
class SlurmJob:
    job_id: str  # "123" or "123_4" for an array task
    array_job_id: str  # "123" for every task of array 123 (a plain job: its own id)
    name: str
    state: str
    reason: str
    stdout: str
    start_time: str  # ISO timestamps as Slurm prints them ("Unknown" before the job starts)
    end_time: str


def list_jobs(env: dict[str, str] | None = None) -> list[SlurmJob]:
    """All jobs slurmctld still knows (queued, running, and finished less than MinJobAge ago)."""
    proc = subprocess.run(
        ["scontrol", "show", "job", "--oneliner"],
        env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=30,
    )
    if proc.returncode != 0:
        raise SlurmJobError(f"scontrol show job failed: {proc.stderr.strip()}")
    jobs = []
    for line in proc.stdout.splitlines():
        if not line.startswith("JobId="):
            continue  # "No jobs in the system"
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        job_id = array_job_id = fields["JobId"]
        if fields.get("ArrayJobId") and fields.get("ArrayTaskId"):
            array_job_id = fields["ArrayJobId"]
            job_id = f"{array_job_id}_{fields['ArrayTaskId']}"
        jobs.append(
            SlurmJob(job_id, array_job_id, fields.get("JobName", ""), fields.get("JobState", ""), fields.get("Reason", ""),
                     fields.get("StdOut", ""), fields.get("StartTime", ""), fields.get("EndTime", ""))
        )
    return jobs


def _executor_info(logging_dir: Path) -> dict | None:
    try:
        return json.loads((logging_dir / "executor.json").read_text())
    except (OSError, ValueError):
        return None


def _failure_report(logging_dir: Path, jobs: list[SlurmJob], lines: int = 30) -> str:
    parts = [f"{j.job_id} {j.name}: {j.state} ({j.reason})" for j in jobs]
    for log in sorted(logging_dir.glob("slurm_logs/*.out"))[-4:] + sorted(logging_dir.glob("logs/task_*.log"))[-2:]:
        parts.append(_log_tail(log, lines))
    return "\n".join(parts)


def wait_for_slurm_jobs(
    *logging_dirs: str | Path, timeout: float = 300, poll: float = 0.5, env: dict[str, str] | None = None
) -> dict[str, list[SlurmJob]]:
    """Wait until the Slurm jobs of each datatrove logging dir are done; return them per dir.

    A SlurmPipelineExecutor's `run()` only submits (sbatch returns at once). Its jobs are found
    by their log path (executor.json's `slurm_logs_folder`), so this also covers dependent
    stages and the `merge_stats` job, and works for runs launched from another process.
    Done means: no job of the dir is queued or running, every job COMPLETED and every rank has
    its datatrove completion marker. Raises SlurmJobError (with job logs) when a job failed or
    can never start, TimeoutError after `timeout` seconds.
    """
    dirs = [Path(d).resolve() for d in logging_dirs]
    deadline = time.monotonic() + timeout
    while True:
        jobs = list_jobs(env)
        result: dict[str, list[SlurmJob]] = {}
        all_done = True
        for d in dirs:
            info = _executor_info(d)
            if info is None:
                raise SlurmJobError(f"{d} has no executor.json: nothing was launched there")
            logs_prefix = str(Path(info.get("slurm_logs_folder") or d / "slurm_logs").resolve()) + os.sep
            mine = [j for j in jobs if j.stdout.startswith(logs_prefix)]
            result[str(d)] = mine
            never_runs = [j for j in mine if j.state == "PENDING" and j.reason == "DependencyNeverSatisfied"]
            if not all(j.state in TERMINAL_STATES or j in never_runs for j in mine):
                all_done = False  # report a failure only once the dir's other jobs have settled too
                continue
            failed = [j for j in mine if j.state != "COMPLETED"]
            if failed:
                raise SlurmJobError(f"Slurm jobs for {d} failed:\n{_failure_report(d, failed)}")
            world_size = int(info.get("world_size") or info.get("tasks") or 0)
            completed = len(list((d / "completions").glob("*"))) if (d / "completions").is_dir() else 0
            if completed < world_size:
                if mine:
                    raise SlurmJobError(
                        f"Slurm jobs for {d} completed but only {completed}/{world_size} ranks have completion "
                        f"markers:\n{_failure_report(d, mine)}"
                    )
                all_done = False  # not submitted yet (or already forgotten): keep waiting until timeout
        if all_done:
            return result
        if time.monotonic() > deadline:
            snapshot = "\n".join(f"{j.job_id} {j.name} {j.state} {j.reason}" for j in jobs)
            raise TimeoutError(f"Slurm jobs for {', '.join(map(str, dirs))} not done after {timeout}s:\n{snapshot}")
        time.sleep(poll)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "watch":
        _watch(int(argv[1]), Path(argv[2]))
        return 0
    if len(argv) == 2 and argv[0] == "start":
        cluster = start_cluster(Path(argv[1]))
        print(f"export SLURM_CONF={cluster.conf}")
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        cluster = _load_cluster(Path(argv[1]).resolve())
        if cluster is not None:
            stop_cluster(cluster)
        return 0
    print("usage: slurm.py start DIR | stop DIR | watch PID DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
