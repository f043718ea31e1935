"""The judge processes that live inside one sandbox.

Runs under `python -I -S` inside bubblewrap and must stay standard-library only (the host
imports it too, for the value encoding at the bottom). Processes, all inside the sandbox:

* zygote (Z): imports what solutions commonly use, then never touches solution data. It forks
  one *job worker* per solution and waits for it. Its heap stays pristine, so no later solution
  can find an earlier one's code or output in memory it inherits.
* job worker (W, one per solution): reads the job from the protocol pipe, runs its tests one
  by one, writes one frame per test, exits. Holds the capabilities the sandbox's user namespace
  gives (CAP_SYS_ADMIN there, nothing on the host) to make namespaces for each test.
* test process (T, or S for assert-style tests): forked into a *fresh PID, IPC and mount
  namespace per test*, with its own /proc and fresh size-limited tmpfs on /tmp and /dev/shm.
  It drops every capability (bounding set, securebits, no_new_privs) before running solution
  code. When it exits or is killed, the kernel kills everything in its PID namespace and frees
  its IPC objects and tmpfs: nothing outlives a test, by construction. It cannot see Z, W, C or
  the sandbox's PID 1 (other PID namespace, own /proc), holds none of their descriptors, and
  they are not dumpable (no ptrace, no /proc/PID/mem).
* checker (C, assert-style tests only): trusted test code (HumanEval `check`, MBPP asserts)
  runs here, in a separate process, never in the solution's. Every name the tests take from the
  solution is a proxy: a call sends its arguments to S as data, S calls the solution's function
  and sends back the value as data (a restricted JSON encoding, decoded here into plain builtin
  values, so no solution-defined `__eq__` can run here). Non-data values (instances of the
  solution's classes) stay in S and are referred to by handle; comparing a handle is identity.
  A clean exit, a patched frame or builtin in S, cannot make an assert here pass.

Protocol (host <-> W, on Z's original stdin/stdout): frames of a 4-byte big-endian length plus
UTF-8 JSON. Host sends {"op": "run", ...}; W answers one frame per test ({"i": ...}), the last
one together with {"done": true}. Bytes travel as latin-1 strings (lossless).
"""
import builtins
import ctypes
import fcntl
import gc
import io
import json
import os
import resource
import select
import signal
import socket
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
    # compiles. Importing ast here does that once for all tests.
    "ast",
)

# Exit codes the test child uses to report what happened (the result memfd carries details).
EXIT_OK, EXIT_EXCEPTION, EXIT_MEMORY, EXIT_COMPILE = 0, 1, 3, 4
W_JOB_DONE, W_STOP = 0, 10  # job worker exit codes: served a job / the host closed or said exit
_OK = {"kind": "ok"}
_OK_BYTES = json.dumps(_OK).encode()
_SIGPIPE, _SIGXFSZ, _SIG_DFL = int(signal.SIGPIPE), int(signal.SIGXFSZ), int(signal.SIG_DFL)
_TEST_STDIO = ()  # the test's sys.stdin/stdout/stderr, built once in the zygote (_make_test_stdio)
_ZYGOTE_STDIO = ()

ISOLATED = "--isolated" in sys.argv
PROTO_IN = PROTO_OUT = -1
OLD_PROC = -1  # the job worker's view of the sandbox's /proc (its own /proc shows the job's processes)
MY_PID = 0  # the job worker's pid in the sandbox's PID namespace (it is 1 in its own)
PIDNS_FD = -1  # the zygote's PID namespace: it returns there after forking each job worker
WORKDIR = "/tmp"

# --- Linux namespaces and capabilities (ctypes: Python 3.11 has no os.unshare/os.setns) -------
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID = 0x00020000, 0x08000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY = 2, 4, 8, 1
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 4, 24, 28, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
# SECBIT_NOROOT, _NO_SETUID_FIXUP, _KEEP_CAPS, _NO_CAP_AMBIENT_RAISE, each with its _LOCKED
# bit set and only the KEEP_CAPS value off: exec as uid 0 no longer grants capabilities.
SECUREBITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80
# A test's own /proc shows its processes only (subset=pid): no /proc/sys, /proc/sysrq-trigger
# and the like, which matters because the sandbox uid is the host's uid 0.
PROC_OPTIONS = "subset=pid"
_libc = ctypes.CDLL(None, use_errno=True)
# Resolved here, before any fork: a lookup in each test process costs copy-on-write faults.
_unshare, _setns, _mount_fn, _prctl, _capset = _libc.unshare, _libc.setns, _libc.mount, _libc.prctl, _libc.capset
_SHARED_MOUNTS = [False]  # any shared mount in the sandbox: then a test makes its tree private


def _cap_last():
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 63


def _sys(rc, what):
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src, target, fstype, flags, data=None):
    _sys(_mount_fn(src, target, fstype, flags, data), f"mount {target}")


def _enter_solution_namespaces(tmpfs_bytes):
    """In the job worker, which is PID 1 of a fresh PID namespace: a fresh mount and IPC
    namespace, its own /proc (only the job's processes) and fresh size-limited tmpfs on /tmp
    and /dev/shm. All of it goes away when the job worker exits."""
    _sys(_unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    if _SHARED_MOUNTS[0]:  # bwrap's mounts are private; if not, keep ours from propagating back
        _mount(b"none", b"/", None, MS_REC | MS_PRIVATE)
    _mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, PROC_OPTIONS.encode())
    size = f"size={tmpfs_bytes},mode=1777".encode()
    _mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, size)
    _mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, size)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_CAP_HEADER = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
_CAP_DATA = (_CapData * 2)()  # all zero
_CAPS = range(_cap_last() + 1)


def _drop_privileges():
    """Drop every capability for good: bounding set, ambient set, securebits (so exec as uid 0
    does not give them back), then the effective/permitted/inheritable sets; no_new_privs."""
    _sys(_prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0), "securebits")
    for cap in _CAPS:
        _prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _sys(_capset(ctypes.byref(_CAP_HEADER), ctypes.byref(_CAP_DATA)), "capset")
    _sys(_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


# --- frames -----------------------------------------------------------------------------------

def _read_exact(fd, n):
    chunks = []
    while n:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def _recv(fd, limit=None):
    (n,) = struct.unpack(">I", _read_exact(fd, 4))
    if limit is not None and n > limit:
        raise _TooLarge(n)
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


# --- values as data (shared with the host: verifiers.code.judge imports these) -----------------
#
# JSON with tags, so that every builtin data type survives the trip with its type:
#   None, bool, str, float (NaN/Infinity allowed), int (|x| < 2**62), list: as JSON
#   {"i": hex} big int (hex: linear both ways, no int-digit limit), {"t": [...]} tuple,
#   {"d": [[k, v], ...]} dict, {"s": [...]} set, {"fs": [...]} frozenset, {"b": latin-1} bytes,
#   {"c": [re, im]} complex, {"h": n} handle of a value that stays in the solution process,
#   {"m": name} module (only in the solution's globals), {"x": type name} opaque (call mode)
# Decoding builds fresh builtin objects only, and bounds the nesting depth.

MAX_DEPTH = 100
_SMALL = 1 << 62


class EncodeError(Exception):
    pass


def encode_value(value, other, depth=0):
    """JSON-able form of `value`; `other(value)` handles what is not builtin data."""
    if depth > MAX_DEPTH:
        raise EncodeError("value nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str or t is float:
        return value
    if t is int:
        return value if -_SMALL < value < _SMALL else {"i": hex(value)}
    if t is list:
        return [encode_value(v, other, depth + 1) for v in value]
    if t is tuple:
        return {"t": [encode_value(v, other, depth + 1) for v in value]}
    if t is dict:
        return {"d": [[encode_value(k, other, depth + 1), encode_value(v, other, depth + 1)] for k, v in value.items()]}
    if t is set or t is frozenset:
        return {"s" if t is set else "fs": [encode_value(v, other, depth + 1) for v in value]}
    if t is bytes:
        return {"b": value.decode("latin-1")}
    if t is complex:
        return {"c": [value.real, value.imag]}
    if (t is type or t is type(len)) and getattr(builtins, getattr(value, "__name__", ""), None) is value:
        return {"bt": value.__name__}
    # subclasses of the data types (namedtuple, Counter, IntEnum, ...) travel as their base type;
    # the base type's own methods read them, so no overridden method of the subclass runs
    for base, conv in _BASES:
        if isinstance(value, base):
            return encode_value(conv(value), other, depth)
    return other(value)


_BASES = (
    (bool, bool.__bool__), (int, int.__int__), (float, float.__float__), (str, str.__str__),
    (tuple, lambda v: tuple(tuple.__iter__(v))), (list, lambda v: list(list.__iter__(v))),
    (dict, lambda v: dict(dict.items(v))), (frozenset, lambda v: frozenset(frozenset.__iter__(v))),
    (set, lambda v: set(set.__iter__(v))), (bytes, bytes.__bytes__),
)


def decode_value(data, handle=None, depth=0):
    """Builtin values from encode_value's output; `handle(n)` makes a handle's stand-in."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t = type(data)
    if data is None or t is bool or t is str or t is float or t is int:
        return data
    if t is list:
        return [decode_value(v, handle, depth + 1) for v in data]
    if t is not dict or len(data) != 1:
        raise ValueError("malformed value")
    (tag, v), = data.items()
    if tag == "t":
        return tuple(decode_value(x, handle, depth + 1) for x in _list(v))
    if tag == "d":
        out = {}
        for pair in _list(v):
            if type(pair) is not list or len(pair) != 2:
                raise ValueError("malformed dict")
            out[decode_value(pair[0], handle, depth + 1)] = decode_value(pair[1], handle, depth + 1)
        return out
    if tag == "s":
        return {decode_value(x, handle, depth + 1) for x in _list(v)}
    if tag == "fs":
        return frozenset(decode_value(x, handle, depth + 1) for x in _list(v))
    if tag == "i" and type(v) is str and len(v) < 1 << 26:
        return int(v, 16)
    if tag == "b" and type(v) is str:
        return v.encode("latin-1")
    if tag == "c" and type(v) is list and len(v) == 2 and all(type(x) in (int, float) for x in v):
        return complex(v[0], v[1])
    if tag == "h" and type(v) is int and handle is not None:
        return handle(v)
    if tag == "x" and type(v) is str:
        return Opaque(v)
    if tag == "bt" and type(v) is str and type(getattr(builtins, v, None)) in (type, type(len)):
        return getattr(builtins, v)  # a builtin type or function (int, str, len): the receiver's own
    raise ValueError(f"malformed value (tag {str(tag)[:20]!r})")


def _list(v):
    if type(v) is not list:
        raise ValueError("malformed value")
    return v


class Opaque:
    """A value that is not data (call mode): equal to nothing."""

    __slots__ = ("type_name",)

    def __init__(self, type_name):
        self.type_name = type_name

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{self.type_name[:60]} object>"


def _opaque(value):
    return {"x": type(value).__name__}


# --- the zygote -------------------------------------------------------------------------------

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
    for inst in _RANDOM:
        _random.Random.seed(inst)
        inst.gauss_next = None


def _quit(code=None):
    raise SystemExit(code)


def _set_limits(limits):
    mem = limits["memory_bytes"]
    cpu = int(limits["timeout_s"]) + 1  # whole seconds; the zygote's clock is the precise limit
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_STACK, (min(mem, 256 << 20),) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["output_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if ISOLATED:
        # Only effective for a non-root uid; the pids cgroup is the fork-bomb guard for root.
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)


def _make_test_stdio():
    """The test's sys.stdin/stdout/stderr on fds 0/1/2, built once in the zygote (making three
    TextIOWrappers in every test costs ~0.3 ms). Every forked test inherits them empty."""
    def wrap(fd, mode, errors, **kw):
        raw = io.FileIO(fd, mode, closefd=False)
        buf = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        return io.TextIOWrapper(buf, encoding="utf-8", errors=errors, **kw)

    return (wrap(0, "r", "replace"), wrap(1, "w", "backslashreplace"),
            wrap(2, "w", "backslashreplace", line_buffering=True))


def _arrange_fds(fds):
    """Put `fds` on 0, 1, 2, ... in order and close every other descriptor."""
    moved = []
    for fd in fds:
        if fd < 0:
            null = os.open(os.devnull, os.O_RDWR)
            moved.append(fcntl.fcntl(null, fcntl.F_DUPFD, 512))
            os.close(null)
        else:
            moved.append(fcntl.fcntl(fd, fcntl.F_DUPFD, 512))
    for target, fd in enumerate(moved):
        os.dup2(fd, target)
    os.closerange(len(moved), 1 << 20)


def _enter_test(job, fds):
    """Set-up of a test process (T/S) right after fork: descriptors, limits. It runs in the
    job's namespaces, without capabilities (the job worker dropped them before forking it)."""
    os.setpgid(0, 0)
    _arrange_fds(fds)
    os.chdir("/tmp" if ISOLATED else WORKDIR)
    sys.set_int_max_str_digits(0)  # a correct answer may be a 10,000-digit number
    sys.stdin, sys.stdout, sys.stderr = _TEST_STDIO
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = _TEST_STDIO
    sys.argv = ["solution.py"]
    _signal.signal(_SIGPIPE, _SIG_DFL)
    _signal.signal(_SIGXFSZ, _SIG_DFL)  # Python ignores it; we want "killed: output limit"
    _set_limits(job["limits"])
    gc.enable()


def _child(job, test, fds):
    """The test process (T, or S for assert-style tests); never returns. fds: stdin, stdout,
    stderr, result, and for assert-style tests the request/response pipes."""
    code = EXIT_EXCEPTION
    result = {"kind": "error"}
    try:
        _enter_test(job, fds)
        code, result = _run_test(job, test)
    except MemoryError:
        code, result = EXIT_MEMORY, {"kind": "memory"}
    except BaseException as exc:  # the set-up failed
        code, result = EXIT_EXCEPTION, {"kind": "exception", "type": type(exc).__name__, "msg": str(exc)[:500]}
    try:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os.write(3, _OK_BYTES if result is _OK else json.dumps(result).encode())
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
        if mode == "assert":
            return _serve_checker(g)
        fn_name = test["fn_name"]
        sol = g.get("Solution")
        if isinstance(sol, type) and hasattr(sol, fn_name):  # LeetCode style
            fn = getattr(sol(), fn_name)
        elif fn_name in g:
            fn = g[fn_name]
        else:
            return EXIT_EXCEPTION, {"kind": "exception", "type": "NameError", "msg": f"function {fn_name!r} is not defined"}
        value = fn(*decode_value(test["args"]))
        sys.stdout.flush()
        return EXIT_OK, {"kind": "return", "value": json.dumps(encode_value(value, _opaque))}
    except MemoryError:
        return EXIT_MEMORY, {"kind": "memory"}
    except BaseException as exc:
        try:
            traceback.print_exc()
        except BaseException:
            pass
        return EXIT_EXCEPTION, {"kind": "exception", "type": type(exc).__name__, "msg": str(exc)[:500]}


# --- assert-style tests: the solution side (S) ---------------------------------------------------

RPC_IN, RPC_OUT = 4, 5  # in S: requests from the checker, replies to it; in C: the reverse


def _serve_checker(g):
    """S: answer the checker's requests on the solution's globals until it hangs up."""
    handles = []

    def keep(value):
        handles.append(value)
        return {"h": len(handles) - 1}

    def enc(value):
        return encode_value(value, keep)

    glob = {}
    for name, value in list(g.items()):
        if name.startswith("__"):
            continue
        if type(value) is type(sys) and isinstance(getattr(value, "__name__", None), str):
            glob[name] = {"m": value.__name__}
        else:
            try:
                glob[name] = enc(value)
            except EncodeError:
                glob[name] = keep(value)
    _send(RPC_OUT, {"g": glob})
    get = handles.__getitem__
    while True:
        try:
            req = _recv(RPC_IN)
        except EOFError:
            return EXIT_OK, _OK
        try:
            op, obj = req["op"], get(req["h"])
            if op == "call":
                args = decode_value(req["a"], get)
                kwargs = decode_value(req["k"], get)
                out = obj(*args, **kwargs)
            elif op == "getattr":
                out = getattr(obj, req["n"])
            elif op == "setattr":
                setattr(obj, req["n"], decode_value(req["v"], get))
                out = None
            elif op == "getitem":
                out = obj[decode_value(req["v"], get)]
            elif op == "setitem":
                obj[decode_value(req["k"], get)] = decode_value(req["v"], get)
                out = None
            elif op == "len":
                out = len(obj)
            elif op == "iter":
                out = iter(obj)
            elif op == "next":
                try:
                    out = next(obj)
                except StopIteration:
                    _send(RPC_OUT, {"stop": 1})
                    continue
            elif op == "str":
                out = str(obj)
            elif op == "bool":
                out = bool(obj)
            elif op == "contains":
                out = decode_value(req["v"], get) in obj
            else:
                raise ValueError(f"unknown request {op!r}")
            reply = {"v": enc(out)}
        except MemoryError:
            raise
        except BaseException as exc:
            try:
                traceback.print_exc()
            except BaseException:
                pass
            base = next((c.__name__ for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c), "Exception")
            reply = {"e": [base, type(exc).__name__, str(exc)[:500]]}
        try:
            data = _frame(reply)
        except (ValueError, EncodeError, RecursionError) as exc:
            data = _frame({"e": ["ValueError", type(exc).__name__, f"return value cannot be sent: {exc}"[:500]]})
        _write_all(RPC_OUT, data)


# --- assert-style tests: the checker side (C, trusted) ---------------------------------------------

class _Gone(BaseException):
    """The solution process exited (or broke the protocol) before the tests finished."""


class _TooLarge(BaseException):
    """A reply from the solution exceeds the output limit."""


class _BadTest(BaseException):
    """The test code cannot be run this way (e.g. it passes a lambda to the solution)."""


class RemoteError(Exception):
    """An exception raised in the solution process that has no builtin exception type."""


_NOT_RAISED = (SystemExit, KeyboardInterrupt, GeneratorExit, BaseException)
_REPLY_LIMIT = [1 << 24]
_HANDLES = {}


def _remote(n):
    r = _HANDLES.get(n)
    if r is None:
        r = _HANDLES[n] = Remote(n)
    return r


def _carry(value):
    """Checker -> solution: only data and handles cross."""
    def other(v):
        if type(v) is Remote:
            return {"h": object.__getattribute__(v, "_h")}
        raise _BadTest(f"the test passes a {type(v).__name__} to the solution, which only takes data")
    try:
        return encode_value(value, other)
    except EncodeError as exc:
        raise _BadTest(str(exc)) from None


def _rpc(req):
    try:
        _write_all(RPC_OUT, _frame(req))
        reply = _recv(RPC_IN, _REPLY_LIMIT[0])
    except (EOFError, BrokenPipeError):
        raise _Gone("the solution process exited before the tests finished") from None
    except (ValueError, RecursionError):
        raise _Gone("malformed reply from the solution process") from None
    if type(reply) is not dict:
        raise _Gone("malformed reply from the solution process")
    if "v" in reply:
        try:
            return decode_value(reply["v"], _remote)
        except (ValueError, RecursionError, TypeError):
            raise _Gone("malformed value from the solution process") from None
    if "stop" in reply:
        raise StopIteration
    err = reply.get("e")
    if type(err) is not list or len(err) != 3 or not all(type(x) is str for x in err):
        raise _Gone("malformed reply from the solution process")
    cls = getattr(builtins, err[0], None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)) or cls in _NOT_RAISED:
        cls = RemoteError
    try:
        exc = cls(f"{err[1]}: {err[2]}" if err[1] != err[0] else err[2])
    except Exception:
        exc = RemoteError(f"{err[1]}: {err[2]}")
    raise exc


class Remote:
    """A value that lives in the solution process (a function, a class, an instance of one).
    Calls, attribute access, len, iteration, str and truth go there; what comes back is data or
    another Remote, so they give the solution no more than returning that data would. Equality
    is identity: the solution cannot decide a comparison."""

    __slots__ = ("_h", "__weakref__")

    def __init__(self, h):
        object.__setattr__(self, "_h", h)

    def _op(self, op, **kw):
        return _rpc({"op": op, "h": object.__getattribute__(self, "_h"), **kw})

    def __call__(self, *args, **kwargs):
        return self._op("call", a=_carry(list(args)), k=_carry(kwargs))

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._op("getattr", n=name)

    def __setattr__(self, name, value):
        self._op("setattr", n=name, v=_carry(value))

    def __getitem__(self, key):
        return self._op("getitem", v=_carry(key))

    def __setitem__(self, key, value):
        self._op("setitem", k=_carry(key), v=_carry(value))

    def _typed(self, op, typ):
        value = self._op(op)
        if type(value) is not typ:
            raise TypeError(f"{op}() of a solution value did not give a {typ.__name__}")
        return value

    def __len__(self):
        n = self._typed("len", int)
        if n < 0:
            raise TypeError("len() of a solution value is negative")
        return n

    def __iter__(self):
        return self._typed("iter", Remote)

    def __next__(self):
        return self._op("next")

    def __contains__(self, item):
        return self._op("contains", v=_carry(item)) is True

    def __str__(self):
        return self._typed("str", str)

    def __repr__(self):
        return f"<solution value #{object.__getattribute__(self, '_h')}>"

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self):
        return self._typed("bool", bool)  # asked of the solution: no more than returning a bool


CTL = 6  # in C: the socket to the job worker (test index + the pipes to that test's process)


def _checker(ctl, proto_in):
    """C, one per sandbox, forked by the zygote before any job, in the sandbox's PID namespace
    (nothing a job starts can see it). For each assert-style job it reads the test code itself
    (the job's second frame: the job worker never holds it, so no solution process can find
    expected values in memory it inherited), then runs test i whenever the job worker sends i
    with the pipes to that test's solution process. Verdicts go back on the socket, which no
    solution process holds. Replies carry the job's nonce, so a reply meant for a job worker
    that died is ignored by the next one. Never returns."""
    try:
        _arrange_fds([-1, -1, -1, -1, -1, -1, ctl, proto_in])
        if ISOLATED:
            _drop_privileges()
        _signal.signal(_SIGPIPE, _SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        sys.set_int_max_str_digits(0)
        sock = socket.socket(fileno=CTL)
        gc.enable()
    except BaseException:
        os._exit(1)
    tests, nonce = [], None
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 4096, 2)
            if not msg:
                os._exit(0)  # the zygote is gone
            m = json.loads(msg)
        except (OSError, ValueError):
            os._exit(1)
        if m.get("op") == "go":
            try:
                part = _recv(7)
                tests, nonce = part["tests"], m["nonce"]
                limits = part["limits"]
                _REPLY_LIMIT[0] = limits["output_bytes"]
                mem = limits["memory_bytes"] + (256 << 20)  # the checker's own interpreter
                resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            except BaseException:
                os._exit(1)
            _reply(sock, {"nonce": nonce, "pid": os.getpid()})
            continue
        if len(fds) != 2 or m.get("nonce") != nonce:
            for fd in fds:
                os.close(fd)
            continue
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 512) for fd in fds]  # they may arrive as 4 and 5
        for fd in fds:
            os.close(fd)
        os.dup2(high[0], RPC_IN)
        os.dup2(high[1], RPC_OUT)
        for fd in high:
            os.close(fd)
        verdict = _verdict(tests[m["i"]])
        for fd in (RPC_IN, RPC_OUT):
            os.close(fd)  # the solution process sees EOF and exits
        _HANDLES.clear()
        _reply(sock, {"nonce": nonce, "i": m["i"], "verdict": verdict})


def _reply(sock, obj):
    try:
        sock.send(json.dumps(obj).encode()[:60000])
    except OSError:
        os._exit(1)


def _verdict(test):
    try:
        return _check(test)
    except _Gone as exc:
        return {"kind": "gone", "msg": str(exc)}
    except _TooLarge as exc:
        return {"kind": "too_large", "msg": f"a value of {exc.args[0]} bytes from the solution exceeds the output limit"}
    except _BadTest as exc:
        return {"kind": "bad_test", "type": "BadTest", "msg": str(exc)[:500]}
    except MemoryError:
        return {"kind": "memory"}
    except AssertionError as exc:
        return {"kind": "assertion", "type": "AssertionError", "msg": str(exc)[:500]}
    except BaseException as exc:
        try:
            return {"kind": "exception", "type": type(exc).__name__, "msg": str(exc)[:500]}
        except BaseException:
            return {"kind": "exception", "type": "Exception", "msg": ""}


def _check(test):
    try:
        prelude = compile(test.get("prelude") or "", "prelude.py", "exec")
        code = compile(test["setup"] + "\n" + test["assert"], "test.py", "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError) as exc:
        return {"kind": "bad_test", "type": type(exc).__name__, "msg": str(exc)[:500]}
    try:
        hello = _recv(RPC_IN, _REPLY_LIMIT[0])
    except EOFError:
        raise _Gone("the solution process exited before the tests ran") from None
    except (ValueError, RecursionError):
        raise _Gone("malformed hello from the solution process") from None
    names = hello.get("g") if type(hello) is dict else None
    if type(names) is not dict:
        raise _Gone("malformed hello from the solution process")
    g = {"__name__": "__main__", "__builtins__": builtins}
    solution = {}
    for name, enc in names.items():
        if type(enc) is dict and list(enc) == ["m"]:
            module = _import_module(enc["m"])
            if module is not None:
                g[name] = module
            continue
        try:
            solution[name] = decode_value(enc, _remote)
        except (ValueError, RecursionError, TypeError):
            raise _Gone("malformed hello from the solution process") from None
    g.update(solution)
    exec(prelude, g)  # trusted (HumanEval's prompt): its helpers win over the solution's copies
    entry = test.get("entry_point")
    if entry:
        if entry not in solution:
            return {"kind": "exception", "type": "NameError", "msg": f"entry point {entry!r} is not defined"}
        g[entry] = solution[entry]
    exec(code, g)
    if entry:
        g["check"](g[entry])
    return _OK


_NO_IMPORT = frozenset({"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "webbrowser", "pydoc"})


def _import_module(name):
    """A module the solution imported, imported here (trusted) so that test code that relies on
    the solution's `import math` works. Only plain dotted names; a failure just leaves it out."""
    if type(name) is not str or not name or len(name) > 200 or not all(p.isidentifier() for p in name.split(".")):
        return None
    if name.split(".")[0] in _NO_IMPORT:
        return None
    try:
        __import__(name)
        return sys.modules.get(name)
    except Exception:
        return None


# --- job worker helpers ---------------------------------------------------------------------------

def _reap():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


class _ProcFile:
    """A /proc file kept open and re-read with pread at offset 0 (one syscall per read)."""

    def __init__(self, path, dir_fd=None):
        self.path, self.dir_fd, self.fd = path, dir_fd, -1

    def read(self):
        if self.fd < 0:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC, dir_fd=self.dir_fd)
        size = 4096
        while True:
            data = os.pread(self.fd, size, 0)
            if len(data) < size:
                return data
            size *= 4


# --- running one test (in the job worker W) -----------------------------------------------------

WRITABLE_DIRS = ("/tmp", "/dev/shm")
_EMPTY_DIR_SIZE = {}


def _learn_empty_dirs():
    for d in WRITABLE_DIRS:
        try:
            if not os.listdir(d):
                _EMPTY_DIR_SIZE[d] = os.stat(d).st_size
        except OSError:
            pass


def _wipe_dirs():
    """tmpfs gives a directory 20 bytes per entry, so one stat says whether a test left files."""
    for d in WRITABLE_DIRS:
        try:
            if os.stat(d).st_size == _EMPTY_DIR_SIZE.get(d, -1):
                continue
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            _remove(os.path.join(d, name))


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


def _memfd(name):
    return os.memfd_create(name, 0)


def _read_fd(fd, limit, tail=False):
    size = os.fstat(fd).st_size
    if not size:
        return b"", False
    data = os.pread(fd, min(size, limit), max(0, size - limit) if tail else 0)
    return data, size > len(data)


WALL_FACTOR = 3.0  # a test that sleeps or blocks may take this many times its CPU limit (+1 s)
STARVED_FACTOR = 10.0  # ... and one that is runnable but starved of CPU by a busy host, this many
_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    fd = os.open(f"{pid}/stat", os.O_RDONLY, dir_fd=OLD_PROC) if ISOLATED else os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    try:
        return os.read(fd, 4096).rsplit(b")", 1)[1].split()
    finally:
        os.close(fd)


def _ticks(f):
    return int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])  # self + reaped children


def _tree_cpu_and_state(pid, extra, checker=None):
    """CPU ticks used by the test process and everything it started (also what already exited:
    orphans are reaped by this job worker, whose children's time counts), and whether any of
    them is runnable. In isolated mode: every process below this job worker, its reaped
    children and the checker (`extra`: their ticks when the test started, subtracted)."""
    if not ISOLATED:
        try:
            f = _stat(pid)
            return _ticks(f), f[0] == b"R"
        except (OSError, ValueError, IndexError):
            return 0, False
    stats = {}
    for p in os.listdir(OLD_PROC):
        if p.isdigit():
            try:
                stats[int(p)] = _stat(p)
            except (OSError, ValueError, IndexError):
                continue
    kids = {}
    for p, f in stats.items():
        kids.setdefault(int(f[1]), []).append(p)
    roots = kids.get(MY_PID, []) + ([checker] if checker in stats else [])
    total, running, todo = 0, False, list(roots)
    if MY_PID in stats:
        total += int(stats[MY_PID][13]) + int(stats[MY_PID][14])
    while todo:
        p = todo.pop()
        f = stats[p]
        total += _ticks(f)
        running = running or f[0] == b"R"
        todo += kids.get(p, [])
    return total - sum(extra), running


def _wait_within_limits(fd, pid, extra, start, limit, checker=None):
    """Wait until `fd` is readable (the test process's pidfd, or the checker's verdict); True if
    the test ran out of time first.

    The limit is CPU time (of the whole process tree), so a test starved by a busy machine is
    not failed for it. The wall clock caps a test that sleeps or blocks at WALL_FACTOR x limit
    + 1 s, and one that keeps running without getting the CPU at STARVED_FACTOR x.
    """
    wall_cap = start + WALL_FACTOR * limit + 1.0
    starved_cap = start + STARVED_FACTOR * limit + 1.0
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    wait = limit
    while True:
        if poller.poll(max(wait, 0.001) * 1000):
            return False
        now = time.monotonic()
        ticks, running = _tree_cpu_and_state(pid, extra, checker)
        cpu = ticks / _TICK
        if cpu >= limit or now >= starved_cap:
            return True
        if now >= wall_cap and not running:
            return True
        wait = min(limit - cpu, (wall_cap if now < wall_cap else now + 0.05) - now)


def _kill(pid):
    for kill in (os.killpg, os.kill):  # its process group, then itself (if it left the group)
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


class _Job:
    """The job worker's state for one job."""

    def __init__(self, job):
        self.job = job
        self.checker = self.chk_sock = self.nonce = None
        self.fds = [_memfd(name) for name in ("stdin", "stdout", "stderr", "result")]

    def checker_reply(self, timeout):
        """The checker's next reply for this job (replies to a dead worker are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.chk_sock.settimeout(left)
            try:
                data = self.chk_sock.recv(65536)
                reply = json.loads(data)
            except (OSError, ValueError):
                return None
            if type(reply) is dict and reply.get("nonce") == self.nonce:
                return reply

    def baseline(self):
        if not ISOLATED:
            return []
        out = []
        try:
            f = _stat(MY_PID)
            out.append(int(f[13]) + int(f[14]))  # reaped orphans
            if self.checker is not None:
                out.append(_ticks(_stat(self.checker)))
        except (OSError, ValueError, IndexError):
            pass
        return out

    def clean(self):
        """After a test: kill whatever it left (only if the job worker has children), wipe files."""
        if not ISOLATED:
            return True
        ok = False
        for attempt in range(400):
            _reap()
            try:
                if not _CHILDREN.read().split():
                    ok = True
                    break
            except OSError:
                pass
            try:
                os.kill(-1, signal.SIGKILL)  # everything in this namespace but us (its init)
            except OSError:
                pass
            time.sleep(0.0005 * min(attempt, 20))
        _wipe_dirs()
        return ok


def _run_one(state, i, test):
    job = state.job
    limits = job["limits"]
    stdin, out, err, res = state.fds
    for fd in state.fds:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
    data = test.get("stdin", "").encode("utf-8")
    if data:
        _write_all(stdin, data)
        os.lseek(stdin, 0, os.SEEK_SET)
    extra = state.baseline()
    start = time.monotonic()
    verdict = None
    if job["mode"] == "assert" and state.chk_sock is None:  # the checker failed earlier
        return {"i": i, "timed_out": False, "exit": 0, "signal": None, "time_s": 0.0, "stdout": "",
                "stderr": "", "result": "", "verdict": "", "clean": True}
    own_fd = job["mode"] != "assert"
    if not own_fd:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        try:
            socket.send_fds(state.chk_sock, [json.dumps({"op": "test", "i": i, "nonce": state.nonce}).encode()], [rep_r, req_w])
            pid = os.fork()
            if pid == 0:
                _child(job, test, [stdin, out, err, res, req_r, rep_w])
        finally:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
        wait_fd = state.chk_sock.fileno()
    else:
        pid = os.fork()
        if pid == 0:
            _child(job, test, [stdin, out, err, res])
        wait_fd = os.pidfd_open(pid)
    try:
        timed_out = _wait_within_limits(wait_fd, pid, extra, start, limits["timeout_s"], state.checker)
    finally:
        if own_fd:
            os.close(wait_fd)
    # assert-style: the checker's verdict ends the test; the solution process goes now
    _kill(pid)  # not reaped yet, so the pid cannot have been reused
    _, status, rusage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    clean = state.clean()  # also ends what the test started, so the checker sees EOF
    if not own_fd:
        reply = state.checker_reply(10 + 2 * limits["timeout_s"])
        if reply is None or reply.get("i") != i:  # the checker is gone or stuck
            verdict = ""
            state.chk_sock = None
            _kill(state.checker)
        else:
            verdict = json.dumps(reply.get("verdict"))
    # Only a cleanly finished stdin/stdout test needs its output compared on the host.
    wanted = job["mode"] == "stdio" and not timed_out and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    stdout, out_trunc = _read_fd(out, limits["output_bytes"]) if wanted else (b"", False)
    stderr, _ = _read_fd(err, limits["stderr_bytes"], tail=True)
    result, result_trunc = _read_fd(res, limits["output_bytes"])
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
        "result": "" if result_trunc else result.decode("latin-1"),
        "result_truncated": result_trunc,
        "clean": clean,
    }
    if verdict is not None:
        frame["verdict"] = verdict
    return frame


_CHILDREN = _ProcFile("/proc/1/task/1/children")  # the job worker's, in its own /proc


def _job_worker(taken, chk):
    """W, PID 1 of a fresh PID namespace: set up the job's namespaces, wait for the job, serve
    it, exit. The zygote forks the next worker (and checker) as soon as this one has taken its
    job, so the next set-up runs while this job's tests do. `chk`: the socket to this job's
    checker process."""
    global OLD_PROC, MY_PID
    if ISOLATED:
        OLD_PROC = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        MY_PID = int(os.readlink("self", dir_fd=OLD_PROC))
        _enter_solution_namespaces(_TMPFS_BYTES[0])
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            _signal.signal(int(sig), _SIG_DFL)  # a namespace's init: such signals from the tests are dropped
        _drop_privileges()
        _learn_empty_dirs()
    try:
        job = _recv(PROTO_IN)
    except EOFError:
        return W_STOP
    if job.get("op") == "exit":
        return W_STOP
    state = _Job(job)
    if job["mode"] == "assert":
        state.nonce = os.urandom(8).hex()
        state.chk_sock = chk
        chk.send(json.dumps({"op": "go", "nonce": state.nonce}).encode())  # it reads the test code itself
        ready = state.checker_reply(START_S)
        if not ready or type(ready.get("pid")) is not int:
            return W_FAILED
        state.checker = ready["pid"]
    os.write(taken, b"1")  # the zygote starts the next job's worker now
    os.close(taken)
    os.close(PROTO_IN)
    tests = job["tests"]
    last = b""
    for i, test in enumerate(tests):
        frame = _run_one(state, i, test)
        data = _frame(frame)
        if not frame["clean"]:
            _write_all(PROTO_OUT, data + _frame({"done": True, "dirty": True}))
            return W_FAILED
        if i == len(tests) - 1 or (frame["exit"] == EXIT_COMPILE and '"compile"' in frame["result"]):
            last = data  # the same code will not compile for the other tests either
            break
        _write_all(PROTO_OUT, data)
    _write_all(PROTO_OUT, last + _DONE)
    return W_JOB_DONE  # exiting ends the job's namespaces, and with them all it left


_TMPFS_BYTES = [64 << 20]
def _reap_workers(workers, checker):
    """Reap finished job workers; False when one failed or the checker died (sandbox over)."""
    while True:
        try:
            done, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if done == 0:
            return True
        if done == checker:
            return False
        workers.discard(done)
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == W_JOB_DONE):
            return False


def _fork_retrying():
    for attempt in range(500):  # EAGAIN while a finished job's processes are being freed
        try:
            return os.fork()
        except BlockingIOError:
            time.sleep(0.01)
    return os.fork()


START_S = 20.0
W_FAILED = 2
_DONE = _frame({"done": True})


def _serve():
    """Z: fork the next job worker as soon as the current one has taken its job, so that its
    namespace set-up overlaps the current job; reap workers; exit when the host hangs up."""
    _send(PROTO_OUT, {"ready": True, "pid": os.getpid(), "isolated": ISOLATED})
    workers = set()
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    checker = os.fork()
    if checker == 0:
        _checker(theirs.fileno(), PROTO_IN)
    theirs.close()
    try:
        while True:
            r, w = os.pipe()
            if ISOLATED:  # the worker is PID 1 of a fresh PID namespace
                _sys(_unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")
            try:
                pid = _fork_retrying()
            finally:
                if ISOLATED and os.getpid() != 1:
                    _sys(_setns(PIDNS_FD, CLONE_NEWPID), "setns")
            if pid == 0:
                os.close(r)
                code = W_FAILED
                try:
                    code = _job_worker(w, mine)
                except BaseException:
                    try:
                        traceback.print_exc()
                    except BaseException:
                        pass
                os._exit(code)
            os.close(w)
            workers.add(pid)
            poller = select.poll()
            poller.register(r, select.POLLIN)
            while not poller.poll(100):  # reap finished workers meanwhile (no zombies left)
                if not _reap_workers(workers, checker):
                    return
            taken = os.read(r, 1)
            os.close(r)
            if not taken or not _reap_workers(workers, checker):
                return
    finally:
        for pid in list(workers) + [checker]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
def _main():
    global PROTO_IN, PROTO_OUT, WORKDIR, PIDNS_FD, _TEST_STDIO, _ZYGOTE_STDIO
    # Keep the protocol pipes off fds 0/1 so nothing written to stdout can corrupt a frame.
    PROTO_IN, PROTO_OUT = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    WORKDIR = os.getcwd()
    for arg in sys.argv[1:]:
        if arg.startswith("--path="):
            sys.path.append(arg[len("--path="):])
        elif arg.startswith("--tmpfs-bytes="):
            _TMPFS_BYTES[0] = int(arg[len("--tmpfs-bytes="):])
    _preload()
    builtins.exit = builtins.quit = _quit  # -S skips `site`, which normally adds these
    _ZYGOTE_STDIO = (sys.stdin, sys.stdout, sys.stderr)
    _TEST_STDIO = _make_test_stdio()
    if ISOLATED:
        os.environ.pop("LD_BIND_NOW", None)  # set for the zygote only (see bwrap_command)
        # Not dumpable: nothing in the sandbox can ptrace us or open our /proc/PID/fd or mem.
        _sys(_prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "dumpable")
        with open("/proc/self/mountinfo") as f:
            _SHARED_MOUNTS[0] = " shared:" in f.read()
        PIDNS_FD = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        # No user namespaces below this one (a test could get capabilities in a new one).
        with open("/proc/sys/user/max_user_namespaces", "w") as f:
            f.write("0")
    gc.collect()
    gc.freeze()  # keep the preloaded heap shared copy-on-write with the forked tests
    gc.disable()
    _serve()


if __name__ == "__main__":
    _main()
