"""The sample crawl's markup mode: pages in the math / code / forum markup that real sites
use and that extractors get wrong (issue 11), each with the ground truth the generator knows.

Kept apart from `sample_crawl.py` so that the shipped crawl (`data/sample-crawl`, default
mode) stays byte-identical: this mode has its own page list and its own seeded RNG stream.

    markup_pages(seed=0, per_kind=2) -> list[MarkupPage]     # in memory, for tests and bench
    score(page, text) -> dict                                  # recall of that page's ground truth
    python -m tools.sample_crawl OUT.warc.gz --markup [--seed S]   # the same pages as a WARC

Kinds (`MARKUP_KINDS`):
- math: `<script type="math/asciimath">`; AsciiMath between backticks on a page whose
  MathJax config loads AsciiMath (v2 `AM_CHTML` and v3 `input/asciimath` flavours); MathML
  with neither TeX annotation nor alttext covering every MathML 3 presentation element
  (mmultiscripts + mprescripts + none, mtable / mtr / mtd / mlabeledtr, menclose
  notations, mfenced open / close / separators, stretchy fences, mover / munder accents,
  mspace / mphantom / mpadded / mstyle / merror / maction / semantics, ms, mglyph, named
  and numeric entities such as &ApplyFunction; &InvisibleTimes; &#x2264;);
- code: Pygments `linenos` tables, highlight.js `hljs-ln` tables, WordPress
  SyntaxHighlighter, Prism `line-numbers`, Rouge tables, GitHub blob tables and the React
  file view, GitLab file view (`span.line` without newlines), CodeMirror (one `pre` per
  line), `<br>`-separated lines, code in forum posts and in `blockquote`;
- forum: phpBB / vBulletin / XenForo threads whose posts are nested `div`s with
  signatures and quotes.

Ground truth per page: `formulas` (LaTeX as a person would write it), `code` (blocks,
exact lines), `posts` (sentences that must be kept), `absent` (signatures, line numbers
glued to code), `quotes` (quoted sentences: kept as a Markdown quote, once per quoting).
"""
from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field

from tools import sample_crawl_texts as T
from tools.sample_crawl import SamplePage, _esc, _page, _slug, _snippet, _Writer

MATH_KINDS = ("asciimath_script", "asciimath_backtick", "mathml_pure")
CODE_KINDS = (
    "code_pygments_table", "code_hljs_ln", "code_syntaxhighlighter", "code_prism_linenumbers", "code_rouge",
    "code_github_blob", "code_github_react", "code_gitlab", "code_codemirror", "code_br_lines",
    "code_in_forum_and_quote",
)
FORUM_KINDS = ("forum_phpbb", "forum_vbulletin", "forum_xenforo")
MARKUP_KINDS = MATH_KINDS + CODE_KINDS + FORUM_KINDS


@dataclass(frozen=True)
class MarkupPage:
    page: SamplePage
    formulas: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.page.kind

    @property
    def html(self) -> str:
        return self.page.body.decode("utf-8")


# --------------------------------------------------------------------------- scoring

_TEX_SYNONYMS = ((r"\rightarrow", r"\to"), (r"\leq", r"\le"), (r"\geq", r"\ge"), (r"\neq", r"\ne"),
                 (r"\lbrace", r"\{"), (r"\rbrace", r"\}"), (r"\dfrac", r"\frac"), (r"\tfrac", r"\frac"))


def norm_tex(tex: str) -> str:
    """TeX compared without whitespace, braces, \\left / \\right and \\displaystyle, and with
    a few spellings of one symbol made one (as the issue's measurement does)."""
    tex = html.unescape(tex)
    for a, b in _TEX_SYNONYMS:
        tex = tex.replace(a, b)
    tex = re.sub(r"\\(?:left|right|displaystyle)(?![A-Za-z])", "", tex)
    return re.sub(r"[\s{}]", "", tex)


def _out_lines(text: str) -> set[str]:
    lines = set()
    for ln in text.splitlines():
        ln = ln.strip()
        while ln.startswith(">"):  # code quoted in a Markdown blockquote
            ln = ln[1:].strip()
        lines.add(ln)
    return lines


def score(page: MarkupPage, text: str) -> dict[str, float]:
    """Recall of the page's ground truth in an extractor's output `text`:
    formulas (normalised TeX found), code lines (each non-empty line found as a whole
    output line: merged, split or numbered lines do not count), posts (sentences found),
    plus the fraction of `absent` strings that stayed out and of quotes kept once as quotes."""
    out: dict[str, float] = {}
    if page.formulas:
        flat = norm_tex(text)
        out["formula"] = sum(norm_tex(f) in flat for f in page.formulas) / len(page.formulas)
    if page.code:
        lines = [ln.strip() for block in page.code for ln in block.splitlines() if ln.strip()]
        have = _out_lines(text)
        out["code"] = sum(ln in have for ln in lines) / len(lines)
    ws = re.sub(r"\s+", " ", text)
    if page.posts:
        out["posts"] = sum(p in ws for p in page.posts) / len(page.posts)
    if page.absent:
        out["absent"] = sum(a not in ws for a in page.absent) / len(page.absent)
    if page.quotes:
        quoted = [ln.lstrip("> ").strip() for ln in text.splitlines() if ln.lstrip().startswith(">")]
        quoted_ws = re.sub(r"\s+", " ", " ".join(quoted))
        # Quoted once as a quote, and present twice in all: the post itself and the quote.
        out["quotes"] = sum(q in quoted_ws and ws.count(q) == 2 for q in page.quotes) / len(page.quotes)
    return out


# --------------------------------------------------------------------------- math

MATHJAX_V2 = '<script type="text/javascript" async src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config={config}"></script>\n'
MATHJAX_V3_AM = ('<script>window.MathJax = {{ loader: {{ load: ["input/asciimath", "output/chtml"] }}, '
                 'asciimath: {{ delimiters: [["{left}", "{right}"]] }} }};</script>\n'
                 '<script id="MathJax-script" async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/startup.js"></script>\n')


def _asciimath_items(rng: random.Random) -> list[tuple[str, str, str]]:
    """(sentence before, AsciiMath, the LaTeX a person would write)."""
    a, b, c, d = (rng.randint(1, 9) for _ in range(4))
    n, k, m = rng.randint(5, 60), rng.randint(1, 4), rng.randint(1, 4)
    p, q = rng.randint(2, 5), rng.randint(1, 3)
    t = rng.randint(1, 6)
    items = [
        ("Gauss's trick gives", f"sum_(i=1)^{n} i = {n * (n + 1) // 2}", rf"\sum_{{i=1}}^{{{n}}} i = {n * (n + 1) // 2}"),
        ("The definite integral is", f"int_0^{k} x^{m} dx = {k}^({m + 1})/{m + 1}",
         rf"\int_0^{{{k}}} x^{{{m}}} dx = \frac{{{k}^{{{m + 1}}}}}{{{m + 1}}}"),
        ("The classic limit is", "lim_(x->0) sin(x)/x = 1", r"\lim_{x \to 0} \frac{\sin(x)}{x} = 1"),
        ("The matrix is", f"[[{a},{b}],[{c},{d}]]", rf"\begin{{bmatrix}} {a} & {b} \\ {c} & {d} \end{{bmatrix}}"),
        ("The quadratic formula reads", "x = (-b +- sqrt(b^2-4ac))/(2a)", r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}"),
        ("The absolute value is piecewise:", "abs(x) = {(x, x >= 0),(-x, x < 0):}",
         r"\left|x\right| = \begin{cases} x & x \ge 0 \\ -x & x < 0 \end{cases}"),
        ("The angles add up:", f"alpha + beta = pi/{p}", rf"\alpha + \beta = \frac{{\pi}}{{{p}}}"),
        ("The binomial coefficient is", "((n),(k)) = (n!)/(k!(n-k)!)",
         r"\begin{pmatrix} n \\ k \end{pmatrix} = \frac{n!}{k!(n-k)!}"),
        ("The sample mean is", "bar x = 1/n sum_(i=1)^n x_i", r"\overline{x} = \frac{1}{n} \sum_{i=1}^{n} x_i"),
        ("Euler's identity:", "e^(i pi) + 1 = 0", r"e^{i\pi} + 1 = 0"),
        ("Continuity at a:", "abs(x - a) < delta => abs(f(x) - f(a)) < epsilon",
         r"\left|x - a\right| < \delta \implies \left|f(x) - f(a)\right| < \epsilon"),
        ("Orthogonal vectors satisfy", "vec v * vec w = 0", r"\vec{v} \cdot \vec{w} = 0"),
        (f"A root of order {p}:", f"root({p})({q * 8}) + sqrt({t * t}) = {t}+root({p})({q * 8})",
         rf"\sqrt[{p}]{{{q * 8}}} + \sqrt{{{t * t}}} = {t}+\sqrt[{p}]{{{q * 8}}}"),
        ("The derivative:", f"d/dx x^{p} = {p}x^{p - 1}", rf"\frac{{d}}{{dx}} x^{{{p}}} = {p}x^{{{p - 1}}}"),
        ("Sets:", "A nn B sube A uu B", r"A \cap B \subseteq A \cup B"),
        ("A trigonometric identity:", "sin^2 theta + cos^2 theta = 1", r"\sin^2\theta + \cos^2\theta = 1"),
    ]
    return rng.sample(items, rng.randint(6, 9))


# (MathML body, LaTeX a person would write); {a}.. are seeded numbers, {x}.. letters.
MATHML_TEMPLATES = [
    # mmultiscripts with prescripts and <none/>
    ("<mmultiscripts><mi>C</mi><mprescripts/><mn>{a}</mn><mn>{b}</mn></mmultiscripts>", "{{}}_{{{a}}}^{{{b}}}C"),
    ("<mmultiscripts><mi>R</mi><none/><mi>{x}</mi><mi>{y}</mi><none/><mi>k</mi><none/></mmultiscripts>",
     "R^{{{x}}}{{}}_{{{y}}}{{}}_{{k}}"),
    ("<mmultiscripts><mi>F</mi><mi>i</mi><mi>j</mi><mprescripts/><mi>k</mi><none/></mmultiscripts>",
     "{{}}_{{k}}F_{{i}}^{{j}}"),
    # mtable / mtr / mtd in stretchy fences; mlabeledtr
    ("<mrow><mo stretchy=\"true\">(</mo><mtable><mtr><mtd><mn>{a}</mn></mtd><mtd><mn>{b}</mn></mtd></mtr>"
     "<mtr><mtd><mn>{c}</mn></mtd><mtd><mn>{d}</mn></mtd></mtr></mtable><mo stretchy=\"true\">)</mo></mrow>",
     "\\begin{{pmatrix}} {a} & {b} \\\\ {c} & {d} \\end{{pmatrix}}"),
    ("<mtable><mlabeledtr><mtd><mtext>({a})</mtext></mtd><mtd><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi>"
     "<mn>2</mn></msup></mtd></mlabeledtr></mtable>", "E=mc^{{2}} \\tag{{{a}}}"),
    ("<mrow><mi>f</mi><mo>(</mo><mi>x</mi><mo>)</mo><mo>=</mo><mo>{{</mo><mtable columnalign=\"left left\">"
     "<mtr><mtd><mi>x</mi></mtd><mtd><mi>x</mi><mo>&#x2265;</mo><mn>0</mn></mtd></mtr><mtr><mtd><mo>&#x2212;</mo>"
     "<mi>x</mi></mtd><mtd><mi>x</mi><mo>&lt;</mo><mn>0</mn></mtd></mtr></mtable></mrow>",
     "f(x)=\\begin{{cases}} x & x\\ge 0 \\\\ -x & x<0 \\end{{cases}}"),
    # menclose notations
    ("<menclose notation=\"box\"><mi>x</mi><mo>=</mo><mn>{a}</mn></menclose>", "\\boxed{{x={a}}}"),
    ("<menclose notation=\"updiagonalstrike\"><mn>{b}</mn></menclose><mo>+</mo><menclose notation=\"radical\">"
     "<mn>{c}</mn></menclose>", "\\cancel{{{b}}}+\\sqrt{{{c}}}"),
    ("<menclose notation=\"circle\"><mi>{x}</mi></menclose><mo>,</mo><menclose notation=\"top\"><mi>A</mi><mi>B</mi>"
     "</menclose>", "\\enclose{{circle}}{{{x}}},\\overline{{AB}}"),
    # mfenced with open / close / separators
    ("<mi>x</mi><mo>&#x2208;</mo><mfenced open=\"[\" close=\")\"><mn>{a}</mn><mn>{e}</mn></mfenced>",
     "x \\in \\left[{a},{e}\\right)"),
    ("<mfenced separators=\";\"><mi>{x}</mi><mi>{y}</mi></mfenced>", "\\left({x};{y}\\right)"),
    # stretchy operators around a fraction
    ("<msup><mrow><mo stretchy=\"true\" fence=\"true\">(</mo><mfrac><mn>1</mn><mn>{a}</mn></mfrac>"
     "<mo stretchy=\"true\" fence=\"true\">)</mo></mrow><mi>n</mi></msup>", "\\left(\\frac{{1}}{{{a}}}\\right)^{{n}}"),
    # mover / munder accents and limits
    ("<mover accent=\"true\"><mi>{x}</mi><mo>^</mo></mover><mo>+</mo><mover accent=\"true\"><mi>{y}</mi><mo>&#xAF;</mo>"
     "</mover><mo>+</mo><mover><mi>v</mi><mo>&#x2192;</mo></mover>", "\\hat{{{x}}}+\\bar{{{y}}}+\\vec{{v}}"),
    ("<munder><mo movablelimits=\"true\">lim</mo><mrow><mi>n</mi><mo>&#x2192;</mo><mi>&#x221E;</mi></mrow></munder>"
     "<msup><mrow><mo>(</mo><mn>1</mn><mo>+</mo><mfrac><mn>1</mn><mi>n</mi></mfrac><mo>)</mo></mrow><mi>n</mi></msup>"
     "<mo>=</mo><mi>e</mi>", "\\lim_{{n \\to \\infty}} \\left(1+\\frac{{1}}{{n}}\\right)^{{n}}=e"),
    ("<munderover><mo>&#x2211;</mo><mrow><mi>k</mi><mo>=</mo><mn>1</mn></mrow><mn>{e}</mn></munderover><mi>k</mi>"
     "<mo>=</mo><mn>{tri}</mn>", "\\sum_{{k=1}}^{{{e}}} k={tri}"),
    ("<munder><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mo>&#x23DF;</mo></munder><mo>+</mo><munder><mi>x</mi>"
     "<mo>_</mo></munder>", "\\underbrace{{a+b}}+\\underline{{x}}"),
    # layout: mspace / mphantom / mpadded / mstyle / merror / maction / semantics
    ("<mstyle displaystyle=\"true\"><mpadded width=\"+1em\"><mi>a</mi></mpadded><mspace width=\"1em\"/><mi>b</mi>"
     "</mstyle>", "a\\quad b"),
    ("<mi>x</mi><mphantom><mo>+</mo><mn>0</mn></mphantom><mo>=</mo><maction actiontype=\"toggle\" selection=\"2\">"
     "<mi>p</mi><mn>{a}</mn></maction>", "x\\phantom{{+0}}={a}"),
    ("<semantics><mrow><mi>y</mi><mo>=</mo><mn>{b}</mn></mrow><annotation-xml encoding=\"MathML-Content\">"
     "<apply><eq/><ci>y</ci><cn>{b}</cn></apply></annotation-xml></semantics><mo>,</mo><merror><mtext>Undefined"
     "</mtext></merror>", "y={b},\\text{{Undefined}}"),
    # ms, mglyph
    ("<mi>s</mi><mo>=</mo><ms>{word}</ms><mo>+</mo><mglyph src=\"/glyphs/star.png\" alt=\"star\"/>",
     "s=\\text{{\"{word}\"}}+\\text{{star}}"),
    # entities: named (HTML 5 only ones too) and numeric
    ("<mi>sin</mi><mo>&ApplyFunction;</mo><mi>&theta;</mi><mo>&#x2264;</mo><mn>1</mn>", "\\sin\\theta\\le 1"),
    ("<mn>{a}</mn><mo>&InvisibleTimes;</mo><mi>x</mi><mo>&#x2260;</mo><mn>{b}</mn><mo>&InvisibleTimes;</mo><mi>y</mi>"
     "<mo>&PlusMinus;</mo><mi>&alpha;</mi>", "{a}x\\ne{b}y\\pm\\alpha"),
    # the basics, for good measure
    ("<mi>x</mi><mo>=</mo><mfrac><mrow><mo>&#x2212;</mo><mi>b</mi><mo>&#xB1;</mo><msqrt><msup><mi>b</mi><mn>2</mn>"
     "</msup><mo>&#x2212;</mo><mn>4</mn><mi>a</mi><mi>c</mi></msqrt></mrow><mrow><mn>2</mn><mi>a</mi></mrow></mfrac>",
     "x=\\frac{{-b\\pm\\sqrt{{b^2-4ac}}}}{{2a}}"),
    ("<mroot><mn>{cube}</mn><mn>3</mn></mroot><mo>=</mo><mn>{a}</mn><mo>,</mo><msubsup><mi>x</mi><mi>i</mi>"
     "<mn>2</mn></msubsup>", "\\sqrt[3]{{{cube}}}={a},x_{{i}}^{{2}}"),
]


def _mathml_items(rng: random.Random) -> list[tuple[str, str]]:
    a, b, c, d = (rng.randint(2, 9) for _ in range(4))
    e = rng.randint(10, 40)
    x, y = rng.sample("abcdeghjklmnpqrstuvwz", 2)
    slots = dict(a=a, b=b, c=c, d=d, e=e, x=x, y=y, tri=e * (e + 1) // 2, cube=a ** 3,
                 word=rng.choice(["abc", "hello", "text", "label"]))
    # Every template on every page: the kind's recall then covers every element.
    return [(body.format(**slots), tex.format(**slots)) for body, tex in MATHML_TEMPLATES]


def _math_page(w: _Writer, kind: str) -> MarkupPage:
    rng = w.rng
    course = w.choice(["calculus", "linear algebra", "analysis", "algebra", "physics"])
    title = f"{course.capitalize()} notes, part {rng.randint(1, 30)}"
    parts = [f"<h1>{_esc(title)}</h1>", f"<p>{_esc(w.fill(w.choice(T.TEMPLATES)))} These notes cover {course}.</p>"]
    formulas: list[str] = []
    head = ""
    if kind in ("asciimath_script", "asciimath_backtick"):
        v3 = kind == "asciimath_backtick" and rng.random() < 0.5
        if v3:
            head = MATHJAX_V3_AM.format(left="`", right="`")
        else:
            head = MATHJAX_V2.format(config=rng.choice(["AM_CHTML", "AM_HTMLorMML", "TeX-MML-AM_CHTML"]))
        for before, am, tex in _asciimath_items(rng):
            display = rng.random() < 0.4
            if kind == "asciimath_script":
                mode = "; mode=display" if display else ""
                formula = f'<script type="math/asciimath{mode}">{am}</script>'  # script text is raw, not escaped
            else:
                formula = f"`{_esc(am)}`"
            parts.append(f"<p>{_esc(before)}</p><p>{formula}</p>" if display else f"<p>{_esc(before)} {formula}, as shown.</p>")
            formulas.append(tex)
        parts.append("<p>Money is still money here: it cost $5 and $10, and a `literal` is not math in a "
                     "<code>`code span`</code>.</p>" if kind == "asciimath_script" else "")
    else:
        head = '<link rel="stylesheet" href="/static/mathml.css">\n'
        for body, tex in _mathml_items(rng):
            display = rng.random() < 0.5
            attr = ' display="block"' if display else ""
            formula = f'<math xmlns="http://www.w3.org/1998/Math/MathML"{attr}><mrow>{body}</mrow></math>'
            parts.append(f"<p>{_esc(w.fill(w.choice(T.TEMPLATES)))}</p>\n<p>{formula}</p>" if display
                         else f"<p>We write {formula} here.</p>")
            formulas.append(tex)
    parts.append(f"<p>{_esc(w.fill(w.choice(T.TEMPLATES)))}</p>")
    body = ("<header><nav><a href=\"/\">Home</a> <a href=\"/notes\">Notes</a></nav></header>\n<main><article>\n"
            + "\n".join(p for p in parts if p) + "\n</article></main>\n<footer><p>Notes licensed CC BY-SA.</p></footer>")
    return MarkupPage(_sample(w, kind, "mathnotes.example", title, body, head), formulas=tuple(formulas))


# --------------------------------------------------------------------------- code

_KEYWORDS = frozenset("def return import from for in if else elif while with as try except class lambda yield not "
                      "and or None True False function let const var new int double float char void include "
                      "set local echo fi then do done".split())
_TOKEN_RE = re.compile(r"(\"[^\"]*\"|'[^']*'|#.*$|//.*$|\b\d+(?:\.\d+)?\b|\b[A-Za-z_]\w*\b)")
# Per highlighter: (keyword, string, number, comment) class names.
_CLASSES = {
    "pygments": ("k", "s2", "mi", "c1"), "hljs": ("hljs-keyword", "hljs-string", "hljs-number", "hljs-comment"),
    "prism": ("token keyword", "token string", "token number", "token comment"),
    "github": ("pl-k", "pl-s", "pl-c1", "pl-c"), "rouge": ("k", "s", "mi", "c"),
    "gitlab": ("k", "s2", "mi", "c1"), "cm": ("cm-keyword", "cm-string", "cm-number", "cm-comment"),
    "sh": ("keyword", "string", "value", "comments"),
}


def _highlight(line: str, style: str) -> str:
    """One code line as highlighter markup: escaped text with token spans (numbers get a
    class named `number`-something, so extractors must not take them for a gutter)."""
    kw, st, num, com = _CLASSES[style]
    tag = "code" if style == "sh" else "span"
    out, pos = [], 0
    for m in _TOKEN_RE.finditer(line):
        out.append(_esc(line[pos : m.start()]))
        tok = m.group()
        cls = st if tok[0] in "\"'" else com if tok[0] in "#/" else num if tok[0].isdigit() else kw if tok in _KEYWORDS else ""
        out.append(f'<{tag} class="{cls}">{_esc(tok)}</{tag}>' if cls else _esc(tok))
        pos = m.end()
    out.append(_esc(line[pos:]))
    return "".join(out)


def _code_markup(kind: str, lang: str, code: str, rng: random.Random) -> str:
    lines = code.split("\n")
    n = len(lines)
    if kind == "code_pygments_table":
        nums = "\n".join(f'<span class="normal">{i}</span>' for i in range(1, n + 1))
        body = "\n".join(_highlight(ln, "pygments") for ln in lines)
        return (f'<div class="highlight-{lang} notranslate"><table class="highlighttable"><tr><td class="linenos">'
                f'<div class="linenodiv"><pre>{nums}</pre></div></td><td class="code"><div class="highlight"><pre>'
                f"<span></span>{body}\n</pre></div></td></tr></table></div>")
    if kind == "code_hljs_ln":
        rows = "".join(
            f'<tr><td class="hljs-ln-line hljs-ln-numbers" data-line-number="{i}"><div class="hljs-ln-line hljs-ln-n" '
            f'data-line-number="{i}"></div></td><td class="hljs-ln-line hljs-ln-code" data-line-number="{i}">'
            f"{_highlight(ln, 'hljs')}</td></tr>" for i, ln in enumerate(lines, 1))
        return f'<pre><code class="hljs language-{lang}"><table class="hljs-ln"><tbody>{rows}</tbody></table></code></pre>'
    if kind == "code_syntaxhighlighter":
        gutter = "".join(f'<div class="line number{i} index{i - 1} alt{2 - i % 2}">{i}</div>' for i in range(1, n + 1))
        code_lines = "".join(
            f'<div class="line number{i} index{i - 1} alt{2 - i % 2}">'
            + (f'<code class="{lang} spaces">{"&nbsp;" * (len(ln) - len(ln.lstrip()))}</code>' if ln[: 1].isspace() else "")
            + f"{_highlight(ln.lstrip(), 'sh')}</div>" for i, ln in enumerate(lines, 1))
        return (f'<div id="highlighter_{rng.randint(100000, 999999)}" class="syntaxhighlighter {lang}"><table border="0" '
                f'cellpadding="0" cellspacing="0"><tbody><tr><td class="gutter">{gutter}</td><td class="code">'
                f'<div class="container">{code_lines}</div></td></tr></tbody></table></div>')
    if kind == "code_prism_linenumbers":
        rows = "<span></span>" * n
        return (f'<pre class="line-numbers language-{lang}" data-start="1"><code class="language-{lang}">'
                + "\n".join(_highlight(ln, "prism") for ln in lines)
                + f'<span aria-hidden="true" class="line-numbers-rows">{rows}</span></code></pre>')
    if kind == "code_rouge":
        nums = "\n".join(str(i) for i in range(1, n + 1))
        return (f'<div class="language-{lang} highlighter-rouge"><div class="highlight"><pre class="highlight"><code>'
                f'<table class="rouge-table"><tbody><tr><td class="rouge-gutter gl"><pre class="lineno">{nums}\n</pre></td>'
                f'<td class="rouge-code"><pre>{chr(10).join(_highlight(ln, "rouge") for ln in lines)}\n</pre></td></tr>'
                "</tbody></table></code></pre></div></div>")
    if kind == "code_github_blob":
        rows = "".join(
            f'<tr><td id="L{i}" class="blob-num js-line-number" data-line-number="{i}"></td>'
            f'<td id="LC{i}" class="blob-code blob-code-inner js-file-line">{_highlight(ln, "github")}</td></tr>'
            for i, ln in enumerate(lines, 1))
        return (f'<div class="Box-body p-0 blob-wrapper data type-{lang}"><table class="highlight tab-size '
                f'js-file-line-container" data-tab-size="8"><tbody>{rows}</tbody></table></div>')
    if kind == "code_github_react":
        nums = "".join(f'<div data-line-number="{i}" class="child-of-line-{i - 1} react-line-number react-code-text" '
                       f'style="padding-right:16px">{i}</div>' for i in range(1, n + 1))
        code_lines = "".join(
            f'<div data-key="{i - 1}" class="react-code-text react-code-line-contents" style="min-height:auto"><div>'
            f'<div id="LC{i}" class="react-file-line html-div" data-testid="code-cell" data-line-number="{i}" '
            f'style="position:relative">{_highlight(ln, "github")}</div></div></div>' for i, ln in enumerate(lines, 1))
        return (f'<textarea id="read-only-cursor-text-area" aria-label="file content" readonly>{_esc(code)}</textarea>'
                f'<div class="react-code-file-contents" role="presentation" data-tab-size="8">'
                f'<div class="react-line-numbers" style="pointer-events:auto">{nums}</div>'
                f'<div class="react-code-lines">{code_lines}</div></div>')
    if kind == "code_gitlab":
        nums = "".join(f'<a class="diff-line-num" data-line-number="{i}" href="#L{i}" id="L{i}">'
                       f'<i class="fa fa-link"></i>{i}</a>' for i in range(1, n + 1))
        spans = "".join(f'<span id="LC{i}" class="line" lang="{lang}">{_highlight(ln, "gitlab")}</span>'
                        for i, ln in enumerate(lines, 1))
        return (f'<div class="file-content code js-syntax-highlight"><div class="line-numbers">{nums}</div>'
                f'<div class="blob-content" data-blob-id="{rng.getrandbits(40):010x}"><pre class="code highlight">'
                f"<code>{spans}</code></pre></div></div>")
    if kind == "code_codemirror":
        code_lines = "".join(
            f'<div style="position: relative;"><div class="CodeMirror-gutter-wrapper" style="left: -30px;">'
            f'<div class="CodeMirror-linenumber CodeMirror-gutter-elt" style="left: 0px; width: 21px;">{i}</div></div>'
            f'<pre class=" CodeMirror-line " role="presentation"><span role="presentation">{_highlight(ln, "cm") or "<span>&#8203;</span>"}'
            f"</span></pre></div>" for i, ln in enumerate(lines, 1))
        return (f'<div class="CodeMirror cm-s-default"><div class="CodeMirror-scroll"><div class="CodeMirror-sizer">'
                f'<div class="CodeMirror-lines" role="presentation"><div role="presentation" class="CodeMirror-code">'
                f"{code_lines}</div></div></div></div></div>")
    if kind == "code_br_lines":
        flavour = rng.choice(["div", "code", "dl"])
        body = "<br>\n".join(_esc(ln).replace("  ", "&nbsp; ") for ln in lines)
        if flavour == "div":
            return f'<div class="code-block" style="font-family:monospace">{body}</div>'
        if flavour == "code":
            return f"<p><code>{body}</code></p>"
        return f'<dl class="codebox"><dt>Code: <a href="#">Select all</a></dt><dd><code>{body}</code></dd></dl>'
    raise ValueError(kind)


def _code_page(w: _Writer, kind: str) -> MarkupPage:
    rng = w.rng
    topic = w.choice(list(T.TOPICS))
    snippets = [_snippet(w) for _ in range(rng.randint(1, 2))]
    title = f"{snippets[0][1]} ({_slug(topic)} notes {rng.randint(1, 99)})"
    parts = [f"<h1>{_esc(title)}</h1>"] + [f"<p>{_esc(p)}</p>" for p in w.paragraphs(topic, 2, (2, 3))]
    for language, caption, code in snippets:
        parts.append(f"<h2>{_esc(caption)}</h2><p>{_esc(w.choice(T.CODE_PROSE))}</p>")
        parts.append(_code_markup(kind, language, code, rng))
        parts.append(f"<p>{_esc(w.choice(T.CODE_PROSE))}</p>")
    body = ('<header class="site-header"><a href="/">Home</a> <a href="/blog">Blog</a> <a href="/about">About</a></header>\n'
            '<main><article class="post">\n' + "\n".join(parts) + "\n</article></main>\n"
            '<aside class="sidebar"><h3>Recent posts</h3><ul><li><a href="/a">Older post</a></li></ul></aside>')
    code = tuple(c for _, _, c in snippets)
    # A line number glued to the first code line would show a gutter leaking into the code.
    absent = tuple(f"1{c.splitlines()[0].strip()}" for c in code) + tuple(f"1 {c.splitlines()[0].strip()}" for c in code)
    return MarkupPage(_sample(w, kind, "devjournal.example", title, body, ""), code=code, absent=absent)


# --------------------------------------------------------------------------- forums

SIGNATURES = [
    "Regards, {user} | Proud owner of a {thing} since {year}", "-- {user}: If it compiles, ship it. {year} forever.",
    "My {thing} build log lives on my homepage, come say hi ({user})", "Sent from my {thing} using Tapatalk ({year})",
]
SIG_THINGS = ["tandem bicycle", "cast-iron stove", "home lab", "vintage synthesizer", "sourdough starter"]


def _forum_post_bodies(w: _Writer, topic: str, n: int) -> list[str]:
    return [" ".join(w.sentence(topic, []) for _ in range(w.rng.randint(2, 3))) for _ in range(n)]


def _forum_page(w: _Writer, kind: str, extra: str = "") -> MarkupPage:
    rng = w.rng
    topic = w.choice(list(T.TOPICS))
    n_posts = rng.randint(4, 6)
    users = rng.sample(T.USERNAMES, n_posts)
    bodies = _forum_post_bodies(w, topic, n_posts)
    # The first sentence of every post must stay; a reply quotes an earlier post's sentence.
    firsts = [re.split(r"(?<=[.!?]) ", b)[0] for b in bodies]
    quoter = rng.randint(2, n_posts - 1)
    quoted = rng.randint(0, quoter - 1)
    quote_text = firsts[quoted]
    language, caption, code = _snippet(w)
    code_post = rng.randint(1, n_posts - 1)
    title = f"{caption}? ({topic} forum)"
    sigs = [w.choice(SIGNATURES).format(user=u, thing=w.choice(SIG_THINGS), year=rng.randint(1990, 2023)) for u in users]
    posts_html = []
    for i in range(n_posts):
        body = f"<p>{_esc(bodies[i])}</p>" if kind != "forum_vbulletin" else _esc(bodies[i])
        if i == quoter:
            q = _esc(quote_text)
            if kind == "forum_phpbb":
                quote = f"<blockquote><div><cite>{users[quoted]} wrote:</cite>{q}</div></blockquote>"
            elif kind == "forum_vbulletin":
                quote = (f'<div class="bbcode_container"><div class="bbcode_quote"><div class="quote_container">'
                         f'<div class="bbcode_quote_container"></div><div class="bbcode_postedby">Originally Posted by '
                         f"<strong>{users[quoted]}</strong></div><div class=\"message\">{q}</div></div></div></div>")
            else:
                quote = (f'<blockquote class="bbCodeBlock bbCodeBlock--expandable bbCodeBlock--quote" data-quote="{users[quoted]}">'
                         f'<div class="bbCodeBlock-title"><a href="#post-{quoted}" class="bbCodeBlock-sourceJump">'
                         f'{users[quoted]} said:</a></div><div class="bbCodeBlock-content"><div class="bbCodeBlock-expandContent">'
                         f'{q}</div><div class="bbCodeBlock-expandLink"><a role="button">Click to expand...</a></div></div></blockquote>')
            body = quote + body
        if i == code_post:
            if kind == "forum_phpbb":
                block = f'<div class="codebox"><p>Code: <a href="#" onclick="selectCode(this); return false;">Select all</a></p><pre><code>{_esc(code)}</code></pre></div>'
            elif kind == "forum_vbulletin":
                block = f'<div class="bbcode_container"><div class="bbcode_description">Code:</div><pre class="bbcode_code" style="height:168px;">{_esc(code)}</pre></div>'
            else:
                block = (f'<div class="bbCodeBlock bbCodeBlock--screenLimited bbCodeBlock--code"><div class="bbCodeBlock-title">'
                         f'Code:</div><div class="bbCodeBlock-content" dir="ltr"><pre class="bbCodeCode" dir="ltr" '
                         f'data-xf-init="code-block" data-lang="{language}"><code>{_esc(code)}</code></pre></div></div>')
            body += block
        if i == n_posts - 1 and extra:
            body += extra
        when = w.date()
        sig = _esc(sigs[i])
        if kind == "forum_phpbb":
            posts_html.append(
                f'<div id="p{1000 + i}" class="post {"bg2" if i % 2 else "bg1"}"><div class="inner"><div class="postbody">'
                f'<h3><a href="#p{1000 + i}">{"Re: " if i else ""}{_esc(title)}</a></h3>'
                f'<p class="author"><a href="./memberlist.php?u={i}">{users[i]}</a> » {when}</p>'
                f'<div class="content">{body}</div>'
                f'<div id="sig{1000 + i}" class="signature">{sig}</div></div>'
                f'<dl class="postprofile"><dt><a href="./memberlist.php?u={i}">{users[i]}</a></dt><dd><strong>Posts:</strong> '
                f"{rng.randint(1, 900)}</dd></dl><div class=\"back2top\"><a href=\"#top\">Top</a></div></div></div><hr class=\"divider\">")
        elif kind == "forum_vbulletin":
            posts_html.append(
                f'<li class="postbit postbitim postcontainer" id="post_{2000 + i}"><div class="posthead"><span class="postdate">'
                f'{when}</span></div><div class="postdetails"><div class="userinfo"><a class="username" href="/member.php?{i}">'
                f'{users[i]}</a><span class="usertitle">Member</span></div><div class="postbody"><div class="postrow">'
                f'<h2 class="title icon">{"Re: " if i else ""}{_esc(title)}</h2><div class="content"><div id="post_message_{2000 + i}">'
                f'<blockquote class="postcontent restore">{body}</blockquote></div></div>'
                f'<div class="after_content"><blockquote class="signature restore"><div class="signaturecontainer">'
                f'__________________<br>{sig}</div></blockquote></div></div></div></div></li>')
        else:
            posts_html.append(
                f'<article class="message message--post js-post" data-author="{users[i]}" data-content="post-{3000 + i}" id="js-post-{3000 + i}">'
                f'<div class="message-inner"><div class="message-cell message-cell--user"><section class="message-user">'
                f'<h4 class="message-name"><a class="username">{users[i]}</a></h4><h5 class="userTitle">Well-known member</h5>'
                f'</section></div><div class="message-cell message-cell--main"><div class="message-main"><header class="message-attribution">'
                f'<time class="u-dt">{when}</time></header><div class="message-content js-messageContent">'
                f'<div class="message-userContent lbContainer js-lbContainer"><article class="message-body js-selectToQuote">'
                f'<div class="bbWrapper">{body}</div></article></div>'
                f'<aside class="message-signature"><div class="bbWrapper">{sig}</div></aside></div>'
                f'<footer class="message-footer"><div class="message-actionBar actionBar"><a class="actionBar-action">Reply</a>'
                f"</div></footer></div></div></div></article>")
    nav = '<nav class="breadcrumbs"><a href="/">Forum index</a> › <a href="/f/2">General discussion</a></nav>'
    if kind == "forum_phpbb":
        thread = f'<div id="page-body"><h2 class="topic-title">{_esc(title)}</h2>{"".join(posts_html)}</div>'
    elif kind == "forum_vbulletin":
        thread = f'<div id="postlist" class="postlist restrain"><ol id="posts" class="posts">{"".join(posts_html)}</ol></div>'
    else:
        thread = (f'<div class="p-body-main"><h1 class="p-title-value">{_esc(title)}</h1><div class="block-container lbContainer">'
                  f'<div class="block-body js-replyNewMessageContainer">{"".join(posts_html)}</div></div></div>')
    body = (f'<header class="site-header"><a href="/">Forums</a> <a href="/whats-new">What\'s new</a></header>\n{nav}\n'
            f"{thread}\n"
            '<div class="similar-threads"><h3>Similar threads</h3><ul><li><a href="/t/1">Another question</a></li></ul></div>\n'
            "<footer><p>Forum software © 2024. All times are UTC.</p></footer>")
    return MarkupPage(_sample(w, kind, "askthecrowd.example", title, body, ""), code=(code,), posts=tuple(firsts),
                      absent=tuple(sigs), quotes=(quote_text,))


def _code_in_forum_and_quote(w: _Writer, kind: str) -> MarkupPage:
    """A thread where a reply quotes code inside a `<blockquote>` (besides the code post)."""
    language, _caption, code = _snippet(w)
    quoted = (f"<blockquote><p>Quoting the snippet from the docs:</p><pre><code class=\"language-{language}\">"
              f"{_esc(code)}</code></pre></blockquote>")
    page = _forum_page(w, w.choice(FORUM_KINDS), extra=quoted)
    sp = page.page
    new = SamplePage(sp.url, kind, sp.language, sp.body)
    return MarkupPage(new, code=page.code + (code,), posts=page.posts, absent=page.absent)


# --------------------------------------------------------------------------- assembling


def _sample(w: _Writer, kind: str, host: str, title: str, body: str, head: str) -> SamplePage:
    url = f"https://{host}/{kind.replace('_', '-')}/{_slug(title)}-{w.rng.getrandbits(32):08x}"
    return SamplePage(url, kind, "en", _page(title, body, "en", head))


def markup_page(w: _Writer, kind: str) -> MarkupPage:
    if kind in MATH_KINDS:
        return _math_page(w, kind)
    if kind == "code_in_forum_and_quote":
        return _code_in_forum_and_quote(w, kind)
    if kind in CODE_KINDS:
        return _code_page(w, kind)
    if kind in FORUM_KINDS:
        return _forum_page(w, kind)
    raise ValueError(f"unknown markup kind {kind!r}")


def markup_pages(seed: int = 0, per_kind: int = 2, kinds: tuple[str, ...] = MARKUP_KINDS) -> list[MarkupPage]:
    """`per_kind` pages of each kind, deterministic in `seed` (own RNG stream: the default
    crawl's pages do not change)."""
    if per_kind < 1:
        raise ValueError(f"per_kind must be at least 1, got {per_kind}")
    w = _Writer(random.Random(f"markup-{seed}"))
    return [markup_page(w, kind) for kind in kinds for _ in range(per_kind)]


__all__ = ["MARKUP_KINDS", "MATH_KINDS", "CODE_KINDS", "FORUM_KINDS", "MarkupPage", "markup_pages", "score", "norm_tex"]
