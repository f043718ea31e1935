"""Grade: the math grader's verdict for one (gold, response) pair (docs/ARCHITECTURE.md, "Grade").

Plain dataclass; the Arrow type is built on first use (`GRADE_ARROW_TYPE`), because importing
pyarrow would add ~0.2 s to every grading worker's start.
"""
from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1
STATUSES = ("ok", "no_answer", "unparseable", "timeout")

__all__ = ["Grade", "STATUSES", "GRADE_ARROW_TYPE", "SCHEMA_VERSION"]


@dataclass(frozen=True)
class Grade:
    """Verdict for one response: `correct`, `status` (one of STATUSES), the `extracted` answer, a short `reason`."""

    correct: bool
    status: str
    extracted: str | None
    reason: str

    def to_dict(self) -> dict:
        return {"correct": self.correct, "status": self.status, "extracted": self.extracted, "reason": self.reason}


def arrow_type():
    import pyarrow as pa

    return pa.struct([
        pa.field("correct", pa.bool_(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("extracted", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
    ])


def __getattr__(name: str):
    if name == "GRADE_ARROW_TYPE":
        return arrow_type()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
