"""The `tests` argument: accepted shapes, validation, and adapters for public datasets.

Accepted shapes (one TestResult per test case):

* stdin/stdout (APPS/TACO/LiveCodeBench): {"inputs": [str, ...], "outputs": [str, ...]}.
  A list of lines is accepted for any single input/output and joined with newlines.
* call-based: the same plus "fn_name": inputs[i] is the argument list (APPS/TACO), or a string
  of JSON values one per line (LiveCodeBench); outputs[i] is the return value (a one-element
  list wrapper is accepted, as in APPS) or its JSON text. `class Solution` methods work.
* assert-style, one test: {"assert_code": str, "entry_point": str | None, "prelude": str?}. The
  test code runs in a trusted checker process against proxies of the solution's names; with an
  entry point, `check(<entry_point>)` is called (HumanEval). `prelude` is trusted code run
  there first (HumanEval's prompt: its helper functions are then the trusted copies).
* assert-style, one test per assert: {"asserts": [str, ...], "setup_code": str} or a bare list
  of assert strings (MBPP's test_list).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Mode = str  # "stdio" | "call" | "assert"


@dataclass(frozen=True)
class TestSpec:
    """Normalised tests: `payloads` go into the sandbox; `expected` stays on the host."""

    __test__ = False

    mode: Mode
    payloads: list[dict[str, Any]]
    expected: list[Any]  # stdio: str; call: JSON value; assert: None

    def __len__(self) -> int:
        return len(self.payloads)


def parse_tests(tests: Any) -> TestSpec:
    """Validate `tests` and normalise it; raises ValueError saying what is wrong."""
    if isinstance(tests, str):
        try:
            tests = json.loads(tests)
        except json.JSONDecodeError:
            raise ValueError("tests is a string but not JSON; pass a dict or a list of assert strings") from None
    if isinstance(tests, list):
        tests = {"asserts": tests}
    if not isinstance(tests, dict):
        raise ValueError(f"tests must be a dict or a list of assert strings, got {type(tests).__name__}")
    if "inputs" in tests or "outputs" in tests:
        return _io_tests(tests)
    if "assert_code" in tests:
        code, entry, prelude = tests["assert_code"], tests.get("entry_point"), tests.get("prelude") or ""
        if not isinstance(code, str) or not code.strip():
            raise ValueError("assert_code must be a non-empty string")
        if entry is not None and (not isinstance(entry, str) or not entry.isidentifier()):
            raise ValueError(f"entry_point must be an identifier or None, got {entry!r}")
        if not isinstance(prelude, str):
            raise ValueError("prelude must be a string")
        return TestSpec("assert", [{"setup": "", "assert": code, "entry_point": entry, "prelude": prelude}], [None])
    if "asserts" in tests:
        asserts, setup = tests["asserts"], tests.get("setup_code") or ""
        if not isinstance(asserts, list) or not asserts or not all(isinstance(a, str) and a.strip() for a in asserts):
            raise ValueError("asserts must be a non-empty list of non-empty strings")
        if not isinstance(setup, str):
            raise ValueError("setup_code must be a string")
        return TestSpec("assert", [{"setup": setup, "assert": a, "entry_point": None} for a in asserts], [None] * len(asserts))
    raise ValueError("tests needs 'inputs'/'outputs', 'assert_code' or 'asserts' (see verifiers.code.spec)")


def _io_tests(tests: dict[str, Any]) -> TestSpec:
    inputs, outputs, fn_name = tests.get("inputs"), tests.get("outputs"), tests.get("fn_name")
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise ValueError("'inputs' and 'outputs' must both be lists")
    if len(inputs) != len(outputs):
        raise ValueError(f"{len(inputs)} inputs but {len(outputs)} outputs")
    if not inputs:
        raise ValueError("no test cases: 'inputs' is empty")
    if fn_name:
        if not isinstance(fn_name, str) or not fn_name.isidentifier():
            raise ValueError(f"fn_name must be an identifier, got {fn_name!r}")
        args = [_call_args(x, i) for i, x in enumerate(inputs)]
        expected = [_call_expected(y, i) for i, y in enumerate(outputs)]
        return TestSpec("call", [{"fn_name": fn_name, "args": a} for a in args], expected)
    return TestSpec(
        "stdio",
        [{"stdin": _text(x, f"inputs[{i}]")} for i, x in enumerate(inputs)],
        [_text(y, f"outputs[{i}]") for i, y in enumerate(outputs)],
    )


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value) + "\n"
    raise ValueError(f"{where} must be a string (or a list of lines) for stdin/stdout tests, got {type(value).__name__}")


def _parse_int(digits: str) -> int:
    """json's int parser without the 4,300-digit limit: halves are converted and combined, so a
    long expected value (trusted data) does not raise."""
    if len(digits) <= 4000:
        return int(digits)
    sign = -1 if digits[0] == "-" else 1
    body = digits.lstrip("+-")
    half = len(body) // 2
    return sign * (_parse_int(body[:half]) * 10 ** (len(body) - half) + _parse_int(body[half:]))


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_parse_int)


def _call_args(value: Any, i: int) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):  # LiveCodeBench: one JSON value per line
        try:
            return [_loads(line) for line in value.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"inputs[{i}] is not one JSON value per line: {exc}") from None
    raise ValueError(f"inputs[{i}] must be an argument list or JSON lines for call-based tests")


def _call_expected(value: Any, i: int) -> Any:
    if isinstance(value, str):
        try:
            return _loads(value)
        except json.JSONDecodeError:
            return value  # a plain string return value
    return value


# --- adapters for the public datasets -------------------------------------------------------

def humaneval_job(record: dict[str, Any], completion: str | None = None) -> tuple[str, dict[str, Any]]:
    """(code, tests) for a HumanEval record; `completion` defaults to the canonical solution."""
    body = record["canonical_solution"] if completion is None else completion
    return record["prompt"] + body, {"assert_code": record["test"], "entry_point": record["entry_point"],
                                     "prelude": record["prompt"]}


def mbpp_job(record: dict[str, Any], code: str | None = None) -> tuple[str, dict[str, Any]]:
    """(code, tests) for an MBPP record (full or sanitized); `code` defaults to the reference."""
    setup = record.get("test_setup_code") or "\n".join(record.get("test_imports") or [])
    return (record["code"] if code is None else code), {"asserts": list(record["test_list"]), "setup_code": setup}
