"""RL problem-set transforms: ingest → screens (proof/MC, gold answer, code tests) → decontaminate →
dedup → reference solutions. Plain functions over problem rows (`core.records.problem`); the job that
runs them (dask, outputs, report) is `pipelines.problems`.

Public API:
- `read_problems(path, source, fmt="auto")`, `IngestError` — ingest adapters for the public dataset layouts (ingest.py)
- `Steps`, `clean(rows, steps, index, mapper=None)` — run the cleaning steps (clean.py)
- `BenchmarkIndex` — the decontamination index (filters.decontam, shared with web documents)
- `ProblemJudge`, `JudgeVerdict` — the optional LLM-judge hook for proof/multiple-choice screening (rules.py)
- `build_report`, `format_table`, `write_outputs` — the job's report and outputs (report.py)
- `PROBLEM_SCHEMA`, `new_problem` — re-exported from core.records.problem
"""
from core.records.problem import PROBLEM_SCHEMA, new_problem
from filters.decontam import BenchmarkIndex
from filters.problems.clean import Steps, clean
from filters.problems.ingest import IngestError, read_problems
from filters.problems.report import build_report, format_table, write_outputs
from filters.problems.rules import JudgeVerdict, ProblemJudge

__all__ = [
    "PROBLEM_SCHEMA", "new_problem", "read_problems", "IngestError", "Steps", "clean", "BenchmarkIndex",
    "ProblemJudge", "JudgeVerdict", "build_report", "format_table", "write_outputs",
]
