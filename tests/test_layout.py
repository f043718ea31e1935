"""The import rule of docs/ARCHITECTURE.md, enforced on the real import graph.

Every `import` / `from … import` statement of every module (top-level and inside functions) is read
with `ast`; a failure names the file, the line and the import that breaks the rule.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Which project packages each package may import (itself always). Data moves one way:
# core → verifiers → filters → synth → mixtures → trainer, with pipelines on top; nothing imports pipelines.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "verifiers": {"core"},
    "filters": {"core", "verifiers"},
    "synth": {"core", "verifiers", "filters"},
    "mixtures": {"core"},
    "trainer": {"core", "verifiers"},
    "pipelines": {"core", "verifiers", "filters", "synth", "mixtures", "trainer"},
    # Development code outside the product: tools/ serves tests/ and bench/, which never import each other.
    "tools": {"core", "verifiers", "filters", "synth", "mixtures", "trainer", "pipelines"},
    "tests": {"core", "verifiers", "filters", "synth", "mixtures", "trainer", "pipelines", "tools"},
    "bench": {"core", "verifiers", "filters", "synth", "mixtures", "trainer", "pipelines", "tools"},
}
PROJECT = set(ALLOWED)
# Engines a layer must not depend on: the ground floor and the verifiers (a leaf: grade, judge,
# reward) know nothing of jobs, executors, datatrove or dask.
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "core": {"datatrove", "dask", "distributed", "polars", "tokenizers"},
    "verifiers": {"datatrove", "dask", "distributed", "polars", "tokenizers"},
    "filters": {"dask", "distributed"},
}


def imports_of(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if module in PROJECT:  # `from filters import quality` imports filters.quality
                found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return found


def violations(root: Path = REPO) -> list[str]:
    out = []
    for layer in sorted(ALLOWED):
        folder = root / layer
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            for line, module in imports_of(path, root):
                top = module.split(".")[0]
                where = f"{path.relative_to(root)}:{line}: `{module}`"
                if top in PROJECT and top != layer and top not in ALLOWED[layer]:
                    out.append(f"{where} — {layer}/ may import only {sorted(ALLOWED[layer]) or 'nothing of the project'}")
                if top in FORBIDDEN_THIRD_PARTY.get(layer, ()):
                    out.append(f"{where} — {layer}/ must not depend on {top}")
    return out


def test_import_rule_holds_on_the_real_import_graph() -> None:
    bad = violations()
    assert not bad, "imports that break the layering (docs/ARCHITECTURE.md):\n  " + "\n  ".join(bad)


def test_the_checker_names_each_offending_import(tmp_path: Path) -> None:
    (tmp_path / "verifiers" / "math").mkdir(parents=True)
    (tmp_path / "verifiers" / "math" / "bad.py").write_text(
        "from core.io import atomic_write_text\n"
        "def f():\n    from pipelines.registry import JOBS\n    import datatrove.data\n"
        "from .. import code\n"
    )
    (tmp_path / "mixtures").mkdir()
    (tmp_path / "mixtures" / "m.py").write_text("from filters import quality\n")
    bad = violations(tmp_path)
    assert any(v.startswith("verifiers/math/bad.py:3: `pipelines.registry`") for v in bad), bad
    assert any(v.startswith("verifiers/math/bad.py:4: `datatrove.data`") for v in bad), bad
    assert any(v.startswith("mixtures/m.py:1: `filters.quality`") for v in bad), bad
    assert len(bad) == 4, bad  # + `filters` itself; `core.io` and the relative `verifiers.code` are allowed


@pytest.mark.parametrize("package", ["core", "verifiers", "filters", "mixtures", "pipelines", "synth", "trainer",
                                     "core.records", "filters.problems", "verifiers.math", "verifiers.code"])
def test_every_package_states_its_public_api(package: str) -> None:
    init = REPO.joinpath(*package.split("."), "__init__.py")
    tree = ast.parse(init.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{init.relative_to(REPO)} has no docstring"
    names = [t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
             for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)]
    assert "__all__" in names, f"{init.relative_to(REPO)} does not define __all__"
