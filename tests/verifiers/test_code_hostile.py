"""Hostile solutions: each is contained, gets the right status, leaves no process behind, and
the judge's next verdicts are still correct."""
from __future__ import annotations

import os
import socket
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


def _assert_sandboxes_idle(judge: Judge) -> None:
    """Each warm sandbox holds exactly bwrap's PID-1 reaper and the zygote: nothing left over."""
    boxes = list(judge.pool._all)
    assert boxes
    for sb in boxes:
        assert sb.alive
        assert len(_descendants(sb.proc.pid)) == 2, [open(f"/proc/{p}/cmdline").read() for p in _descendants(sb.proc.pid)]


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
    ("kills its parent", KILL_PARENT, {"runtime_error"}),
    ("kills everything it can", KILL_ALL, {"runtime_error"}),
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


def test_host_environment_is_not_visible(monkeypatch):
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    token = "TOPSECRET-" + uuid.uuid4().hex
    monkeypatch.setenv("RC_JUDGE_TEST_SECRET", token)
    with Judge(workers=1) as j:  # started after the variable was set
        (r,) = j.run_tests("import os\nprint(os.environ.get('RC_JUDGE_TEST_SECRET', 'absent'))\n"
                           "print(open('/proc/1/environ').read())",
                           {"inputs": [""], "outputs": [token]})
    assert r.status == "wrong_answer"


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
    (r,) = judge.run_tests(code, {"inputs": [""], "outputs": ["3\n"]})  # reaper, zygote, the test
    assert r.status == "passed", r


@pytest.mark.slow
def test_stopping_the_judge_process_is_a_timeout(judge):
    (r,) = judge.run_tests("import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nprint('ok')\n", OK, timeout_s=0.2)
    assert r.status == "timeout", r
    _assert_next_verdicts_correct(judge)


def test_closing_the_judge_leaves_no_process():
    require_or_skip(sandbox_problem() is None, "bubblewrap unusable")
    j = Judge(workers=2)
    pids = [sb.proc.pid for sb in j.pool._all]
    inner = [p for pid in pids for p in _descendants(pid)]
    assert len(pids) == 2 and len(inner) == 4
    j.run_tests(FORK_BOMB, OK, timeout_s=1)
    j.close()
    assert not [p for p in pids + inner if _alive(p)]
    assert j.pool._all == set()
