"""filters.extraction: markup kinds on handwritten snippets, real pages from shared data,
the datatrove step inside a tiny pipeline, hostile input and a bounded fuzz test."""
from __future__ import annotations

import collections
import gzip
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filters.extraction import MathCodeExtractor, extract, extract_text
from tests.conftest import require_or_skip
from tests.filters.conftest import llmwebkit_page


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def nows(s: str) -> str:
    return re.sub(r"\s+", "", s)


PROSE = (
    "<p>Let us work through this carefully, because the argument has several steps and each of them "
    "matters for what follows in the proof below.</p>"
)

# ------------------------------------------------------------------ math markup kinds


def test_mathjax_v2_script_tags_inline_and_display():
    html = page(PROSE + '<p>We have <script type="math/tex">x^2+1</script> and</p>'
                '<script type="math/tex; mode=display">\\int_0^1 f(x)\\,dx</script>')
    res = extract(html)
    assert "$x^2+1$" in res.text
    assert "$$\\int_0^1 f(x)\\,dx$$" in res.text
    assert res.has_math and res.n_formulas == 2


def test_mathjax_rendered_output_is_dropped_in_favour_of_source():
    html = page(PROSE + '<p>Value <span class="MathJax_Preview">x2</span><span class="MathJax" id="MathJax-Element-1-Frame">'
                '<nobr>x2</nobr></span><script type="math/tex">x^2</script> here.</p>')
    text = extract_text(html)
    assert "$x^2$" in text
    assert "x2" not in text


def test_v3_delimiters_follow_the_page_config():
    head = "<script>MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']]}};</script>"
    html = page(PROSE + "<p>Both $a+b=c$ and \\(d\\) and $$e=mc^2$$ count.</p>", head)
    text = extract_text(html)
    assert "$a+b=c$" in text and "$d$" in text and "$$e=mc^2$$" in text


def test_single_dollar_is_money_without_config():
    html = page(PROSE + "<p>It costs $5 and the other one costs $10 in the shop today, plus tax.</p>")
    text = extract_text(html)
    assert "$5 and the other one costs $10" in text
    assert not extract(html).has_math


def test_custom_delimiters_physicsforums_style():
    head = ("<script type='text/x-mathjax-config'>MathJax.Hub.Config({tex2jax: {inlineMath: [['[itex]','[/itex]'],"
            "['##','##']], displayMath: [['[tex]','[/tex]'], ['$$','$$']]}});</script>")
    html = page(PROSE + "<p>Take ##x_1## and [itex]y^2[/itex] then [tex]\\sum_i a_i[/tex] holds.</p>", head)
    text = extract_text(html)
    assert "$x_1$" in text and "$y^2$" in text and "$$\\sum_i a_i$$" in text


def test_katex_keeps_tex_annotation_not_rendered_html():
    katex = ('<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>a</mi></mrow>'
             '<annotation encoding="application/x-tex">\\frac{a}{b}</annotation></semantics></math></span>'
             '<span class="katex-html" aria-hidden="true"><span class="mord">ab</span></span></span>')
    text = extract_text(page(PROSE + f"<p>Ratio {katex} shown.</p>"))
    assert "$\\frac{a}{b}$" in text
    assert "ab" not in text.replace("about", "")


def test_mathml_annotation_alttext_and_conversion():
    ann = ('<math><semantics><mi>y</mi><annotation encoding="application/x-tex">{\\displaystyle \\alpha+\\beta}'
           '</annotation></semantics></math>')
    alt = '<math alttext="\\gamma^2"><msup><mi>γ</mi><mn>2</mn></msup></math>'
    bare = ('<math display="block"><mfrac><mn>1</mn><msqrt><mi>x</mi></msqrt></mfrac></math>')
    text = extract_text(page(PROSE + f"<p>First {ann}, then {alt}, finally</p><p>{bare}</p>"))
    assert "$\\alpha+\\beta$" in text
    assert "$\\gamma^2$" in text
    assert "$$\\frac{1}{\\sqrt{x}}$$" in nows(text).replace("$$", "$$")  # converted MathML


def test_latex_images_alt_codecogs_latexphp_mimetex():
    body = (PROSE + '<p>A <img src="https://latex.codecogs.com/png.latex?\\sqrt{2}" alt="\\sqrt{2}"> B '
            '<img src="https://latex.codecogs.com/gif.latex?\\dpi{120}%20x_{n+1}"> C '
            '<img class="latex" src="https://s0.wp.com/latex.php?latex=e%5E%7Bi%5Cpi%7D&bg=ffffff" alt="e^{i\\pi}"> D '
            '<img src="/cgi-bin/mimetex.cgi?a%5E2%2Bb%5E2"> E <img src="/cat.png" alt="a cat"></p>')
    text = extract_text(page(body))
    for tex in ("\\sqrt{2}", "x_{n+1}", "e^{i\\pi}", "a^2+b^2"):
        assert f"${tex}$" in text, tex
    assert "a cat" not in text


def test_stackexchange_math_container_and_wordpress_katex():
    body = (PROSE + '<p>Let <span class="math-container">$f(x)=x^3$</span> be given and</p>'
            '<p><span class="math-container">$$\\lim_{n\\to\\infty} a_n$$</span></p>'
            '<p>WordPress: <span class="wp-katex-eq" data-display="false">\\pi r^2</span>.</p>')
    text = extract_text(page(body))
    assert "$f(x)=x^3$" in text
    assert "$$\\lim_{n\\to\\infty} a_n$$" in text
    assert "$\\pi r^2$" in text


def test_literal_dollar_escaped_when_page_has_math():
    head = "<script>MathJax={tex:{inlineMath:[['$','$']]}}</script>"
    text = extract_text(page(PROSE + "<p>Price $5, or \\$6, for <script type='math/tex'>n</script> items.</p>", head))
    assert "$n$" in text and "Price \\$5, or \\$6, for" in text


# ------------------------------------------------------------------ code


def test_pre_code_verbatim_with_indentation_and_language():
    code = "def f(x):\n    if x:\n        return 1\n    return 0"
    html = page(PROSE + f'<pre><code class="language-python">{code}</code></pre>' + PROSE)
    res = extract(html)
    assert f"```python\n{code}\n```" in res.text
    assert res.has_code and res.n_code_blocks == 1


def test_code_line_numbers_br_lines_and_inline_code():
    html = page(
        PROSE
        + '<table class="highlighttable"><tr><td class="linenos"><pre>1\n2</pre></td>'
        + '<td class="code"><pre><span class="k">for</span> i <span class="ow">in</span> x:\n    print(i)</pre></td></tr></table>'
        + '<div class="codeblock">int a = 1;<br>&nbsp;&nbsp;a++;<br></div>'
        + "<p>Call <code>len(x)</code> on it, which is the usual way to do it in this language.</p>"
    )
    text = extract_text(html)
    assert "for i in x:\n    print(i)" in text
    assert "```\n1\n2\n```" not in text
    assert "int a = 1;\n  a++;" in text
    assert "`len(x)`" in text


def test_dollars_and_delimiters_inside_code_are_not_math():
    head = "<script>MathJax={tex:{inlineMath:[['$','$']]}}</script>"
    html = page(PROSE + "<pre>echo $HOME $PATH\n\\(not math\\)</pre>", head)
    text = extract_text(html)
    assert "echo $HOME $PATH\n\\(not math\\)" in text


# ------------------------------------------------------------------ structure and boilerplate


def test_forum_thread_keeps_question_and_every_answer_drops_chrome():
    posts = "".join(
        f'<div class="post" id="p{i}"><div class="postbody"><p>Answer {i}: the trick is to integrate by parts '
        f"twice, then solve for the integral; answer number {i} explains why in detail.</p></div></div>"
        for i in range(1, 5)
    )
    html = page(
        '<nav class="navbar"><a href="/">Home</a> <a href="/forum">Forum index</a> <a href="/faq">FAQ and rules</a></nav>'
        '<div id="cookie-banner"><p>We use cookies to improve your experience on our website, accept them all now.</p></div>'
        '<div class="thread"><h1>How do I integrate e^x sin x?</h1>'
        '<div class="post question"><p>I tried substitution but it loops forever; how should I integrate this '
        "function properly, step by step?</p></div>"
        f"{posts}</div>"
        '<aside class="sidebar"><p>Advertisement: buy the best calculators online at the lowest prices ever seen.</p></aside>'
        '<footer><p>Copyright 2024 Example Forum, all rights reserved, terms of service apply here.</p></footer>'
    )
    text = extract_text(html)
    assert "I tried substitution" in text
    for i in range(1, 5):
        assert f"Answer {i}:" in text
    for junk in ("cookies", "Forum index", "calculators", "Copyright"):
        assert junk not in text


def test_headings_lists_and_tables_render_as_markdown():
    html = page(
        "<article><h2>Results</h2>" + PROSE
        + "<ul><li>first point</li><li>second point</li></ul><ol><li>one</li><li>two</li></ol>"
        + "<table><tr><th>n</th><th>n^2</th></tr><tr><td>2</td><td>4</td></tr><tr><td>3</td><td>9</td></tr></table>"
        + PROSE + "</article>"
    )
    text = extract_text(html)
    assert "## Results" in text
    assert "- first point\n- second point" in text
    assert "1. one\n2. two" in text
    assert "| n | n^2 |\n|---|---|\n| 2 | 4 |" in text


# ------------------------------------------------------------------ hostile input


def test_empty_script_only_and_garbage_pages_return_empty_text():
    assert extract_text("") == ""
    assert extract_text("<html><script>var a = 1;</script></html>") == ""
    assert extract_text("\x00\x01\ue000") == ""
    assert extract("   ").n_formulas == 0


def test_broken_encoding_bytes_are_decoded():
    raw = ("<html><head><meta charset='utf-8'></head><body>" + PROSE + "<p>caf\xe9 cr\xe8me</p></body></html>").encode(
        "latin-1"
    )
    text = extract_text(raw)
    assert "Let us work through" in text


def test_page_text_parses_the_same_as_lxml_reads_a_str():
    """The page goes to libxml2 as UTF-8 bytes (faster than lxml's UTF-16/32 path for a
    str); the tree must be the one lxml builds from the str, meta charset included."""
    from lxml import etree

    from filters.extraction.core import _PARSER, _parse

    body = "<p>caf\u00e9 \u4e2d\u6587 \U0001F600 a\x01b\ufeffc &eacute;&#x4e2d;</p>"
    for head in ('<meta charset="iso-8859-1">', '<meta http-equiv="Content-Type" content="text/html; charset=gbk">', ""):
        html = page(body, head)
        ours = etree.tostring(_parse(html), encoding="unicode")
        assert ours == etree.tostring(etree.fromstring(html, parser=_PARSER), encoding="unicode")
        assert "caf\u00e9 \u4e2d\u6587 \U0001F600" in ours
    # What lxml refuses or decides for a str stays as it was: an XML declaration naming an
    # encoding without "?>" (lxml: ValueError, so empty), lone surrogates (lxml's str path).
    assert extract_text('<?xml version="1.0" encoding="utf-8">' + page(PROSE)) == ""
    assert "Let us work through" in extract_text(page(PROSE + "<p>a\ud800b</p>"))


def test_left_delimiter_scan_matches_plain_substring_search():
    from filters.extraction.math import Delimiters

    custom = Delimiters()
    custom.inline.append(("$", "$"))
    custom.asciimath.append(("`", "`"))
    texts = ["x \\( y", "a $$ b", "$latex x$", "[latex]x", "\\begin{align}", "\\beg in", "$ 5 and [x]",
             "plain text", "back`tick", "one $ sign", ""]
    for delims in (Delimiters(), custom):
        for text in texts:
            assert delims.any_left_in(text) == any(left in text for left in delims.lefts()), (text, delims.lefts())


def test_non_html_input_is_a_clear_error():
    from filters.extraction import ExtractionError

    with pytest.raises(ExtractionError, match="expected str or bytes"):
        extract(12345)  # type: ignore[arg-type]


def test_deep_nesting_returns_a_result_quickly():
    html = "<div>" * 100_000 + "deep text here" + "</div>" * 100_000
    t0 = time.monotonic()
    res = extract(page(PROSE + html))
    assert time.monotonic() - t0 < 10
    assert isinstance(res.text, str)


@pytest.mark.slow
def test_50mb_page_is_truncated_and_bounded():
    html = page(PROSE + "<p>" + "word " * 10_000_000 + "</p>")
    assert len(html) > 50_000_000
    t0 = time.monotonic()
    res = extract(html)
    assert time.monotonic() - t0 < 30
    assert res.truncated


def test_time_budget_raises_extraction_timeout():
    from filters.extraction import ExtractionTimeout

    html = page("".join(f"<div><p>paragraph {i} with some words</p></div>" for i in range(100_000)))
    with pytest.raises(ExtractionTimeout):
        extract(html, time_budget_s=0.01)


_TAGS = ["div", "p", "span", "pre", "code", "math", "mi", "script", "table", "tr", "td", "ul", "li", "a", "h2", "nav", "img"]
_ATTRS = ['', ' class="katex"', ' class="math-container"', ' type="math/tex"', ' class="language-py"',
          ' alt="\\frac{a}{b}"', ' style="display:none"', ' class="sidebar"', ' src="x.latex?a^2"']
_fragment = st.recursive(
    st.text(alphabet=st.sampled_from(list("ab $\\(){}<>&;#^_\n\ue000\x00é")), max_size=30),
    lambda children: st.builds(
        lambda tag, attr, inner, close: f"<{tag}{attr}>{''.join(inner)}" + (f"</{tag}>" if close else ""),
        st.sampled_from(_TAGS), st.sampled_from(_ATTRS), st.lists(children, max_size=4), st.booleans(),
    ),
    max_leaves=40,
)


@settings(max_examples=150, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_fragment, st.sampled_from(["", "<script>MathJax={tex:{inlineMath:[['$','$']]}}</script>"]))
def test_fuzz_random_markup_never_crashes_or_stalls(fragment, head):
    t0 = time.monotonic()
    res = extract(page(fragment, head))
    assert isinstance(res.text, str)
    assert "\ue000" not in res.text and "\ue001" not in res.text  # no placeholder leaks
    assert res.n_formulas >= 0 and res.n_code_blocks >= 0
    assert time.monotonic() - t0 < 2


# ------------------------------------------------------------------ real pages


@pytest.mark.parametrize(
    "page_id",
    ["llmwebkit-bench-math_1", "llmwebkit-bench-math_katex_latex_1", "llmwebkit-bench-math_mathhelpforum_2",
     "llmwebkit-bench-math_physicsforums_1", "llmwebkit-bench-code_13", "llmwebkit-bench-code_20_dev_to"],
)
def test_real_pages_keep_ground_truth_formulas_and_code(shared_data, page_id):
    import html as htmlmod

    html, formulas, code = llmwebkit_page(shared_data, page_id)
    out = extract_text(html)
    flat = nows(out)
    found = [nows(htmlmod.unescape(f)) in flat for f in formulas if f.strip()]
    lines = [ln.strip() for c in code for ln in c.splitlines() if len(ln.strip()) >= 4]
    out_ws = re.sub(r"\s+", " ", out)
    if found:
        assert sum(found) / len(found) >= 0.95, (sum(found), len(found))
    if lines:
        assert sum(re.sub(r"\s+", " ", ln) in out_ws for ln in lines) / len(lines) >= 0.95
    assert found or lines


def test_real_forum_page_keeps_all_answers(shared_data):
    f = shared_data / "web" / "math" / "pages" / "llmwebkit-test-telerik.html"
    require_or_skip(f.exists(), f"{f} missing")
    import lxml.html

    html = f.read_text(encoding="utf-8", errors="replace")
    root = lxml.html.document_fromstring(html)
    posts = root.xpath('//div[contains(@class, "msg-content")]')
    assert len(posts) >= 5
    out = nows(extract_text(html))
    kept = sum(nows(" ".join(p.itertext()))[:60] in out for p in posts)
    assert kept >= len(posts) - 1  # question and (nearly) every answer


def test_scrapinghub_article_f1(shared_data):
    sh = shared_data / "web" / "extraction" / "scrapinghub"
    require_or_skip((sh / "ground-truth.json").exists(), "scrapinghub ground truth missing")
    gt = json.loads((sh / "ground-truth.json").read_text())
    tok = re.compile(r"\w+")
    scores = []
    for key in sorted(gt)[:40]:
        html = gzip.open(sh / "html" / f"{key}.html.gz").read().decode("utf-8", "replace")
        p = collections.Counter(tok.findall(extract_text(html).lower()))
        g = collections.Counter(tok.findall(gt[key]["articleBody"].lower()))
        common = sum((p & g).values())
        scores.append(0 if not common else 2 * common / (sum(p.values()) + sum(g.values())))
    assert sum(scores) / len(scores) >= 0.92


# ------------------------------------------------------------------ datatrove step


def test_datatrove_step_in_a_pipeline(tmp_path):
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    math_page = page(PROSE + '<p>So <script type="math/tex">e^{i\\pi}+1=0</script>.</p><pre><code>x = 1\ny = 2</code></pre>')
    docs = [
        Document(text=math_page, id="math"),
        Document(text=page(PROSE), id="prose"),
        Document(text="<html><script>only()</script></html>", id="script-only"),
        Document(text="<div>" * 50_000 + "deep" + "</div>" * 50_000, id="deep"),
    ]
    out = tmp_path / "out"
    executor = LocalPipelineExecutor(
        pipeline=[docs, MathCodeExtractor(timeout=5.0), JsonlWriter(str(out), compression=None)],
        tasks=1, logging_dir=str(tmp_path / "logs"),
    )
    stats = executor.run()
    rows = {r["id"]: r for f in out.glob("*.jsonl") for r in map(json.loads, f.read_text().splitlines())}
    assert "$e^{i\\pi}+1=0$" in rows["math"]["text"]
    meta = rows["math"]["metadata"]
    assert (meta["has_math"], meta["has_code"], meta["n_formulas"], meta["n_code_blocks"]) == (True, True, 1, 1)
    assert rows["prose"]["metadata"]["has_math"] is False
    assert "script-only" not in rows
    step_stats = next(s for s in stats.stats if "MathCode" in s.name)
    assert step_stats.stats["total"].total == 4
    assert step_stats.stats["dropped"].total >= 1


def test_datatrove_step_counts_timeouts_and_keeps_going(tmp_path):
    from datatrove.data import Document

    slow = page("".join(f"<div><p>paragraph {i} with a few words in it</p></div>" for i in range(200_000)))
    docs = [Document(text=slow, id="slow"), Document(text=page(PROSE), id="ok")]
    step = MathCodeExtractor(timeout=0.5)
    kept = list(step.run(iter(docs)))
    assert [d.id for d in kept] == ["ok"]
    assert step.stats["timeout"].total == 1


def test_github_style_line_table_becomes_one_code_block():
    rows = "".join(
        f'<tr><td class="blob-num js-line-number" data-line-number="{i}"></td>'
        f'<td class="blob-code blob-code-inner js-file-line">{line}</td></tr>'
        for i, line in enumerate(["def add(a, b):", "    return a + b"], 1)
    )
    html = page(PROSE + f'<table class="highlight tab-size js-file-line-container">{rows}</table>')
    res = extract(html)
    assert "```\ndef add(a, b):\n    return a + b\n```" in res.text
    assert res.n_code_blocks == 1


def test_language_tag_only_when_the_page_states_one():
    html = page(
        PROSE
        + '<div class="code-container"><pre>ls -la\ncd /tmp</pre></div>'
        + '<div class="highlight-ruby"><pre>puts 1\nputs 2</pre></div>'
        + '<pre class="brush: php;">echo 1;\necho 2;</pre>'
    )
    text = extract_text(html)
    assert "```\nls -la\ncd /tmp\n```" in text
    assert "```ruby\nputs 1\nputs 2\n```" in text
    assert "```php\necho 1;\necho 2;\n```" in text


def test_qa_page_keeps_short_question_when_answers_outweigh_it():
    answers = "".join(
        '<div class="answer" itemtype="https://schema.org/Answer"><div class="s-prose"><p>'
        + f"Answer {i} explains at length, with several sentences, commas, and examples, why the series converges; "
        * 4
        + "</p></div></div>"
        for i in range(1, 5)
    )
    html = page(
        '<div id="content"><div id="mainbar">'
        '<div class="question" itemtype="https://schema.org/Question"><div class="s-prose">'
        "<p>Does the series of 1/n^2 converge, and to what value?</p></div></div>"
        f'<div id="answers"><h2>4 Answers</h2>{answers}</div></div>'
        '<div id="sidebar"><p>Hot network questions: a list of unrelated links and teasers to click.</p></div></div>'
    )
    text = extract_text(html)
    assert "Does the series of 1/n^2 converge" in text
    assert all(f"Answer {i} explains" in text for i in range(1, 5))
    assert "Hot network questions" not in text


def test_rendered_mathjax_without_source_uses_assistive_mathml():
    v3 = ('<mjx-container class="MathJax CtxtMenu_Attached_0" jax="CHTML" display="true">'
          '<mjx-math class="MJX-TEX" aria-hidden="true"><mjx-mi>x</mjx-mi></mjx-math>'
          '<mjx-assistive-mml display="block"><math display="block"><msup><mi>x</mi><mn>2</mn></msup></math>'
          "</mjx-assistive-mml></mjx-container>")
    v2 = ('<span class="MathJax" id="MathJax-Element-2-Frame"><nobr><span class="math">y</span></nobr>'
          '<span class="MJX_Assistive_MathML"><math><mi>y</mi><mo>=</mo><mn>3</mn></math></span></span>')
    res = extract(page(PROSE + f"<p>Square:</p>{v3}<p>and inline {v2} as well, which completes the example.</p>"))
    assert "$$x^2$$" in res.text
    assert "$y=3$" in res.text
    assert res.n_formulas == 2


def test_wordpress_latex_shortcodes_left_unrendered():
    text = extract_text(page(PROSE + "<p>Shortcodes: $latex e^{i\\pi}=-1$ and [latex]\\sqrt{2}[/latex] stay math.</p>"))
    assert "$e^{i\\pi}=-1$" in text
    assert "$\\sqrt{2}$" in text


def test_closing_byline_and_call_to_action_are_trimmed():
    html = page(
        "<article>" + PROSE + PROSE.replace("Let us", "Then we")
        + "<p>Want more? Sign up for our weekly newsletter and get the best stories in your inbox every Friday.</p>"
        + "<p>About the author</p></article>"
    )
    text = extract_text(html)
    assert "Then we work through" in text
    assert "Want more?" not in text and "About the author" not in text


def test_php_warnings_printed_into_the_page_are_dropped():
    warning = ("<p><b>Warning</b>: Creating default object from empty value in "
               "<b>/www/htdocs/wp-includes/class-wp.php</b> on line <b>12</b></p>")
    text = extract_text(page("<article>" + warning + PROSE + PROSE + "</article>"))
    assert "Let us work through" in text
    assert "Creating default object" not in text


def test_article_header_standfirst_is_kept_site_header_is_not():
    standfirst = ("Penalties for those who refuse to self-isolate are to be increased, the government said on "
                  "Tuesday, as ministers try to slow the spread of the virus across the country this winter.")
    html = page(
        '<header class="site-header"><p>Welcome to the Daily Example, your trusted source for news since 1890, '
        "read by millions every single day.</p></header>"
        f"<article><header><h1>Self-isolation fines rise</h1><p>{standfirst}</p></header>"
        f'<div class="article-body">{PROSE}{PROSE.replace("Let us", "Next we")}{PROSE.replace("Let us", "Finally we")}</div>'
        "</article>"
    )
    text = extract_text(html)
    assert standfirst in text
    assert "Finally we work through" in text
    assert "trusted source" not in text
