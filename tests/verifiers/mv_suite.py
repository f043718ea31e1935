"""Fetch Math-Verify's own regression cases from its PyPI sdist at test time (never vendored).

The cases are `pytest.mark.parametrize` tuples in `tests/*.py` of `math-verify==0.9.0`; we read
them with `ast.literal_eval` (no upstream code is executed).
"""
from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SDIST = "math-verify==0.9.0"


@dataclass(frozen=True)
class Case:
    file: str
    function: str
    gold: str
    pred: str
    expected: bool
    options: tuple  # extra per-case parameters (precision, strict, allow_set_relation_comp)

    @property
    def key(self) -> str:
        return f"{self.file}::{self.function}::{self.gold[:60]}||{self.pred[-60:]}"


def download_sdist(dest: Path) -> Path:
    """Download and unpack the sdist; returns its tests/ folder. Raises RuntimeError when offline."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", SDIST, "-d", str(dest), "-q"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    archives = list(dest.glob("math_verify-*.tar.gz"))
    if not archives:
        archives = [_download_via_json_api(dest)] if proc.returncode != 0 else []
    if not archives:
        raise RuntimeError(f"could not download {SDIST}: {proc.stderr[-500:]}")
    with tarfile.open(archives[0]) as tar:
        tar.extractall(dest, filter="data")
    tests = next(dest.glob("math_verify-*/tests"))
    return tests


def _download_via_json_api(dest: Path) -> Path:
    with urllib.request.urlopen("https://pypi.org/pypi/math-verify/0.9.0/json", timeout=60) as r:
        meta = json.load(r)
    url = next(u["url"] for u in meta["urls"] if u["packagetype"] == "sdist")
    out = dest / url.rsplit("/", 1)[1]
    urllib.request.urlretrieve(url, out)
    return out


def _param_names(dec: ast.Call) -> list[str]:
    names = ast.literal_eval(dec.args[0])
    return [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]


def _value(node: ast.expr):
    try:
        return ast.literal_eval(node)
    except ValueError:
        # One upstream case is an f-string over math.sqrt; evaluate just that, with no builtins.
        if isinstance(node, ast.JoinedStr):
            return eval(compile(ast.Expression(node), "<case>", "eval"), {"__builtins__": {}, "math": math})
        raise


def load_cases(tests_dir: Path) -> list[Case]:
    """Every (gold, pred, expected) triple in upstream's test files."""
    cases: list[Case] = []
    for path in sorted(tests_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            for dec in fn.decorator_list:
                if not (isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize"):
                    continue
                names = _param_names(dec)
                if "gold" not in names or "pred" not in names:
                    continue
                want = "expected" if "expected" in names else "result"
                for row_node in dec.args[1].elts:
                    values = dict(zip(names, (_value(e) for e in row_node.elts)))
                    options = tuple(sorted((k, v) for k, v in values.items() if k not in ("gold", "pred", want)))
                    cases.append(
                        Case(path.name, fn.name, values["gold"], values["pred"], bool(values[want]), options)
                    )
    return cases
