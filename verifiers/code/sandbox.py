"""One warm sandbox: a bubblewrap container running the zygote (`_zygote.py`).

Isolation (see docs/code_judge.md): new user, PID, network, IPC, UTS and cgroup namespaces;
only /usr (+ the /lib symlinks) and the Python installation bound read-only; no /etc, /home,
/root, /work or /sys; die-with-parent; own session; bwrap itself starts with an empty
environment. Inside, the zygote keeps CAP_SYS_ADMIN, CAP_SETPCAP and CAP_SYS_RESOURCE *of the
sandbox's user namespace* (nothing on the host) to give every test a fresh PID, IPC and mount
namespace (own /proc, fresh /tmp and /dev/shm), and forbids user namespaces below its own;
every test process drops all capabilities before running solution code. As root, each sandbox
also gets a pids cgroup (fork bombs: RLIMIT_NPROC does not apply to uid 0) and a memory cgroup
(tmpfs and memfd pages are outside RLIMIT_AS) when cgroup v1 controllers are writable.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger(__name__)

ZYGOTE_PATH = Path(__file__).with_name("_zygote.py")
SANDBOX_ZYGOTE = "/judge/zygote.py"
START_TIMEOUT_S = 20.0
MAX_FRAME_BYTES = 256 << 20  # bound every frame from inside the sandbox
UNSANDBOXED_ENV = "RC_JUDGE_ALLOW_UNSANDBOXED"
# bwrap (and so the sandbox's PID 1, whose /proc/1/environ is this) gets nothing of the host's
# environment: no credentials, no tokens, no paths.
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
# Capabilities the zygote keeps inside the sandbox's own user namespace, to make namespaces and
# mounts for each test (they give nothing over the host's resources); tests drop all of them.
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_SETPCAP", "CAP_SYS_RESOURCE")


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here and running unisolated was not explicitly allowed."""


class SandboxError(RuntimeError):
    """The sandbox failed to start or broke the protocol (not the solution's fault)."""


class SandboxDied(RuntimeError):
    """The zygote went away mid-job (the solution killed it, or it was OOM-killed)."""


class SandboxUnresponsive(RuntimeError):
    """The zygote did not answer within the host-side deadline (e.g. it was stopped)."""


@dataclass(frozen=True)
class SandboxConfig:
    """Sandbox-wide settings; per-job limits (timeout, memory) travel with each job."""

    tmpfs_mb: int = 64  # each of /tmp and /dev/shm
    output_mb: int = 16  # stdout cap per test; also RLIMIT_FSIZE (so the disk filler stops)
    stderr_bytes: int = 4000
    open_files: int = 64
    processes: int = 64  # pids cgroup limit per sandbox (and RLIMIT_NPROC for non-root)
    use_cgroups: bool = True
    max_jobs: int = 500  # recycle a sandbox after this many problems
    python_paths: tuple[str, ...] = ()  # extra read-only import dirs (e.g. a site-packages)
    python: str = field(default_factory=lambda: os.path.realpath(sys.executable))
    python_prefix: str = field(default_factory=lambda: os.path.realpath(sys.base_prefix))

    def __post_init__(self) -> None:
        for name in ("tmpfs_mb", "output_mb", "stderr_bytes", "open_files", "processes", "max_jobs"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"SandboxConfig.{name} must be positive")
        for path in self.python_paths:
            if not os.path.isabs(path) or not os.path.isdir(path):
                raise ValueError(f"SandboxConfig.python_paths: {path!r} is not an absolute path to a directory")
            real = os.path.realpath(path)
            if any(real == top or real.startswith(top + "/") for top in ("/tmp", "/dev/shm")):
                raise ValueError(f"SandboxConfig.python_paths: {path!r} is under /tmp or /dev/shm, which every test "
                                 "replaces with its own empty tmpfs; install the packages elsewhere")


def bwrap_command(cfg: SandboxConfig) -> list[str]:
    """The bubblewrap command line that starts the zygote (isolated mode)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed; apt-get install bubblewrap")
    cmd = [
        bwrap, "--unshare-all", "--unshare-user", "--die-with-parent",
        "--new-session", "--cap-drop", "ALL", *[a for cap in ZYGOTE_CAPS for a in ("--cap-add", cap)],
        "--hostname", "judge",
        "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "LANG", "C.UTF-8",
        # Resolve every dynamic symbol when the zygote starts rather than lazily in each forked
        # test (lazy binding writes the GOT: copy-on-write faults and symbol lookups per test).
        # The zygote removes it from its environment, so tests do not see it.
        "--setenv", "LD_BIND_NOW", "1",
        "--ro-bind", "/usr", "/usr",
        # The private /tmp comes before the read-only binds: an interpreter or library path that
        # lives under the host's /tmp (a checkout there) must stay visible on top of it.
        "--size", str(cfg.tmpfs_mb << 20), "--tmpfs", "/tmp",
    ]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            cmd += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            cmd += ["--ro-bind", top, top]
    ro = [cfg.python_prefix, *cfg.python_paths]
    for path in ro:
        if path != "/usr" and not path.startswith("/usr/"):  # /usr is bound already
            cmd += ["--ro-bind", path, path]
    cmd += [
        "--ro-bind", str(ZYGOTE_PATH), SANDBOX_ZYGOTE,
        "--dev", "/dev",
        "--size", str(cfg.tmpfs_mb << 20), "--tmpfs", "/dev/shm",
        "--remount-ro", "/dev",  # /dev is a tmpfs with no size limit; nothing to write there
        "--proc", "/proc",
        "--chdir", "/tmp",
        cfg.python, "-I", "-S", "-B", SANDBOX_ZYGOTE, "--isolated", f"--tmpfs-bytes={cfg.tmpfs_mb << 20}",
    ]
    cmd += [f"--path={p}" for p in cfg.python_paths]
    return cmd


_probe_lock = threading.Lock()
_probe_cache: dict[tuple[SandboxConfig, str | None], str | None] = {}


def sandbox_problem(cfg: SandboxConfig | None = None) -> str | None:
    """None when bubblewrap works here, else the reason it does not (cached per config)."""
    cfg = cfg or SandboxConfig()
    key = (cfg, shutil.which("bwrap"))
    with _probe_lock:
        if key not in _probe_cache:
            try:
                cmd = bwrap_command(cfg)
                cut = cmd.index(cfg.python)
                # the zygote needs to make PID, IPC and mount namespaces for each test
                check = ("import ctypes; l = ctypes.CDLL(None, use_errno=True); "
                         "print('ok' if l.unshare(0x20000000 | 0x08000000 | 0x00020000) == 0 "
                         "else 'cannot make namespaces: errno %d' % ctypes.get_errno())")
                probe = cmd[:cut] + [cfg.python, "-I", "-S", "-c", check]
                r = subprocess.run(probe, capture_output=True, text=True, timeout=30, env=SANDBOX_ENV)
                ok = r.returncode == 0 and r.stdout.strip() == "ok"
                _probe_cache[key] = None if ok else f"bwrap failed (rc={r.returncode}): {(r.stdout + r.stderr).strip()[:300]}"
            except SandboxUnavailable as exc:
                _probe_cache[key] = str(exc)
            except (OSError, subprocess.SubprocessError) as exc:
                _probe_cache[key] = f"bwrap could not run: {exc}"
        return _probe_cache[key]


def resolve_isolation(allow_unsandboxed: bool, cfg: SandboxConfig | None = None) -> bool:
    """True to isolate. Refuses (SandboxUnavailable) when bwrap cannot run, unless the caller
    explicitly allowed running unisolated (argument or RC_JUDGE_ALLOW_UNSANDBOXED=1)."""
    problem = sandbox_problem(cfg)
    if problem is None:
        return True
    allow = allow_unsandboxed or os.environ.get(UNSANDBOXED_ENV, "") == "1"
    if not allow:
        raise SandboxUnavailable(
            f"refusing to run untrusted code: {problem}. Install bubblewrap, or pass "
            f"allow_unsandboxed=True / --unsafe-no-sandbox / {UNSANDBOXED_ENV}=1 to run WITHOUT isolation."
        )
    msg = (f"!!! CODE JUDGE RUNNING WITHOUT A SANDBOX ({problem}). Untrusted solutions can read and "
           "write your files, use the network and kill your processes. Only rlimits apply. !!!")
    warnings.warn(msg, RuntimeWarning, stacklevel=3)
    log.warning(msg)
    return False


class _Cgroups:
    """Per-sandbox cgroup v1 directories (pids, memory) when writable; empty otherwise."""

    _counter = itertools.count()

    def __init__(self, processes: int, memory_bytes: int, enabled: bool = True) -> None:
        self.dirs: dict[str, Path] = {}
        self._oom_fd: int | None = None
        if not enabled or os.geteuid() != 0:
            return
        name = f"rcjudge-{os.getpid()}-{next(self._counter)}"
        for controller in ("pids", "memory"):
            base = _v1_base(controller)
            if base is None:
                continue
            d = base / name
            try:
                d.mkdir()
                if controller == "pids":
                    (d / "pids.max").write_text(str(processes))
                else:
                    (d / "memory.limit_in_bytes").write_text(str(memory_bytes))
                self.dirs[controller] = d
            except OSError as exc:
                log.debug("cgroup %s unavailable: %s", controller, exc)
                _rmdir(d)

    def __bool__(self) -> bool:
        return bool(self.dirs)

    def wrap(self, cmd: list[str]) -> list[str]:
        """Prefix `cmd` so the process joins the cgroups before exec'ing bwrap (no race)."""
        if not self.dirs:
            return cmd
        joins = " && ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.dirs.values())
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *cmd]

    def set_memory(self, memory_bytes: int) -> None:
        d = self.dirs.get("memory")
        if d is not None:
            try:
                (d / "memory.limit_in_bytes").write_text(str(memory_bytes))
            except OSError:
                pass

    def oom_kills(self) -> int:
        """The memory cgroup's OOM-kill count. Read twice per test, so the file stays open and
        is re-read with pread (the kernel regenerates it at offset 0): one syscall, where
        Path.read_text costs about 50 us."""
        d = self.dirs.get("memory")
        if d is None:
            return 0
        try:
            if self._oom_fd is None:
                self._oom_fd = os.open(d / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
            for line in os.pread(self._oom_fd, 4096, 0).splitlines():
                if line.startswith(b"oom_kill "):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def remove(self) -> None:
        if self._oom_fd is not None:
            os.close(self._oom_fd)
            self._oom_fd = None
        for d in self.dirs.values():
            _rmdir(d)
        self.dirs = {}


def _descendants(pid: int) -> list[int]:
    """Host PIDs of every process below `pid` (from /proc)."""
    parent: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parent.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        kids = parent.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _cgroup_memory(cfg: SandboxConfig, test_memory_bytes: int) -> int:
    """Whole-sandbox memory cap: one test's address space, both tmpfs mounts, and slack for
    the zygote, bwrap and the stdout/stderr memfds."""
    return test_memory_bytes + ((2 * cfg.tmpfs_mb + cfg.output_mb + 256) << 20)


def _v1_base(controller: str) -> Path | None:
    root = Path("/sys/fs/cgroup") / controller
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(","):
                base = root / path.lstrip("/")
                return base if (base / "cgroup.procs").exists() and os.access(base, os.W_OK) else None
    except OSError:
        return None
    return None


def _rmdir(d: Path) -> None:
    for _ in range(50):
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)  # the namespace's processes are still being torn down


# bwrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that forked it
# exits. Worker threads come and go, so every sandbox is spawned from this one thread, which
# lives as long as the interpreter.
_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="rcjudge-spawn")


def _after_fork_in_child() -> None:
    # Threads do not survive fork(): a forked worker (e.g. a multiprocessing pool) needs its own
    # spawner thread and probe lock, or its first sandbox start would hang.
    global _SPAWNER, _probe_lock
    _SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="rcjudge-spawn")
    _probe_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Sandbox:
    """A started zygote (in bwrap unless isolate=False) that runs one job at a time."""

    def __init__(self, cfg: SandboxConfig, isolate: bool = True) -> None:
        self.cfg = cfg
        self.isolate = isolate
        self.jobs_done = 0
        self._buf = b""
        self._memory_set = 0
        self._stderr = tempfile.TemporaryFile()
        self._workdir: str | None = None
        # +6: bwrap, its PID-1 reaper, the zygote, the job worker and the checker are in it too
        self.cgroups = _Cgroups(cfg.processes + 6, _cgroup_memory(cfg, 1024 << 20), enabled=isolate and cfg.use_cgroups)
        if isolate:
            cmd = self.cgroups.wrap(bwrap_command(cfg))
            cwd = None
        else:
            self._workdir = tempfile.mkdtemp(prefix="rcjudge-unsafe-")
            cmd = [cfg.python, "-I", "-S", "-B", str(ZYGOTE_PATH)] + [f"--path={p}" for p in cfg.python_paths]
            cwd = self._workdir
        try:
            self.proc = _SPAWNER.submit(
                subprocess.Popen, cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                cwd=cwd, start_new_session=True, bufsize=0, env=SANDBOX_ENV if isolate else None,
            ).result()
        except OSError as exc:
            self._cleanup()
            raise SandboxError(f"could not start the sandbox: {exc}") from exc
        try:
            hello = self._recv(time.monotonic() + START_TIMEOUT_S)
        except (SandboxDied, SandboxUnresponsive, SandboxError) as exc:
            err = self.stderr_text()
            self.close()
            raise SandboxError(f"sandbox did not start: {exc}; stderr: {err[-500:]}") from None
        if not hello.get("ready"):
            self.close()
            raise SandboxError(f"unexpected first frame from the sandbox: {str(hello)[:200]}")

    # -- protocol --------------------------------------------------------------------------
    def run(self, job: dict[str, Any], per_test_s: float, checker_part: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Send one job and yield its per-test frames; the last one has "done". `checker_part`
        (assert-style test code) goes in a second frame that only the checker process reads."""
        if self.cgroups and job["limits"]["memory_bytes"] != self._memory_set:
            self._memory_set = job["limits"]["memory_bytes"]
            self.cgroups.set_memory(_cgroup_memory(self.cfg, self._memory_set))
        data = json.dumps(job).encode()
        out = struct.pack(">I", len(data)) + data
        if checker_part is not None:
            extra = json.dumps(checker_part).encode()
            out += struct.pack(">I", len(extra)) + extra
        try:
            self.proc.stdin.write(out)
        except (BrokenPipeError, OSError) as exc:
            raise SandboxDied(f"could not send the job: {exc}") from None
        self.jobs_done += 1
        # host-side backstop; the zygote enforces the real limit (CPU time; wall caps 3x or 10x + 1 s)
        margin = 5.0 + 10.0 * per_test_s
        while True:
            frame = self._recv(time.monotonic() + per_test_s + margin)
            yield frame
            if frame.get("done"):
                return

    def _recv(self, deadline: float) -> dict[str, Any]:
        header = self._read(4, deadline)
        (n,) = struct.unpack(">I", header)
        if n > MAX_FRAME_BYTES:
            raise SandboxError(f"frame of {n} bytes from the sandbox exceeds the limit")
        try:
            frame = json.loads(self._read(n, deadline))
        except (ValueError, RecursionError, MemoryError) as exc:
            raise SandboxError(f"malformed frame from the sandbox: {type(exc).__name__}: {str(exc)[:100]}") from None
        if not isinstance(frame, dict):
            raise SandboxError("malformed frame from the sandbox: not an object")
        return frame

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxUnresponsive("no answer from the sandbox before the deadline")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, max(65536, n - len(self._buf)))
            if not chunk:
                raise SandboxDied("the sandbox's judge process exited")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_text(self) -> str:
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        """Kill the whole sandbox (its PID namespace dies with bwrap) and free its resources."""
        proc = getattr(self, "proc", None)
        inner = _descendants(proc.pid) if proc is not None and proc.poll() is None else []
        if proc is not None and proc.poll() is None:
            # Polite first: on EOF the zygote exits and bwrap reaps its namespace itself.
            try:
                proc.stdin.close()
                proc.wait(timeout=1.0)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log.error("sandbox process %d did not exit after SIGKILL", proc.pid)
        # The namespace's processes die asynchronously once bwrap is gone; wait for them so
        # that "closed" means "nothing left running".
        deadline = time.monotonic() + 5
        while inner and time.monotonic() < deadline:
            inner = [p for p in inner if _alive(p)]
            if inner:
                time.sleep(0.005)
        if proc is not None:
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        self._cleanup()

    def _cleanup(self) -> None:
        self.cgroups.remove()
        try:
            self._stderr.close()
        except OSError:
            pass
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
