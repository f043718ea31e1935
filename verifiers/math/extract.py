"""Find the final answer inside a model response (or a gold string).

Pure string work: no sympy, no parsing of mathematics. Every regex here is linear
(no nested quantifiers) so a hostile 1 MB response cannot stall the grader.

Only the text after a closing </think> counts when there is any, and only the text before the
first chat-turn marker (<|im_start|>, ...) when a model runs on into the next turn (or into the
next few-shot "Q:" after its answer). GSM8K calculator marks (<<2*9=18>>) are removed, and a
closing code fence is dropped so the code block's last line is the response's last line.

Order of anchors (first that exists wins):
  0. the last ``<answer>...</answer>`` tag (RL prompt formats);
  1. the last ``\\boxed{...}`` / ``\\fbox{...}`` (several boxes on the same line form a list);
  2. the last answer label: "final answer is ...", "The answer is ...", "Answer: ...",
     "Answer \\( ... \\)", GSM8K "#### ...", and "A: ..." / "Ans: ..." at the start of a line;
  3. the last bold span (``**73**``) in the final lines;
  4. the last sentence of the response, reduced to one formula or number.
A phrase that hedges between several numbers ("it might be 5 or 6") or gives a bound ("at least
7") has no answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Only the tail can hold a final answer; very long responses are cut to keep regex work bounded.
TAIL_CHARS = 20_000

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*")
# Answer labels: "Final Answer:", "The answer is", "Answer:", "Answer \\( 9 \\)", GSM8K "#### 18" and
# the line-initial short labels GPT-3-style solutions end with ("A: 18", "Ans: 18", "Ans. 18").
_ANSWER_RE = re.compile(
    r"(?:final\s+answer\s*(?:is|[:：])\s*[:：]?|(?<![a-z])answer\s*(?:is\b\s*[:：]?|[:：]|(?=\s*(?:\\\(|\\\[|\$)))"
    r"|(?:最终)?答案\s*(?:是|为|[:：])\s*[:：]?"
    r"|^[ \t>*_]*(?:(?-i:A)|Ans\.?)[ \t]*(?:\*\*)?[ \t]*:(?:\*\*)?|^[ \t>*_]*Ans\.(?=[ \t]*[-$\\\d(])|^\s*####"
    r"|(?<=[.!?] )(?-i:A|Ans):)[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_GIVE_UP_RE = re.compile(
    r"\b(?:not\s+sure|unsure|(?:do\s*n[o']t|don't)\s+know|can\s*(?:no|')t\s+(?:solve|determine|find|figure)|"
    r"unable\s+to|no\s+idea|give\s+up)\b",
    re.IGNORECASE,
)
_SIGNATURE_RE = re.compile(r"^[-~–—]{1,2}\s?[A-Za-z][\w.()' -]{0,40}$")
_NEXT_QUESTION_RE = re.compile(r"\n[ \t]*(?:Q|Question|Problem)[ \t]*(?:\d+[ \t]*)?:", re.IGNORECASE)
# GSM8K calculator annotations "<<2*9=18>>": bookkeeping for the sampler, not part of the prose.
_CALC_RE = re.compile(r"<<[^<>\n]{0,300}>>")
# A response ending in a code block: its last line ("42", "Answer: 42") is the answer.
_FENCE_END_RE = re.compile(r"\n[ \t]*(?:```|~~~)[ \t]*$")
_ANSWER_TAG_RE = re.compile(r"<answer>(.{0,5000}?)</answer>", re.S | re.IGNORECASE)
_BOLD_RE = re.compile(r"\*\*([^*\n]{1,200})\*\*")
# Inline "$...$" follows pandoc's rule that a closing "$" is never followed by a digit, so prices
# ("$36 + $18 = $54") are not formulas.
_MATH_SPAN_RE = re.compile(r"\$\$([^$]{1,2000})\$\$|\$((?:\\\$|[^$\n]){1,1000})\$(?!\d)|\\\((.{1,1000}?)\\\)|\\\[(.{1,2000}?)\\\]", re.S)
# A number as written in prose: "$1,234.50", "-3", "2/3", "15%", and "2,74" (a decimal comma, or a
# two-element list: which one is decided against the gold, see compare.decimal_comma).
_NUMBER_TOKEN_RE = re.compile(
    r"(?<![A-Za-z\d])(?:[-−]?\$?\s?(?:\d{1,3}(?:,\d{3})+(?![,\d])|\d{1,3}(?: \d{3})+(?![,\d])|(?<!\d,)\d+,\d+(?![,\d])|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?"
    r"\s*(?:\\?%|percent\b|(?:thousand|million|billion|trillion)\b)?|[-−]?\.\d+)(?![\d])"
)
_GLUE_NOISE_RE = re.compile(r"\\(?:text|mbox|textbf)\s*\{([^{}]*)\}|\\q?quad|\\[()\[\],;! ]|[$.,;:+\-&()\\]")


def _is_list_glue(between: str) -> bool:
    r"""True for what may sit between the boxes of one list answer: "\quad \text{and} \quad", ", ", "++".

    "no no no \boxed{2}" is not glue (a changed mind), and neither is a blank line.
    """
    if "\n\n" in between or len(between) > 120:
        return False
    words = _GLUE_NOISE_RE.sub(lambda m: f" {m.group(1) or ''} ", between).split()
    return not words or (len(words) <= 4 and ("and" in words or "or" in words))


_FINAL_RE = re.compile(r"final\s+answer\s*(?:is|:)\s*", re.IGNORECASE)
_CHOICE_MARK_RE = re.compile(r"(?:\\text(?:bf)?\s*\{\s*)?(?<![A-Za-z0-9_])\(([A-E])\)")
# A model that runs on into the next chat turn: its answer is before the first turn marker.
_TURN_END_RE = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|end_of_text|start_header_id)\|>")
_LEADING_TURN_RE = re.compile(r"(?:\s*<\|[a-z_]{1,20}\|>(?:\s*(?:assistant|user|system)\b)?(?:<\|end_header_id\|>)?)+")
_HOPE_RE = re.compile(r"\.?\s*I hope it is correct.*$", re.IGNORECASE | re.S)
_WORD_RE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}")
_TEXT_CMD_RE = re.compile(r"\\(?:text|textbf|mathrm|mbox|textit|operatorname|begin|end)\s*\{[^{}]*\}")


@dataclass(frozen=True)
class Extraction:
    """The answer text found, and which anchor found it ("answer_tag", "boxed", "answer_line", "bold", "last_sentence")."""

    text: str
    anchor: str


_BRACE_RE = re.compile(r"(?<!\\)[{}]")


def _matching_braces(s: str, start: int = 0) -> dict[int, int]:
    """Index of each unescaped "{" at or after `start` -> index of its "}".

    One pass over the braces only (so 10,000 unclosed boxes stay linear); a "}" closing a brace
    opened before `start` is ignored, which leaves every pair after `start` as a full scan finds it.
    """
    pairs, stack = {}, []
    for m in _BRACE_RE.finditer(s, start):
        i = m.start()
        if s[i] == "{":
            stack.append(i)
        elif stack:
            pairs[stack.pop()] = i
    return pairs


def find_boxed(text: str) -> list[tuple[str, int, int]]:
    """All \\boxed/\\fbox contents as (content, start, end), in order."""
    out = []
    pairs = None
    for m in _BOX_RE.finditer(text):
        j = m.end()
        if j < len(text) and text[j] == "{":
            if pairs is None:
                pairs = _matching_braces(text, j)
            close = pairs.get(j)
            if close is None:
                continue  # unbalanced
            content, end = text[j + 1 : close], close + 1
        else:  # "\boxed 5": one token up to whitespace or "$"
            tok = re.match(r"[^\s$]+", text[j:])
            if tok is None:
                continue
            content, end = tok.group(0), j + tok.end()
        out.append((content.strip(), m.start(), end))
    return out


def _last_boxed(text: str) -> str | None:
    boxes = find_boxed(text)
    if not boxes:
        return None
    # Boxes written on the same line with little between them form one list answer
    # ("\boxed{35} and \boxed{4}"); boxes on different lines are drafts, keep the last.
    group = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        if not _is_list_glue(text[prev[2] : group[0][1]]):
            break
        group.insert(0, prev)
    contents = [b[0] for b in group]
    if len(set(contents)) == 1:
        return contents[0]
    return ", ".join(contents)


_LEADING_SPAN_RE = re.compile(r"\s*(?:\\\((.{1,1000}?)\\\)|\\\[(.{1,2000}?)\\\]|\$\$([^$]{1,2000})\$\$)", re.S)


def _clean_answer_line(s: str) -> str:
    s = _HOPE_RE.sub("", s)
    lead = _LEADING_SPAN_RE.match(s)
    if lead:  # "Answer \( \n 9 \n \)": a formula right after the label may span lines
        return next(g for g in lead.groups() if g is not None).strip()
    s = s.split("\n", 1)[0].strip()
    # A sentence end (". " followed by a capital) closes the answer; decimals like 7.78 are kept.
    m = re.search(r"(?<!\d)\.\s+[A-Z]|\.\s*$", s)
    if m and not s.startswith("$$"):
        s = s[: m.start()]
    s = s.replace('\\"', '"').strip().strip("*").strip().strip('"').strip()
    if s.startswith("$") and s.endswith("$") and s.count("$") == 2:
        s = s.strip("$").strip()
    return s


_HEDGE_RE = re.compile(
    r"\b(?:might|maybe|perhaps|possibly|probably|either|not\s+sure|unsure|could\s+(?:be|also)|I\s+guess|somewhere)\b",
    re.IGNORECASE,
)
_OR_RE = re.compile(r"(?<![A-Za-z\\])or(?![A-Za-z])")


def hedged(s: str) -> bool:
    """True for a phrase that offers several candidate numbers instead of one answer.

    "it might be 5 or 6", "either 12 or 13 apples", "the roots are 1 or -2". A bare list
    ("5 or 6", "x = 1 or x = -2") is not hedging: it is read as a list answer.
    """
    if "=" in s:
        return False
    nums = {m.group(0).strip() for m in _NUMBER_TOKEN_RE.finditer(_MATH_SPAN_RE.sub(" ", s))}
    if len(nums) < 2:
        return False
    if _HEDGE_RE.search(s):
        return True
    prose = [w for w in _WORD_RE.findall(_MATH_SPAN_RE.sub(" ", _TEXT_CMD_RE.sub("", s))) if w.lower() not in ("and", "or")]
    return bool(prose) and bool(_OR_RE.search(s))


def _after_equals(s: str) -> str | None:
    """ "Therefore the total is 2 * 9 = 18 per day" -> "18 per day": what follows the last "=" outside formulas."""
    if "=" not in s or _MATH_SPAN_RE.search(s):
        return None
    rest = s[s.rfind("=") + 1 :].strip()
    return rest if rest and re.search(r"\d", rest) else None


def reduce_phrase(s: str) -> str:
    """Turn "The largest $n$ is 34." into "34": keep the last formula or number of a prose phrase.

    A string without prose words is returned as it is. After an "=" ("so 2 * 9 = 18 per day"),
    the first value written after it is kept.
    """
    s = s.strip().rstrip(".").strip()
    marks = list(_CHOICE_MARK_RE.finditer(s))
    if marks:  # "The correct option is (A)." / "\textbf{(B) } 12": keep the letter and what follows
        return s[marks[-1].start() :].strip()
    stripped = _TEXT_CMD_RE.sub("", s)
    spans = list(_MATH_SPAN_RE.finditer(s))
    words = [w for w in _WORD_RE.findall(_MATH_SPAN_RE.sub(" ", stripped)) if w.lower() not in ("and", "or")]
    has_words = len(words) > 0
    if not has_words:
        return s
    outside_last = s[spans[-1].end() :] if spans else s
    numbers_after = list(_NUMBER_TOKEN_RE.finditer(outside_last)) if spans else []
    if spans and not numbers_after:
        m = spans[-1]
        return next(g for g in m.groups() if g is not None).strip()
    rest = _after_equals(s)
    if rest is not None:
        first = _NUMBER_TOKEN_RE.search(rest)
        if first is None or not _WORD_RE.search(_TEXT_CMD_RE.sub("", rest)):
            return rest  # "= \frac{1}{2}": the whole formula
        return first.group(0).strip()
    nums = list(_NUMBER_TOKEN_RE.finditer(s))
    if nums:
        return nums[-1].group(0).strip()
    return s


def extract_answer(text: str) -> Extraction | None:
    """The final answer written in `text`, or None when there is none."""
    if not text or not text.strip():
        return None
    lead = _LEADING_TURN_RE.match(text)
    if lead:
        text = text[lead.end() :]
    turn_end = _TURN_END_RE.search(text)
    if turn_end:
        text = text[: turn_end.start()]
    if "Q" in text or "q" in text:
        first_label = _ANSWER_RE.search(text)
        next_q = _NEXT_QUESTION_RE.search(text, first_label.end()) if first_label else None
        if next_q:
            text = text[: next_q.start()]  # a few-shot model ran on into the next "Q: ..." after its answer
    think_end = text.rfind("</think>")
    if think_end >= 0 and text[think_end + 8 :].strip():
        text = text[think_end + 8 :]  # drafts inside the reasoning block do not count
    tail = text[-TAIL_CHARS:]
    if "<<" in tail:
        tail = _CALC_RE.sub("", tail)  # "= $<<9*2=18>>18" reads "= $18"
    if "```" in tail or "~~~" in tail:
        tail = _FENCE_END_RE.sub("", tail.rstrip())  # the code block's last line becomes the last line
    tags = _ANSWER_TAG_RE.findall(tail)
    if tags and tags[-1].strip():
        inner = tags[-1].strip()
        found = extract_answer(inner) if find_boxed(inner) or _ANSWER_RE.search(inner) else None
        return Extraction(found.text if found else reduce_phrase(inner), "answer_tag")
    boxes = find_boxed(tail)
    if boxes:
        # A "Final answer: ..." written after the last box is the model's last word.
        finals = list(_FINAL_RE.finditer(tail, boxes[-1][2]))
        if finals:
            line = _clean_answer_line(tail[finals[-1].end() :])
            if line and re.search(r"[\d\w]", line):
                return Extraction(reduce_phrase(line), "answer_line")
        return Extraction(_last_boxed(tail), "boxed")
    matches = list(_ANSWER_RE.finditer(tail))
    body = tail.rstrip()
    last_line_start = body.rfind("\n") + 1
    last_line = body[last_line_start:]
    if matches and not (matches[-1].start() < last_line_start and _concludes(last_line)):
        line = _clean_answer_line(tail[matches[-1].end() :])
        if line:
            return _reduced(line, "answer_line")
    last_lines = "\n".join(tail.rstrip().splitlines()[-3:])
    bolds = _BOLD_RE.findall(last_lines)
    if bolds:
        return _reduced(bolds[-1].strip(), "bold")
    return _last_sentence(tail)


# After an answer label, a justification that brings more numbers: "18 apples, since she had 20",
# "18 (not 19)", "18 because 2 * 9 = 18". The answer is before it.
_JUSTIFICATION_RE = re.compile(
    r"(?:,\s*|\s+)(?:since|because|as|which|where|given|from|out of|after|before|when)\b|,\s*not\b"
    r"|\s*\((?:not|i\.e\.|that is|which|since|because|rounded|approx)",
    re.IGNORECASE,
)


# A bound or a negation is not a value: "at least 7", "not 7", "7 or more", "more than 6".
_QUALIFIED_BEFORE_RE = re.compile(
    r"\b(?:not|at\s+least|at\s+most|more\s+than|less\s+than|greater\s+than|fewer\s+than|no\s+more\s+than|"
    r"no\s+less\s+than|over|under|up\s+to|between)\s*$",
    re.IGNORECASE,
)
_QUALIFIED_AFTER_RE = re.compile(
    r"^\s*(?:or\s+(?:more|less|fewer|greater|higher|lower|so)(?![\w\d])|\+(?=\s*(?:$|[.,;!?)])))", re.IGNORECASE
)


def _qualified(phrase: str, value: str) -> bool:
    at = phrase.rfind(value)
    if at < 0 or not value or not re.search(r"\d", value):
        return False
    return bool(_QUALIFIED_BEFORE_RE.search(phrase[:at]) or _QUALIFIED_AFTER_RE.match(phrase[at + len(value) :]))


def _reduced(phrase: str, anchor: str) -> Extraction | None:
    """The answer in `phrase`, or None when it hedges ("it might be 5 or 6") or bounds ("at least 7")."""
    if hedged(phrase):
        return None
    if anchor == "answer_line" and not _MATH_SPAN_RE.search(phrase):
        cut = _JUSTIFICATION_RE.search(phrase)
        if cut and re.search(r"\d", phrase[: cut.start()]):
            phrase = phrase[: cut.start()]
    value = reduce_phrase(phrase)
    if value != phrase.strip().rstrip(".").strip() and _qualified(phrase, value):
        return None
    return Extraction(value, anchor)


_CONCLUSION_RE = re.compile(r"\b(?:thus|therefore|hence|so|finally|final|result|in conclusion)\b", re.IGNORECASE)


def _concludes(line: str) -> bool:
    """A last line like "Thus the value we want is $7$." or "So the final result is **7**".

    Such a line, written after an earlier "the answer is ...", is the model's last word.
    """
    return bool(_CONCLUSION_RE.search(line)) and bool(_MATH_SPAN_RE.search(line) or _BOLD_RE.search(line))


def _last_sentence(text: str) -> Extraction | None:
    stripped = text.rstrip().rstrip(".!").rstrip()
    spans = list(_MATH_SPAN_RE.finditer(stripped[-3000:]))
    if spans and len(stripped[-3000:]) - spans[-1].end() <= 2:
        # The response ends with a formula ("... is $$ 9 $$"): that formula is the answer.
        inner = next(g for g in spans[-1].groups() if g is not None).strip()
        if inner:
            return Extraction(inner, "last_sentence")
    # Author signatures ("~Prof_Joker", "-sepehr2010") carry no answer, even with digits in them.
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not _SIGNATURE_RE.match(ln.strip())]
    if not lines:
        return None
    # Closing lines without a number or formula ("Is there anything else?") carry no answer, but
    # one that says the model does not know takes back what came before.
    if _GIVE_UP_RE.search(lines[-1]) and not re.search(r"\d", lines[-1]):
        return None
    has_value = re.compile(r"\d|\$|\\\(|\\\[")
    last = next((ln for ln in reversed(lines[-5:]) if has_value.search(ln)), lines[-1])
    # Split on sentence ends that are not decimal points; keep the last sentence with content.
    sentences = [p for p in re.split(r"(?<!\d)\.(?:\s+|$)|(?<!\\)[!?](?:\s+|$)", last) if p.strip()]
    if not sentences:
        return None
    # Sign-offs ("I hope it is correct.") carry no answer: take the last sentence that has one.
    for sentence in reversed(sentences):
        if has_value.search(sentence) and not _SIGNATURE_RE.match(sentence.strip()):
            return _reduced(sentence, "last_sentence")
    return _reduced(sentences[-1], "last_sentence")
