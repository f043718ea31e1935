"""Rule-based screens: proof-based and multiple-choice problems, and gold answers that are not one answer.

MiMo drops proofs and multiple-choice problems from the RL set because their rewards are easy to hack
(a proof has no checkable final answer; a letter choice is right 1 time in 4 by chance). MiMo uses an
LLM for this; the rules here catch the explicit cases, and `ProblemJudge` is the hook through which an
LLM judge (later issue) can add its verdict on the rows the rules let through.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

# --- proofs ------------------------------------------------------------------------------------------

# An imperative "prove"/"show that" at a clause start; "Records show that 30% ..." is not a proof request,
# so "show/verify/... that" only counts after a sentence/clause boundary or "and"/"then".
_CLAUSE = r"(?:^|[.;:!?]\s*|,\s*|\$\s*|\n\s*|\b(?:and|then|also|hence)\s+|\(\s*[a-z0-9ivx]+\s*\)\s*)"
_PROOF_CUES = [
    re.compile(r"\bprove\b(?!\s+(?:to\s+be|useful|helpful|costly|difficult|fatal))", re.I),
    re.compile(_CLAUSE + r"(?:show|demonstrate|verify|establish|deduce|conclude)\s+that\b", re.I),
    re.compile(r"\b(?:give|write|find|provide|present)\s+(?:a|an|the)\s+(?:\w+\s+)?proof\b", re.I),
    re.compile(r"\b(?:with|without)\s+proof\b|\bjustify\s+your\s+answer\b|\bproof\s+that\b", re.I),
    re.compile(_CLAUSE + r"show\s+(?:why|how)\b", re.I),
]
# Gold answers that say "this is a proof" instead of giving a value.
_PROOF_GOLD = re.compile(
    r"^\s*(?:\\text\{\s*)?(?:proof|q\.?e\.?d\.?|see (?:the )?(?:proof|solution)|proven|shown|\\blacksquare|\\square|"
    r"(?:the )?(?:statement|result|claim) (?:is )?(?:proved|proven|true))\s*\}?\s*\.?\s*$",
    re.I,
)

# --- multiple choice -------------------------------------------------------------------------------

# An option label: "(A)", "\textbf{(A)}", "(A)" after a non-letter (so probability P(A) is not one),
# or "A." / "A)" / "A:" at the start of a line.
_OPTION_PAREN = re.compile(r"(?<![A-Za-z\\])\(\s*([A-E])\s*\)|\\text(?:bf|rm)?\{\s*\(?\s*([A-E])\s*\)?\s*\}")
_OPTION_LINE = re.compile(r"(?m)^\s*([A-E])\s*[.):]\s+\S")
_CHOICE_PHRASE = re.compile(
    r"\b(?:answer\s+choices|which\s+of\s+the\s+following|choose\s+(?:the\s+)?(?:correct|best|one)|select\s+(?:the\s+)?(?:correct|best|one))\b",
    re.I,
)
_LETTER_GOLD = re.compile(r"^\s*(?:\\text(?:bf|rm)?\{\s*)?\(?\s*([A-E])\s*\)?\s*\}?(?:\s*[,;]\s*\(?([A-E])\)?)*\s*$")


# Figure code (Asymptote, TikZ) labels points "(A)", "(B)", ...; it is not text to screen.
_FIGURE = re.compile(r"\[asy\].*?\[/asy\]|\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", re.S)


def _prose(statement: str) -> str:
    return _FIGURE.sub(" ", statement)


def option_letters(statement: str) -> list[str]:
    """Option labels found in order, e.g. ['A', 'B', 'C', 'D', 'E']."""
    statement = _prose(statement)
    found = [a or b for a, b in _OPTION_PAREN.findall(statement)]
    line_opts = _OPTION_LINE.findall(statement)
    return found if len(found) >= len(line_opts) else line_opts


def _is_option_run(letters: list[str]) -> bool:
    """At least A, B, C in that order: a real option list, not a stray "(A)" label in a figure."""
    distinct = sorted(set(letters))
    return len(distinct) >= 3 and distinct[:3] == ["A", "B", "C"]


def proof_reason(statement: str, answer: str | None) -> str | None:
    """Evidence that the problem asks for a proof, else None."""
    if answer is not None and _PROOF_GOLD.match(answer):
        return f"gold answer is {answer.strip()[:40]!r}"
    text = _prose(statement)
    for cue in _PROOF_CUES:
        m = cue.search(text)
        if m:
            return f"statement asks for a proof: {m.group(0).strip()[:60]!r}"
    return None


def multiple_choice_reason(statement: str, answer: str | None) -> str | None:
    """Evidence that the problem is multiple choice, else None."""
    letters = option_letters(statement)
    if _is_option_run(letters):
        return f"options {'/'.join(sorted(set(letters)))} in statement"
    gold_letter = answer is not None and _LETTER_GOLD.match(answer) is not None
    if gold_letter and (len(set(letters)) >= 2 or _CHOICE_PHRASE.search(_prose(statement))):
        return f"gold answer is the choice letter {answer.strip()!r}"
    return None


# --- gold answers that are not one answer ----------------------------------------------------------

_ALTERNATIVES = re.compile(r"\\text\{\s*(?:or|and)\s*\}|\\(?:quad|qquad)\s*\\text\{\s*or|\s(?:or|and)\s", re.I)
_PARTS = re.compile(r"(?:^|[\s;,])\(?\s*(?:[a-d]|i{1,3}|iv)\s*\)\s*\S", re.I)


def multiple_answer_reason(answer: str) -> str | None:
    """Evidence that a gold answer holds several answers (alternatives or sub-parts), else None.

    A set, tuple or comma list ("-2, 1" for "enter all solutions") is one answer and passes.
    """
    if len(re.findall(r"\\(?:boxed|fbox)\s*\{", answer)) > 1:
        return "several \\boxed{} answers"
    m = _ALTERNATIVES.search(answer)
    if m:
        return f"alternatives joined by {m.group(0).strip()!r}"
    if len(_PARTS.findall(answer)) >= 2:
        return "answers to several sub-parts"
    if ";" in answer.replace("\\;", ""):
        return "answers separated by ';'"
    return None


_PROSE_WORD = re.compile(r"(?<![\\\w])[A-Za-z]{2,}\b")


def free_form_reason(answer: str, max_words: int = 4) -> str | None:
    r"""Evidence that a gold answer is prose (an explanation, a construction), not a checkable value.

    Words inside \text{} count too ("\text{the circle of radius 2 about the origin}"); LaTeX commands
    (\frac, \sqrt) do not. A name such as "\text{Evelyn}" or "5 dollars" is short and passes.
    """
    n = len(_PROSE_WORD.findall(answer))
    if n > max_words:
        return f"gold answer is {n} words of prose"
    return None


# --- optional LLM judge ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeVerdict:
    is_proof: bool
    is_multiple_choice: bool
    reason: str = ""


@runtime_checkable
class ProblemJudge(Protocol):
    """Classifies problems the rules let through. Called once per batch (a chunk of rows).

    Receives the problem rows (dicts with at least `statement`, `answer`, `domain`) and returns one
    verdict per row, or None where it has no opinion. Configure it as `proof_mc.llm_judge:
    "package.module:factory"`; the factory is called with no arguments in each worker process.
    """

    def __call__(self, problems: Sequence[Mapping[str, Any]]) -> Sequence[JudgeVerdict | None]: ...
