"""core.publish: a job's outputs change as a set (issue 19)."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

import core.publish
from core.publish import Publication

OUTPUTS = ("data", "report.json", "README.md")


def _write_set(folder: Path, version: int) -> None:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "data" / "part-0.txt").write_text(f"v{version}")
    (folder / "report.json").write_text(json.dumps({"version": version}))
    (folder / "README.md").write_text(f"version {version}")


def _publish(out: Path, version: int) -> None:
    pub = Publication(out, OUTPUTS)
    _write_set(Path(pub.prepare()), version)
    pub.publish()


def test_publish_replaces_the_set_and_carries_everything_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _publish(out, 1)
    (out / "_work").mkdir()
    (out / "_work" / "state").write_text("resume me")
    (out / "notes.txt").write_text("mine")
    (out / "data" / "stale-only-in-v1.txt").write_text("x")
    _publish(out, 2)
    assert (out / "report.json").read_text() == '{"version": 2}'
    assert sorted(p.name for p in (out / "data").iterdir()) == ["part-0.txt"]  # nothing of v1 left
    assert (out / "_work" / "state").read_text() == "resume me" and (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or old folder left
    assert not (out / core.publish.MARKER).exists()


@pytest.mark.parametrize("swap", ["exchange", "rename"])
def test_a_reader_never_sees_two_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str) -> None:
    if swap == "rename":  # a filesystem without RENAME_EXCHANGE
        monkeypatch.setattr(core.publish, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    _publish(out, 0)
    mixes, reads, stop = [], [0], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
            except FileNotFoundError:  # between the two renames of the fallback: no folder, no mix
                continue
            try:
                def read(name: str) -> str:
                    with open(os.open(name, os.O_RDONLY, dir_fd=fd)) as f:
                        return f.read()
                report = json.loads(read("report.json"))["version"]
                data = int(read("data/part-0.txt")[1:])
                card = int(read("README.md").split()[1])
                reads[0] += 1
                if not report == data == card:
                    mixes.append((report, data, card))
            except FileNotFoundError:  # the folder was replaced and the old one removed under us
                pass
            finally:
                os.close(fd)

    t = threading.Thread(target=reader)
    t.start()
    for version in range(1, 60):
        _publish(out, version)
    stop.set()
    t.join()
    assert reads[0] > 0 and mixes == []
    assert json.loads((out / "report.json").read_text())["version"] == 59


def test_a_failed_publish_leaves_the_old_set_and_the_resume_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _publish(out, 1)
    (out / "_run").mkdir()
    (out / "_run" / "config.json").write_text("{}")
    pub = Publication(out, OUTPUTS)
    _write_set(Path(pub.prepare()), 2)

    def broken(a, b):
        raise OSError(5, "Input/output error", str(a))

    monkeypatch.setattr(core.publish, "exchange", broken)
    with pytest.raises(OSError):
        pub.publish()
    assert json.loads((out / "report.json").read_text())["version"] == 1 and (out / "_run" / "config.json").exists()


def test_recovery_after_a_crash_inside_publish(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _publish(out, 1)
    (out / "_work").mkdir()
    # Killed after carrying `_work` into the staging folder, before the swap:
    pub = Publication(out, OUTPUTS)
    staging = Path(pub.prepare())
    _write_set(staging, 2)
    os.rename(out / "_work", staging / "_work")
    pub = Publication(out, OUTPUTS)  # the next run
    assert (out / "_work").is_dir() and pub.exists()  # resume state back; the staged set still to publish
    pub.publish()
    assert json.loads((out / "report.json").read_text())["version"] == 2 and (out / "_work").is_dir()
    # Killed after the swap, before the old set was removed: the staging path holds the old set, no marker.
    _write_set(staging, 1)
    Publication(out, OUTPUTS)
    assert not staging.exists() and json.loads((out / "report.json").read_text())["version"] == 2
