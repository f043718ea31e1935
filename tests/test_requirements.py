"""Every dependency comes from a registry by name and version.

Wave 1 shipped constraints pinned to wheel files that existed only on the writer's machine
(``name @ file:///tmp/...``): every fresh clone failed at its first command while CI, on the
writer's machine, stayed green. This test fails CI, naming the file and line, when any
requirement or constraint points at a file, a folder or a URL instead of a registry version.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

ROOT = Path(__file__).resolve().parents[1]

# A pip requirements line that is an option rather than a requirement. Options that fetch from
# somewhere else (-e, --find-links, --index-url, -f, -i) are refused; -r/-c of a file in the repo
# are allowed.
_ALLOWED_OPTIONS = ("-r ", "-c ", "--requirement ", "--constraint ")
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$")


def registry_problem(line: str) -> str | None:
    """Why ``line`` is not a plain registry requirement, or ``None`` when it is one."""
    text = line.split(" #", 1)[0].strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("-"):
        if text.startswith(_ALLOWED_OPTIONS):
            target = text.split(None, 1)[1]
            if "://" in target or target.startswith("/"):
                return f"includes a file outside the repo: {target}"
            return None
        return f"pip option that installs from outside a registry: {text}"
    if "://" in text or text.startswith((".", "/", "~")):
        return f"points at a URL or path instead of a registry version: {text}"
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        return f"not a valid requirement ({exc}): {text}"
    if req.url:
        return f"direct reference `{req.name} @ {req.url}` instead of {req.name}==VERSION"
    return None


def _requirement_files() -> list[Path]:
    return sorted((ROOT / "requirements").glob("*.txt"))


def test_guard_recognises_local_pins() -> None:
    bad = [
        "latex2mathml @ file:///tmp/l2m/latex2mathml-3.81.1-py3-none-any.whl#sha256=00",
        "pkg @ https://example.org/pkg-1.0.tar.gz",
        "./vendor/pkg",
        "/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
        "-e ../other",
        "--find-links /opt/wheels",
        "git+https://github.com/org/pkg@v1",
    ]
    for line in bad:
        assert registry_problem(line), line
    for line in ["numpy==2.4.6", "torch==2.13.0+cpu", "# a comment", "", "pytest>=8,<10",
                 "datatrove[processing]==0.10.1", "-r base.txt"]:
        assert registry_problem(line) is None, line


def test_constraints_are_registry_pins() -> None:
    problems = []
    files = _requirement_files()
    assert files, "requirements/*.txt missing"
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            why = registry_problem(line)
            if why:
                problems.append(f"{path.relative_to(ROOT)}:{number}: {why}")
            elif path.name == "constraints.txt" and line.strip() and not line.startswith("#"):
                if not _PIN.match(line.strip()):
                    problems.append(f"{path.relative_to(ROOT)}:{number}: not an exact name==version pin: {line}")
    assert not problems, "\n".join(problems)


def test_pyproject_requirements_are_registry_requirements() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    entries = [("dependencies", r) for r in project.get("dependencies", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        entries += [(f"optional-dependencies.{extra}", r) for r in reqs]
    entries += [("build-system.requires", r) for r in data.get("build-system", {}).get("requires", [])]
    problems = [f"pyproject.toml [{where}]: {why}" for where, r in entries if (why := registry_problem(r))]
    assert not problems, "\n".join(problems)


def test_setup_installs_without_the_pip_cache() -> None:
    script = (ROOT / "scripts" / "setup.sh").read_text()
    assert re.search(r"^export PIP_NO_CACHE_DIR=1", script, re.M), "setup.sh must turn pip's cache off"
    for path in [ROOT / "scripts" / "setup.sh", ROOT / "Makefile", ROOT / ".ci" / "run"]:
        text = path.read_text()
        assert "file://" not in text and "--find-links" not in text, f"{path.name} reads packages from a local path"
