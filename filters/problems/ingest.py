"""Ingest adapters: problem files in the layouts of the public datasets → problem rows (schema.py).

Files: `.jsonl`, `.jsonl.gz`, `.json` (a list of objects), `.json.gz`, `.parquet` (Hugging Face
exports). The layout is detected from the first object's keys unless `fmt` names it:

| fmt | keys (Hugging Face / repo layout) | examples |
|---|---|---|
| `problems` | this project's schema (a previous run's output) | kept.parquet |
| `math` | problem/question + answer (or solution with a \\boxed{} answer) | MATH, MATH-500, AIME, AMC, NuminaMath, DeepScaleR, Big-Math, OlympiadBench (final_answer) |
| `gsm8k` | question + answer ending in `#### <number>` | GSM8K, GSM8K-style sets |
| `humaneval` | task_id, prompt, entry_point, canonical_solution, test | HumanEval, HumanEval+ |
| `mbpp` | text or prompt, code, test_list (+ test_setup_code / test_imports) | MBPP, sanitized MBPP |
| `apps` | question, input_output (JSON), solutions (JSON), starter_code | APPS, TACO, verl prime code |
| `livecodebench` | question_content, public_test_cases, private_test_cases, metadata | LCB code_generation_lite |
| `stdio_tests` | statement, tests: [{input, output}] | ../shared/data/code/stdio/*.json[l] |
| `verl` | prompt (chat messages), reward_model.ground_truth | verl RL parquet (math or code) |

A row that cannot be read becomes a dropped row (`drop_step=ingest`) with its line (JSONL) or row
number and the raw text in `meta`, so nothing is lost silently and one bad row never ends a run:
malformed JSON, bytes that are not UTF-8 (`undecodable`), nesting deeper than `max_nesting`
(`too_deep`), a field of the wrong type (`wrong_type`: a statement must be a string, an id a string
or an integer; nothing is coerced) and fields over the caps of `IngestLimits` (`too_large`). A file
whose layout is unknown is an `IngestError` naming the keys seen.
"""
from __future__ import annotations

import base64
import glob
import gzip
import io
import json
import pickle
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pyarrow.parquet as pq
from pydantic import Field

from core.config import StrictModel
from core.records.problem import drop, new_problem

_CODE_FORMATS = {"humaneval", "mbpp", "apps", "livecodebench", "stdio_tests"}
FORMATS = ("auto", "problems", "math", "gsm8k", "humaneval", "mbpp", "apps", "livecodebench", "stdio_tests", "verl")


class IngestLimits(StrictModel):
    """Per-row caps (config `ingest:` of the problems job; docs/problems.md). A row over a cap is
    dropped (`too_large` / `too_deep`) with the field, its size and the cap."""

    max_statement_chars: int = Field(100_000, ge=1, description="problem statement")
    max_field_chars: int = Field(1_000_000, ge=1, description="any other text field: answer, solution, starter/test code")
    max_tests_chars: int = Field(64_000_000, ge=1, description="all test inputs and outputs of one problem together")
    max_nesting: int = Field(64, ge=2, description="depth of nested lists/objects in a row (JSON fields included)")
    max_raw_chars: int = Field(10_000, ge=100, description="raw text kept in `meta` of a row dropped as too large/deep")


DEFAULT_LIMITS = IngestLimits()


class IngestError(Exception):
    """A file that cannot be ingested at all (missing, unreadable, unknown layout)."""


class _RowError(Exception):
    """One row that does not fit its layout; it becomes a dropped row with this reason."""

    def __init__(self, reason: str, detail: str, raw: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.raw = raw  # the undecodable text itself, kept in the dropped row's `meta`


# ---------------------------------------------------------------------------------------------- files


def expand(path: str | Path) -> list[Path]:
    """A path or a glob (`data/train-*.parquet`, the HF layout) → sorted existing files."""
    text = str(path)
    if any(c in text for c in "*?["):
        return sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    return [Path(text)] if Path(text).is_file() else []


def iter_records(path: Path) -> Iterator[tuple[int, Any]]:
    """(row number, decoded object or `_RowError`) for every row of a file."""
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            pf = pq.ParquetFile(path)
            i = 0
            for batch in pf.iter_batches(batch_size=4096):
                for rec in batch.to_pylist():
                    yield i, rec
                    i += 1
        elif name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
            # Lines are read as bytes and decoded one by one: a byte that is not UTF-8 drops its line only.
            with (gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb")) as fh:
                for i, raw in enumerate(fh):
                    if not raw.strip():
                        continue
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError as e:
                        yield i, _RowError("undecodable", f"line {i + 1}: not UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1})",
                                           raw=raw.decode("utf-8", "replace"))
                        continue
                    try:
                        yield i, json.loads(line)
                    except json.JSONDecodeError as e:
                        yield i, _RowError("malformed_row", f"line {i + 1}: invalid JSON ({e.msg}): {line[:200]}", raw=line)
                    except RecursionError:
                        yield i, _RowError("too_deep", f"line {i + 1}: JSON nested too deeply to read", raw=line)
        elif name.endswith((".json", ".json.gz")):
            with (gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb")) as fh:
                blob = fh.read()
            lossy = False
            try:
                text = blob.decode("utf-8")
            except UnicodeDecodeError:
                lossy = True
                # One list in one file: undecodable bytes are kept as lone surrogates and the rows
                # holding them are dropped as `undecodable` (_to_row); the others are read.
                text = blob.decode("utf-8", "surrogateescape")
            try:
                data = json.loads(text)
            except RecursionError:
                raise IngestError(f"{path}: JSON nested too deeply to read (one list per file: split it into JSONL "
                                  f"to drop only the deep rows)") from None
            if isinstance(data, dict):  # {"data": [...]} / {"rows": [...]} wrappers
                lists = [v for v in data.values() if isinstance(v, list)]
                if len(lists) != 1:
                    raise IngestError(f"{path}: JSON object without a single list of problems (keys {sorted(data)[:10]})")
                data = lists[0]
            if not isinstance(data, list):
                raise IngestError(f"{path}: expected a JSON list of problems, got {type(data).__name__}")
            bad_lines = _undecodable_lines(blob) if lossy else []
            for i, rec in enumerate(data):
                n_bad = _count_surrogates(rec) if bad_lines else 0
                if n_bad:
                    line, bad_lines = bad_lines[0], bad_lines[n_bad:]
                    yield i, _RowError("undecodable", f"line {line}: not UTF-8 ({n_bad} undecodable byte(s) in this row)",
                                       raw=json.dumps(rec, ensure_ascii=False).encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
                else:
                    yield i, rec
        else:
            raise IngestError(f"{path}: unsupported file type (use .jsonl, .jsonl.gz, .json, .json.gz or .parquet)")
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as e:
        raise IngestError(f"{path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        line = f"line {e.lineno}, column {e.colno}: " if e.lineno else ""
        raise IngestError(f"{path}: not valid JSON: {line}{e.msg}") from None
    except Exception as e:  # pyarrow raises its own error types for corrupt files
        if type(e).__module__.startswith("pyarrow"):
            raise IngestError(f"{path}: cannot read Parquet: {e}") from None
        raise


_SURROGATE = re.compile("[\udc80-\udcff]")  # an undecodable byte, kept by surrogateescape


def _undecodable_lines(blob: bytes) -> list[int]:
    """1-based line of every byte of `blob` that is not UTF-8, in order."""
    lines, pos = [], 0
    while pos < len(blob):
        try:
            blob[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as e:
            at = pos + e.start
            lines.extend([blob.count(b"\n", 0, at) + 1] * (e.end - e.start))
            pos = pos + e.end
    return lines


def _walk(value: Any, max_depth: int) -> Iterator[tuple[int, Any]]:
    """(depth, value) of every value nested in `value`, iteratively (no recursion to exhaust), stopping
    below `max_depth` + 1."""
    stack = [(1, value)]
    while stack:
        depth, v = stack.pop()
        yield depth, v
        if depth <= max_depth and isinstance(v, (dict, list)):
            stack.extend((depth + 1, c) for c in (v.values() if isinstance(v, dict) else v))


def _count_surrogates(rec: Any) -> int:
    n = 0
    for _, v in _walk(rec, 10_000):
        if isinstance(v, str):
            n += len(_SURROGATE.findall(v))
        elif isinstance(v, dict):
            n += sum(len(_SURROGATE.findall(k)) for k in v if isinstance(k, str))
    return n


def _depth(value: Any, cap: int) -> int:
    """Nesting depth of `value` (a scalar is 1), counted up to `cap` + 1."""
    return max((d for d, _ in _walk(value, cap)), default=1)


# ------------------------------------------------------------------------------------------ helpers


def _text(value: Any) -> str | None:
    """An answer as text: numbers keep their written form (AMC's 27.0 → '27'), empty → None; a list
    or an object is a `wrong_type` row."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int,)):
        return str(value)
    if not isinstance(value, str):
        raise _RowError("wrong_type", f"answer is {_type_name(value)}, expected a string or a number")
    text = value.strip()
    return text or None


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", int: "an integer", float: "a number",
            str: "a string"}.get(type(value), type(value).__name__)


def _str(value: Any, field: str) -> str | None:
    """A text field, strictly: a string (stripped; empty → None) or None. Nothing is coerced: an
    integer or an object where text belongs is a `wrong_type` row, not text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _RowError("wrong_type", f"`{field}` is {_type_name(value)}, expected a string")
    return value.strip() or None


def _ident(value: Any, field: str) -> str | None:
    """An id: a string or an integer (APPS' problem_id); anything else is a `wrong_type` row."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _RowError("wrong_type", f"`{field}` is {_type_name(value)}, expected a string or an integer")
    return str(value).strip() or None


def _first_key(rec: dict, *keys: str) -> tuple[str, Any]:
    for k in keys:
        if rec.get(k) not in (None, "", []):
            return k, rec[k]
    return keys[0], None


def _str_of(rec: dict, *keys: str) -> str | None:
    return _str(*reversed(_first_key(rec, *keys)))


def _ident_of(rec: dict, *keys: str) -> str | None:
    return _ident(*reversed(_first_key(rec, *keys)))


def _raw_str(value: Any, field: str) -> str:
    """Code as written (not stripped: HumanEval's body continues its prompt line for line); "" when absent."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _RowError("wrong_type", f"`{field}` is {_type_name(value)}, expected a string")
    return value


def _first(rec: dict, *keys: str) -> Any:
    for k in keys:
        if rec.get(k) not in (None, "", []):
            return rec[k]
    return None


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...} / \\fbox{...} in text (brace-balanced), else None.

    Hand-written because MATH-style solutions only need this one extraction; the grader owns the rest.
    """
    starts = [m.end() for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text)]
    if not starts:
        return None
    i = starts[-1]
    depth = 1
    j = i
    while j < len(text):
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[i:j].strip() or None
        j += 1
    return None


def _meta(rec: dict, used: set[str]) -> str | None:
    rest = {k: v for k, v in rec.items() if k not in used}
    if not rest:
        return None
    return json.dumps(rest, ensure_ascii=False, default=str)


def _lines_text(value: Any) -> str:
    """APPS stores some stdin/stdout values as lists of lines; the judge needs one string."""
    if isinstance(value, list):
        return "".join(str(v) if str(v).endswith("\n") else f"{v}\n" for v in value)
    return str(value)


def _json_field(value: Any, what: str) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, json.JSONDecodeError) as e:
        raise _RowError("bad_tests", f"{what} is not valid JSON: {e}") from None
    except RecursionError:
        raise _RowError("too_deep", f"{what} is JSON nested too deeply to read") from None


def _tests_from_input_output(io_obj: Any) -> dict[str, Any]:
    """APPS/TACO/verl `input_output` {"inputs", "outputs", "fn_name"?} → schema test columns."""
    if io_obj is None:
        return {}
    if not isinstance(io_obj, dict) or not isinstance(io_obj.get("inputs"), list) or not isinstance(io_obj.get("outputs"), list):
        raise _RowError("bad_tests", "input_output must be an object with lists `inputs` and `outputs`")
    inputs, outputs = io_obj["inputs"], io_obj["outputs"]
    if len(inputs) != len(outputs):
        raise _RowError("bad_tests", f"input_output has {len(inputs)} inputs but {len(outputs)} outputs")
    if not inputs:
        return {}
    fn_name = io_obj.get("fn_name")
    if fn_name:
        return {
            "test_format": "call",
            "fn_name": str(fn_name),
            # APPS call tests: inputs[i] is the argument list, outputs[i] the return value.
            "test_inputs": [json.dumps(x if isinstance(x, list) else [x]) for x in inputs],
            "test_outputs": [json.dumps(x) for x in outputs],
        }
    return {
        "test_format": "stdio",
        "test_inputs": [_lines_text(x) for x in inputs],
        "test_outputs": [_lines_text(x) for x in outputs],
    }


# ----------------------------------------------------------------------------------------- adapters
# Each adapter maps one decoded record to the problem columns it knows (without id/source).


def _math(rec: dict) -> dict[str, Any]:
    statement = _str_of(rec, "problem", "question", "Question", "prompt", "input")
    answer = _first(rec, "answer", "final_answer", "expected_answer", "ground_truth", "gold", "target")
    if isinstance(answer, list):  # OlympiadBench keeps final_answer as a list of strings
        answer = answer[0] if len(answer) == 1 else json.dumps(answer, ensure_ascii=False)
    answer = _text(answer)
    solution = _str_of(rec, "solution", "reference_solution", "generated_solution")
    if answer is None and solution:  # Hendrycks MATH / NuminaMath: the answer is the last \boxed{}
        answer = last_boxed(solution)
    used = {"problem", "question", "Question", "prompt", "input", "answer", "final_answer", "expected_answer",
            "ground_truth", "gold", "target", "solution", "reference_solution", "generated_solution"}
    return {"domain": "math", "statement": statement, "answer": answer, "reference_solution": solution,
            "source_id": _ident_of(rec, "unique_id", "id", "idx", "index", "problem_id"), "meta": _meta(rec, used)}


def _gsm8k(rec: dict) -> dict[str, Any]:
    solution = _str(rec.get("answer"), "answer") or ""
    answer = None
    if "####" in solution:
        answer = solution.rsplit("####", 1)[1].strip().replace(",", "") or None
    return {"domain": "math", "statement": _str(rec.get("question"), "question"), "answer": answer,
            "reference_solution": solution or None, "source_id": _ident(rec.get("id"), "id"),
            "meta": _meta(rec, {"question", "answer", "id"})}


def _humaneval(rec: dict) -> dict[str, Any]:
    prompt = _raw_str(rec.get("prompt"), "prompt")  # not stripped: the canonical body continues it line for line
    entry = _str(rec.get("entry_point"), "entry_point")
    test = _raw_str(rec.get("test"), "test")
    test_code = f"{test}\n\ncheck({entry})\n" if test.strip() and entry else None
    solution = _raw_str(rec.get("canonical_solution"), "canonical_solution")
    return {"domain": "code", "statement": prompt.strip() or None, "language": "python",
            "test_format": "assert" if test_code else None, "test_code": test_code, "fn_name": entry,
            "starter_code": prompt or None,
            # The canonical solution is only the body; with the prompt it is a complete program.
            "reference_solution": (prompt + solution) if solution else None,
            "source_id": _ident(rec.get("task_id"), "task_id"),
            "meta": _meta(rec, {"prompt", "entry_point", "test", "canonical_solution", "task_id"})}


def _mbpp(rec: dict) -> dict[str, Any]:
    asserts = [a for a in (rec.get("test_list") or []) if str(a).strip()]
    setup_parts = [rec.get("test_setup_code") or "", *(rec.get("test_imports") or [])]
    setup = "\n".join(p for p in setup_parts if p.strip())
    test_code = "\n".join([setup, *asserts]).strip() + "\n" if asserts else None
    m = re.search(r"assert\s+(?:not\s+)?\(?\s*(?:set\(|math\.isclose\()?\s*([A-Za-z_]\w*)\s*\(", asserts[0]) if asserts else None
    return {"domain": "code", "statement": _str_of(rec, "text", "prompt"), "language": "python",
            "test_format": "assert" if test_code else None, "test_code": test_code,
            "fn_name": m.group(1) if m else None, "reference_solution": _str(rec.get("code"), "code"),
            "source_id": _ident(rec.get("task_id"), "task_id"),
            "meta": _meta(rec, {"text", "prompt", "code", "test_list", "test_setup_code", "test_imports", "task_id"})}


def _apps(rec: dict) -> dict[str, Any]:
    tests = _tests_from_input_output(_json_field(rec.get("input_output") or None, "input_output"))
    solutions = _json_field(rec.get("solutions") or None, "solutions")
    solution = solutions[0] if isinstance(solutions, list) and solutions else (solutions if isinstance(solutions, str) else None)
    return {"domain": "code", "statement": _str_of(rec, "question", "problem", "prompt"), "language": "python",
            **tests, "starter_code": _str(rec.get("starter_code"), "starter_code"), "reference_solution": _str(solution, "solutions[0]"),
            "source_id": _ident_of(rec, "problem_id", "id", "task_id"),
            "meta": _meta(rec, {"question", "problem", "prompt", "input_output", "solutions", "starter_code",
                                "problem_id", "id", "task_id"})}


class _StrOnlyUnpickler(pickle.Unpickler):
    """LCB pickles a JSON string; refuse anything that would import code (pickle is unsafe otherwise)."""

    def find_class(self, module: str, name: str) -> Any:
        raise _RowError("bad_tests", f"private_test_cases pickle references {module}.{name}; refused")


def _lcb_cases(value: Any) -> list[dict]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        pass
    try:  # code_generation_lite: base64(zlib(pickle(json string)))
        raw = zlib.decompress(base64.b64decode(value))
        obj = _StrOnlyUnpickler(io.BytesIO(raw)).load()
        return json.loads(obj) if isinstance(obj, (str, bytes)) else obj
    except _RowError:
        raise
    except Exception as e:
        raise _RowError("bad_tests", f"cannot decode LiveCodeBench test cases: {e}") from None


def _livecodebench(rec: dict) -> dict[str, Any]:
    cases = _lcb_cases(rec.get("public_test_cases")) + _lcb_cases(rec.get("private_test_cases"))
    meta = _json_field(rec.get("metadata") or None, "metadata") or {}
    fn_name = meta.get("func_name") if isinstance(meta, dict) else None
    tests: dict[str, Any] = {}
    if cases:
        if fn_name or any(c.get("testtype") == "functional" for c in cases):
            # Functional inputs are one JSON value per line (one per argument).
            tests = {"test_format": "call", "fn_name": fn_name,
                     "test_inputs": ["[" + ",".join(l for l in str(c["input"]).splitlines() if l.strip()) + "]" for c in cases],
                     "test_outputs": [str(c["output"]).strip() for c in cases]}
        else:
            tests = {"test_format": "stdio", "test_inputs": [str(c["input"]) for c in cases],
                     "test_outputs": [str(c["output"]) for c in cases]}
    return {"domain": "code", "statement": _str(rec.get("question_content"), "question_content"), "language": "python", **tests,
            "starter_code": _str(rec.get("starter_code"), "starter_code"), "source_id": _ident_of(rec, "question_id", "question_title"),
            "meta": _meta(rec, {"question_content", "public_test_cases", "private_test_cases", "starter_code", "question_id"})}


def _stdio_tests(rec: dict) -> dict[str, Any]:
    tests = rec.get("tests") or []
    if not isinstance(tests, list) or any(not isinstance(t, dict) or "input" not in t or "output" not in t for t in tests):
        raise _RowError("bad_tests", "`tests` must be a list of {input, output} objects")
    statement = _str(rec.get("statement"), "statement")
    if statement:  # TACO prompts are wrapped in "QUESTION: ... ANSWER:" scaffolding
        statement = re.sub(r"^\s*QUESTION:\s*", "", statement)
        statement = re.sub(r"\s*(?:Use Standard Input format|Use Call-Based format)?\s*ANSWER:\s*$", "", statement).strip()
    fmt = {"test_format": "stdio", "test_inputs": [str(t["input"]) for t in tests],
           "test_outputs": [str(t["output"]) for t in tests]} if tests else {}
    return {"domain": "code", "statement": statement, "language": "python", **fmt,
            "special_judge": bool(rec.get("special_judge")) or ("float" in str(rec.get("validation", "")).lower()),
            "reference_solution": _str(rec.get("solution"), "solution"),
            "source_id": _ident_of(rec, "task_id", "id"),
            "meta": _meta(rec, {"statement", "tests", "task_id", "id", "special_judge", "solution"})}


def _verl(rec: dict) -> dict[str, Any]:
    prompt = rec.get("prompt")
    if isinstance(prompt, list):
        statement = "\n".join(str(m.get("content", "")) for m in prompt if isinstance(m, dict) and m.get("role") == "user")
    else:
        statement = _str(prompt, "prompt")
    rm = rec.get("reward_model") or {}
    gt = rm.get("ground_truth") if isinstance(rm, dict) else None
    io_obj = None
    if isinstance(gt, str) and gt.lstrip().startswith("{"):
        try:
            io_obj = json.loads(gt)
        except json.JSONDecodeError:
            io_obj = None
    extra = rec.get("extra_info") if isinstance(rec.get("extra_info"), dict) else {}
    base = {"source_id": _ident(extra.get("index"), "extra_info.index"), "meta": _meta(rec, {"prompt", "reward_model"})}
    if isinstance(io_obj, dict) and "inputs" in io_obj:
        return {"domain": "code", "statement": _str(statement, "prompt"), "language": "python",
                **_tests_from_input_output(io_obj), **base}
    if isinstance(gt, list):
        gt = gt[0] if len(gt) == 1 else json.dumps(gt)
    return {"domain": "math", "statement": _str(statement, "prompt"), "answer": _text(gt), **base}


def _problems(rec: dict) -> dict[str, Any]:
    from core.records.problem import COLUMNS, VERDICT_COLUMNS

    # A previous run's rows: keep the problem columns, reset the verdicts (they are recomputed).
    out = {k: rec.get(k) for k in COLUMNS if k not in VERDICT_COLUMNS and k not in ("id", "source")}
    out["prev_id"] = rec.get("id")
    return out


ADAPTERS: dict[str, Callable[[dict], dict[str, Any]]] = {
    "problems": _problems, "math": _math, "gsm8k": _gsm8k, "humaneval": _humaneval, "mbpp": _mbpp, "apps": _apps,
    "livecodebench": _livecodebench, "stdio_tests": _stdio_tests, "verl": _verl,
}


def detect_format(rec: dict) -> str | None:
    keys = set(rec)
    if {"id", "source", "domain", "statement"} <= keys:
        return "problems"
    if {"prompt", "entry_point", "test"} <= keys:
        return "humaneval"
    if "test_list" in keys and ("text" in keys or "prompt" in keys):
        return "mbpp"
    if "question_content" in keys and ("public_test_cases" in keys or "private_test_cases" in keys):
        return "livecodebench"
    if "input_output" in keys:
        return "apps"
    if "statement" in keys and "tests" in keys:
        return "stdio_tests"
    if "reward_model" in keys and "prompt" in keys:
        return "verl"
    if "question" in keys and isinstance(rec.get("answer"), str) and "####" in rec["answer"]:
        return "gsm8k"
    if keys & {"problem", "question", "Question"} and keys & {"answer", "solution", "final_answer", "expected_answer"}:
        return "math"
    return None


# -------------------------------------------------------------------------------------------- entry


def read_problems(
    path: str | Path, source: str, fmt: str = "auto", limit: int | None = None, seen_ids: set[str] | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> list[dict[str, Any]]:
    """Every row of `path` (a file or glob) as a problem row; unreadable rows come back already dropped.

    `seen_ids` (shared across the files of one run) keeps ids unique run-wide; `limits` caps each row.
    """
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    files = expand(path)
    if not files:
        raise IngestError(f"{path}: no such file")
    rows: list[dict[str, Any]] = []
    seen_ids = set() if seen_ids is None else seen_ids
    for file in files:
        file_fmt = None if fmt == "auto" else fmt
        for i, rec in iter_records(file):
            if limit is not None and len(rows) >= limit:
                return rows
            row, row_fmt = _to_row(file, i, rec, source, file_fmt, seen_ids, limits)
            file_fmt = file_fmt or row_fmt  # a file has one layout: the first recognised row fixes it
            rows.append(row)
    return rows


def _where(file: Path, i: int) -> str:
    """`kept.jsonl line 7` (JSONL: i is the line index) or `x.parquet row 7`."""
    jsonl = file.name.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson"))
    return f"{file.name} line {i + 1}" if jsonl else f"{file.name} row {i}"


def _raw_text(raw: Any, cap: int | None) -> Any:
    """The raw row for a dropped row's `meta`; as (truncated) text when it is too big or too deep to keep."""
    if cap is None:
        return raw
    if not isinstance(raw, str):
        try:
            raw = json.dumps(raw, ensure_ascii=False, default=str)
        except (RecursionError, ValueError):
            raw = repr(type(raw))
    return raw if len(raw) <= cap else raw[:cap] + f"… [{len(raw) - cap:,} more chars not kept]"


def _check_caps(fields: dict[str, Any], limits: IngestLimits) -> None:
    """A `too_large` / `too_deep` row error for the first field over its cap (IngestLimits)."""
    statement = fields.get("statement") or ""
    if len(statement) > limits.max_statement_chars:
        raise _RowError("too_large", f"statement has {len(statement):,} chars, over the cap of {limits.max_statement_chars:,} "
                                     "(ingest.max_statement_chars)")
    for name in ("answer", "reference_solution", "starter_code", "test_code", "fn_name", "meta"):
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limits.max_field_chars:
            raise _RowError("too_large", f"{name} has {len(value):,} chars, over the cap of {limits.max_field_chars:,} "
                                         "(ingest.max_field_chars)")
    tests = sum(len(t) for k in ("test_inputs", "test_outputs") for t in fields.get(k) or ())
    if tests > limits.max_tests_chars:
        raise _RowError("too_large", f"tests have {tests:,} chars, over the cap of {limits.max_tests_chars:,} "
                                     "(ingest.max_tests_chars)")


def _to_row(
    file: Path, i: int, rec: Any, source: str, fmt: str | None, seen_ids: set[str],
    limits: IngestLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], str | None]:
    """(problem row, the layout recognised for it or None)."""

    def bad(reason: str, detail: str, layout: str | None = fmt) -> tuple[dict[str, Any], str | None]:
        raw = rec.raw if isinstance(rec, _RowError) else rec
        raw = _raw_text(raw, limits.max_raw_chars if reason in ("too_large", "too_deep") else None)
        domain = "code" if layout in _CODE_FORMATS else "math"
        row = new_problem(id=_unique(f"{source}/row{i}", seen_ids), source=source, domain=domain, statement="",
                          source_file=str(file), source_row=i, meta=json.dumps({"file": str(file), "row": i, "raw": raw}, ensure_ascii=False, default=str))
        drop(row, "ingest", reason, f"{_where(file, i)}: {detail}")
        return row, layout

    if isinstance(rec, _RowError):
        return bad(rec.reason, rec.detail)
    if not isinstance(rec, dict):
        return bad("malformed_row", f"expected a JSON object, got {type(rec).__name__}")
    if _depth(rec, limits.max_nesting) > limits.max_nesting:
        return bad("too_deep", f"nested more than {limits.max_nesting} levels deep (ingest.max_nesting)")
    row_fmt = fmt or detect_format(rec)
    if row_fmt is None:  # nothing recognised in this file yet: the layout, not the row, is the problem
        raise IngestError(f"{file}: unknown problem layout (keys {sorted(rec)[:20]}); set `format` to one of {FORMATS[1:]}")
    try:
        fields = ADAPTERS[row_fmt](rec)
        # JSON inside string fields (APPS' input_output) is parsed by the adapter: check it too.
        for name in ("test_inputs", "test_outputs"):
            if fields.get(name) is not None and _depth(fields[name], limits.max_nesting) > limits.max_nesting:
                raise _RowError("too_deep", f"{name} nested more than {limits.max_nesting} levels deep (ingest.max_nesting)")
        _check_caps(fields, limits)
    except _RowError as e:
        return bad(e.reason, e.detail, row_fmt)
    except RecursionError:
        return bad("too_deep", f"{row_fmt} layout: nested too deeply to read", row_fmt)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return bad("malformed_row", f"{row_fmt} layout: {type(e).__name__}: {e}", row_fmt)
    prev_id = fields.pop("prev_id", None)
    if not fields.get("statement"):
        return bad("no_statement", f"{row_fmt} layout: empty problem statement", row_fmt)
    if prev_id:  # a previous run's row keeps its id
        row_id = str(prev_id)
    else:
        base = fields.get("source_id") or f"row{i}"
        if base.startswith(source + "/"):  # HumanEval's "HumanEval/0" must not become "HumanEval/HumanEval/0"
            base = base[len(source) + 1 :]
        row_id = f"{source}/{base}"
    if fields.get("source_file") is None:  # re-read own output keeps the original input's place
        fields["source_file"], fields["source_row"] = str(file), i
    return new_problem(id=_unique(row_id, seen_ids), source=source, **fields), row_fmt


def _unique(candidate: str, seen: set[str]) -> str:
    """Ids must be unique in a run (dedup refers to them); a repeated source id gets a #n suffix."""
    out, n = candidate, 1
    while out in seen:
        n += 1
        out = f"{candidate}#{n}"
    seen.add(out)
    return out
