"""The judge process that lives inside one sandbox ("zygote").

Runs under `python -I -S` inside bubblewrap and must stay standard-library only. It imports
the modules solutions commonly use once, then for every test forks a child that sets its own
rlimits, runs the untrusted code with stdin/stdout/stderr on memfds, and exits. The zygote
enforces the per-test wall clock, kills every process the test left behind and wipes the
writable directories, then reports the raw outcome. It never sees expected outputs: for
stdin/stdout and call-based tests the host compares, so the solution cannot forge a verdict.

Protocol (host <-> zygote, on the zygote's original stdin/stdout): frames of a 4-byte
big-endian length plus UTF-8 JSON. Host sends {"op": "run", ...}; zygote answers one frame
per test ({"i": ...}) then {"done": true}. Bytes travel as latin-1 strings (lossless).
"""
import builtins
import gc
import io
import json
import os
import resource
import select
import signal
import struct
import sys
import _random
import _signal
import time
import traceback

# Solutions import these constantly; importing them once here (before forking) saves
# several milliseconds per test. Failures are ignored: the list is only a speed-up.
# Left out on purpose: `threading` (and `queue`, which imports it). Its at-fork hook rebuilds
# its thread table in every forked test, which touches ~110 copy-on-write pages and costs
# ~0.3 ms per test; the few solutions that use threads import it themselves.
_PRELOAD = (
    "typing", "collections", "collections.abc", "itertools", "functools", "math", "cmath",
    "heapq", "bisect", "re", "string", "random", "fractions", "decimal", "copy", "operator",
    "datetime", "statistics", "hashlib", "array", "enum", "dataclasses", "numbers", "textwrap",
    "unicodedata", "struct", "abc", "contextlib", "types", "time",
    # Not only for solutions that use it: the first compile() in a process builds the AST node
    # types (~1 ms, builtin compile checks whether its argument is an AST), and every test
    # compiles. Importing ast here does that once for all tests. (It used to come in by
    # accident, through dataclasses -> inspect.)
    "ast",
)

# Exit codes the test child uses to report what happened (the result memfd carries details).
EXIT_OK, EXIT_EXCEPTION, EXIT_MEMORY, EXIT_COMPILE = 0, 1, 3, 4
_OK = {"kind": "ok"}
_OK_BYTES = json.dumps(_OK).encode()
_SIGPIPE, _SIGXFSZ, _SIG_DFL = int(signal.SIGPIPE), int(signal.SIGXFSZ), int(signal.SIG_DFL)
_TEST_STDIO = ()  # the test's sys.stdin/stdout/stderr, built once in the zygote (_make_test_stdio)
_ZYGOTE_STDIO = ()

ISOLATED = "--isolated" in sys.argv
WRITABLE_DIRS = ("/tmp", "/dev/shm")


def _read_exact(fd, n):
    chunks = []
    while n:
        b = os.read(fd, n)
        if not b:
            raise EOFError
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def _recv(fd):
    (n,) = struct.unpack(">I", _read_exact(fd, 4))
    return json.loads(_read_exact(fd, n))


def _frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack(">I", len(data)) + data


def _send(fd, obj):
    _write_all(fd, _frame(obj))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _jsonable(value, depth=0):
    """Turn a call-based return value into JSON data (tuples become lists, as in APPS/LCB)."""
    if depth > 100:
        raise ValueError("return value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted((_jsonable(v, depth + 1) for v in value), key=repr)}
    return {"__repr__": repr(value)}


def _preload():
    """Import _PRELOAD, but take over random's at-fork hook (Random.seed of the shared instance,
    the only hook these modules register): through the Python-level method it costs ~50
    copy-on-write page faults per test; _reseed_random does the same seeding in C."""
    hooks = []
    register = os.register_at_fork
    os.register_at_fork = lambda **kw: hooks.append(kw)
    try:
        for name in _PRELOAD:
            try:
                __import__(name)
            except Exception:
                pass
    finally:
        os.register_at_fork = register
    rnd = sys.modules.get("random")
    for kw in hooks:
        if rnd is not None and kw == {"after_in_child": rnd._inst.seed}:
            _RANDOM.append(rnd._inst)
        else:
            register(**kw)
    if _RANDOM:  # runs in every forked test, and in any process a solution forks itself
        register(after_in_child=_reseed_random)


_RANDOM = []  # random's shared Random instance, when preloaded


def _reseed_random():
    """What random's own at-fork hook does (Random.seed() from os.urandom, gauss_next reset),
    so that every test draws a fresh random sequence as a fresh interpreter would."""
    for inst in _RANDOM:
        _random.Random.seed(inst)
        inst.gauss_next = None


def _quit(code=None):
    raise SystemExit(code)


def _set_limits(limits):
    mem = limits["memory_bytes"]
    cpu = int(limits["timeout_s"]) + 1  # whole seconds; the wall clock is the precise limit
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_STACK, (min(mem, 256 << 20),) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["output_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if ISOLATED:
        # Only meaningful when the sandbox runs as a non-root uid; a pids cgroup is the
        # real fork-bomb guard for root (RLIMIT_NPROC does not apply to uid 0).
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)


def _make_test_stdio():
    """The test's sys.stdin/stdout/stderr on fds 0/1/2. Built once here, before any fork: making
    three TextIOWrappers in every test process (codec lookup, buffers) costs ~0.3 ms and ~100
    copy-on-write page faults per test. The zygote itself never uses them, so every forked test
    starts with them empty, and the child dup2()s its memfds onto fds 0/1/2 before the solution
    runs. Both /dev/null (here) and the memfds (there) are seekable, which the wrappers cache."""
    def wrap(fd, mode, errors, **kw):
        raw = io.FileIO(fd, mode, closefd=False)
        buf = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        return io.TextIOWrapper(buf, encoding="utf-8", errors=errors, **kw)

    return (wrap(0, "r", "replace"), wrap(1, "w", "backslashreplace"),
            wrap(2, "w", "backslashreplace", line_buffering=True))


def _child(job, test, fds):
    """Runs in the forked test process; never returns."""
    stdin_fd, out_fd, err_fd, res_fd = fds
    code = EXIT_EXCEPTION
    result = {"kind": "error"}
    try:
        os.setpgid(0, 0)
        for fd in (PROTO_IN, PROTO_OUT):
            os.close(fd)  # the solution must not be able to speak the judge protocol
        _INIT_STAT.close()
        _INIT_CHILDREN.close()
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        for fd in (stdin_fd, out_fd, err_fd):
            os.close(fd)
        os.chdir("/tmp" if ISOLATED else WORKDIR)
        sys.stdin, sys.stdout, sys.stderr = _TEST_STDIO
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = _TEST_STDIO
        sys.argv = ["solution.py"]
        # _signal, not signal: the latter's enum wrapping costs ~40 copy-on-write page faults
        _signal.signal(_SIGPIPE, _SIG_DFL)
        _signal.signal(_SIGXFSZ, _SIG_DFL)  # Python ignores it; we want "killed: output limit"
        _set_limits(job["limits"])
        gc.enable()
        code, result = _run_test(job, test)
    except MemoryError:
        code, result = EXIT_MEMORY, {"kind": "memory"}
    except BaseException as exc:  # the judge's own set-up failed
        code, result = EXIT_EXCEPTION, {"kind": "exception", "type": type(exc).__name__, "msg": str(exc)[:500]}
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os.write(res_fd, _OK_BYTES if result is _OK else json.dumps(result).encode())
    except BaseException:
        pass
    os._exit(code)


def _run_test(job, test):
    mode = job["mode"]
    try:
        code_obj = compile(job["code"], "solution.py", "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError) as exc:
        return EXIT_COMPILE, {"kind": "compile", "type": type(exc).__name__, "msg": str(exc)[:500]}
    except MemoryError:
        return EXIT_MEMORY, {"kind": "memory"}
    extra = None
    if mode == "assert":
        try:
            extra = compile(test["setup"] + "\n" + test["assert"], "test.py", "exec")
        except (SyntaxError, ValueError, OverflowError, RecursionError) as exc:  # the test is broken
            return EXIT_EXCEPTION, {"kind": "bad_test", "type": type(exc).__name__, "msg": str(exc)[:500]}
    g = {"__name__": "__main__", "__builtins__": builtins}
    try:
        try:
            exec(code_obj, g)
        except SystemExit as exc:
            if mode != "stdio":
                raise  # exiting before the tests ran is a failure for call/assert tests
            if exc.code not in (None, 0):
                sys.stderr.write(f"SystemExit: {exc.code}\n")
                return EXIT_EXCEPTION, {"kind": "exit", "code": str(exc.code)[:100]}
            return EXIT_OK, _OK
        if mode == "stdio":
            return EXIT_OK, _OK
        if mode == "call":
            fn_name = test["fn_name"]
            sol = g.get("Solution")
            if isinstance(sol, type) and hasattr(sol, fn_name):  # LeetCode style
                fn = getattr(sol(), fn_name)
            elif fn_name in g:
                fn = g[fn_name]
            else:
                return EXIT_EXCEPTION, {"kind": "exception", "type": "NameError", "msg": f"function {fn_name!r} is not defined"}
            value = fn(*test["args"])
            sys.stdout.flush()
            return EXIT_OK, {"kind": "return", "value": json.dumps(_jsonable(value))}
        # assert-style: run the setup + assert code; HumanEval also calls check(entry_point)
        exec(extra, g)
        entry = test.get("entry_point")
        if entry:
            if entry not in g:
                return EXIT_EXCEPTION, {"kind": "exception", "type": "NameError", "msg": f"entry point {entry!r} is not defined"}
            g["check"](g[entry])
        return EXIT_OK, _OK
    except MemoryError:
        return EXIT_MEMORY, {"kind": "memory"}
    except BaseException as exc:
        try:
            traceback.print_exc()
        except BaseException:
            pass
        kind = "assertion" if isinstance(exc, AssertionError) else "exception"
        return EXIT_EXCEPTION, {"kind": kind, "type": type(exc).__name__, "msg": str(exc)[:500]}


def _memfd(name, data=b""):
    fd = os.memfd_create(name, 0)
    if data:
        _write_all(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _read_fd(fd, limit, tail=False):
    size = os.fstat(fd).st_size
    if not size:
        return b"", False
    data = os.pread(fd, min(size, limit), max(0, size - limit) if tail else 0)
    return data, size > len(data)


class _ProcFile:
    """A /proc file kept open and re-read with pread at offset 0, which makes the kernel
    generate it afresh: one syscall per read on the per-test path, where Python's open()
    costs seven and a buffered file object. The test process closes it (see _child)."""

    def __init__(self, path):
        self.path = path
        self.fd = -1

    def read(self):
        if self.fd < 0:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        size = 4096
        while True:
            data = os.pread(self.fd, size, 0)
            if len(data) < size:
                return data
            size *= 4

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


_INIT_STAT = _ProcFile("/proc/1/stat")
_INIT_CHILDREN = _ProcFile("/proc/1/task/1/children")
_EMPTY_DIR_SIZE = {}  # WRITABLE_DIRS -> st_size of the empty tmpfs dir (see _dir_is_empty)


def _only_us_left(me):
    """True when the namespace holds only its init and us. After the test process is reaped,
    anything it left is an orphan, i.e. a child of init (PID 1), so init's child list is enough."""
    try:
        return _INIT_CHILDREN.read().split() == [str(me).encode()]
    except OSError:  # kernel without CONFIG_PROC_CHILDREN
        return not [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def _dir_is_empty(d):
    """tmpfs gives a directory a size of 20 bytes per entry (plus "." and ".."), so one stat
    says whether the test left anything there; listing both dirs costs ten syscalls per test.
    The empty size is learned at start-up (_learn_empty_dirs); anything else is listed."""
    try:
        return os.stat(d).st_size == _EMPTY_DIR_SIZE.get(d, -1)
    except OSError:
        return False


def _learn_empty_dirs():
    for d in WRITABLE_DIRS:
        try:
            if not os.listdir(d):
                _EMPTY_DIR_SIZE[d] = os.stat(d).st_size
        except OSError:
            pass


def _clean_sandbox():
    """Kill everything the test left behind and wipe the writable dirs (isolated mode only).

    kill(-1) inside our own PID namespace reaches exactly the sandbox's processes except
    ourselves and the namespace's init (bwrap), so orphans and daemons cannot survive a test.
    """
    me = os.getpid()
    for attempt in range(200):
        if _only_us_left(me):  # the usual case; kill(-1) walks every task on the host
            break
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:  # reap any children of ours
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        time.sleep(0.0005 * min(attempt, 20))
    else:
        return False
    for d in WRITABLE_DIRS:
        if _dir_is_empty(d):
            continue
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            _remove(os.path.join(d, name))
    return True


def _remove(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            for name in os.listdir(path):
                _remove(os.path.join(path, name))
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        pass


WALL_FACTOR = 3.0  # a test that sleeps or blocks may take this many times its CPU limit (+1 s)
STARVED_FACTOR = 10.0  # ... and one that is runnable but starved of CPU by a busy host, this many
_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    if pid == 1:
        return _INIT_STAT.read().rsplit(b")", 1)[1].split()
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()


def _tree_cpu_and_state(pid):
    """CPU seconds used by the test and every process it started (also the ones that already
    exited), and whether any of them is runnable. Only the test's own process is visible in
    unisolated mode."""
    total, running = 0.0, False
    if ISOLATED:
        me = os.getpid()
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        try:  # orphans reaped by the namespace's init count there
            f = _stat(1)
            total += int(f[13]) + int(f[14]) - _INIT_CHILD_TICKS[0]
        except (OSError, ValueError, IndexError):
            pass
    else:
        pids = [pid]
    for p in pids:
        try:
            f = _stat(p)
            total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])  # self + reaped children
            running = running or f[0] == b"R"
        except (OSError, ValueError, IndexError):
            continue
    return total / _TICK, running


def _init_child_ticks():
    try:
        f = _stat(1)
        return int(f[13]) + int(f[14])
    except (OSError, ValueError, IndexError):
        return 0


_INIT_CHILD_TICKS = [0]


def _wait_within_limits(pid, poller, start, limit):
    """Wait for the test to exit; True if it ran out of time.

    The limit is CPU time (of the test's whole process tree), so a test starved by a busy
    machine is not failed for it. The wall clock caps a test that sleeps or blocks at
    WALL_FACTOR x limit + 1 s, and one that keeps running without getting the CPU at
    STARVED_FACTOR x. RLIMIT_CPU is the per-process backstop; this check is the precise one.
    """
    wall_cap = start + WALL_FACTOR * limit + 1.0
    starved_cap = start + STARVED_FACTOR * limit + 1.0
    wait = limit
    while True:
        if poller.poll(max(wait, 0.001) * 1000):
            return False
        now = time.monotonic()
        cpu, running = _tree_cpu_and_state(pid)
        if cpu >= limit or now >= starved_cap:
            return True
        if now >= wall_cap and not running:
            return True
        wait = min(limit - cpu, (wall_cap if now < wall_cap else now + 0.05) - now)


def _job_fds():
    return [_memfd(name) for name in ("stdin", "stdout", "stderr", "result")]


def _reset_fds(fds, stdin):
    for fd in fds:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
    if stdin:
        _write_all(fds[0], stdin)
        os.lseek(fds[0], 0, os.SEEK_SET)


def _run_one(job, i, test, fds):
    limits = job["limits"]
    _reset_fds(fds, test.get("stdin", "").encode("utf-8"))
    if ISOLATED:
        _INIT_CHILD_TICKS[0] = _init_child_ticks()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(job, test, fds)
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    timed_out = _wait_within_limits(pid, poller, start, limits["timeout_s"])
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            os.kill(pid, signal.SIGKILL)
    _, status, rusage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    os.close(pidfd)
    if not ISOLATED:
        try:  # best effort: the test's process group (orphans that setsid escape are not caught)
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    # Only a cleanly finished stdin/stdout test needs its output compared on the host.
    wanted = job["mode"] == "stdio" and not timed_out and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    stdout, out_trunc = _read_fd(fds[1], limits["output_bytes"]) if wanted else (b"", False)
    stderr, _ = _read_fd(fds[2], limits["stderr_bytes"], tail=True)
    result, _ = _read_fd(fds[3], 1 << 16)
    clean = _clean_sandbox() if ISOLATED else True
    frame = {
        "i": i,
        "timed_out": timed_out,
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "time_s": elapsed,
        "cpu_s": rusage.ru_utime + rusage.ru_stime,
        "max_rss_kb": rusage.ru_maxrss,
        "stdout": stdout.decode("latin-1"),
        "stdout_truncated": out_trunc,
        "stderr": stderr.decode("latin-1"),
        "result": result.decode("latin-1"),
        "clean": clean,
    }
    return frame


_DONE = _frame({"done": True})


def _serve():
    _send(PROTO_OUT, {"ready": True, "pid": os.getpid(), "isolated": ISOLATED})
    fds = None
    while True:
        try:
            job = _recv(PROTO_IN)
        except EOFError:
            return
        if job.get("op") == "exit":
            return
        tests = job["tests"]
        last = b""  # the job's last test frame goes out with "done": one host wake-up, not two
        for i, test in enumerate(tests):
            if fds is None or not ISOLATED:
                # The memfds are reused for every test of every job in isolated mode, which kills
                # every process that could still hold them after each test; unisolated mode
                # cannot, so it takes fresh ones per test.
                if fds is not None:
                    for fd in fds:
                        os.close(fd)
                fds = _job_fds()
            frame = _run_one(job, i, test, fds)
            data = _frame(frame)
            if not frame["clean"]:
                _write_all(PROTO_OUT, data + _frame({"done": True, "dirty": True}))
                return  # the host replaces this sandbox
            if i == len(tests) - 1 or (frame["exit"] == EXIT_COMPILE and '"compile"' in frame["result"]):
                last = data  # the same code will not compile for the other tests either
                break
            _write_all(PROTO_OUT, data)
        if not ISOLATED and fds is not None:
            for fd in fds:
                os.close(fd)
            fds = None
        _write_all(PROTO_OUT, last + _DONE)


def _main():
    global PROTO_IN, PROTO_OUT, WORKDIR
    # Keep the protocol pipes off fds 0/1 so nothing written to stdout can corrupt a frame.
    PROTO_IN, PROTO_OUT = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    WORKDIR = os.getcwd()
    for path in sys.argv[1:]:
        if path.startswith("--path="):
            sys.path.append(path[len("--path="):])
    _preload()
    if ISOLATED:
        os.environ.pop("LD_BIND_NOW", None)  # set for the zygote only (see bwrap_command)
    builtins.exit = builtins.quit = _quit  # -S skips `site`, which normally adds these
    global _TEST_STDIO, _ZYGOTE_STDIO
    _ZYGOTE_STDIO = (sys.stdin, sys.stdout, sys.stderr)  # the test replaces them; no dealloc there
    _TEST_STDIO = _make_test_stdio()
    if ISOLATED:
        _learn_empty_dirs()
        # Not dumpable: a test process (same uid) cannot ptrace us or open our /proc/PID/fd
        # to reach the protocol pipes and forge results.
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
        except Exception:
            pass
    gc.collect()
    gc.freeze()  # keep the preloaded heap shared copy-on-write with the forked tests
    gc.disable()
    _serve()


if __name__ == "__main__":
    _main()
