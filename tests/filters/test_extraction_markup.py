"""filters.extraction on the markup real sites use and extractors miss (issue 11):
AsciiMath, MathML without TeX, syntax-highlighter code, forum threads. Generated pages
(the sample crawl's markup mode, with the ground truth the generator knows), the
converters element by element, and real pages of each kind from shared data."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from filters.extraction import extract, extract_text
from filters.extraction.asciimath import asciimath_to_latex
from filters.extraction.mathml import mathml_to_latex
from tools.sample_crawl_markup import CODE_KINDS, FORUM_KINDS, MARKUP_KINDS, MATH_KINDS, markup_pages, norm_tex, score
from tests.conftest import require_or_skip
from tests.filters.conftest import llmwebkit_page

# Goals of issue 11 (formula recall >= 0.98, code-line recall >= 0.97), per kind; forum
# posts, dropped signatures and quotes are all-or-nothing on a generated page.
GOALS = {"formula": 0.98, "code": 0.97, "posts": 1.0, "absent": 1.0, "quotes": 1.0}


@pytest.fixture(scope="module")
def generated():
    pages = markup_pages(seed=0, per_kind=2)
    return {kind: [(p, extract_text(p.html)) for p in pages if p.kind == kind] for kind in MARKUP_KINDS}


@pytest.mark.parametrize("kind", MARKUP_KINDS)
def test_generated_page_of_each_kind_meets_the_recall_goals(generated, kind):
    for page, out in generated[kind]:
        got = score(page, out)
        assert got, f"{kind}: no ground truth"
        for metric, value in got.items():
            assert value >= GOALS[metric], (kind, metric, value, page.page.url)


def test_every_kind_has_the_ground_truth_it_claims():
    pages = {p.kind: p for p in markup_pages(seed=3, per_kind=1)}
    assert set(pages) == set(MARKUP_KINDS)
    assert all(pages[k].formulas and not pages[k].code for k in MATH_KINDS)
    assert all(pages[k].code for k in CODE_KINDS + FORUM_KINDS)
    assert all(pages[k].posts and pages[k].quotes and pages[k].absent for k in FORUM_KINDS)


def test_markup_mode_is_deterministic_and_leaves_the_default_crawl_alone():
    a = [p.page.body for p in markup_pages(seed=5, per_kind=1)]
    b = [p.page.body for p in markup_pages(seed=5, per_kind=1)]
    c = [p.page.body for p in markup_pages(seed=6, per_kind=1)]
    assert a == b and a != c


def test_the_scorer_catches_merged_split_and_numbered_lines():
    page = next(p for p in markup_pages(seed=0, per_kind=1) if p.kind == "code_gitlab")
    code = page.code[0]
    good = f"```\n{code}\n```"
    assert score(page, good)["code"] == 1.0
    lines = code.split("\n")
    assert score(page, "\n".join(f"{i} {ln}" for i, ln in enumerate(lines, 1)))["code"] < 0.5  # gutter leaked
    assert score(page, " ".join(lines))["code"] < 0.5  # merged
    first = next(ln for ln in lines if len(ln) > 10)
    assert score(page, good.replace(first, first[:5] + "\n" + first[5:]))["code"] < 1.0  # split


# ------------------------------------------------------------------ AsciiMath


@pytest.mark.parametrize(
    "am, tex",
    [
        ("sum_(i=1)^n i^3=((n(n+1))/2)^2", r"\sum_{i=1}^{n} i^3=\left(\frac{n(n+1)}{2}\right)^2"),
        ("x = (-b +- sqrt(b^2-4ac))/(2a)", r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}"),
        ("lim_(x->0) sin(x)/x = 1", r"\lim_{x\to 0}\frac{\sin(x)}{x}=1"),
        ("[[a,b],[c,d]]", r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}"),
        ("((n),(k))", r"\begin{pmatrix} n \\ k \end{pmatrix}"),
        ("{(x, x>=0),(-x, x<0):}", r"\begin{cases} x & x\ge 0 \\ -x & x<0 \end{cases}"),
        ("root(3)(x) + abs(y) + floor(z)", r"\sqrt[3]{x}+\left|y\right|+\left\lfloor z\right\rfloor"),
        ("bar x, hat(ab), vec v, ul y", r"\overline{x},\hat{ab},\vec{v},\underline{y}"),
        ("AA x in RR EE y in NN: x xx y >= 0", r"\forall x \in \mathbb{R} \exists y \in \mathbb{N}: x \times y \ge 0"),
        ("sin^2 theta + cos^2 theta = 1", r"\sin^2\theta+\cos^2\theta=1"),
        ('text(area) = pi r^2 "cm"', r"\text{area}=\pi r^2\text{cm}"),
        ("d/dx x^3 = 3x^2, n!, a_(i,j), f'(x)", r"\frac{d}{dx}x^3=3x^2,n!,a_{i,j},f'(x)"),
        ("stackrel(def)(=) , color(red)(x), ubrace(1+2)_(3)", r"\stackrel{def}{=},{\color{red}x},\underbrace{1+2}_{3}"),
        ("x^-1 + sin^-1(x)", r"x^{-1}+\sin^{-1}(x)"),
        ("x/x={(1,if x!=0),(text{undefined},if x=0):}",
         r"\frac{x}{x}=\begin{cases} 1 & \text{ if } x\ne 0 \\ \text{undefined} & \text{ if } x=0 \end{cases}"),
        ("|(a,b),(c,d)| = ad-bc, P(A|B), |x-y|", r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}=ad-bc,P(A|B),|x-y|"),
        ("bb{AB} + sqrt[x+1]", r"\mathbf{AB}+\sqrt{x+1}"),
    ],
)
def test_asciimath_to_latex(am, tex):
    assert norm_tex(asciimath_to_latex(am)) == norm_tex(tex)


def test_backticks_are_asciimath_only_where_the_page_loads_asciimath():
    body = "<p>Let us see `x^2/2` and `sum_(k=1)^n k` in a sentence about the topic at hand.</p>"
    v2 = '<script src="https://cdn.example/mathjax/2.7.7/MathJax.js?config=AM_CHTML"></script>'
    v3 = ('<script>MathJax = {loader: {load: ["input/asciimath"]}, asciimath: {delimiters: [["@@", "@@"]]}};</script>'
          '<script src="https://cdn.example/npm/mathjax@3/es5/startup.js"></script>')
    on = extract(f"<html><head>{v2}</head><body>{body}</body></html>")
    assert "$\\frac{x^2}{2}$" in on.text and "$\\sum_{k=1}^n k$" in on.text and on.n_formulas == 2
    off = extract_text(f"<html><head></head><body>{body}</body></html>")
    assert "`x^2/2`" in off or "x^2/2" in off
    assert "\\frac" not in off
    ams = '<script src="https://cdn.example/MathJax.js?config=TeX-AMS-MML_HTMLorMML"></script>'  # AMS is not AsciiMath
    assert "\\frac" not in extract_text(f"<html><head>{ams}</head><body>{body}</body></html>")
    jipsen = '<script src="/js/ASCIIMathML.js"></script>'
    assert "$\\frac{x^2}{2}$" in extract_text(f"<html><head>{jipsen}</head><body>{body}</body></html>")
    custom = extract_text(f"<html><head>{v3}</head><body><p>Custom delimiters: @@a/b@@ in this page.</p></body></html>")
    assert "$\\frac{a}{b}$" in custom


# ------------------------------------------------------------------ MathML without TeX


def _m(body: str) -> str:
    root = etree.fromstring(f"<html><body><math>{body}</math></body></html>", etree.HTMLParser())
    return mathml_to_latex(root.find(".//math"))


@pytest.mark.parametrize(
    "body, tex",
    [
        ("<mmultiscripts><mi>F</mi><mi>i</mi><mi>j</mi><mprescripts/><mi>k</mi><none/></mmultiscripts>", "{}_{k}F_{i}^{j}"),
        ("<mmultiscripts><mi>R</mi><none/><mi>i</mi><mi>j</mi><none/></mmultiscripts>", "R^{i}{}_{j}"),
        ("<mrow><mo>[</mo><mtable><mtr><mtd><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr></mtable><mo>]</mo></mrow>",
         r"\begin{bmatrix} 1 & 2 \end{bmatrix}"),
        ("<mtable><mlabeledtr><mtd><mtext>(3)</mtext></mtd><mtd><mi>x</mi></mtd></mlabeledtr></mtable>",
         r"\begin{matrix} x \tag{3} \end{matrix}"),
        ("<menclose notation='box'><mi>x</mi></menclose><menclose notation='updiagonalstrike downdiagonalstrike'>"
         "<mi>y</mi></menclose><menclose notation='longdiv'><mn>7</mn></menclose>",
         r"\boxed{x}\xcancel{y}\enclose{longdiv}{7}"),
        ("<mfenced open='{' close='}' separators=';,'><mi>a</mi><mi>b</mi><mi>c</mi></mfenced>", r"\left\{a;b,c\right\}"),
        ("<mrow><mo stretchy='true'>(</mo><mfrac><mi>a</mi><mi>b</mi></mfrac><mo stretchy='true'>)</mo></mrow>",
         r"\left(\frac{a}{b}\right)"),
        ("<mover accent='true'><mi>x</mi><mo>&#x2D9;</mo></mover><munder><mi>y</mi><mo>&#x332;</mo></munder>"
         "<mover><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mo>&#x23DE;</mo></mover>",
         r"\dot{x}\underline{y}\overbrace{a+b}"),
        ("<mover><mi>A</mi><mi>B</mi></mover><munder><mi>C</mi><mi>D</mi></munder>", r"\overset{B}{A}\underset{D}{C}"),
        ("<mpadded><mi>a</mi></mpadded><mspace width='2em'/><mphantom><mi>b</mi></mphantom>"
         "<mstyle mathcolor='red'><mi>c</mi></mstyle><merror><mtext>bad</mtext></merror>",
         r"a\qquad\phantom{b}\color{red}{c}\text{bad}"),
        ("<maction actiontype='toggle'><mi>p</mi><mi>q</mi></maction><semantics><mi>s</mi>"
         "<annotation encoding='text/plain'>s</annotation></semantics>", "ps"),
        ("<ms>hi</ms><ms lquote='&lt;' rquote='&gt;'>x</ms><mglyph alt='G' src='g.png'/>",
         r'\text{"hi"}\text{<x>}\text{G}'),
        ("<mi>sin</mi><mo>&ApplyFunction;</mo><mi>x</mi><mo>&InvisibleTimes;</mo><mi>&alpha;</mi><mo>&#x2264;</mo>"
         "<mi>&#x211D;</mi><mo>&rarr;</mo><mi>&infin;</mi>", r"\sin x\alpha\le\mathbb{R}\to\infty"),
        ("<mrow><mo>(</mo><mfrac linethickness='0'><mi>n</mi><mi>k</mi></mfrac><mo>)</mo></mrow>", r"\binom{n}{k}"),
        ("<mroot><mi>x</mi><mn>3</mn></mroot><msqrt><mi>y</mi><mo>+</mo><mn>1</mn></msqrt><msubsup><mo>&#x222B;</mo>"
         "<mn>0</mn><mn>1</mn></msubsup><munderover><mo>&#x2211;</mo><mi>i</mi><mi>n</mi></munderover>",
         r"\sqrt[3]{x}\sqrt{y+1}\int_0^1\sum_{i}^{n}"),
        ("<mi mathvariant='bold'>v</mi><mi mathvariant='double-struck'>Z</mi><mi>lim</mi><mi>xyz</mi>",
         r"\mathbf{v}\mathbb{Z}\lim\mathrm{xyz}"),
    ],
)
def test_mathml_to_latex_element_by_element(body, tex):
    got = _m(body)
    assert norm_tex(got) == norm_tex(tex), got
    assert not re.search("[\u2061-\u2064]", got)


def test_mathml_without_tex_in_a_page_is_converted_not_left_as_letters():
    html = ("<html><body><p>The identity holds for every real number, as the proof below shows in detail.</p>"
            "<math display='block'><mrow><msup><mi>sin</mi><mn>2</mn></msup><mo>&ApplyFunction;</mo><mi>&theta;</mi>"
            "<mo>+</mo><msup><mi>cos</mi><mn>2</mn></msup><mo>&ApplyFunction;</mo><mi>&theta;</mi><mo>=</mo><mn>1</mn>"
            "</mrow></math></body></html>")
    res = extract(html)
    assert res.n_formulas == 1
    assert "$$\\sin^2\\theta+\\cos^2\\theta=1$$" in res.text


# ------------------------------------------------------------------ code markup


def test_highlighter_number_tokens_are_code_not_gutters():
    html = ('<html><body><p>Some prose that introduces the example below, long enough to count.</p>'
            '<pre class="line-numbers language-py"><code class="language-py">x = <span class="token number">42</span>\n'
            'y = <span class="hljs-number">7</span><span aria-hidden="true" class="line-numbers-rows"><span></span>'
            "<span></span></span></code></pre></body></html>")
    assert "```py\nx = 42\ny = 7\n```" in extract_text(html)


def test_one_element_per_line_without_newlines_is_not_merged():
    spans = "".join(f'<span id="LC{i}" class="line">{ln}</span>' for i, ln in enumerate(["a = 1", "b = 2", "c = a + b"], 1))
    html = ('<html><body><p>Some prose that introduces the example below, long enough to count.</p>'
            '<div class="file-content code"><div class="line-numbers"><a class="diff-line-num">1</a><a class="diff-line-num">2</a>'
            f'<a class="diff-line-num">3</a></div><div class="blob-content"><pre class="code highlight"><code>{spans}</code>'
            "</pre></div></div></body></html>")
    res = extract(html)
    assert "```\na = 1\nb = 2\nc = a + b\n```" in res.text
    assert res.n_code_blocks == 1 and "1 2 3" not in res.text


def test_codemirror_one_pre_per_line_is_one_block_without_line_numbers():
    lines = "".join(
        f'<div><div class="CodeMirror-gutter-wrapper"><div class="CodeMirror-linenumber">{i}</div></div>'
        f'<pre class="CodeMirror-line"><span>{ln}</span></pre></div>' for i, ln in enumerate(["if x:", "    y()"], 1))
    html = ('<html><body><p>Some prose that introduces the example below, long enough to count.</p>'
            f'<div class="CodeMirror"><div class="CodeMirror-code">{lines}</div></div></body></html>')
    res = extract(html)
    assert "```\nif x:\n    y()\n```" in res.text and res.n_code_blocks == 1


def test_code_inside_a_blockquote_keeps_its_lines():
    html = ("<html><body><p>Some prose that introduces the quoted example below, long enough to count.</p>"
            "<blockquote><p>From the docs:</p><pre><code>for i in range(3):\n    print(i)</code></pre></blockquote>"
            "</body></html>")
    assert "for i in range(3):\n    print(i)" in extract_text(html)


# ------------------------------------------------------------------ forum threads


def test_forum_thread_keeps_every_post_quotes_once_and_drops_signatures():
    page = next(p for p in markup_pages(seed=2, per_kind=1) if p.kind == "forum_vbulletin")
    out = extract_text(page.html)
    assert all(p in re.sub(r"\s+", " ", out) for p in page.posts)
    assert not any(sig in out for sig in page.absent)
    q = page.quotes[0]
    assert out.count(q) == 2  # the quoted post, and the quote
    assert any(line.startswith(">") and q in line for line in out.splitlines())


# ------------------------------------------------------------------ real pages of each kind


def _whole_line_recall(html: str, lines: list[str]) -> float:
    out_lines = {ln.strip() for ln in extract_text(html).splitlines()}
    lines = [ln.strip() for ln in lines if len(ln.strip()) >= 4]
    assert lines
    return sum(ln in out_lines for ln in lines) / len(lines)


def test_real_forum_code_one_div_per_line(shared_data):
    """A Telerik forum thread whose code blocks are one div per line (llm-web-kit ground
    truth): lines come out whole, not merged, split or prefixed by a line number."""
    html, _, code = llmwebkit_page(shared_data, "llmwebkit-bench-code_11")
    assert _whole_line_recall(html, [ln for c in code for ln in c.splitlines()]) >= 0.97


@pytest.mark.parametrize("page_id", ["llmwebkit-bench-code_4", "llmwebkit-test-geeksforgeeks"])
def test_real_syntaxhighlighter_pages_with_a_gutter(shared_data, page_id):
    """GeeksforGeeks: WordPress SyntaxHighlighter tables with a line-number gutter. The
    lines the page shows (td.code div.line) come out whole and without their numbers."""
    f = shared_data / "web" / "math" / "pages" / f"{page_id}.html"
    require_or_skip(f.exists(), f"{f} missing")
    html = f.read_text(encoding="utf-8", errors="replace")
    root = etree.fromstring(html, etree.HTMLParser())
    lines = [
        "".join(div.itertext()).replace("\xa0", " ")
        for td in root.iter("td") if "code" in (td.get("class") or "").split()
        for div in td.iter("div") if "line" in (div.get("class") or "").split()
    ]
    require_or_skip(len(lines) >= 5, "no SyntaxHighlighter code on the page")
    assert _whole_line_recall(html, lines) >= 0.97


def test_real_forum_with_vbulletin_quotes(shared_data):
    """mathhelpforum: vBulletin posts with `bbcode_quote` boxes and signatures; the
    formulas of every post are kept, each quote is a Markdown quote, signatures go."""
    html, formulas, _ = llmwebkit_page(shared_data, "llmwebkit-bench-math_mathhelpforum_2")
    root = etree.fromstring(html, etree.HTMLParser())
    quotes = [" ".join("".join(q.itertext()).split()) for q in root.iter("div") if "bbcode_quote" in (q.get("class") or "")]
    require_or_skip(bool(quotes), "no bbcode_quote on the page")
    out = extract_text(html)
    quoted = " ".join(" ".join(ln.lstrip("> ").split()) for ln in out.splitlines() if ln.startswith(">"))
    words = [w for q in quotes for w in re.findall(r"[A-Za-z]{5,}", q)[:3]]
    assert words and sum(w in quoted for w in words) / len(words) >= 0.8
    flat = re.sub(r"\s+", "", out)
    assert sum(re.sub(r"\s+", "", f) in flat for f in formulas) / len(formulas) >= 0.95
    signatures = [" ".join("".join(e.itertext()).split()) for e in root.iter()
                  if isinstance(e.tag, str) and "signature" in (e.get("class") or "").split()]
    assert signatures and not any(sig[:40] in " ".join(out.split()) for sig in signatures)


@pytest.mark.parametrize("page_id", ["mathjax-demos-page-mml-svg", "readability-mathjax"])
def test_real_pages_with_mathml_only(shared_data, page_id):
    """Pages whose formulas exist only as MathML: every formula comes out as TeX (commands,
    no invisible operators left), none as bare Unicode letters."""
    f = shared_data / "web" / "math" / "pages" / f"{page_id}.html"
    require_or_skip(f.exists(), f"{f} missing")
    html = f.read_text(encoding="utf-8", errors="replace")
    root = etree.fromstring(html, etree.HTMLParser())
    maths = [m for m in root.iter("math") if not m.get("alttext") and next(m.iter("annotation"), None) is None]
    require_or_skip(len(maths) >= 3, "no MathML-only formulas")
    res = extract(html)
    assert res.n_formulas >= len(maths) - 1
    tex = re.findall(r"\$\$?(.+?)\$\$?", res.text, re.S)
    assert not any(re.search("[\u2061-\u2064\u2211\u222b]", t) for t in tex)
    assert sum("\\" in t for t in tex) >= len(maths) // 2


def test_discourse_quote_box_and_vbulletin3_signature():
    html = ("<html><body><div class='topic-post'><div class='cooked'><p>Question text about integrals, long enough to "
            "carry weight in the page for sure.</p></div></div><div class='topic-post'><div class='cooked'>"
            "<aside class='quote' data-username='bob'><div class='title'>bob:</div><blockquote><p>Question text about "
            "integrals</p></blockquote></aside><p>Reply text that explains the answer in many words and sentences, quite "
            "long really.</p><div>__________________<br>my signature here</div></div></div></body></html>")
    out = extract_text(html)
    assert "\n> Question text about integrals\n" in f"\n{out}\n" and "> > " not in out
    assert "Reply text" in out and "my signature" not in out


def test_namespaced_mathml_and_crayon_code():
    res = extract("<html><body><p>Some text that is long enough to count as a paragraph here: <m:math xmlns:m="
                  "'http://www.w3.org/1998/Math/MathML'><m:msup><m:mi>x</m:mi><m:mn>2</m:mn></m:msup></m:math>.</p>"
                  "<div class='crayon-syntax crayon-theme-classic'><table class='crayon-table'><tr>"
                  "<td class='crayon-nums'><div class='crayon-nums-content'><div class='crayon-num'>1</div>"
                  "<div class='crayon-num'>2</div></div></td><td class='crayon-code'><div class='crayon-pre'>"
                  "<div class='crayon-line'><span class='crayon-e'>print</span>(1)</div>"
                  "<div class='crayon-line'><span class='crayon-e'>print</span>(2)</div></div></td></tr></table></div>"
                  "</body></html>")
    assert "$x^2$" in res.text
    assert "```\nprint(1)\nprint(2)\n```" in res.text and res.n_code_blocks == 1


@settings(max_examples=150, deadline=1000, database=None)
@given(st.lists(st.sampled_from(list("abxy12 ()[]{},|/_^+-*=<>:!\"`'\\") + [
    "sqrt", "frac", "sum", "text", "sin", "(:", ":)", "{:", ":}", "root", "abs", "->", "oo"]), max_size=40).map("".join))
def test_asciimath_never_crashes_on_garbage(src):
    out = asciimath_to_latex(src)
    assert isinstance(out, str)


_MML_TAGS = ["mrow", "mi", "mn", "mo", "mfrac", "msqrt", "mroot", "msub", "msup", "msubsup", "munder", "mover",
             "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr", "menclose",
             "mfenced", "mstyle", "mpadded", "mphantom", "merror", "maction", "semantics", "annotation", "ms", "mspace",
             "mglyph", "mtext", "div"]
_mml = st.recursive(
    st.text(alphabet=list("ax1+(){}|&;#\u2061\u2211"), max_size=4),
    lambda children: st.builds(lambda tag, inner: f"<{tag}>{''.join(inner)}</{tag}>", st.sampled_from(_MML_TAGS),
                               st.lists(children, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=150, deadline=1000, database=None)
@given(_mml)
def test_mathml_converter_never_crashes_on_random_trees(body):
    out = _m(body)
    assert isinstance(out, str) and not re.search("[\u2061-\u2064]", out)


def test_vbulletin3_quote_box_without_class_names():
    post = ("<div id='post_message_{i}'>{quote}Reply number {i} explains the answer in many words and sentences, so "
            "that it carries weight.</div>")
    quote = ("<div style='margin:20px; margin-top:5px'><div class='smallfont'>Quote:</div><table><tr><td class='alt2'>"
             "<div>Originally Posted by <strong>amy</strong></div><div style='font-style:italic'>Reply number 1 explains "
             "the answer</div></td></tr></table></div>")
    html = "<html><body>" + "".join(post.format(i=i, quote=quote if i == 2 else "") for i in (1, 2, 3)) + "</body></html>"
    out = extract_text(html)
    assert "> Reply number 1 explains the answer" in out
    assert all(f"Reply number {i} explains the answer in many words" in out for i in (1, 2, 3))


@pytest.mark.parametrize(
    "body, tex",
    [  # MathJax v3's assistive MathML (what a rendered page keeps when its TeX source is gone)
        ('<mrow data-mjx-texclass="ORD"><mrow data-mjx-texclass="OPEN"><mo minsize="2.047em">(</mo></mrow><mfrac '
         'linethickness="0"><mi>n</mi><mi>k</mi></mfrac><mrow data-mjx-texclass="CLOSE"><mo minsize="2.047em">)</mo>'
         "</mrow></mrow>", r"\binom{n}{k}"),
        ('<mrow data-mjx-texclass="INNER"><mo data-mjx-texclass="OPEN">(</mo><mi>x</mi><mo>+</mo><mn>1</mn>'
         '<mo data-mjx-texclass="CLOSE">)</mo></mrow>', r"\left(x+1\right)"),
        ('<mi>f</mi><mo stretchy="false">(</mo><mfrac><mn>1</mn><mn>2</mn></mfrac><mo stretchy="false">)</mo>',
         r"f(\frac{1}{2})"),
        ('<mrow data-mjx-texclass="INNER"><mo data-mjx-texclass="OPEN">{</mo><mtable columnalign="left left"><mtr><mtd>'
         '<mn>1</mn></mtd><mtd><mi>x</mi><mo>&gt;</mo><mn>0</mn></mtd></mtr></mtable><mo data-mjx-texclass="CLOSE" '
         'fence="true" stretchy="true"></mo></mrow>', r"\begin{cases} 1 & x>0 \end{cases}"),
        ('<mtable displaystyle="true" columnalign="right left"><mtr><mtd><mi>x</mi></mtd><mtd><mi></mi><mo>=</mo>'
         "<mn>1</mn></mtd></mtr></mtable>", r"\begin{aligned} x & =1 \end{aligned}"),
        ('<msubsup><mo data-mjx-texclass="OP">&#x222B;</mo><mn>0</mn><mn>1</mn></msubsup><mi>f</mi><mstyle '
         'scriptlevel="0"><mspace width="0.167em"></mspace></mstyle><mi mathvariant="normal">d</mi><mi>x</mi>',
         r"\int_0^1 f\,\mathrm{d}x"),
    ],
)
def test_mathjax_assistive_mathml_shapes(body, tex):
    assert norm_tex(_m(body)) == norm_tex(tex)
    if "\\left" in tex or "\\left" in _m(body):
        assert ("\\left" in tex) == ("\\left" in _m(body))  # \left only where the page stretches the fence


def test_hugo_chroma_inline_line_numbers():
    lines = "".join(f'<span class="line"><span class="ln">{i}</span><span class="cl">{ln}</span></span>'
                    for i, ln in enumerate(["package main", "func main() {}"], 1))
    html = ("<html><body><p>Some prose that introduces the example below, long enough to count.</p>"
            f'<div class="highlight"><pre class="chroma"><code class="language-go">{lines}</code></pre></div></body></html>')
    assert "```go\npackage main\nfunc main() {}\n```" in extract_text(html)
