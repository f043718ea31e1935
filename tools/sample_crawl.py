"""The project's sample crawl: a deterministic generator of a small, realistic `.warc.gz`.

`generate_sample_warc(path, n_pages=400, seed=0)` writes request + response records (like a
Common Crawl WARC, via warcio's writer) for HTML pages of the kinds a reasoning-data pipeline has
to handle: math in every common markup (MathJax script tags, $…$ TeX, KaTeX, MathML with x-tex
annotations), code blocks, forum / Q&A threads, boilerplate-heavy news pages, near-duplicates
(same article, small edits, another URL), exact URL duplicates (re-crawls), spam, pages in
French, German, Spanish, Chinese and Russian, varied English prose (good and low quality), and a
few bad records (non-HTML payloads, an empty body, a redirect).

Everything comes from templates + `random.Random(seed)`: the same seed gives the same bytes.
Each response record carries `X-Sample-Kind` / `X-Sample-Language` (and `X-Sample-Duplicate-Of`)
headers with the ground truth; `sample_pages(n_pages, seed)` returns the same pages in memory.

CLI: python -m tools.sample_crawl OUT.warc.gz [--pages N] [--seed S]
"""
from __future__ import annotations

import argparse
import html
import io
import os
import random
import re
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from latex2mathml.converter import convert as latex_to_mathml
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.io import atomic_open
from tools import sample_crawl_texts as T

# Page kinds, in the order one of each is guaranteed (originals before the duplicates that copy them).
PAGE_KINDS = (
    "prose", "math_mathjax", "math_tex", "math_katex", "math_mathml", "code", "forum", "boilerplate",
    "spam", "low_quality", "lang_fr", "lang_de", "lang_es", "lang_zh", "lang_ru",
    "non_html", "empty", "redirect", "near_duplicate", "url_duplicate",
)
# Relative frequency of each kind beyond the guaranteed one.
KIND_WEIGHTS = {
    "prose": 20, "math_mathjax": 4, "math_tex": 4, "math_katex": 4, "math_mathml": 4, "code": 7, "forum": 8,
    "boilerplate": 7, "spam": 4, "low_quality": 5, "lang_fr": 2.5, "lang_de": 2.5, "lang_es": 2.5,
    "lang_zh": 2.5, "lang_ru": 2.5, "non_html": 1.5, "empty": 1, "redirect": 1, "near_duplicate": 6,
    "url_duplicate": 3,
}
DUPLICATE_KINDS = ("near_duplicate", "url_duplicate")
BAD_KINDS = ("non_html", "empty", "redirect")
# Kinds a duplicate may copy: real articles, not spam or bad records.
COPYABLE_KINDS = ("prose", "math_mathjax", "math_tex", "math_katex", "math_mathml", "code", "forum", "boilerplate")
DEFAULT_PAGES = 400
CRAWL_START = datetime(2024, 3, 1, 6, 0, 0)


@dataclass(frozen=True)
class SamplePage:
    """One fetched URL: what the response record holds, plus its ground truth."""

    url: str
    kind: str  # one of PAGE_KINDS
    language: str  # ISO 639-1 code of the text ("" when there is no text)
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: str = "200 OK"
    payload_type: str | None = "text/html"  # what WARC-Identified-Payload-Type says (None: absent)
    duplicate_of: str | None = None  # for near/exact duplicates: the URL of the copied page
    location: str | None = None  # for redirects


@dataclass(frozen=True)
class SampleCrawl:
    path: Path
    pages: list[SamplePage]

    @property
    def kind_counts(self) -> Counter:
        return Counter(p.kind for p in self.pages)


# --------------------------------------------------------------------------- small helpers


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _page(title: str, body: str, lang: str = "en", head_extra: str = "") -> bytes:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_esc(title)}</title>\n'
        f"{head_extra}</head>\n<body>\n{body}\n</body>\n</html>\n"
    ).encode("utf-8")


class _Writer:
    """Seeded text building blocks shared by the page builders."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def choice(self, seq):
        return self.rng.choice(seq)

    def date(self) -> str:
        day = CRAWL_START - timedelta(days=self.rng.randint(30, 3000))
        return day.strftime("%d %B %Y")

    def fill(self, template: str, topic: dict | None = None, topic_name: str = "") -> str:
        topic = topic or T.TOPICS[self.choice(list(T.TOPICS))]
        nouns = self.rng.sample(topic["nouns"], 2)
        text = template.format(
            noun=nouns[0], noun2=nouns[1], adj=self.choice(topic["adjs"]), verb=self.choice(topic["verbs"]),
            person=self.choice(T.PEOPLE), place=self.choice(T.PLACES), year=self.rng.randint(1950, 2023),
            number=self.rng.randint(3, 40), topic=topic_name or "this hobby",
        )
        return re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", text)  # "a early" -> "an early"

    def sentence(self, topic_name: str, facts: list[str]) -> str:
        topic = T.TOPICS[topic_name]
        if facts and self.rng.random() < 0.35:
            return facts.pop()
        template = self.choice(T.TEMPLATES)
        text = self.fill(template, topic, topic_name)
        if self.rng.random() < 0.12 and not template.startswith("{person}"):
            text = f"{self.choice(T.TRANSITIONS)} {text[0].lower()}{text[1:]}"
        return text

    def paragraphs(self, topic_name: str, n: int, sentences=(3, 6)) -> list[str]:
        facts = self.rng.sample(T.TOPICS[topic_name]["facts"], len(T.TOPICS[topic_name]["facts"]))
        return [
            " ".join(self.sentence(topic_name, facts) for _ in range(self.rng.randint(*sentences))) for _ in range(n)
        ]

    def title(self, topic_name: str) -> str:
        return self.fill(self.choice(T.TOPICS[topic_name]["titles"]), T.TOPICS[topic_name], topic_name)


# --------------------------------------------------------------------------- page builders
# Each returns (title, body_html, head_extra) for an HTML page, or a SamplePage for special kinds.


def _prose(w: _Writer) -> tuple[str, str, str]:
    topic = w.choice(list(T.TOPICS))
    title = w.title(topic)
    parts = [f"<header><h1>{_esc(title)}</h1><p class=\"byline\">By {w.choice(T.PEOPLE)} · {w.date()}</p></header>",
             "<article>"]
    for i, para in enumerate(w.paragraphs(topic, w.rng.randint(4, 7))):
        if i and w.rng.random() < 0.25:
            parts.append(f"<h2>{_esc(w.fill('Notes on the {noun}', T.TOPICS[topic]).capitalize())}</h2>")
        parts.append(f"<p>{_esc(para)}</p>")
        if w.rng.random() < 0.15:
            tips = [w.fill("{verb} the {noun} before the {noun2}", T.TOPICS[topic]).capitalize() for _ in range(3)]
            parts.append("<ul>" + "".join(f"<li>{_esc(t)}.</li>" for t in tips) + "</ul>")
    parts.append("</article>")
    parts.append(f"<footer><p>Filed under {topic}. Comments are closed.</p></footer>")
    return title, "\n".join(parts), ""


def _low_quality(w: _Writer) -> tuple[str, str, str]:
    variant = w.choice(["thin", "lorem", "javascript", "bullets", "shouting", "ellipsis"])
    topic = w.choice(list(T.TOPICS))
    if variant == "thin":
        title = w.choice(T.THIN_PAGES)
        return title, f"<h1>{_esc(title)}</h1>", ""
    if variant == "lorem":
        return "Sample page", f"<h1>Sample page</h1>\n<p>{T.LOREM}</p>\n<p>{T.LOREM}</p>", ""
    if variant == "javascript":
        body = "\n".join(f"<p>{_esc(line)}</p>" for line in T.JS_WARNINGS) + "\n<noscript>JavaScript is disabled.</noscript>"
        return "Loading…", body, ""
    if variant == "bullets":
        items = [w.fill("{adj} {noun}", T.TOPICS[topic]) for _ in range(25)]
        return f"{topic.title()} links", "<h1>Links</h1>\n<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>", ""
    if variant == "shouting":
        text = " ".join(w.paragraphs(topic, 1)).upper().replace(".", "!!!")
        return "READ THIS NOW", f"<h1>READ THIS NOW</h1>\n<p>{_esc(text)}</p>", ""
    lines = [w.fill("The {adj} {noun} and the {noun2}...", T.TOPICS[topic]) + " Read more..." for _ in range(12)]
    return "Latest posts", "\n".join(f"<p>{_esc(line)}</p>" for line in lines), ""


def _math_items(w: _Writer) -> list[tuple[str, str, bool]]:
    """A few worked examples: (sentence before, LaTeX, display?) with seeded numbers."""
    rng = w.rng
    items = []
    for kind in rng.sample(["quadratic", "derivative", "integral", "series", "pythagoras", "geometric", "limit",
                            "determinant"], rng.randint(3, 5)):
        if kind == "quadratic":
            a, r1, r2 = rng.randint(1, 4), rng.randint(-6, 6), rng.randint(-6, 6)
            b, c = -a * (r1 + r2), a * r1 * r2
            items.append((f"Consider the quadratic equation with a = {a}, b = {b} and c = {c}.",
                          f"{a if a > 1 else ''}x^2 {'+' if b >= 0 else '-'} {abs(b)}x {'+' if c >= 0 else '-'} {abs(c)} = 0",
                          True))
            items.append(("The quadratic formula gives the roots", r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}", True))
            items.append((f"so here the discriminant is {b * b - 4 * a * c} and the roots are", f"x_1 = {r1}, \\quad x_2 = {r2}", False))
        elif kind == "derivative":
            a, n, b = rng.randint(2, 9), rng.randint(2, 6), rng.randint(1, 9)
            items.append(("Differentiating term by term with the power rule,",
                          f"\\frac{{d}}{{dx}}\\left({a}x^{{{n}}} + {b}x\\right) = {a * n}x^{{{n - 1}}} + {b}", True))
        elif kind == "integral":
            n, k = rng.randint(1, 5), rng.randint(1, 4)
            items.append(("For the definite integral we get",
                          f"\\int_0^{{{k}}} x^{{{n}}}\\,dx = \\frac{{{k}^{{{n + 1}}}}}{{{n + 1}}} = \\frac{{{k ** (n + 1)}}}{{{n + 1}}}", True))
        elif kind == "series":
            n = rng.randint(5, 100)
            items.append((f"Gauss's trick sums the first {n} integers:",
                          f"\\sum_{{i=1}}^{{{n}}} i = \\frac{{{n}({n}+1)}}{{2}} = {n * (n + 1) // 2}", True))
        elif kind == "pythagoras":
            k = rng.randint(1, 9)
            items.append(("A right triangle satisfies", "a^2 + b^2 = c^2", False))
            items.append((f"and the sides {3 * k}, {4 * k} and {5 * k} check out because",
                          f"{3 * k}^2 + {4 * k}^2 = {9 * k * k} + {16 * k * k} = {25 * k * k} = {5 * k}^2", True))
        elif kind == "geometric":
            m = rng.randint(2, 9)
            items.append((f"With ratio 1/{m}, the geometric series converges:",
                          f"\\sum_{{k=0}}^{{\\infty}} \\left(\\frac{{1}}{{{m}}}\\right)^k = \\frac{{1}}{{1 - 1/{m}}} = \\frac{{{m}}}{{{m - 1}}}", True))
        elif kind == "limit":
            items.append(("A classic limit, proved with the squeeze theorem, is", r"\lim_{x \to 0} \frac{\sin x}{x} = 1", True))
        else:
            a, b, c, d = (rng.randint(-5, 9) for _ in range(4))
            items.append(("The determinant of a 2 by 2 matrix is",
                          f"\\det\\begin{{pmatrix}} {a} & {b} \\\\ {c} & {d} \\end{{pmatrix}} = ({a})({d}) - ({b})({c}) = {a * d - b * c}", True))
    return items


MATH_INTROS = [
    "These are my worked notes from the {course} course; corrections are welcome.",
    "This page collects a few examples I use when teaching {course} to first-year students.",
    "Below are short derivations that come up again and again in {course}.",
    "I wrote these examples while revising for the {course} exam in {year}.",
]
MATH_COURSES = ["calculus", "linear algebra", "precalculus", "real analysis", "discrete mathematics", "algebra"]
MATH_OUTROS = [
    "Each step follows from the previous one, so it is worth checking them by hand.",
    "Try changing the numbers and working through the same steps yourself.",
    "If anything is unclear, the textbook chapter on this topic has more examples.",
    "The same idea generalises, but the proof needs a little more care.",
]


def _with_annotation(mathml: str, latex: str) -> str:
    """latex2mathml's <math> with the LaTeX source as an x-tex annotation, as KaTeX and Wikipedia emit."""
    open_end = mathml.index(">") + 1
    inner = mathml[open_end:mathml.rindex("</math>")]
    return (f"{mathml[:open_end]}<semantics>{inner}<annotation encoding=\"application/x-tex\">"
            f"{html.escape(latex, quote=False)}</annotation></semantics></math>")


def _render_math(style: str, latex: str, display: bool, rng: random.Random, dollars: bool = False) -> str:
    if style == "mathjax":
        mode = "; mode=display" if display else ""
        return f'<script type="math/tex{mode}">{latex}</script>'
    if style == "tex":  # dollars: force $ delimiters (each page has some), else mix in \( \) and \[ \]
        if display:
            return f"$${_esc(latex)}$$" if dollars or rng.random() < 0.6 else f"\\[{_esc(latex)}\\]"
        return f"${_esc(latex)}$" if dollars or rng.random() < 0.7 else f"\\({_esc(latex)}\\)"
    mathml = _with_annotation(latex_to_mathml(latex, display="block" if display else "inline"), latex)
    if style == "katex":
        # KaTeX renders MathML for screen readers plus an HTML layout (here flattened to one span).
        visible = _esc(" ".join(re.sub(r"\\[a-zA-Z]+|[{}]", " ", latex).split()))
        span = (f'<span class="katex"><span class="katex-mathml">{mathml}</span>'
                f'<span class="katex-html" aria-hidden="true"><span class="base"><span class="mord">{visible}</span></span></span></span>')
        return f'<span class="katex-display">{span}</span>' if display else span
    # Wikipedia-style MathML with a fallback image.
    kind = "display" if display else "inline"
    digest = uuid.UUID(int=rng.getrandbits(128)).hex[:24]
    alt = html.escape(latex)
    mathml = mathml.replace("<math ", f'<math alttext="{alt}" ', 1)
    return (f'<span class="mwe-math-element"><span class="mwe-math-mathml-{kind} mwe-math-mathml-a11y" style="display: none;">'
            f'{mathml}</span>'
            f'<img src="https://wikimedia.example/api/rest_v1/media/math/render/svg/{digest}" '
            f'class="mwe-math-fallback-image-{kind}" aria-hidden="true" alt="{alt}"></span>')


MATH_HEADS = {
    "mathjax": '<script type="text/javascript" async src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_HTML"></script>\n',
    "tex": '<script id="MathJax-script" async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>\n',
    "katex": '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css">\n',
    "mathml": '<link rel="stylesheet" href="/w/load.php?modules=ext.math.styles">\n',
}


def _math(w: _Writer, style: str) -> tuple[str, str, str]:
    course = w.choice(MATH_COURSES)
    title = f"{course.capitalize()} notes: {w.choice(['worked examples', 'a few derivations', 'exercises with solutions', 'revision sheet'])} ({w.rng.randint(1, 40)})"
    parts = [f"<h1>{_esc(title)}</h1>",
             f"<p>{_esc(w.choice(MATH_INTROS).format(course=course, year=w.rng.randint(2005, 2023)))}</p>"]
    for i, (before, latex, display) in enumerate(_math_items(w)):
        formula = _render_math(style, latex, display, w.rng, dollars=i == 0)
        parts.append(f"<p>{_esc(before)}</p>\n<p>{formula}</p>" if display else f"<p>{_esc(before)} {formula}.</p>")
    parts.append(f"<p>{_esc(w.choice(MATH_OUTROS))} {_esc(w.fill(w.choice(T.TEMPLATES)))}</p>")
    return title, "<main>\n" + "\n".join(parts) + "\n</main>", MATH_HEADS[style]


def _snippet(w: _Writer) -> tuple[str, str, str]:
    language = w.choice(["python"] * 5 + ["javascript", "bash", "cpp"])
    caption, code = w.choice(T.CODE_SNIPPETS[language])
    code = code.format(name=w.choice(T.CODE_NAMES), file=w.choice(T.CODE_FILES), n=w.rng.randint(2, 9),
                       m=w.rng.randint(1, 9), cls=w.choice(T.CODE_CLASSES))
    return language, caption, code


def _code_block(language: str, code: str) -> str:
    return f'<pre><code class="language-{language}">{_esc(code)}</code></pre>'


def _code(w: _Writer) -> tuple[str, str, str]:
    topic = w.choice(list(T.TOPICS))
    snippets = [_snippet(w) for _ in range(w.rng.randint(1, 3))]
    title = f"{snippets[0][1]} — notes from a {topic} side project"
    parts = [f"<h1>{_esc(title)}</h1>"]
    parts += [f"<p>{_esc(p)}</p>" for p in w.paragraphs(topic, 2, (2, 4))]
    prose = w.rng.sample(T.CODE_PROSE, min(len(T.CODE_PROSE), 2 * len(snippets)))
    for k, (language, caption, code) in enumerate(snippets):
        parts.append(f"<h2>{_esc(caption)}</h2>")
        parts.append(f"<p>{_esc(prose[(2 * k) % len(prose)])} The function below is called from <code>main()</code>.</p>")
        parts.append(_code_block(language, code))
        parts.append(f"<p>{_esc(prose[(2 * k + 1) % len(prose)])}</p>")
    return title, "<article>\n" + "\n".join(parts) + "\n</article>", ""


FORUM_CONTEXTS = [
    "I am writing a small tool for my {topic} club and", "For a {topic} project at work",
    "I'm new to programming and while tracking my {topic} notes", "In a script that processes {topic} data,",
]
FORUM_PROBLEMS = [
    "it works on small files but gets very slow on large ones.", "I get a confusing error on the last line.",
    "the output is off by one and I cannot see why.", "it fails only on Windows.",
    "my colleague says there is a more idiomatic way.",
]
FORUM_COMMENTS = [
    "Thanks, this fixed it for me!", "Could you explain why the second version is faster?",
    "This should be the accepted answer.", "Works, but note it needs Python 3.8 or newer.",
    "What have you tried so far?", "Please post the full error message.", "Great explanation, upvoted.",
]
ANSWER_OPENERS = [
    "The simplest approach is the one below.", "You are very close; the problem is the loop bound.",
    "I would not do this by hand at all.", "Short answer: use the standard library.",
    "There are two separate issues here.", "This is a common confusion, so here is a longer explanation.",
]


def _forum(w: _Writer) -> tuple[str, str, str]:
    topic = w.choice(list(T.TOPICS))
    math_thread = w.rng.random() < 0.4
    if math_thread:
        items = _math_items(w)
        question_title = f"Stuck on a {w.choice(MATH_COURSES)} exercise: {items[0][0].rstrip(':,.')}"
        question = f"<p>{_esc(w.fill(w.choice(T.TEMPLATES)))} In my {w.choice(MATH_COURSES)} homework I have ${_esc(items[0][1])}$ and I am stuck.</p>"
        answer_bodies = [f"<p>{_esc(before)} $${_esc(latex)}$$</p>" for before, latex, _ in items[1:]] or [
            "<p>Expand both sides and compare coefficients.</p>"]
    else:
        language, caption, code = _snippet(w)
        question_title = f"{caption}: what is the right way to do it in {language}?"
        question = (f"<p>{_esc(w.choice(FORUM_CONTEXTS).format(topic=topic))} I need to do this: "
                    f"{_esc(caption.lower())}. My attempt {_esc(w.choice(FORUM_PROBLEMS))}</p>")
        answer_bodies = [f"<p>{_esc(w.choice(T.CODE_PROSE))}</p>{_code_block(language, code)}"]
        answer_bodies += [f"<p>{_esc(p)}</p>" for p in w.paragraphs(topic, w.rng.randint(1, 3), (2, 3))]
    n_answers = w.rng.randint(2, 5)
    votes = sorted((w.rng.randint(-2, 60) for _ in range(n_answers)), reverse=True)
    # Drawn without replacement: real threads rarely repeat a whole line, and a repeated template
    # line would (rightly) trip the duplicate-line quality rules.
    openers = w.rng.sample(ANSWER_OPENERS, n_answers)
    comments = w.rng.sample(FORUM_COMMENTS, len(FORUM_COMMENTS))
    answers = []
    for i in range(n_answers):
        body = answer_bodies[i % len(answer_bodies)] if i < len(answer_bodies) else f"<p>{_esc(w.fill(w.choice(T.TEMPLATES)))}</p>"
        accepted = " accepted-answer" if i == 0 and w.rng.random() < 0.7 else ""
        answers.append(
            f'<div class="answer{accepted}" data-score="{votes[i]}"><div class="vote-count">{votes[i]}</div>'
            f'<div class="post-text"><p>{_esc(openers[i])}</p>{body}</div>'
            f'<div class="user-info">answered {w.date()} by <a class="user" href="/users/{i}">{w.choice(T.USERNAMES)}</a></div>'
            f'<ul class="comments">' + "".join(f'<li class="comment">{_esc(comments.pop())}</li>' for _ in range(min(len(comments), w.rng.randint(0, 2))))
            + "</ul></div>"
        )
    related = "".join(f"<li><a href=\"/q/{w.rng.randint(1000, 99999)}\">{_esc(w.fill('How to {verb} a {adj} {noun}?'))}</a></li>" for _ in range(5))
    body = (
        f'<header class="site-header"><a href="/">Q&amp;A</a> <a href="/questions">Questions</a> <a href="/tags">Tags</a> <a href="/users">Users</a></header>\n'
        f'<div id="question" class="question"><h1 itemprop="name">{_esc(question_title)}</h1>'
        f'<div class="post-text" itemprop="text">{question}</div>'
        f'<div class="post-signature">asked {w.date()} by <a class="user">{w.choice(T.USERNAMES)}</a></div></div>\n'
        f'<div id="answers"><h2>{n_answers} Answers</h2>\n' + "\n".join(answers) + "</div>\n"
        f'<aside class="sidebar"><h3>Related questions</h3><ul>{related}</ul></aside>'
    )
    head = MATH_HEADS["tex"] if math_thread else ""
    return question_title, body, head


def _boilerplate(w: _Writer) -> tuple[str, str, str]:
    topic = w.choice(list(T.TOPICS))
    title = w.title(topic)
    nav = "".join(f'<li><a href="/{_slug(item)}">{item}</a></li>' for item in T.NAV_ITEMS)
    ads = [f'<div class="ad-slot">{_esc(w.choice(T.ADS))}</div>' for _ in range(3)]
    sidebar = "".join(
        f"<section><h3>{h}</h3><ul>" + "".join(f"<li><a href=\"#\">{_esc(w.choice(T.HEADLINES))}</a></li>" for _ in range(4)) + "</ul></section>"
        for h in w.rng.sample(T.SIDEBAR, 2)
    )
    article = "".join(f"<p>{_esc(p)}</p>" for p in w.paragraphs(topic, w.rng.randint(2, 3), (3, 4)))
    footer = " | ".join(f"<a href=\"#\">{_esc(item.format(year=2024))}</a>" for item in T.FOOTER)
    body = (
        f'<div id="cookie-banner" class="cookie-consent">{_esc(w.choice(T.COOKIE_BANNERS))}</div>\n'
        f"<nav class=\"main-nav\"><ul>{nav}</ul></nav>\n{ads[0]}\n"
        f'<div class="breadcrumbs"><a href="/">Home</a> › <a href="/{topic}">{topic.title()}</a></div>\n'
        f"<article><h1>{_esc(title)}</h1><p class=\"byline\">By {w.choice(T.PEOPLE)} | {w.date()} | 4 min read</p>"
        f"{article}{ads[1]}<p>Share this article: Facebook · Twitter · Email</p></article>\n"
        f'<aside class="sidebar">{sidebar}{ads[2]}</aside>\n'
        f'<div class="newsletter">Sign up for our newsletter and never miss a story. <input type="email" placeholder="Email"> Subscribe</div>\n'
        f"<footer>{footer}</footer>"
    )
    return title, body, '<script src="/static/analytics.js"></script>\n'


def _spam(w: _Writer) -> tuple[str, str, str]:
    keywords = w.rng.sample(T.SPAM_KEYWORDS, 4)
    title = " | ".join(k.title() for k in keywords)
    stuffed = " ".join(w.choice(keywords) for _ in range(60))
    lines = [w.choice(T.SPAM_LINES) for _ in range(4)] * 4
    links = "".join(f'<a href="https://deals.example/{_slug(k)}">{_esc(k)}</a> ' for k in keywords * 5)
    body = (f"<h1>{_esc(title)}</h1>\n<p>{_esc(stuffed)}</p>\n" + "\n".join(f"<p>{_esc(line)}</p>" for line in lines)
            + f"\n<div class=\"links\">{links}</div>\n<p style=\"color:#fff\">{_esc(' '.join(keywords * 10))}</p>")
    return title, body, ""


def _foreign(w: _Writer, lang: str) -> tuple[str, str, str]:
    spec = T.FOREIGN[lang]
    slots = dict(person=w.choice(T.PEOPLE), place=w.choice(T.PLACES), number=w.rng.randint(2, 12),
                 year=w.rng.randint(1980, 2023))
    title = w.choice(spec["titles"]).format(**slots)
    sentences = w.rng.sample(spec["sentences"], min(len(spec["sentences"]), w.rng.randint(7, 11)))
    joiner = "" if lang == "zh" else " "
    cut = [0, len(sentences) // 3, 2 * len(sentences) // 3, len(sentences)]
    paras = [joiner.join(s.format(**{**slots, "number": w.rng.randint(2, 40)}) for s in sentences[a:b]) for a, b in zip(cut, cut[1:])]
    body = f"<h1>{_esc(title)}</h1>\n" + "\n".join(f"<p>{_esc(p)}</p>" for p in paras if p)
    return title, body, ""


# --------------------------------------------------------------------------- duplicates and bad records

SYNDICATION_HOSTS = ["news-mirror.example", "aggregator.example", "reader-digest.example", "syndicated-feed.example"]


def _near_duplicate(w: _Writer, source: SamplePage) -> SamplePage:
    """The same article with small edits (a new title suffix plus a changed word or an update note) at another URL."""
    text = source.body.decode("utf-8")
    text = text.replace("</title>", " (updated)</title>", 1)
    old, new = w.choice([(" the ", " this "), (" is ", " remains "), (" and ", " & "), (" a ", " one ")])
    # Change one occurrence somewhere in the text (a small edit, not a rewrite), or add a short note.
    hits = [m.start() for m in re.finditer(re.escape(old), text[text.index("<body>"):])]
    if hits and w.rng.random() < 0.5:
        at = text.index("<body>") + w.choice(hits)
        text = text[:at] + new + text[at + len(old):]
    else:
        text = text.replace("</body>", f"<p>Updated {w.date()}.</p>\n</body>", 1)
    path = source.url.split("/", 3)[3]
    url = (f"https://{w.choice(SYNDICATION_HOSTS)}/{path}" if w.rng.random() < 0.6
           else f"{source.url.split('?')[0]}?utm_source=feed&utm_medium=rss&id={w.rng.randint(1, 10**6)}")
    return SamplePage(url, "near_duplicate", source.language, text.encode("utf-8"), duplicate_of=source.url)


def _url_duplicate(source: SamplePage) -> SamplePage:
    """A re-crawl: the same URL with the same content."""
    return SamplePage(source.url, "url_duplicate", source.language, source.body, duplicate_of=source.url)


def _bad_record(w: _Writer, kind: str, host: str) -> SamplePage:
    token = uuid.UUID(int=w.rng.getrandbits(128)).hex[:10]
    if kind == "empty":
        return SamplePage(f"https://{host}/empty/{token}", "empty", "", b"", payload_type=None)
    if kind == "redirect":
        target = f"https://{host}/moved/{token}"
        return SamplePage(f"https://{host}/old/{token}", "redirect", "", b"", status="301 Moved Permanently",
                          content_type="text/html; charset=utf-8", payload_type=None, location=target)
    flavour = w.choice(["pdf", "png", "json"])
    if flavour == "pdf":
        body = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + bytes(w.rng.getrandbits(8) for _ in range(200)) + b"\n%%EOF\n"
        return SamplePage(f"https://{host}/files/{token}.pdf", "non_html", "", body, "application/pdf", payload_type="application/pdf")
    if flavour == "png":
        body = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(w.rng.getrandbits(8) for _ in range(300))
        return SamplePage(f"https://{host}/img/{token}.png", "non_html", "", body, "image/png", payload_type="image/png")
    body = ('{"status": "ok", "items": [' + ", ".join(str(w.rng.randint(0, 999)) for _ in range(20)) + "]}").encode()
    return SamplePage(f"https://{host}/api/{token}.json", "non_html", "", body, "application/json", payload_type="application/json")


# --------------------------------------------------------------------------- assembling the crawl

HOSTS = {
    "prose": ["fieldnotes.example", "weekend-projects.example", "slowliving.example", "the-long-read.example"],
    "math": ["mathnotes.example", "calc-help.example", "proofs.example", "wiki-math.example"],
    "code": ["devjournal.example", "snippets.example", "codecraft.example"],
    "forum": ["stackanswers.example", "askthecrowd.example", "mathoverflow-mirror.example"],
    "boilerplate": ["dailyherald.example", "newsnow.example", "lifestyle-weekly.example"],
    "spam": ["best-deals-online.example", "cheap-offers.example", "win-now.example"],
    "low_quality": ["my-homepage.example", "under-construction.example", "linkfarm.example"],
    "fr": ["lejournal.example"], "de": ["dietageszeitung.example"], "es": ["elperiodico.example"],
    "zh": ["xinwen.example"], "ru": ["novosti.example"], "bad": ["static.example", "cdn.example"],
}


def _host_group(kind: str) -> str:
    if kind.startswith("math_"):
        return "math"
    if kind.startswith("lang_"):
        return kind[5:]
    if kind in BAD_KINDS:
        return "bad"
    return kind


def _original(w: _Writer, kind: str) -> SamplePage:
    host = w.choice(HOSTS[_host_group(kind)])
    if kind in BAD_KINDS:
        return _bad_record(w, kind, host)
    lang = "en"
    if kind == "prose":
        title, body, head = _prose(w)
    elif kind.startswith("math_"):
        title, body, head = _math(w, kind[5:])
    elif kind == "code":
        title, body, head = _code(w)
    elif kind == "forum":
        title, body, head = _forum(w)
    elif kind == "boilerplate":
        title, body, head = _boilerplate(w)
    elif kind == "spam":
        title, body, head = _spam(w)
    elif kind == "low_quality":
        title, body, head = _low_quality(w)
    else:
        lang = kind[5:]
        title, body, head = _foreign(w, lang)
    day = CRAWL_START - timedelta(days=w.rng.randint(0, 2000))
    # The random token keeps URLs unique even when two pages get the same title.
    url = f"https://{host}/{day:%Y/%m}/{_slug(title) if lang == 'en' else 'article'}-{w.rng.getrandbits(32):08x}"
    return SamplePage(url, kind, lang, _page(title, body, lang, head))


def _plan(rng: random.Random, n_pages: int) -> list[str]:
    kinds = list(PAGE_KINDS[:n_pages])
    names, weights = zip(*KIND_WEIGHTS.items())
    kinds += rng.choices(names, weights=weights, k=n_pages - len(kinds))
    return kinds


def sample_pages(n_pages: int = DEFAULT_PAGES, seed: int = 0) -> list[SamplePage]:
    """The pages of the sample crawl, in crawl order (duplicates always after what they copy)."""
    if n_pages < 1:
        raise ValueError(f"n_pages must be at least 1, got {n_pages}")
    rng = random.Random(seed)
    w = _Writer(rng)
    kinds = _plan(rng, n_pages)
    pages = [_original(w, k) for k in kinds if k not in DUPLICATE_KINDS]
    rng.shuffle(pages)
    for kind in (k for k in kinds if k in DUPLICATE_KINDS):
        sources = [i for i, p in enumerate(pages) if p.kind in COPYABLE_KINDS]
        if not sources:  # too few pages to copy from: fall back to an original article
            pages.append(_original(w, "prose"))
            continue
        at = rng.choice(sources)
        copy = _near_duplicate(w, pages[at]) if kind == "near_duplicate" else _url_duplicate(pages[at])
        pages.insert(rng.randint(at + 1, len(pages)), copy)
    return pages


def _record_id(rng: random.Random) -> str:
    return f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"


def _write_records(out, pages: list[SamplePage], seed: int, filename: str) -> None:
    rng = random.Random(f"warc-headers-{seed}")  # ids and dates: separate stream, same determinism
    writer = WARCWriter(out, gzip=True)
    when = CRAWL_START
    # The generator's old module name stays in the warcinfo record: the shipped files keep their bytes.
    info = (f"software: reasoning-curator pipelines.sample_crawl\r\nformat: WARC File Format 1.0\r\n"
            f"description: deterministic sample crawl, seed={seed}, pages={len(pages)}\r\n").encode()
    writer.write_record(writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(info), length=len(info), warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Record-ID": _record_id(rng), "WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "WARC-Filename": filename},
    ))
    for page in pages:
        when += timedelta(seconds=rng.randint(1, 20))
        date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        host, path = page.url.split("/", 3)[2], "/" + page.url.split("/", 3)[3]
        response_id, request_id = _record_id(rng), _record_id(rng)
        request = StatusAndHeaders(f"GET {path} HTTP/1.1", [
            ("Host", host), ("User-Agent", "rc-sample-crawler/1.0 (+https://crawler.example/bot)"),
            ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"), ("Accept-Encoding", "identity"),
        ], is_http_request=True)
        writer.write_record(writer.create_warc_record(
            page.url, "request", http_headers=request,
            warc_headers_dict={"WARC-Record-ID": request_id, "WARC-Date": date, "WARC-Concurrent-To": response_id},
        ))
        http_headers = [("Date", when.strftime("%a, %d %b %Y %H:%M:%S GMT")), ("Server", "nginx"),
                        ("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))]
        if page.location:
            http_headers.append(("Location", page.location))
        warc_headers = {"WARC-Record-ID": response_id, "WARC-Date": date, "X-Sample-Kind": page.kind,
                        "X-Sample-Language": page.language}
        if page.payload_type:
            warc_headers["WARC-Identified-Payload-Type"] = page.payload_type
        if page.duplicate_of:
            warc_headers["X-Sample-Duplicate-Of"] = page.duplicate_of
        writer.write_record(writer.create_warc_record(
            page.url, "response", payload=io.BytesIO(page.body), length=len(page.body),
            http_headers=StatusAndHeaders(page.status, http_headers, protocol="HTTP/1.1"),
            warc_headers_dict=warc_headers,
        ))


def generate_sample_warc(path: str | os.PathLike, n_pages: int = DEFAULT_PAGES, seed: int = 0) -> SampleCrawl:
    """Write the sample crawl to `path` (.warc.gz) atomically; same seed and n_pages, same bytes."""
    return write_warc(path, sample_pages(n_pages, seed), seed)


def write_warc(path: str | os.PathLike, pages: list[SamplePage], seed: int) -> SampleCrawl:
    """Write `pages` as request + response records to `path` (.warc.gz), atomically."""
    path = Path(path)
    with atomic_open(path, "wb") as out:
        _write_records(out, pages, seed, path.name)
    return SampleCrawl(path, pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sample_crawl", description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="where to write the .warc.gz")
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help=f"response records (default {DEFAULT_PAGES})")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument("--markup", action="store_true",
                        help="markup mode (tools.sample_crawl_markup): --pages pages of each hard math/code/forum "
                             "markup kind instead of the default crawl")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error(f"--pages must be at least 1, got {args.pages}")
    if not args.output.endswith(".warc.gz"):
        parser.error(f"output must end in .warc.gz, got {args.output!r}")
    if args.markup:
        from tools.sample_crawl_markup import markup_pages

        per_kind = args.pages if args.pages != DEFAULT_PAGES else 2
        crawl = write_warc(args.output, [m.page for m in markup_pages(args.seed, per_kind)], args.seed)
    else:
        crawl = generate_sample_warc(args.output, args.pages, args.seed)
    counts = ", ".join(f"{k}={n}" for k, n in sorted(crawl.kind_counts.items()))
    print(f"wrote {crawl.path} ({len(crawl.pages)} pages, {crawl.path.stat().st_size} bytes): {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
