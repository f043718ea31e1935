"""Hostile solutions: each is contained, gets the right status, leaves no process behind, and
the judge's next verdicts are still correct."""
from __future__ import annotations

import os
import socket
import sys
import time
import uuid

import pytest

from tests.conftest import require_or_skip
from verifiers.code import Judge, sandbox_problem

pytestmark = pytest.mark.sandbox

OK = {"inputs": ["\n"], "outputs": ["ok\n"]}


JUDGE_WORKERS = 1  # one sandbox: the tests inspect its processes


def _children(pid: int) -> list[int]:
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d))
    return kids


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        for k in _children(todo.pop()):
            out.append(k)
            todo.append(k)
    return out


def _alive(pid: int) -> bool:
    """Exists and is not a zombie (a zombie whose parent died is reaped by init, holds nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _processes_with(marker: str) -> list[int]:
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(d))
            except OSError:
                pass
    return found


def _live_descendants(pid: int) -> list[int]:
    return [p for p in _descendants(pid) if _alive(p)]


def _assert_sandboxes_idle(judge: Judge) -> None:
    """Each warm sandbox holds exactly bwrap's PID-1 reaper, the zygote, the checker and the
    next job's idle worker: nothing a solution started is left."""
    boxes = list(judge.pool._all)
    assert boxes
    for sb in boxes:
        assert sb.alive
        deadline = time.monotonic() + 5  # the last job's worker exits after sending "done"
        while len(_live_descendants(sb.proc.pid)) != 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        left = _live_descendants(sb.proc.pid)
        assert len(left) == 4, [open(f"/proc/{p}/cmdline").read() for p in left]


def _assert_next_verdicts_correct(judge: Judge) -> None:
    res = judge.run_tests("print(input().strip() or 'ok')", {"inputs": ["\n", "x\n"], "outputs": ["ok\n", "y\n"]})
    assert [r.status for r in res] == ["passed", "wrong_answer"]
    _assert_sandboxes_idle(judge)


FORK_BOMB = "import os\nwhile True:\n    os.fork()\n"
STUBBORN_FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
MEMORY_BOMB = "x = []\nwhile True:\n    x.append(bytearray(10 ** 7))\n"
DISK_FILLER = "i = 0\nwhile True:\n    open(f'/tmp/f{i}', 'wb').write(b'x' * 10 ** 7)\n    i += 1\n"
SHM_FILLER = DISK_FILLER.replace("/tmp/", "/dev/shm/")
BIG_STDOUT = "import sys\nchunk = 'x' * 65536\nfor _ in range(16384):  # 1 GiB\n    sys.stdout.write(chunk)\n"
KILL_PARENT = "import os\nos.kill(os.getppid(), 9)\nprint('ok')\n"
KILL_ALL = "import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('ok')\n"


@pytest.mark.parametrize("name, code, statuses", [
    ("infinite loop", "while True:\n    pass\n", {"timeout"}),
    ("sleeps forever", "import time\ntime.sleep(10 ** 6)\n", {"timeout"}),
    ("fork bomb", FORK_BOMB, {"runtime_error", "timeout"}),
    ("fork bomb that ignores EAGAIN", STUBBORN_FORK_BOMB, {"timeout"}),
    ("memory bomb", MEMORY_BOMB, {"memory_limit"}),
    ("disk filler /tmp", DISK_FILLER, {"runtime_error"}),
    ("disk filler /dev/shm", SHM_FILLER, {"runtime_error"}),
    ("1 GiB of stdout", BIG_STDOUT, {"runtime_error"}),
    # the judge is outside the test's PID namespace: it cannot be reached, the test carries on
    ("kills its parent", KILL_PARENT, {"passed"}),
    ("kills everything it can", KILL_ALL, {"passed", "runtime_error"}),
    ("writes to /dev", "open('/dev/evil', 'w').write('x')\nprint('ok')\n", {"runtime_error"}),
    ("writes to /usr", "open('/usr/evil', 'w').write('x')\nprint('ok')\n", {"runtime_error"}),
])
def test_hostile_solution_is_contained(judge, name, code, statuses):
    (r,) = judge.run_tests(code, OK, timeout_s=1.5, memory_mb=256)
    assert r.status in statuses, (name, r)
    if name == "1 GiB of stdout":
        assert "output" in r.detail
    _assert_next_verdicts_correct(judge)


def test_cannot_connect_to_a_local_listening_port(judge):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        code = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=1)\ns.sendall(b'hi')\nprint('ok')\n"
        (r,) = judge.run_tests(code, OK, timeout_s=3)
        assert r.status == "runtime_error" and "Connection refused" in r.detail, r
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing ever arrived
    (r,) = judge.run_tests("import socket\nsocket.getaddrinfo('example.com', 80)\nprint('ok')\n", OK, timeout_s=3)
    assert r.status == "runtime_error"
    _assert_next_verdicts_correct(judge)


def test_cannot_read_a_secret_file_outside(judge, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-" + uuid.uuid4().hex)
    # the expected output IS the secret: the test could only pass if the file were readable
    tests = {"inputs": [""], "outputs": [secret.read_text() + "\n"]}
    for path in (str(secret), "/etc/shadow", os.path.expanduser("~/.bash_history"), "/work", "/home"):
        (r,) = judge.run_tests(f"print(open({path!r}).read())", tests)
        assert r.status == "runtime_error", (path, r)
        assert "TOPSECRET" not in r.stderr
    (r,) = judge.run_tests("import os\nprint(sorted(os.listdir('/')))", {"inputs": [""], "outputs": ["x"]})
    assert r.status == "wrong_answer"  # ran fine; it just cannot see the host's /work, /home, /root...
    _assert_next_verdicts_correct(judge)


READ_EVERY_ENVIRON = """
import os
found = [os.environ.get('RC_JUDGE_TEST_SECRET', '')]
for pid in os.listdir('/proc'):
    for name in ('environ', 'cmdline'):
        try:
            found.append(open(f'/proc/{pid}/{name}', 'rb').read().decode('latin-1'))
        except OSError:
            pass
print(''.join(f for f in found if 'TOPSECRET' in f) or 'nothing')
"""


def test_host_environment_is_not_visible(monkeypatch):
    """Not in the test's environment, nor in /proc/1/environ or any other process it can see
    (bwrap and so the sandbox's PID 1 start with an empty environment)."""
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    token = "TOPSECRET-" + uuid.uuid4().hex
    monkeypatch.setenv("RC_JUDGE_TEST_SECRET", token)
    with Judge(workers=1) as j:  # started after the variable was set
        (r,) = j.run_tests(READ_EVERY_ENVIRON, {"inputs": [""], "outputs": ["nothing\n"]})
        assert r.status == "passed", r
        for sb in j.pool._all:  # and not in the environment of any process of the sandbox
            for pid in [sb.proc.pid] + _descendants(sb.proc.pid):
                try:
                    with open(f"/proc/{pid}/environ", "rb") as f:
                        assert token.encode() not in f.read()
                except (FileNotFoundError, ProcessLookupError):
                    pass


def test_cannot_write_outside(judge, tmp_path):
    target = tmp_path / "pwned"
    (r,) = judge.run_tests(f"open({str(target)!r}, 'w').write('x')\nprint('ok')\n", OK)
    assert r.status == "runtime_error"
    assert not target.exists()
    _assert_next_verdicts_correct(judge)


def test_orphans_do_not_survive(judge):
    marker = f"{uuid.uuid4().int % 10 ** 6}.{os.getpid()}"
    code = (
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv('/usr/bin/sleep', ['sleep', '{marker}'])\n"
        "    os._exit(0)\n"
        "print('ok')\n"
    )
    (r,) = judge.run_tests(code, OK)
    assert r.status == "passed"  # the solution itself behaved; its daemon is what must go
    assert _processes_with(marker) == []
    _assert_next_verdicts_correct(judge)


def test_sandbox_sees_only_its_own_processes(judge):
    code = "import os\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))\n"
    (r,) = judge.run_tests(code, {"inputs": [""], "outputs": ["2\n"]})  # its job worker (PID 1) and itself
    assert r.status == "passed", r


def test_the_judge_processes_cannot_be_stopped(judge):
    code = ("import os, signal\nfor pid in {os.getppid(), 1, 2, 3, 4} - {os.getpid()}:\n    try:\n"
            "        os.kill(pid, signal.SIGSTOP)\n    except OSError:\n        pass\nprint('ok')\n")
    (r,) = judge.run_tests(code, OK, timeout_s=0.5)
    assert r.status == "passed", r
    _assert_next_verdicts_correct(judge)


def test_closing_the_judge_leaves_no_process():
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    j = Judge(workers=2)
    pids = [sb.proc.pid for sb in j.pool._all]
    deadline = time.monotonic() + 60  # a loaded machine may still be starting a sandbox's inner processes
    while True:
        inner = [p for pid in pids for p in _live_descendants(pid)]
        if len(inner) >= 8 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(pids) == 2 and len(inner) == 8
    j.run_tests(FORK_BOMB, OK, timeout_s=1)
    j.close()
    assert not [p for p in pids + inner if _alive(p)]
    assert j.pool._all == set()



# --- reaching the judge: PID 1, the protocol, the next job -----------------------------------------

REACH_THE_JUDGE = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
reached = []
pids = [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]
for pid in pids:
    if libc.ptrace(16, int(pid), 0, 0) == 0:  # PTRACE_ATTACH
        reached.append(f'ptrace {pid}')
    for what in ('mem', 'environ'):
        try:
            with open(f'/proc/{pid}/{what}', 'rb') as f:
                f.read(1)
            reached.append(f'{what} {pid}')
        except OSError:
            pass
    try:
        for fd in os.listdir(f'/proc/{pid}/fd'):
            try:
                os.close(os.open(f'/proc/{pid}/fd/{fd}', os.O_WRONLY))
                reached.append(f'fd {pid}/{fd}')
            except OSError:
                pass
    except OSError:
        pass
# write fake "passed" frames on every descriptor it has (the protocol pipes are not among them)
import json, struct
fake = json.dumps({"i": 0, "timed_out": False, "exit": 0, "signal": None, "result": "", "verdict": '{"kind": "ok"}'}).encode()
for fd in range(3, 256):
    try:
        os.write(fd, struct.pack('>I', len(fake)) + fake + struct.pack('>I', 14) + b'{"done": true}')
    except OSError:
        pass
print(' '.join(reached) or 'nothing', len(pids))
"""


def test_cannot_reach_pid1_the_judge_or_its_pipes(judge):
    """ptrace, /proc/PID/mem, /proc/PID/fd of every process the test can see (its namespace's
    PID 1, the job worker) fail, and fake frames written on its descriptors change nothing."""
    (r,) = judge.run_tests(REACH_THE_JUDGE, {"inputs": [""], "outputs": ["nothing 1\n"]})
    assert r.status == "passed", r
    for answer in ("nothing 1", "something"):  # a forged frame cannot make a wrong answer pass
        (r,) = judge.run_tests(REACH_THE_JUDGE, {"inputs": [""], "outputs": [answer + "x"]})
        assert r.status == "wrong_answer", r
    # assert-style: the same tricks (the fake frames reach only the checker's request pipe,
    # which then rejects the malformed reply), then a wrong answer: never a pass
    code = REACH_THE_JUDGE.replace("print(' '.join(reached) or 'nothing', len(pids))", "") + "\ndef sq(x):\n    return x + x\n"
    res = judge.run_tests(code, ["assert sq(3) == 9", "assert sq(3) == 6"])
    assert [t.status for t in res] in (["wrong_answer", "passed"], ["runtime_error", "runtime_error"]), res
    _assert_next_verdicts_correct(judge)


NEXT_JOB_SPY = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.time() + 3
        while time.time() < end:  # try to read the next job and leave a trap for it
            for pid in os.listdir('/proc'):
                try:
                    data = open(f'/proc/{pid}/fd/0', 'rb').read(4096)
                    open('/tmp/stolen', 'ab').write(data)
                except OSError:
                    pass
            open('/tmp/trap.py', 'w').write('print(\\"pwned\\")')
            time.sleep(0.01)
    os._exit(0)
print('ok')
"""


def test_a_daemon_cannot_spy_on_or_disturb_the_next_solution(judge):
    (r,) = judge.run_tests(NEXT_JOB_SPY, OK)
    assert r.status == "passed"  # the solution behaved; its daemon must be gone with its job
    secret = "SECRET" + uuid.uuid4().hex
    res = judge.run_tests(f"# {secret}\nprint(input().strip() or 'ok')", {"inputs": ["\n", "x\n"], "outputs": ["ok\n", "x\n"]})
    assert [t.status for t in res] == ["passed", "passed"]
    probe = ("import os\nprint(sorted(os.listdir('/tmp')), sorted(p for p in os.listdir('/proc') if p.isdigit()))")
    (r,) = judge.run_tests(probe, {"inputs": [""], "outputs": ["[] ['1', '2']\n"]})  # the job worker, itself
    assert r.status == "passed", r
    _assert_next_verdicts_correct(judge)


MEMORY_SCAN = """
import re
hits = 0
with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb') as mem:
    for line in maps:
        addr, perms = line.split()[:2]
        if 'r' not in perms or '[vvar' in line or '[vsyscall' in line:
            continue
        lo, hi = (int(x, 16) for x in addr.split('-'))
        try:
            mem.seek(lo)
            hits += mem.read(hi - lo).count(MARKER)
        except (OSError, ValueError, OverflowError):
            pass
print('clean' if hits == 0 else f'found {hits}')
"""


def test_an_earlier_solutions_code_and_output_are_not_in_a_later_ones_memory(judge):
    marker = ("MARK" + uuid.uuid4().hex[:12]).encode()
    # the earlier solution has its output (the marker 1,000 times) and its code in memory
    (r,) = judge.run_tests(f"s = bytes.fromhex({marker.hex()!r}).decode()\nprint(s * 1000)", {"inputs": [""], "outputs": ["x"]})
    assert r.status == "wrong_answer"
    # the later one looks for three markers in a row: the only copy it may find is its needle
    scan = f"MARKER = bytes.fromhex({(marker * 3).hex()!r})\n" + MEMORY_SCAN.replace("hits == 0", "hits <= 1")
    (r,) = judge.run_tests(scan, {"inputs": [""], "outputs": ["clean\n"]})
    assert r.status == "passed", r


# --- residue: files, IPC, processes ----------------------------------------------------------------

FILL_EVERYTHING = """
import os
for d in ('/tmp', '/dev/shm', '.'):
    i = 0
    while True:
        try:
            with open(f'{d}/fill{i}', 'wb') as f:
                f.write(b'x' * (4 << 20))
            i += 1
        except OSError:
            break
print('ok')
"""
WRITE_10MB = "open('/tmp/big', 'wb').write(b'y' * (10 << 20))\nopen('/dev/shm/big', 'wb').write(b'y' * (10 << 20))\nprint('ok')\n"


def test_filled_tmpfs_does_not_reach_the_next_solution(judge):
    (r,) = judge.run_tests(FILL_EVERYTHING, OK, memory_mb=256)
    assert r.status in ("passed", "runtime_error"), r
    res = judge.run_tests(WRITE_10MB, {"inputs": ["", ""], "outputs": ["ok\n", "ok\n"]}, memory_mb=256)
    assert [t.status for t in res] == ["passed", "passed"], res
    _assert_next_verdicts_correct(judge)


SYSV_AND_MQ = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
rt = ctypes.CDLL('librt.so.1', use_errno=True)
rt.mq_open.restype = ctypes.c_int
KEY = 0x5eed
MODE = CREATE
flags = 0o1000 | 0o666 if MODE else 0  # IPC_CREAT
shm = libc.shmget(KEY, 4096, flags)
msg = libc.msgget(KEY, flags)
sem = libc.semget(KEY, 1, flags)
mq = rt.mq_open(b'/rcjudge', (0o100 | 2) if MODE else 2, 0o666, None)  # O_CREAT | O_RDWR
print(['found' if x >= 0 else 'none' for x in (shm, msg, sem, mq)])
"""


def test_sysv_ipc_and_posix_mqueues_do_not_reach_the_next_solution(judge):
    create = SYSV_AND_MQ.replace("CREATE", "True")
    look = SYSV_AND_MQ.replace("CREATE", "False")
    (r,) = judge.run_tests(create, {"inputs": [""], "outputs": ["['found', 'found', 'found', 'found']\n"]})
    assert r.status == "passed", r  # they work inside a job...
    (r,) = judge.run_tests(look, {"inputs": [""], "outputs": ["['none', 'none', 'none', 'none']\n"]})
    assert r.status == "passed", r  # ...and are gone for the next one


ZOMBIE_FLOOD = """
import os
n = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os._exit(0)  # a zombie: never waited for
    n += 1
print('ok')
"""


def test_zombie_floods_and_process_leftovers_do_not_reach_the_next_solution(judge):
    (r,) = judge.run_tests(ZOMBIE_FLOOD, OK, timeout_s=3)
    assert r.status in ("passed", "timeout"), r
    # the next solution can start processes again (the PID table is not full)
    code = "import subprocess, sys\nprint(subprocess.run([sys.executable, '-c', 'print(2)'], capture_output=True, text=True).stdout.strip())"
    (r,) = judge.run_tests(code, {"inputs": [""], "outputs": ["2\n"]}, timeout_s=5)
    assert r.status == "passed", r
    _assert_next_verdicts_correct(judge)


# --- forging an assert-style verdict -------------------------------------------------------------

class_always_equal = "class E:\n    def __eq__(self, o): return True\n    __ne__ = lambda s, o: False\n    __bool__ = lambda s: True\n    __hash__ = object.__hash__\n"
UNIVERSAL = {
    "os._exit(0)": "import os\nos._exit(0)\n",
    "sys.exit(0)": "import sys\nsys.exit(0)\n",
    "raise SystemExit": "raise SystemExit(0)\n",
    "exit in the call": "def sq(x):\n    import os\n    os._exit(0)\n",
    "SystemExit in the call": "def sq(x):\n    raise SystemExit(0)\n",
    "__eq__ always True": class_always_equal + "def sq(x):\n    return E()\n",
    "int subclass __eq__": "class I(int):\n    def __eq__(self, o): return True\n    __hash__ = int.__hash__\ndef sq(x):\n    return I(0)\n",
    "patched builtins": "import builtins\nclass A(Exception): pass\nbuiltins.AssertionError = A\nbuiltins.abs = lambda x: 0\ndef sq(x):\n    return 0\n",
    "own check()": "def check(candidate):\n    pass\ndef sq(x):\n    return 0\n",
    "frame patching": (
        "import sys\n"
        "f = sys._getframe()\n"
        "while f is not None:\n"
        "    for k, v in list(f.f_globals.items()):\n"
        "        if k in ('_check', '_verdict', '_run_test', 'compile'):\n"
        "            f.f_globals[k] = lambda *a, **k: (0, {'kind': 'ok'})\n"
        "    f = f.f_back\n"
        "def sq(x):\n    return 0\n"
    ),
    "reads its own test": (
        "import gc, re\n"
        "def sq(x):\n"
        "    for o in gc.get_objects():\n"
        "        if isinstance(o, str) and 'assert sq(' in o:\n"
        "            m = re.search(r'sq\\((\\d+)\\) == (\\d+)', o)\n"
        "            if m and int(m.group(1)) == x:\n"
        "                return int(m.group(2))\n"
        "    return 0\n"
    ),
}
CHECK = "def check(candidate):\n    assert candidate(3) == 9\n    assert candidate(-2) == 4\n    assert abs(candidate(2) - 4) < 1e-9\n"


@pytest.mark.parametrize("name", sorted(UNIVERSAL))
def test_universal_solutions_do_not_pass_assert_tests(judge, name):
    code = UNIVERSAL[name]
    res = judge.run_tests(code, ["assert sq(3) == 9", "assert sq(5) == 25", "assert sq(4) == 16 and sq(4) > 15"])
    assert not any(t.passed for t in res), (name, res)
    assert all(t.decided_by in ("checker", "solution", "limits") for t in res), res
    (r,) = judge.run_tests(code, {"assert_code": CHECK, "entry_point": "sq"})
    assert not r.passed, (name, r)
    _assert_next_verdicts_correct(judge)


def test_assert_tests_with_solution_classes_and_huge_values(judge):
    """Values that are not data stay in the solution process (handles): MBPP-style Pair/Node
    tests work, while a handle compared to anything is unequal and has no truth value."""
    code = ("class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n"
            "def chain(ps, n):\n    return sum(p.b - p.a for p in ps)\n"
            "def big():\n    return 7 ** 20000\n")
    res = judge.run_tests(code, ["assert chain([Pair(1, 5), Pair(2, 3)], 2) == 5",
                                 "assert chain([Pair(1, 5)], 1) == 99",
                                 "assert big() == 7 ** 20000",
                                 "assert Pair(1, 2) == Pair(1, 2)",
                                 "assert isinstance(chain([], 0), int) and [x for x in map(int, '12')] == [1, 2]",
                                 "p = Pair(1, 2)\np.a = 5\nassert p.a == 5 and chain([p], 1) == -3"])
    assert [t.status for t in res] == ["passed", "wrong_answer", "passed", "wrong_answer", "passed", "passed"], res
    assert {t.decided_by for t in res} == {"checker"}


# --- host side: huge values, frames ---------------------------------------------------------------

def test_huge_integers_and_long_results(judge, monkeypatch):
    monkeypatch.setattr(sys, "get_int_max_str_digits", sys.get_int_max_str_digits)  # restored after
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # only for writing the expected values here
    try:
        n = 7 ** 30000  # ~25,000 digits: more than int's default 4,300-digit limit
        text = str(n)
    finally:
        sys.set_int_max_str_digits(limit)
    (r,) = judge.run_tests("print(7 ** 30000)", {"inputs": [""], "outputs": [text + "\n"]})
    assert r.status == "passed", r
    (r,) = judge.run_tests("print(7 ** 30000 + 1)", {"inputs": [""], "outputs": [text + "\n"]})
    assert r.status == "wrong_answer", r
    res = judge.run_tests("def f(k):\n    return 7 ** k\n", {"fn_name": "f", "inputs": [[30000], [3]], "outputs": [text, [343]]})
    assert [t.status for t in res] == ["passed", "passed"], res
    # the bug: 20,000 integers from a call-based solution (more than the old 64 KiB result cap)
    res = judge.run_tests("def f(k):\n    return list(range(k))\n", {"fn_name": "f", "inputs": [[20000], [200000]],
                                                                    "outputs": [[list(range(20000))], [list(range(200000))]]})
    assert [t.status for t in res] == ["passed", "passed"], res
    (r,) = judge.run_tests("print('1' * 12000 + 'x')", {"inputs": [""], "outputs": ["1" * 12000 + "y"]})
    assert r.status == "wrong_answer"


def test_malformed_frames_are_a_sandbox_error_for_that_test_only(tmp_path, monkeypatch):
    """A zygote that answers with garbage (deep nesting, wrong types, not JSON): sandbox_error
    for the test concerned, nothing raised out of run_tests or judge_many."""
    import verifiers.code.sandbox as sandbox_mod

    fake = tmp_path / "fake_zygote.py"
    fake.write_text(
        "import json, os, struct, sys\n"
        "def send(b):\n    os.write(1, struct.pack('>I', len(b)) + b)\n"
        "send(json.dumps({'ready': True}).encode())\n"
        "n = int(open(sys.argv[0] + '.count').read()) if os.path.exists(sys.argv[0] + '.count') else 0\n"
        "open(sys.argv[0] + '.count', 'w').write(str(n + 1))\n"
        "hdr = os.read(0, 4)\n"
        "bad = [b'[' * 100000 + b']' * 100000, b'{\"i\": \"x\"}', b'not json', b'{\"i\": 0, \"time_s\": []}'][n % 4]\n"
        "send(bad)\n"
        "os.read(0, 1 << 20)\n"
    )
    monkeypatch.setattr(sandbox_mod, "ZYGOTE_PATH", fake)
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap: the unisolated path runs the fake directly
    monkeypatch.setenv("RC_JUDGE_ALLOW_UNSANDBOXED", "1")
    with pytest.warns(RuntimeWarning):
        j = Judge(workers=1)
    with j:
        res = j.run_tests("print(1)", {"inputs": ["", "", ""], "outputs": ["1", "1", "1"]})
        assert [t.status for t in res] == ["sandbox_error"] * 3
        many = j.judge_many([{"code": "print(1)", "tests": {"inputs": [""], "outputs": ["1"]}}] * 3)
        assert [[t.status for t in rs] for rs in many] == [["sandbox_error"]] * 3
