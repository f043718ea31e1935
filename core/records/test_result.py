"""TestResult: the per-test verdict record the judge returns (schema in docs/ARCHITECTURE.md)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pyarrow as pa

Status = Literal[
    "passed", "wrong_answer", "timeout", "runtime_error", "memory_limit", "compile_error", "sandbox_error"
]
STATUSES: tuple[str, ...] = (
    "passed", "wrong_answer", "timeout", "runtime_error", "memory_limit", "compile_error", "sandbox_error"
)
SCHEMA_VERSION = 1
STDERR_LIMIT = 2000  # characters of stderr kept per test (the tail, where tracebacks end)


@dataclass(frozen=True)
class TestResult:
    """Outcome of one test case.

    `status` is one of STATUSES; `passed` is `status == "passed"`. `detail` says why in a few
    words (e.g. "exit code 1", "killed: output limit exceeded"); `stderr` is the truncated tail
    of what the solution wrote to stderr. `sandbox_error` means the judge itself failed and
    says nothing about the solution. `decided_by` says whose evidence decided the status:
    "host" (output or return value compared on the host), "checker" (assert-style test code run
    in the trusted checker process against the values the solution returned), "limits" (time,
    memory, output caps enforced by the zygote and the kernel), "solution" (a failure the
    solution's own process reported: it can choose among failures, never a pass), "judge"
    (sandbox_error).
    """

    __test__ = False  # not a pytest test class despite the name

    passed: bool
    status: Status
    time_s: float
    stderr: str = ""
    detail: str = ""
    decided_by: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")
        if self.passed != (self.status == "passed"):
            raise ValueError(f"passed={self.passed} contradicts status={self.status!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TestResult":
        return cls(
            passed=bool(d["passed"]), status=d["status"], time_s=float(d["time_s"]),
            stderr=str(d.get("stderr", "")), detail=str(d.get("detail", "")),
            decided_by=str(d.get("decided_by", "")),
        )


def make_result(status: Status, time_s: float = 0.0, stderr: str = "", detail: str = "",
                decided_by: str = "") -> TestResult:
    return TestResult(status == "passed", status, round(float(time_s), 6), stderr[-STDERR_LIMIT:], detail, decided_by)


# Arrow type for storing per-test results next to problems/rollouts (a list<struct> column).
TEST_RESULT_ARROW_TYPE = pa.struct([
    ("passed", pa.bool_()),
    ("status", pa.string()),
    ("time_s", pa.float64()),
    ("stderr", pa.string()),
    ("detail", pa.string()),
    ("decided_by", pa.string()),
])
TEST_RESULTS_ARROW_TYPE = pa.list_(TEST_RESULT_ARROW_TYPE)
