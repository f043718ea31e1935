"""RL problem records and the cleaning pipeline (ingest → screens → dedup → decontaminate → judge).

Public API:
- `PROBLEM_SCHEMA` (pyarrow) and `new_problem()` — the one problem record (schema.py)
- `read_problems(path, source, fmt="auto")` — ingest adapters for the public dataset layouts (ingest.py)
- `Steps`, `clean(rows, steps, index, client=None)` — run the cleaning steps (pipeline.py)
- `BenchmarkIndex` — n-gram + digit-masked decontamination index (decontam.py)
- `ProblemJudge`, `JudgeVerdict` — the optional LLM-judge hook for proof/multiple-choice screening
- `build_report`, `format_table`, `write_outputs` — outputs (report.py)
- job: `python -m pipelines.run configs/problems.yaml` (job.py)
"""
from verifiers.problems.decontam import BenchmarkIndex
from verifiers.problems.ingest import IngestError, read_problems
from verifiers.problems.pipeline import Steps, clean
from verifiers.problems.report import build_report, format_table, write_outputs
from verifiers.problems.rules import JudgeVerdict, ProblemJudge
from verifiers.problems.schema import PROBLEM_SCHEMA, new_problem

__all__ = [
    "PROBLEM_SCHEMA", "new_problem", "read_problems", "IngestError", "Steps", "clean", "BenchmarkIndex",
    "ProblemJudge", "JudgeVerdict", "build_report", "format_table", "write_outputs",
]
