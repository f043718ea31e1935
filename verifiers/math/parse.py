"""Turn one answer string (already extracted) into an `Answer` value.

Two paths:
- fast path (pure Python, exact): integers, decimals, scientific notation, thousands
  separators, fractions, mixed numbers, percentages, "x = 5", number lists, multiple-choice
  letters, words. `fractions.Fraction` keeps every value exact, so 123456 and 123457 can never
  be "close enough".
- sympy path: our small reader (`latex_fast`) for the common LaTeX shapes, then Math-Verify's
  LaTeX/expression parser (latex2sympy2_extended underneath) for the rest. We call it without
  its `signal.alarm` timeout; the caller runs us in a killable process.

Before the sympy path, `refusal` rejects inputs that would make sympy evaluate astronomically
large numbers (power towers, huge factorials), so they fail fast instead of hitting the timeout.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from verifiers.math.extract import extract_answer

# Largest literal we let sympy evaluate as an exponent or a factorial argument.
MAX_EXPONENT = 100_000
MAX_FACTORIAL = 10_000
MAX_ANSWER_CHARS = 2_000
MAX_DIGITS = 1_000_000  # largest integer (in decimal digits) an answer may ask sympy to build


@dataclass(frozen=True)
class Answer:
    """A parsed answer.

    kind: "number" (exact `number`), "choice" (letter), "expr" (sympy `expr`), "list" (`items`:
    plain numbers, an unordered answer list such as "3, 5, 7"), "sequence" (`items`, for lists with
    an ellipsis such as "1, 3, 5, \\ldots, 2n-1"),
    "text" (plain words, compared as text) or "unparsed" (could not be read).
    `decimals` is the most digits written after a decimal point (None: no decimal written);
    `percent` is True only when a % (or "percent") was written.
    """

    text: str
    kind: str
    body: str = ""  # the value part: no "x =" left side, units or % sign
    number: Fraction | None = None
    decimals: int | None = None
    percent: bool = False
    lhs: str | None = None
    choice: str | None = None
    expr: Any = field(default=None, compare=False)
    note: str = ""
    items: tuple = ()  # kinds "list"/"sequence": the parsed elements (ELLIPSIS marks a \\ldots)


# ---------------------------------------------------------------- normalisation
_SPACING_RE = re.compile(r"(?<!\\)\\[!,;:> ]|\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])|\\displaystyle|\\quad|\\qquad")
_FRAC_VARIANT_RE = re.compile(r"\\[dtc]frac")
_DEGREE_RE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\s*\\text\{\s*degrees?\s*\}|\s+degrees?\b")
_PERCENT_RE = re.compile(r"\s*(?:\\%|%|\\text\{\s*\\?%\s*\}|\bpercent(?:age)?\b|\bpct\b)\s*$")
_UNIT_TEXT_RE = re.compile(r"\s*\\(?:text|mbox|mathrm|textbf|textnormal|textrm)\s*\{\s*[a-zA-Z][a-zA-Z .\/^0-9-]*\}(?:\s*\^\s*\{?[23]\}?)?\s*$")
_UNIT_WORD_RE = re.compile(
    r"\s*\b(?:cm|mm|km|m|meters?|metres?|inches|inch|feet|foot|ft|miles?|yards?|units?|sq|square|cubic|dollars?|cents?|"
    r"hours?|minutes?|seconds?|days?|weeks?|years?|kg|g|grams?|pounds?|lbs?|liters?|litres?|mph|students?|people|ways|points?)"
    r"(?:\s*\^\s*\{?[23]\}?|²|³)?\.?\s*$"
)
_UNICODE_TEX = (
    ("π", "\\pi "), ("√", "\\sqrt"), ("∞", "\\infty "), ("×", "\\times "), ("·", "\\cdot "), ("÷", "/"),
    ("≤", "\\le "), ("≥", "\\ge "), ("≠", "\\ne "), ("½", "1/2"), ("⅓", "1/3"), ("¼", "1/4"), ("¾", "3/4"),
    ("²", "^2"), ("³", "^3"), ("∪", "\\cup "), ("±", "\\pm "), ("–", "-"),
    ("€", ""), ("£", ""), ("¥", ""), ("₹", ""),  # currency signs: the number is the answer
    ("。", "."), ("，", ", "),  # CJK full stop and comma
)
# "Rs. 18", "USD 18", "18 EUR": currency codes before or after the number.
_CURRENCY_RE = re.compile(r"^(?:Rs\.?|INR|USD|US\$|EUR|GBP)\s*(?=[-+\d.])|(?<=[\d.])\s*(?:USD|EUR|GBP|INR)\.?$")
# "18 km/h", "$18/day", "18 per day": a rate's denominator after a number or a unit word.
_PER_UNIT_RE = re.compile(
    r"(?<=[\da-zA-Z])\s*(?:/|\bper\s+)(?:h|hr|hour|s|sec|second|min|minute|day|week|month|year|yr|kg|lb|unit|item|"
    r"person|gallon|liter|litre|l|km|mile|m|ft|cup|pack|box|dozen|piece|ticket|student|page)s?\.?$"
)
_AND_RE = re.compile(r"\s*(?:\\text\s*\{\s*(?:and|or)\s*\}|(?<![A-Za-z\\])(?:and|or)(?![A-Za-z]))\s*")
_NUMBER_THEN_WORDS_RE = re.compile(r"^(.*?\d)\s+[A-Za-z][A-Za-z .'-]*$")  # "3 apples", "12 red marbles"
_SQRT_PAREN_RE = re.compile(r"\\sqrt\s*\(([^()]*)\)")  # invalid "\sqrt(2)" means \sqrt{2}
_MATHRM_E_RE = re.compile(r"\\math(?:rm|it)\{\s*e\s*\}")
_DEG = r"\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree)"
_DEG_NUM = rf"(-?\d+(?:\.\d+)?){_DEG}"
# "\sin 60^\circ", "\cos(45°)", "\tan^2{30^{\circ}}": a trigonometric function of an angle in degrees.
# Rewritten to radians before anything strips the degree sign (which would read sin 60 in radians).
_TRIG_DEG_RE = re.compile(
    rf"\\(sin|cos|tan|cot|sec|csc)\s*(\^\s*\{{?\s*-?\d\s*\}}?)?\s*"
    rf"(?:\(\s*{_DEG_NUM}\s*\)|\{{\s*{_DEG_NUM}\s*\}}|{_DEG_NUM})"
)


def _trig_radians(m: re.Match) -> str:
    angle = m.group(3) or m.group(4) or m.group(5)
    return f"\\{m.group(1)}{m.group(2) or ''}(\\frac{{{angle}\\pi}}{{180}})"


_TEXT_WRAP_RE = re.compile(r"^\\(?:text|textbf|mathrm|mbox)\s*\{(.*)\}$", re.S)


def _strip_delimiters(s: str) -> str:
    s = s.strip()
    changed = True
    while changed and s:
        changed = False
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
                s = s[len(left) : len(s) - len(right)].strip()
                changed = True
    return s


def normalize(s: str) -> str:
    """Canonical text for an answer: spacing commands, \\dfrac, \\$, trailing dots removed."""
    s = s.replace("−", "-").replace("\u00a0", " ")
    if not s.isascii():  # models sometimes answer in Unicode math
        for uni, tex in _UNICODE_TEX:
            s = s.replace(uni, tex)
    s = _strip_delimiters(s)
    s = s.replace("\\$", "").replace("$", "")
    s = s.replace("~", " ")  # LaTeX non-breaking space
    s = re.sub(r",\\!\s*", ",", s).replace("\\!", "")  # 10,\!080 -> 10,080
    s = _SPACING_RE.sub(" ", s)
    s = _SQRT_PAREN_RE.sub(r"\\sqrt{\1}", s)
    s = _FRAC_VARIANT_RE.sub(r"\\frac", s)
    if "\\" in s and ("circ" in s or "°" in s or "degree" in s):
        s = _TRIG_DEG_RE.sub(_trig_radians, s)
    s = _MATHRM_E_RE.sub("e", s)
    s = s.replace("{,}", ",").replace("\\infty", "\\infty ")
    if "nfinity" in s:
        s = re.sub(r"(?<![A-Za-z\\])([Ii])nfinity\b", r"\\infty ", s)
    s = s.replace("\\varnothing", "\\emptyset").replace("\\{\\}", "\\emptyset").replace("**", "^")
    s = _AND_RE.sub(", ", s)  # "12 \text{ and } 13", "19, 46, and 82" are lists
    s = re.sub(r",\s*,", ",", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.rstrip(";").strip()
    while s.endswith(".") and not s.endswith("..."):  # a full stop, but keep an ellipsis
        s = s[:-1].rstrip()
    while s.startswith("{") and s.endswith("}") and _braced_whole(s):
        s = s[1:-1].strip()
    return s


def _braced_whole(s: str) -> bool:
    """True when the first "{" closes at the last character ("{2\\sqrt{3}}" but not "{1}{2}")."""
    depth = 0
    for i, c in enumerate(s):
        depth += c == "{"
        depth -= c == "}"
        if depth == 0:
            return i == len(s) - 1
    return False


# ---------------------------------------------------------------- fast path
_NUM = r"(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?|[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_NUMBER_RE = re.compile(rf"^([+-])?\s*({_NUM})$")
_SCIENTIFIC_RE = re.compile(r"^([+-])?\s*(\d+)(\.\d+)?[eE]([+-]?\d{1,4})$")
_SLASH_RE = re.compile(rf"^([+-])?\s*({_NUM})\s*/\s*({_NUM})$")
_FRAC_RE = re.compile(r"^([+-])?\s*\\frac\s*(?:\{\s*([+-]?\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))$")
_MIXED_RE = re.compile(r"^([+-])?\s*(\d+)\s*(?:\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|\s(\d+)\s*/\s*(\d+))$")
_SUBSCRIPT_RE = re.compile(r"_\{[^{}]*\}|_[A-Za-z0-9]")
_COMMAND_RE = re.compile(r"\\[A-Za-z]+")
_LHS_CHARS_RE = re.compile(r"^[A-Za-z\s{}()|:,/'^*]+$")
_RATIO_RE = re.compile(r"^\d+(?:\s*:\s*\d+)+$")


def _top_level_split(s: str, sep: str) -> list[str]:
    """Split on `sep` outside {...}, (...), [...] groups."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(s):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return parts


def split_lhs(body: str) -> tuple[str | None, str]:
    """("AB", "4") for "AB = 4": a left side made only of names is a label, not part of the value.

    "2x+4y-3=0" keeps its left side (it is an equation, not an assignment). Chains "x = 2+3 = 5"
    keep the first left side and the last right side.
    """
    if "=" not in body or re.search(r"[<>!]=|\\(?:le|ge|ne|neq|leq|geq)(?![a-zA-Z])", body):
        return None, body
    parts = _top_level_split(body, "=")
    if len(parts) < 2:
        return None, body
    if len(parts) > 2:
        return None, body  # chains "x = 3 = 5" and "AB=4, CD=5": the sympy path checks every link
    lhs, rhs = parts[0].strip(), parts[-1].strip()
    if not lhs or not rhs:
        return None, body
    bare = _COMMAND_RE.sub("", _SUBSCRIPT_RE.sub("", lhs))
    if not _LHS_CHARS_RE.match(bare) or not re.search(r"[A-Za-z]", bare):
        return None, body
    return "".join(lhs.split()), rhs
_CHOICE_THEN_VALUE_RE = re.compile(r"^(?:\\text(?:bf)?\s*\{\s*)?\(\s*([A-E])\s*\)\s*\}?\s*(\S.*)$")
_CHOICE_RE = re.compile(r"^(?:\\text(?:bf)?\s*\{\s*)?\(?\s*([A-E])\s*\)?(?:\s*\})?(?:\s.*)?$")


def _to_fraction(num: str) -> tuple[Fraction, int | None]:
    num = num.replace(",", "").replace(" ", "")
    if "." in num:
        return Fraction(num), len(num.split(".", 1)[1])
    return Fraction(int(num)), None


def _fast_number(s: str) -> tuple[Fraction, int | None] | None:
    """Exact value of a plain numeric literal, or None."""
    m = _SCIENTIFIC_RE.match(s)
    if m:  # "1.5e6", "2E-3": decimal digits left after the shift, if any
        exponent = int(m.group(4))
        if abs(exponent) > 400:
            return None
        value = Fraction(m.group(2) + (m.group(3) or "")) * Fraction(10) ** exponent
        digits = len((m.group(3) or ".")[1:]) - exponent
        return (-value if m.group(1) == "-" else value), (digits if digits > 0 else None)
    m = _NUMBER_RE.match(s)
    if m:
        value, dec = _to_fraction(m.group(2))
        return (-value if m.group(1) == "-" else value), dec
    m = _SLASH_RE.match(s)
    if m:
        a, da = _to_fraction(m.group(2))
        b, db = _to_fraction(m.group(3))
        if b == 0:
            return None
        value = a / b
        dec = None if da is None and db is None else max(da or 0, db or 0)
        return (-value if m.group(1) == "-" else value), dec
    m = _FRAC_RE.match(s)
    if m:
        num = int(m.group(2) or m.group(3))
        den = int(m.group(4) or m.group(5))
        if den == 0:
            return None
        value = Fraction(num, den)
        return (-value if m.group(1) == "-" else value), None
    m = _MIXED_RE.match(s)
    if m:
        whole = int(m.group(2))
        num = int(m.group(3) or m.group(5))
        den = int(m.group(4) or m.group(6))
        if den == 0 or num >= den:
            return None
        value = whole + Fraction(num, den)
        return (-value if m.group(1) == "-" else value), None
    return None


def _number_list(body: str) -> tuple | None:
    """"3, 5, 7" or "35 cm, 4" (units per element) as number Answers; None if not such a list."""
    if "," not in body or "=" in body or body[:1] in "([{" or body[-1:] in ")]}":
        return None
    items = []
    for part in _top_level_split(body, ","):
        part, percent = _strip_units(part.strip())
        if not part:
            return None
        try:
            fast = _fast_number(part)
            if fast is None and (m := _NUMBER_THEN_WORDS_RE.match(part)):
                fast = _fast_number(m.group(1))
        except (ValueError, ZeroDivisionError):
            return None
        if fast is None:
            return None
        items.append(Answer(text=part, kind="number", body=part, number=fast[0], decimals=fast[1], percent=percent))
    return tuple(items) if len(items) >= 2 else None


def _strip_units(s: str) -> tuple[str, bool]:
    """Remove degree signs, currency codes and trailing unit words; returns (text, had_percent)."""
    s = _DEGREE_RE.sub("", s).strip()
    s = _CURRENCY_RE.sub("", s).strip()
    if re.search(r"\d", s):
        s = _PER_UNIT_RE.sub("", s).strip()
    percent = False
    m = _PERCENT_RE.search(s)
    if m:
        s, percent = s[: m.start()].strip(), True
    for _ in range(2):
        s2 = _UNIT_TEXT_RE.sub("", s).strip()
        s2 = _UNIT_WORD_RE.sub("", s2).strip() if re.search(r"\d", s2) else s2
        if s2 and s2 != s:
            s = s2
    if not percent:
        m = _PERCENT_RE.search(s)
        if m:
            s, percent = s[: m.start()].strip(), True
    return s, percent


# ---------------------------------------------------------------- refusal
def refusal(s: str) -> str | None:
    """Why `s` must not reach sympy (would build an astronomically large number), or None."""
    for m in re.finditer(r"(\d+)\s*!", s):
        if len(m.group(1)) > 6 or int(m.group(1)) > MAX_FACTORIAL:
            return f"factorial of {m.group(1)[:20]} is too large to evaluate"
    if re.search(r"!\s*\)?\s*!|\\?(?:factorial)\s*\(\s*\\?(?:factorial)", s):
        return "nested factorial is too large to evaluate"
    for m in re.finditer(r"[)}]\s*!", s):
        group = _group_before(s, m.start())
        if group is not None and not re.search(r"[A-Za-z]", group.replace("\\left", "").replace("\\right", "")):
            if "^" in group or "!" in group or any(int(n) > MAX_FACTORIAL for n in re.findall(r"\d{1,7}", group)):
                return "factorial of a computed number is too large to evaluate"
    depth = _exponent_depth(s)
    if depth >= 3:
        return f"power tower of height {depth + 1} is too large to evaluate"
    if depth == 2:
        # a^(b^c): refuse when an inner literal power b^c already exceeds MAX_EXPONENT.
        for m in re.finditer(r"(\d+)\s*\^\s*\{?\s*(\d+)", s):
            base, exp = int(m.group(1)), int(m.group(2))
            if base > 1 and exp * math.log10(base) > math.log10(MAX_EXPONENT):
                return "power tower is too large to evaluate"
    for m in re.finditer(r"\^\s*\{?\s*(\d+)", s):
        if len(m.group(1)) > 7 or int(m.group(1)) > MAX_EXPONENT:
            return f"exponent {m.group(1)[:20]} is too large to evaluate"
    for m in re.finditer(r"\(\s*(\d+)\s*\^\s*\{?\s*(\d+)\s*\}?\s*\)\s*\^\s*\{?\s*(\d+)", s):
        base, inner, outer = (int(x) for x in m.groups())
        if base > 1 and inner * outer * math.log10(base) > MAX_DIGITS:
            return "power of a power is too large to evaluate"
    if re.search(r"\*\*\s*\(?\s*\d+\s*\)?\s*\*\*", s):
        return "power tower is too large to evaluate"
    return None


def _group_before(s: str, close: int) -> str | None:
    """The text inside the (...) or {...} group that closes at s[close]."""
    pairs = {")": "(", "}": "{"}
    closing = s[close]
    opening = pairs[closing]
    depth = 0
    for i in range(close, -1, -1):
        if s[i] == closing:
            depth += 1
        elif s[i] == opening:
            depth -= 1
            if depth == 0:
                return s[i + 1 : close]
    return None


def _exponent_depth(s: str) -> int:
    """Deepest nesting of exponents: "2^{3^{4}}" -> 2, "2^3" -> 1."""
    best = 0
    # stack of brace depths at which an exponent group opened
    stack: list[int] = []
    depth = 0
    pending = False
    for c in s:
        if c == "^":
            pending = True
            continue
        if c == "{":
            depth += 1
            if pending:
                stack.append(depth)
                best = max(best, len(stack))
            pending = False
            continue
        if c == "}":
            if stack and stack[-1] == depth:
                stack.pop()
            depth -= 1
            continue
        if pending and not c.isspace():
            best = max(best, len(stack) + 1)
            pending = False
    return best


# ---------------------------------------------------------------- sympy path
_MV_CONFIGS = None


def _mv_configs():
    global _MV_CONFIGS
    if _MV_CONFIGS is None:
        from latex2sympy2_extended.math_normalization import NormalizationConfig
        from math_verify import ExprExtractionConfig, LatexExtractionConfig

        logging.getLogger("math_verify").setLevel(logging.ERROR)
        logging.getLogger("latex2sympy2_extended").setLevel(logging.ERROR)
        norm = NormalizationConfig(
            basic_latex=True, units=True, malformed_operators=True, nits=True, boxed="all", equations=False
        )
        _MV_CONFIGS = (
            [LatexExtractionConfig(boxed_match_priority=0, normalization_config=norm), ExprExtractionConfig()],
            [ExprExtractionConfig()],
        )
    return _MV_CONFIGS


def sympy_parse(s: str) -> Any | None:
    """Sympy object for the LaTeX/plain expression `s`, or None.

    Our small reader handles the common shapes in microseconds; the rest goes to Math-Verify's parser.
    """
    from math_verify import parse

    from verifiers.math.latex_fast import read_latex

    quick = read_latex(s)
    if quick is not None:
        return quick
    latex_cfg, expr_cfg = _mv_configs()
    for text, cfg in ((f"${s}$", latex_cfg), (s, expr_cfg)):
        try:
            got = parse(text, cfg, fallback_mode="no_fallback", parsing_timeout=None)
        except Exception:  # noqa: BLE001 - a parser crash means "unparseable", never a crashed batch
            got = []
        if got:
            return got[0]
    return None


def sympy_parse_response(text: str) -> Any | None:
    """Math-Verify's own extraction + parse on a whole response (used when no anchor was found)."""
    from math_verify import parse

    latex_cfg, _ = _mv_configs()
    try:
        got = parse(text, latex_cfg, fallback_mode="no_fallback", parsing_timeout=None)
    except Exception:  # noqa: BLE001
        return None
    return got[0] if got else None


_NAMED_RE = re.compile(r"\\(?:text|mbox|mathrm|textbf|operatorname)\s*\{[^{}]*\}|\\[A-Za-z]+|\b[ei]\b")


def _lost_variables(source: str, expr: Any) -> bool:
    """True when the source names variables but the parse has none (e.g. a \\sum parsed to 0)."""
    if not re.search(r"[A-Za-z]", _NAMED_RE.sub("", source)):
        return False
    try:
        if getattr(expr, "free_symbols", None):
            return False
        # Only sums/products/integrals/limits: latex2sympy reads some of them as 0.
        return bool(re.search(r"\\(?:sum|prod|int|lim)", source)) and bool(expr == 0)
    except Exception:  # noqa: BLE001
        return False


# ---------------------------------------------------------------- number words
_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_SCALE_RE = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion)\b", re.IGNORECASE)


def _scale_words(s: str) -> str:
    """ "1.5 million" -> "1500000", before unit stripping could read it as 1.5 and a unit word."""
    if not _SCALE_RE.search(s):
        return s
    def expand(m: re.Match) -> str:
        value = Fraction(m.group(1)) * _SCALE[m.group(2).lower()]
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"

    return _SCALE_RE.sub(expand, s)


# Hand-written: answers only need zero to ninety-nine spelled in English, a closed table that is
# smaller than a dependency would be.
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}


def number_word(s: str) -> int | None:
    """5 for "five", -21 for "minus twenty-one", None for anything else."""
    words = s.strip().lower().replace("-", " ").split()
    sign = 1
    if words[:1] in (["minus"], ["negative"]):
        sign, words = -1, words[1:]
    if len(words) == 1 and words[0] in _NUMBER_WORDS:
        return sign * _NUMBER_WORDS[words[0]]
    if len(words) == 2 and words[0] in _TENS and words[1] in _UNITS[1:10]:
        return sign * (_NUMBER_WORDS[words[0]] + _NUMBER_WORDS[words[1]])
    return None


# ---------------------------------------------------------------- public
# Words, not a formula: "Monday", "New York", "I hope it is correct"; but "p - q" and "ab" are algebra.
_PLAIN_WORDS_RE = re.compile(r"^(?=.*[A-Za-z]{3})[A-Za-z]+(?:[ '\-]+[A-Za-z]+)*$")
_DECIMAL_RE = re.compile(r"(?<![\d.])\d*\.(\d+)")


def parse_answer(raw: str, *, allow_sympy: bool = True) -> Answer:
    """Parse one extracted answer string. Never raises.

    With allow_sympy=False an answer that needs sympy comes back as kind "needs_sympy".
    """
    text = normalize(raw)
    if not text:
        return Answer(text="", kind="unparsed", note="empty answer")
    if len(text) > MAX_ANSWER_CHARS:
        return Answer(text=text[:200], kind="unparsed", note="answer longer than %d characters" % MAX_ANSWER_CHARS)
    m = _TEXT_WRAP_RE.match(text)
    inner = m.group(1).strip() if m else text
    if m and re.fullmatch(r"\(\s*\d+\s*\)", inner):  # AIME's "\textbf{(073)}": the number, not a tuple
        text = inner = inner.strip("() ")
    c = _CHOICE_RE.match(inner)
    if c and (len(inner) <= 3 or inner.startswith("(")):
        return Answer(text=text, kind="choice", body=c.group(1), choice=c.group(1))
    c = _CHOICE_THEN_VALUE_RE.match(text)
    if c:
        # "\textbf{(B) } 12": the letter for a letter gold, the value for a value gold.
        value = parse_answer(c.group(2), allow_sympy=allow_sympy)
        return replace(value, text=text, choice=c.group(1))
    if _DOTS_RE.search(text):
        return _parse_sequence(text, allow_sympy)
    body, percent = _strip_units(_scale_words(text))
    lhs, body = split_lhs(body)
    if lhs is not None:
        body, pct2 = _strip_units(body)
        percent = percent or pct2
    try:
        fast = _fast_number(body)
        if fast is None and (m := _NUMBER_THEN_WORDS_RE.match(body)):
            fast = _fast_number(m.group(1))
    except (ValueError, ZeroDivisionError):  # e.g. a literal over Python's 4300-digit limit
        fast = None
    if fast is not None:
        value, dec = fast
        return Answer(text=text, kind="number", body=body, number=value, decimals=dec, percent=percent, lhs=lhs)
    numbers = _number_list(body)
    if numbers is not None:
        return Answer(text=text, kind="list", body=body, items=numbers, lhs=lhs, percent=percent)
    if _RATIO_RE.match(body):  # "7:32", "12:00": compared digit for digit
        return Answer(text=text, kind="text", body="".join(body.split()), lhs=lhs)
    word_value = number_word(body)
    if word_value is not None:  # "The answer is five."
        return Answer(text=text, kind="number", body=body, number=Fraction(word_value), percent=percent, lhs=lhs)
    if _PLAIN_WORDS_RE.match(inner) and not (len(inner) <= 3 and inner.islower()):
        return Answer(text=text, kind="text", body=inner)
    why = refusal(text)
    if why:
        return Answer(text=text, kind="unparsed", note=why)
    if not allow_sympy:
        return Answer(text=text, kind="needs_sympy")
    expr = sympy_parse(body)
    if expr is None:
        return Answer(text=text, kind="unparsed", note="not a readable formula")
    if _lost_variables(body, expr):
        return Answer(text=text, kind="unparsed", note="the parser dropped part of the formula")
    decs = [len(d) for d in _DECIMAL_RE.findall(body)]
    return Answer(
        text=text, kind="expr", body=body, expr=expr, decimals=max(decs) if decs else None, percent=percent, lhs=lhs
    )


ELLIPSIS = "..."
_DOTS_RE = re.compile(r"\\(?:l|c)?dots(?![a-zA-Z])|\.\.\.|…")


def _parse_sequence(text: str, allow_sympy: bool) -> Answer:
    """"1, 3, 5, \\ldots, 2n-1": elements in order, the ellipsis kept as a marker.

    Sympy would drop the \\ldots and call this equal to "1, 2, \\ldots, n" (Math-Verify #14).
    """
    items = []
    parts = _top_level_split(text, ",")
    if len(parts) < 2:
        return Answer(text=text, kind="unparsed", note="an ellipsis outside a list")
    for part in parts:
        part = part.strip()
        if _DOTS_RE.fullmatch(part):
            items.append(ELLIPSIS)
            continue
        if _DOTS_RE.search(part):
            return Answer(text=text, kind="unparsed", note="ellipsis inside a list element")
        item = parse_answer(part, allow_sympy=allow_sympy)
        if item.kind == "needs_sympy":
            return Answer(text=text, kind="needs_sympy")
        if item.kind == "unparsed":
            return Answer(text=text, kind="unparsed", note=f"sequence element {part!r}: {item.note}")
        items.append(item)
    return Answer(text=text, kind="sequence", body=text, items=tuple(items))


_PROSE_RE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{4,}")
_PART_MARK_RE = re.compile(r"(?<![A-Za-z0-9])\((?:[a-d]|i{1,3}|iv)\)")  # "(a) 5 (b) 7": several answers
_ANCHORS = ("boxed", "answer_line", "answer_tag")


def parse_gold(gold: str, *, allow_sympy: bool = True) -> Answer | None:
    """The parsed gold answer, or None when it is not one parseable answer.

    Gold strings may be bare LaTeX (no `$`), boxed, or a worked solution ending in
    "#### 18" / "The answer is ...". None for: empty text, unreadable formulas, refused
    huge numbers, multi-part answers ("(a) 5 (b) 7") and prose without an answer anchor.
    """
    if not isinstance(gold, str) or not gold.strip():
        return None
    ext = extract_answer(gold)
    if ext is None:
        return None
    if ext.anchor in _ANCHORS:
        raw = ext.text
    elif len(_PROSE_RE.findall(re.sub(r"\\text\{[^{}]*\}", "", gold))) > 3:
        return None  # a sentence or a proof, not an answer
    else:
        raw = gold
    if len(_PART_MARK_RE.findall(raw)) >= 2:
        return None
    ans = parse_answer(raw, allow_sympy=allow_sympy)
    return None if ans.kind == "unparsed" else ans
