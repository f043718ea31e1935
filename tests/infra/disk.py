"""Fault tests' helpers: a small disk (a tmpfs the test mounts, root only, and can grow: "free
space"), the job started as a user starts it, and the checks of a job stopped by a full disk."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, require_or_skip


class SmallDisk:
    def __init__(self, path: Path) -> None:
        self.path = path

    def resize(self, size: str) -> None:
        """Grow (or shrink) the filesystem: `remount,size=`; growing it is freeing space."""
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True, capture_output=True)

    def free(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize


def _can_mount() -> bool:
    return os.geteuid() == 0 and Path("/proc/filesystems").read_text().find("tmpfs") >= 0


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SmallDisk]:
    """A tmpfs mounted at `tmp_path/disk` with the size of the test's `small_disk_size` mark
    (default 1m); skipped with a reason when not root (a failure under CI=true)."""
    require_or_skip(_can_mount(), "mounting a small tmpfs as the output disk needs root")
    mark = request.node.get_closest_marker("small_disk_size")
    size = mark.args[0] if mark else "1m"
    path = tmp_path / "disk"
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], capture_output=True, text=True)
    require_or_skip(done.returncode == 0, f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def run_cli(config: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The job as a user starts it, in a session of its own (its id is the job's pid, kept as
    `.pid` on the result) so that whatever it leaves running can be found."""
    with subprocess.Popen([sys.executable, "-m", "pipelines.run", str(config), *args], cwd=REPO_ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as p:
        out, err = p.communicate(timeout=timeout)
    done = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    done.pid = p.pid
    return done


def left_running(session: int) -> list[str]:
    """Command lines of processes still in the job's session."""
    found = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
            cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        if int(fields[3]) == session and fields[0] != b"Z":
            found.append(cmd)
    return found


def assert_one_clear_message(proc: subprocess.CompletedProcess, disk: Path, job: str) -> None:
    assert proc.returncode == 74, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{job} job stopped: No space left on device (ENOSPC) at {disk}"), last
    assert "run the same command again" in last
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    # start_new_session: the job's session id is its pid. A killed process may take a moment to go.
    deadline = time.monotonic() + 5
    while (left := left_running(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == []
