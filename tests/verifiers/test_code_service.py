"""Service mode (HTTP), the CLI, and the refusal to run without a sandbox."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT, require_or_skip
from verifiers.code import Judge, sandbox_problem
from verifiers.code.service import JudgeClient, load_test

ADD = "a, b = map(int, input().split())\nprint(a + b)\n"
ADD_TESTS = {"inputs": ["1 2\n", "2 2\n"], "outputs": ["3\n", "5\n"]}


def _need_bwrap():
    problem = sandbox_problem()
    require_or_skip(problem is None, f"bubblewrap unusable: {problem}")


@pytest.fixture(scope="module")
def service():
    """`python -m verifiers.code serve` (uvicorn, 2 worker processes) on a free port."""
    _need_bwrap()
    proc = subprocess.Popen([sys.executable, "-m", "verifiers.code", "serve", "--port", "0", "--workers", "2",
                             "--read-timeout-s", "1"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving on http://127.0.0.1:"), (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split()[2]
        client = JudgeClient(url, timeout_s=60)
        deadline = time.monotonic() + 60
        while True:  # the workers start their judge processes
            try:
                client.health()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


def _raw(url: str, data: bytes, wait: float = 0.0) -> bytes:
    """Send raw bytes (optionally stalling), return the raw response."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(data)
        if wait:
            time.sleep(wait)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)


@pytest.mark.sandbox
def test_http_service_round_trip(service):
    client = JudgeClient(service)
    assert client.health() == {"ok": True, "isolated": True, "workers": 2, "sandboxes": 1}
    res = client.run_tests(ADD, ADD_TESTS, timeout_s=2)
    assert [r.status for r in res] == ["passed", "wrong_answer"]
    assert {r.decided_by for r in res} == {"host"}
    many = client.judge_many([{"code": ADD, "tests": ADD_TESTS}, {"code": "while True: pass", "tests": ADD_TESTS, "timeout_s": 0.3}])
    assert [[r.status for r in rs] for rs in many] == [["passed", "wrong_answer"], ["timeout", "timeout"]]
    with pytest.raises(ValueError, match="400.*outputs"):
        client.run_tests(ADD, {"inputs": ["1"], "outputs": []})
    with pytest.raises(ValueError, match="404"):
        client._call("/nope", {})


@pytest.mark.sandbox
@pytest.mark.parametrize("request_bytes, status", [
    (b'POST /run_tests HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{"code": ', b"400"),
    (b'POST /run_tests HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n[]', b"400"),
    (b'POST /judge_many HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{"jobs": 1}', b"400"),
    (b"GET /run_tests HTTP/1.1\r\nHost: x\r\n\r\n", b"405"),
    (b"POST /run_tests HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n", b"413"),
    (b"BLAH\r\n\r\n", b"400"),
])
def test_malformed_requests_get_a_4xx(service, request_bytes, status):
    reply = _raw(service, request_bytes)
    assert reply.split(b" ")[1] == status, reply[:200]


@pytest.mark.sandbox
def test_a_stalled_request_body_times_out(service):
    head = b"POST /run_tests HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    reply = _raw(service, head + b'{"code": "pri', wait=0.0)  # the other 87 bytes never come
    assert reply.split(b" ")[1] == b"408", reply[:200]
    assert JudgeClient(service).health()["ok"]


@pytest.mark.sandbox
def test_service_holds_under_load(service):
    """50 concurrent clients for 5 s (the 30 s run is `bench/code_judge.py --load 30`): no failed
    request (malformed ones get their 4xx), /health always answers."""
    out = load_test(service, clients=50, seconds=5.0)
    assert out["requests"] > 50 and out["failed"] == 0, out
    assert out["health_checks"] > 10 and out["health_failed"] == 0, out


def _cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "verifiers.code", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.mark.sandbox
def test_cli_run_writes_one_line_per_solution(tmp_path):
    _need_bwrap()
    problems = tmp_path / "problems.jsonl"
    problems.write_text("\n".join(json.dumps(p) for p in [
        {"id": "add", "tests": ADD_TESTS},
        {"task_id": "mbpp/1", "test_list": ["assert sq(2) == 4", "assert sq(3) == 9"], "test_setup_code": ""},
        {"id": "broken", "tests": {"inputs": ["1"], "outputs": []}},
    ]) + "\n")
    solutions = tmp_path / "solutions.jsonl"
    solutions.write_text("\n".join([
        json.dumps({"problem_id": "add", "code": ADD, "solution_id": "a1"}),
        json.dumps({"task_id": "mbpp/1", "code": "def sq(x):\n    return x * x\n"}),
        json.dumps({"problem_id": "missing", "code": "print(1)"}),
        json.dumps({"problem_id": "broken", "code": "print(1)"}),
        "{not json",
    ]) + "\n")
    out = tmp_path / "out" / "results.jsonl"
    r = _cli("run", str(problems), str(solutions), "-o", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5
    assert rows[0]["solution_id"] == "a1" and [t["status"] for t in rows[0]["results"]] == ["passed", "wrong_answer"]
    assert rows[0]["pass_rate"] == 0.5 and rows[0]["passed"] is False
    assert rows[1]["passed"] is True and rows[1]["n_tests"] == 2
    assert [row.get("error_kind") for row in rows[2:]] == ["unknown_problem", "invalid_problem", "invalid_json"]
    summary = json.loads(r.stderr[r.stderr.index("{"):])
    assert summary["judged"] == 2 and summary["not_judged"] == {"unknown_problem": 1, "invalid_problem": 1, "invalid_json": 1}
    assert sorted(p.name for p in out.parent.iterdir()) == ["results.jsonl"]  # no temp file left


def test_refuses_without_a_sandbox_unless_told(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap on PATH: a machine without bubblewrap
    env.pop("RC_JUDGE_ALLOW_UNSANDBOXED", None)
    problems = tmp_path / "p.jsonl"
    problems.write_text(json.dumps({"id": "add", "tests": ADD_TESTS}) + "\n")
    solutions = tmp_path / "s.jsonl"
    solutions.write_text(json.dumps({"problem_id": "add", "code": ADD}) + "\n")
    out = tmp_path / "r.jsonl"
    r = _cli("run", str(problems), str(solutions), "-o", str(out), env=env)
    assert r.returncode == 2 and "refusing to run untrusted code" in r.stderr and "bwrap" in r.stderr
    assert not out.exists()
    r = _cli("run", str(problems), str(solutions), "-o", str(out), "--unsafe-no-sandbox", "--workers", "1", env=env)
    assert r.returncode == 0, r.stderr
    assert "WITHOUT A SANDBOX" in r.stderr
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert [t["status"] for t in row["results"]] == ["passed", "wrong_answer"]
    assert json.loads(r.stderr[r.stderr.index("{\n"):])["isolated"] is False


def test_judge_refuses_in_process_without_bwrap(monkeypatch, tmp_path):
    from verifiers.code import SandboxUnavailable

    monkeypatch.setenv("PATH", str(tmp_path))  # bwrap is not on PATH
    monkeypatch.delenv("RC_JUDGE_ALLOW_UNSANDBOXED", raising=False)
    with pytest.raises(SandboxUnavailable, match="refusing to run untrusted code.*allow_unsandboxed"):
        Judge(workers=1)
    with pytest.warns(RuntimeWarning, match="WITHOUT A SANDBOX"):
        judge = Judge(workers=1, allow_unsandboxed=True)
    with judge:
        assert judge.isolated is False
        res = judge.run_tests(ADD, ADD_TESTS, timeout_s=2)
        assert [r.status for r in res] == ["passed", "wrong_answer"]
        assert judge.run_tests("while True: pass", ADD_TESTS, timeout_s=0.3)[0].status == "timeout"
