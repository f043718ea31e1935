"""The cleaning steps: per-row screens fanned out over chunks, then dedup, then reference solutions.

Order (a row is examined by a step only if every earlier step kept it; the first drop is recorded):

  proof_mc → gold_answer → code_tests → decontaminate → [signatures]   (stage A: one task per chunk)
  dedup (MinHash LSH, one sweep in the driver over the stage-A survivors)
  reference_solution (stage B: the code judge, small chunks so slow problems spread over workers)

Cheap steps run first so the expensive ones (grader, sandbox) see fewer rows. `clean()` runs in
process unless a `mapper` is given (the problems job passes pipelines.executors' dask mapper), so the
same code path is measured. Nothing here knows about dask or jobs.
"""
from __future__ import annotations

import importlib
import logging
import time
from typing import Any, Callable, Sequence

import numpy as np
from pydantic import Field, field_validator

from core.config import StrictModel
from filters.problems import backends, rules
from filters.decontam import BenchmarkIndex
from filters.problems.dedup import near_duplicates, signatures
from core.records.problem import drop

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------ settings


class ProofMCSettings(StrictModel):
    enabled: bool = True
    # "package.module:factory" returning a rules.ProblemJudge; asked about math rows the rules kept.
    llm_judge: str | None = Field(default=None, pattern=r"^[\w.]+:[\w.]+$")


class GoldSettings(StrictModel):
    enabled: bool = True
    grader_workers: int = Field(default=1, ge=1)  # grade_many workers inside each dask task
    max_prose_words: int = Field(default=4, ge=1)  # a gold with more words is free-form text


class CodeTestSettings(StrictModel):
    enabled: bool = True
    min_tests: int = Field(default=1, ge=1)


class DecontamSettings(StrictModel):
    enabled: bool = True
    ngram: int = Field(default=8, ge=3, le=64)
    min_masked_words: int = Field(default=6, ge=1)
    min_ngram_words: int = Field(default=3, ge=0)  # n-grams with fewer real words are not evidence


class DedupSettings(StrictModel):
    # Problem statements are short (MATH-500: ~30 words), so shingles are word 3-grams and the bar is
    # Jaccard 0.5: on GSM8K/MATH-500 with one word replaced in 100 copies this finds 100/95 of them
    # and flags no pair of the originals (5-grams at 0.7 find only 69/48). See docs/problems.md.
    enabled: bool = True
    ngram: int = Field(default=3, ge=1, le=32)
    threshold: float = Field(default=0.5, ge=0.05, le=0.95)  # datasketch needs >= 2 LSH bands
    num_perm: int = Field(default=128, ge=16, le=1024)
    seed: int = 1


class ReferenceSettings(StrictModel):
    enabled: bool = True
    timeout_s: float = Field(default=6.0, gt=0)
    memory_mb: int = Field(default=1024, ge=64)
    # Special-judge problems accept several outputs; exact comparison would fail a correct solution.
    skip_special_judge: bool = True


class Steps(StrictModel):
    proof_mc: ProofMCSettings = ProofMCSettings()
    gold_answer: GoldSettings = GoldSettings()
    code_tests: CodeTestSettings = CodeTestSettings()
    decontaminate: DecontamSettings = DecontamSettings()
    dedup: DedupSettings = DedupSettings()
    reference_solution: ReferenceSettings = ReferenceSettings()

    @field_validator("*", mode="before")
    @classmethod
    def _allow_bool(cls, v: Any) -> Any:
        # `dedup: false` in YAML is the short form of `dedup: {enabled: false}`.
        return {"enabled": v} if isinstance(v, bool) else v


# ------------------------------------------------------------------------------------------- stage A

_JUDGES: dict[str, rules.ProblemJudge] = {}


def load_judge(spec: str) -> rules.ProblemJudge:
    """Import "module:factory" once per process and build the judge."""
    if spec not in _JUDGES:
        module_name, _, attr = spec.partition(":")
        factory: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            factory = getattr(factory, part)
        judge = factory()
        if not isinstance(judge, rules.ProblemJudge):
            raise TypeError(f"llm_judge {spec!r} did not return a callable judge")
        _JUDGES[spec] = judge
    return _JUDGES[spec]


def _proof_mc(rows: list[dict], s: ProofMCSettings) -> None:
    asked: list[dict] = []
    for r in rows:
        if r["domain"] != "math":
            continue
        proof = rules.proof_reason(r["statement"], r["answer"])
        mc = rules.multiple_choice_reason(r["statement"], r["answer"])
        r["is_proof"], r["is_multiple_choice"] = proof is not None, mc is not None
        if proof or mc:
            r["proof_mc_by"] = "rules"
            drop(r, "proof_mc", "proof" if proof else "multiple_choice", proof or mc)
        else:
            asked.append(r)
    if s.llm_judge and asked:
        verdicts = load_judge(s.llm_judge)(asked)
        if len(verdicts) != len(asked):
            raise RuntimeError(f"llm_judge returned {len(verdicts)} verdicts for {len(asked)} problems")
        for r, v in zip(asked, verdicts):
            if v is None:
                continue
            r["is_proof"], r["is_multiple_choice"] = bool(v.is_proof), bool(v.is_multiple_choice)
            if v.is_proof or v.is_multiple_choice:
                r["proof_mc_by"] = "llm_judge"
                drop(r, "proof_mc", "proof" if v.is_proof else "multiple_choice", f"llm judge: {v.reason}"[:300])


def _gold_answer(rows: list[dict], s: GoldSettings) -> None:
    to_grade: list[dict] = []
    for r in rows:
        if r["domain"] != "math":
            continue
        gold = (r["answer"] or "").strip()
        if not gold:
            drop(r, "gold_answer", "no_gold", "problem has no gold answer")
            continue
        many = rules.multiple_answer_reason(gold)
        if many:
            drop(r, "gold_answer", "not_single_answer", f"{many}: {gold[:80]!r}")
            continue
        prose = rules.free_form_reason(gold, s.max_prose_words)
        if prose:
            drop(r, "gold_answer", "free_form_answer", f"{prose}: {gold[:80]!r}")
            continue
        to_grade.append(r)
    if not to_grade:
        return
    golds = [r["answer"].strip() for r in to_grade]
    try:
        checks = backends.check_golds(golds, workers=s.grader_workers)
    except Exception:  # find the gold that breaks the grader; the others still get their verdict
        checks = []
        for g in golds:
            try:
                checks.append(backends.check_golds([g], workers=s.grader_workers)[0])
            except Exception as e:
                checks.append(backends.GoldCheck(False, "grader_error", None, f"{type(e).__name__}: {e}"[:300]))
    for r, c in zip(to_grade, checks):
        r["gold_extracted"] = c.extracted
        if not c.ok:
            drop(r, "gold_answer", c.reason or "gold_unparseable", c.detail)


def _code_tests(rows: list[dict], s: CodeTestSettings) -> None:
    for r in rows:
        if r["domain"] != "code":
            continue
        fmt = r["test_format"]
        if fmt == "assert":
            n = 1 if (r["test_code"] or "").strip() else 0
        elif fmt in ("stdio", "call"):
            n = len(r["test_inputs"] or [])
            if len(r["test_outputs"] or []) != n:
                drop(r, "code_tests", "bad_tests", f"{n} test inputs but {len(r['test_outputs'] or [])} outputs")
                continue
            if fmt == "call" and not r["fn_name"]:
                drop(r, "code_tests", "bad_tests", "call-form tests without fn_name")
                continue
        else:
            n = 0
        if n < s.min_tests:
            drop(r, "code_tests", "no_tests", f"{n} tests (need {s.min_tests})")


def _decontaminate(rows: list[dict], index: BenchmarkIndex) -> None:
    for r in rows:
        hit = index.match(r["statement"])
        if hit is not None:
            r["contaminated_by"], r["contamination_test"] = hit.item, hit.test
            drop(r, "decontaminate", "contaminated", hit.evidence[:300])


def screen_chunk(
    rows: list[dict], steps: Steps, index: BenchmarkIndex | None
) -> tuple[list[dict], np.ndarray | None, float]:
    """Stage A on one chunk. Returns (rows with verdicts, signatures of the survivors, seconds)."""
    t0 = time.perf_counter()
    rows = [dict(r) for r in rows]  # never mutate the caller's (or dask's cached) rows

    def alive() -> list[dict]:
        return [r for r in rows if r["kept"]]

    if steps.proof_mc.enabled:
        _proof_mc(alive(), steps.proof_mc)
    if steps.gold_answer.enabled:
        _gold_answer(alive(), steps.gold_answer)
    if steps.code_tests.enabled:
        _code_tests(alive(), steps.code_tests)
    if steps.decontaminate.enabled and index is not None:
        _decontaminate(alive(), index)
    sigs = None
    if steps.dedup.enabled:
        d = steps.dedup
        sigs = signatures([r["statement"] for r in alive()], n=d.ngram, num_perm=d.num_perm, seed=d.seed)
    return rows, sigs, time.perf_counter() - t0


# ------------------------------------------------------------------------------------------- stage B


def reference_chunk(rows: list[dict], s: ReferenceSettings) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        try:
            res = backends.run_reference(r, timeout_s=s.timeout_s, memory_mb=s.memory_mb)
        except Exception as e:  # one broken problem must not sink the chunk; it is dropped with the reason
            drop(r, "reference_solution", "judge_error", f"{type(e).__name__}: {e}"[:300])
            out.append(r)
            continue
        r["reference_passed"], r["reference_total"] = res.passed, res.total
        if res.total == 0 or res.passed < res.total:
            drop(r, "reference_solution", "reference_fails",
                 f"reference solution passed {res.passed}/{res.total} tests; first failure {res.detail}"[:500])
        out.append(r)
    return out


# ------------------------------------------------------------------------------------------- driver

Mapper = Callable[..., list]  # map(fn, chunks, **kwargs) -> [fn(chunk, **kwargs) for chunk in chunks]


def _local_map(fn: Callable, chunks: Sequence[list], **kwargs: Any) -> list:
    return [fn(c, **kwargs) for c in chunks]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def clean(
    rows: list[dict],
    steps: Steps,
    index: BenchmarkIndex | None,
    *,
    mapper: Mapper | None = None,
    chunk_size: int = 1000,
    judge_chunk_size: int = 8,
) -> tuple[list[dict], dict[str, float]]:
    """Run every enabled step; returns (rows in input order with verdicts, seconds per stage)."""
    mapper = mapper or _local_map
    timings: dict[str, float] = {}

    t = time.perf_counter()
    pending = [r for r in rows if r["kept"]]
    results = mapper(screen_chunk, _chunks(pending, chunk_size), steps=steps, index=index)
    by_id: dict[str, dict] = {}
    survivor_ids: list[str] = []
    sig_parts: list[np.ndarray] = []
    for chunk_rows, sigs, _ in results:
        for r in chunk_rows:
            by_id[r["id"]] = r
        alive = [r["id"] for r in chunk_rows if r["kept"]]
        survivor_ids.extend(alive)
        if sigs is not None:
            sig_parts.append(sigs)
    timings["screen"] = time.perf_counter() - t
    timings["screen_task_seconds"] = sum(x[2] for x in results)

    if steps.dedup.enabled and survivor_ids:
        t = time.perf_counter()
        sigs = np.concatenate(sig_parts)
        groups = [by_id[i]["domain"] for i in survivor_ids]
        dups = near_duplicates(survivor_ids, sigs, groups, threshold=steps.dedup.threshold, seed=steps.dedup.seed)
        for i, (j, sim) in dups.items():
            r = by_id[survivor_ids[i]]
            r["duplicate_of"] = survivor_ids[j]
            drop(r, "dedup", "near_duplicate", f"estimated Jaccard {sim:.2f} with {survivor_ids[j]}")
        timings["dedup"] = time.perf_counter() - t

    if steps.reference_solution.enabled:
        t = time.perf_counter()
        s = steps.reference_solution
        todo = [by_id[i] for i in survivor_ids if by_id[i]["kept"] and by_id[i]["domain"] == "code"
                and by_id[i]["reference_solution"] and by_id[i]["test_format"]
                and not (s.skip_special_judge and by_id[i]["special_judge"])]
        for part in mapper(reference_chunk, _chunks(todo, judge_chunk_size), s=s):
            for r in part:
                by_id[r["id"]] = r
        timings["reference_solution"] = time.perf_counter() - t

    return [by_id.get(r["id"], r) for r in rows], timings
