"""Reasoning-data synthesis (MiMo §2.1's three strategies): work items → responses → synthetic documents.

    items = problem_items(rows, load_template(MATH_PROMPT, ("statement",)), load_template(CODE_PROMPT, ...))[0]
    results = generate_chunk(items, backend=backend, sampling=SamplingParams(temperature=0.6), samples=4,
                             verify=VerifySettings())
    rows = to_records(items, results, FormatSettings(), model="Qwen/Qwen3-8B")
    screen(rows, index=benchmark_index, dedup=DedupSettings())   # decontaminate, then near-duplicates

Strategies, each a kind of work item (a plain dict: JSON-able, so a chunk of them keys a checkpoint):

- `analysis`: a crawl document (selected by the job with a SQL expression over its signal columns,
  e.g. high `cls_reasoning_depth`) → an in-depth analysis of it (`document_items`);
- `solve`: a cleaned problem → a reasoning model's solution, **rejection-sampled**: kept only when the
  math grader (`verifiers.math`) or the code judge (`verifiers.code`, the problem's tests) accepts it
  against the gold (`problem_items`, `verify`);
- `query`: a general query (creative writing among them) from a query file → a response (`query_items`).

Prompts are template files (`synth/prompts/synth/*.txt` by default) with `{placeholders}`; each
record carries the template's name and sha256, the model, the sampling settings and its source id.
A response cut by `max_tokens` or empty is rejected (`generate` stage) before anything else looks at it.
Outputs are screened with the problem set's own steps: `filters.decontam.BenchmarkIndex` and the
MinHash near-duplicate sweep of `filters.problems.dedup` (`screen`).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Sequence

from pydantic import Field

from core.config import StrictModel
from core.markup import spans
from core.records.synthetic import new_record
from synth.backends import Message, Request, SamplingParams

__all__ = [
    "PROMPTS_DIR", "Template", "load_template", "fill", "FormatSettings", "VerifySettings", "document_items",
    "problem_items", "query_items", "generate_chunk", "verify", "to_records", "screen", "sampling_json",
]

PROMPTS_DIR = Path(__file__).parent / "prompts" / "synth"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with every `{name}` of `values` replaced in one pass (other braces, e.g. `\\boxed{}`,
    stay; a value holding `{name}` is not expanded again)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), template)


@dataclass(frozen=True)
class Template:
    name: str  # file name
    text: str
    sha256: str

    def render(self, **values: str) -> str:
        return fill(self.text, values)


def load_template(path: str | Path, placeholders: Sequence[str]) -> Template:
    """A prompt template file; it must use each of `placeholders` (e.g. `{statement}`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"prompt template {path} does not exist")
    text = path.read_text(encoding="utf-8")
    missing = [p for p in placeholders if "{" + p + "}" not in text]
    if missing:
        raise ValueError(f"prompt template {path} has no {', '.join('{' + p + '}' for p in missing)} placeholder")
    return Template(path.name, text, hashlib.sha256(text.encode("utf-8")).hexdigest())


class FormatSettings(StrictModel):
    """How a response becomes the `text` column. `template` fills `{prompt}` (the user message),
    `{response}` (reasoning span + answer, per `think`), `{reasoning}` and `{answer}`."""

    template: str = "{prompt}\n\n{response}"
    think: Literal["keep", "drop", "plain"] = Field(
        "keep", description="keep: the reasoning wrapped in think_open/think_close; drop: the answer only; "
                            "plain: reasoning then answer, no markers")
    think_open: str = "<think>\n"
    think_close: str = "\n</think>\n\n"

    def response(self, reasoning: str | None, answer: str) -> str:
        if reasoning is None or self.think == "drop":
            return answer
        if self.think == "plain":
            return f"{reasoning}\n\n{answer}" if answer else reasoning
        return f"{self.think_open}{reasoning}{self.think_close}{answer}"

    def text(self, prompt: str, reasoning: str | None, answer: str) -> str:
        return fill(self.template, {"prompt": prompt, "response": self.response(reasoning, answer),
                                    "reasoning": reasoning or "", "answer": answer})


class VerifySettings(StrictModel):
    """Strategy `solve`: the verifiers that accept or reject a solution."""

    timeout_s: float = Field(5.0, gt=0, description="per grade (math) / per test (code)")
    workers: int = Field(2, ge=1, description="solutions verified at once (threads; the judge sandboxes each run)")


# ------------------------------------------------------------------------------------------ items


def _item(strategy: str, source_id: str, source_set: str, category: str | None, source_file: str,
          source_offset: int, prompt: str, template: Template, **extra: Any) -> dict[str, Any]:
    return {"strategy": strategy, "source_id": source_id, "source_set": source_set, "category": category,
            "source_file": source_file, "source_offset": source_offset, "prompt": prompt,
            "template": template.name, "template_sha256": template.sha256, **extra}


CARRIED = ("language", "language_score", "cls_domain", "cls_domain_prob", "cls_content_type",
           "cls_content_type_prob", "cls_reasoning_depth", "cls_knowledge_density", "cls_educational_value")


def document_items(files: Sequence[str], where: Any, template: Template, *, source_set: str, limit: int | None,
                   max_chars: int) -> tuple[list[dict], Counter]:
    """Strategy `analysis`: the documents of crawl shards `files` (in order) for which the Polars
    expression `where` is true (null counts as false), at most `limit`; `{text}` = the first
    `max_chars` characters. Returns (items, skipped rows by reason)."""
    import polars as pl

    items: list[dict] = []
    skipped: Counter = Counter()
    for f in files:
        if limit is not None and len(items) >= limit:
            break
        lf = pl.scan_parquet(f).with_row_index("_row")
        if where is not None:
            lf = lf.filter(where)
        names = lf.collect_schema().names()
        cols = ["_row", "id", "text", *[c for c in CARRIED if c in names]]
        for row in lf.select(cols).collect().iter_rows(named=True):
            if not (row["text"] or "").strip():
                skipped["empty_text"] += 1
                continue
            if limit is not None and len(items) >= limit:
                break
            carry = {c: row[c] for c in CARRIED if c in row}
            items.append(_item("analysis", str(row["id"]), source_set, row.get("cls_domain"), str(f), int(row["_row"]),
                               template.render(text=row["text"][:max_chars]), template, carry=carry))
    return items, skipped


def problem_items(rows: Sequence[dict], math_template: Template, code_template: Template) -> tuple[list[dict], Counter]:
    """Strategy `solve`: problem rows (`core.records.problem`, as `filters.problems.read_problems`
    returns them) → items with the gold (math: the answer; code: the tests in the judge's shape).
    Rows a problem-set step dropped, math rows without an answer and code rows without tests are
    skipped, by reason. The source set is the id's prefix (`<source>/<source id>`, as the problems
    job minted it), so a re-read `kept.parquet` still reports per original set."""
    from filters.problems.backends import judge_tests

    items: list[dict] = []
    skipped: Counter = Counter()
    for r in rows:
        if r.get("kept") is False:
            skipped[f"dropped_{r.get('drop_reason') or 'row'}"] += 1
            continue
        if not (r.get("statement") or "").strip():
            skipped["no_statement"] += 1
            continue
        source_set = str(r["id"]).split("/", 1)[0] if "/" in str(r["id"]) else str(r.get("source"))
        common = dict(source_file=str(r.get("source_file") or ""), source_offset=int(r.get("source_row") or 0))
        if r["domain"] == "math":
            if not (r.get("answer") or "").strip():
                skipped["no_gold"] += 1
                continue
            items.append(_item("solve", r["id"], source_set, "math", prompt=math_template.render(statement=r["statement"]),
                               template=math_template, gold=r["answer"], **common))
        else:
            try:
                tests = judge_tests(r)
            except (ValueError, KeyError, TypeError):
                skipped["no_tests"] += 1
                continue
            prompt = code_template.render(statement=r["statement"], starter_code=r.get("starter_code") or "",
                                          language=r.get("language") or "python")
            items.append(_item("solve", r["id"], source_set, "code", prompt=prompt, template=code_template,
                               gold=tests, language=r.get("language") or "python", **common))
    return items, skipped


def query_items(path: str | Path, template: Template, *, source_set: str, text_key: str = "query",
                id_key: str = "id", category_key: str = "category", limit: int | None = None) -> tuple[list[dict], Counter]:
    """Strategy `query`: one item per row of a query file (JSONL, JSON list or Parquet; read with the
    problem ingest's row reader): `{query}` = the `text_key` field, the id `<source_set>/<id or row>`,
    the category (e.g. `creative_writing`) from `category_key`. Rows without text are skipped."""
    from filters.problems.ingest import expand, iter_records

    items: list[dict] = []
    skipped: Counter = Counter()
    for file in expand(path):
        for i, rec in iter_records(file):
            if limit is not None and len(items) >= limit:
                return items, skipped
            if not isinstance(rec, dict):
                skipped["unreadable_row"] += 1
                continue
            text = rec.get(text_key)
            if not isinstance(text, str) or not text.strip():
                skipped["no_query"] += 1
                continue
            ident = rec.get(id_key)
            category = rec.get(category_key)
            items.append(_item("query", f"{source_set}/{ident if ident is not None else f'row{i}'}", source_set,
                               str(category) if category is not None else None, str(file), i,
                               template.render(query=text), template))
    return items, skipped


# ------------------------------------------------------------------------------------- generation


def sampling_json(sampling: SamplingParams, samples: int) -> str:
    """The sampling settings a record was made with (its `synth_sampling` column)."""
    return json.dumps({"n": samples, "temperature": sampling.temperature, "top_p": sampling.top_p,
                       "top_k": sampling.top_k_or_none, "max_tokens": sampling.max_tokens, "seed": sampling.seed,
                       "stop": list(sampling.stop)}, sort_keys=True)


def verify(item: dict, answer: str, settings: VerifySettings = VerifySettings()) -> tuple[bool, str, str | None, str]:
    """(accepted, verifier, rejection reason or None, verdict) of one solution: math with
    `verifiers.math.grade` against the gold answer, code with `verifiers.code` on the problem's tests
    (the response's last fenced block) — the scorers the rollout engine uses."""
    from synth.rollout import default_scorer

    if item["category"] == "math":
        try:
            score = default_scorer("math")(item["gold"], answer, settings.timeout_s)
        except Exception as exc:  # noqa: BLE001 - one response must not stop the chunk
            return False, "math_grader", "verifier_error", f"{type(exc).__name__}: {exc}"[:300]
        g = score.grade or {}
        verdict = f"{g.get('status')}: {g.get('reason')} (extracted {g.get('extracted')!r}, gold {item['gold']!r})"[:500]
        if score.correct:
            return True, "math_grader", None, verdict
        reason = {"ok": "wrong_answer", "no_answer": "no_answer"}.get(g.get("status"), "ungradable")
        return False, "math_grader", reason, verdict
    from verifiers.rewards import score_code

    try:
        score = score_code(item["gold"], answer, language=item.get("language") or "python", timeout_s=settings.timeout_s)
    except Exception as exc:  # noqa: BLE001
        return False, "code_judge", "verifier_error", f"{type(exc).__name__}: {exc}"[:300]
    results = score.test_results or []
    passed = sum(bool(r.get("passed")) for r in results)
    first = next((r for r in results if not r.get("passed")), None)
    verdict = f"passed {passed}/{len(results)} tests" + (f"; first failure {first.get('status')}: {first.get('detail')}"
                                                          if first else "")
    if score.correct:
        return True, "code_judge", None, verdict[:500]
    judge_failed = first is not None and first.get("status") == "sandbox_error"
    return False, "code_judge", "verifier_error" if judge_failed else "tests_failed", verdict[:500]


def generate_chunk(items: Sequence[dict], *, backend: Any, sampling: SamplingParams, samples: int,
                   verify_settings: VerifySettings | None = None) -> list[dict]:
    """`samples` responses per item from `backend` (one request with n = samples each, one batch per
    chunk: the backend bounds concurrency and retries), each verified when it is a `solve` item.
    Returns one result per (item, sample): `item` (index in the chunk), `sample_index`, `reasoning`,
    `answer`, `finish_reason`, `n_tokens`, `verifier`, `verdict`, `reject` ([stage, reason, detail] or None)."""
    params = sampling.model_copy(update={"n": samples})
    requests = [Request(messages=(Message(role="user", content=it["prompt"]),), sampling=params) for it in items]
    completions = backend.generate_batch(requests) if requests else []
    results: list[dict] = []
    to_verify: list[dict] = []
    for i, (item, completion) in enumerate(zip(items, completions)):
        for sample in sorted(completion.samples, key=lambda s: s.index):
            res = {"item": i, "sample_index": sample.index, "reasoning": sample.reasoning, "answer": sample.text,
                   "finish_reason": sample.finish_reason, "n_tokens": sample.n_tokens, "verifier": None,
                   "verdict": None, "reject": None}
            if sample.finish_reason == "length":
                res["reject"] = ["generate", "truncated", f"cut at max_tokens={params.max_tokens}"]
            elif not sample.text.strip():
                res["reject"] = ["generate", "empty", "no answer after the reasoning" if sample.reasoning else "no text"]
            elif item["strategy"] == "solve":
                to_verify.append(res)
            results.append(res)
    if to_verify:
        settings = verify_settings or VerifySettings()
        with concurrent.futures.ThreadPoolExecutor(settings.workers) as pool:
            verdicts = list(pool.map(lambda r: verify(items[r["item"]], r["answer"], settings), to_verify))
        for res, (accepted, verifier, reason, verdict) in zip(to_verify, verdicts):
            res["verifier"], res["verdict"] = verifier, verdict
            if not accepted:
                res["reject"] = ["verify", reason, verdict]
    return results


# ---------------------------------------------------------------------------------------- records


def _markup_counts(text: str) -> dict[str, Any]:
    kinds = Counter(s.kind for s in spans(text))
    return {"has_math": bool(kinds["M"] or kinds["D"]), "has_code": bool(kinds["B"]), "n_formulas": kinds["M"] + kinds["D"],
            "n_code_blocks": kinds["B"]}


def to_records(items: Sequence[dict], results: Sequence[dict], fmt: FormatSettings, *, model: str,
               sampling: str) -> list[dict]:
    """Synthetic rows (`core.records.synthetic`, every column) for the results of `items`; a rejected
    response has `rejection_stage` / `rejection_reason` / `rejection_detail` set."""
    rows = []
    for res in results:
        item = items[res["item"]]
        text = fmt.text(item["prompt"], res["reasoning"], res["answer"])
        carry = item.get("carry") or {}
        stage, reason, detail = res["reject"] or (None, None, None)
        rows.append(new_record(
            id=f"{item['strategy']}/{item['source_id']}/{res['sample_index']}", source=item["source_file"],
            source_offset=item["source_offset"], text=text, **_markup_counts(text), **carry,
            synth_strategy=item["strategy"], synth_source_id=item["source_id"], synth_source_set=item["source_set"],
            synth_category=item["category"], synth_model=model, synth_prompt_template=item["template"],
            synth_prompt_sha256=item["template_sha256"], synth_sampling=sampling,
            synth_sample_index=res["sample_index"], synth_prompt=item["prompt"], synth_reasoning=res["reasoning"],
            synth_answer=res["answer"], synth_finish_reason=res["finish_reason"], synth_n_tokens=res["n_tokens"],
            synth_verifier=res["verifier"], synth_verdict=res["verdict"],
            rejection_stage=stage, rejection_reason=reason, rejection_detail=detail))
    return rows


def screen(rows: list[dict], index: Any = None, dedup: Any = None) -> None:
    """The problem set's screens on the rows not rejected yet, in order: decontamination against the
    benchmark `index` (`filters.decontam.BenchmarkIndex`, on the whole text), then near-duplicate
    removal (`filters.problems.dedup`, settings `dedup` = the problems job's `DedupSettings`; rows are
    compared within their strategy, the first one wins)."""
    if index is not None:
        for r in rows:
            if r["rejection_stage"] is None:
                hit = index.match(r["text"])
                if hit is not None:
                    r.update(rejection_stage="decontaminate", rejection_reason="contaminated",
                             rejection_detail=f"{hit.test}: {hit.evidence}"[:500])
    if dedup is not None and getattr(dedup, "enabled", True):
        from filters.problems.dedup import near_duplicates, signatures

        alive = [r for r in rows if r["rejection_stage"] is None]
        if not alive:
            return
        sigs = signatures([r["text"] for r in alive], n=dedup.ngram, num_perm=dedup.num_perm, seed=dedup.seed)
        dups = near_duplicates([r["id"] for r in alive], sigs, [r["synth_strategy"] for r in alive],
                               threshold=dedup.threshold, seed=dedup.seed)
        for i, (j, sim) in dups.items():
            alive[i].update(rejection_stage="dedup", rejection_reason="near_duplicate",
                            rejection_detail=f"estimated Jaccard {sim:.2f} with {alive[j]['id']}")
