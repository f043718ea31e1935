"""The project's sample crawl generator: determinism, valid WARC that datatrove reads, every page kind."""
from __future__ import annotations

import gzip
import hashlib
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest
from datatrove.pipeline.readers import WarcReader
from filters.language import detect_language
from resiliparse.extract.html2text import extract_plain_text
from warcio.archiveiterator import ArchiveIterator

from tools.sample_crawl import BAD_KINDS, PAGE_KINDS, generate_sample_warc, main, sample_pages


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    return generate_sample_warc(tmp_path_factory.mktemp("crawl") / "sample.warc.gz", seed=0)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records(path: Path) -> list:
    with open(path, "rb") as f:
        return [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(f)
        ]


def _text(page) -> str:
    return extract_plain_text(page.body.decode("utf-8"), main_content=True)


def _shingles(text: str) -> set:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / max(1, len(a | b))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, crawl):
    again = generate_sample_warc(tmp_path / "sample.warc.gz", seed=0)  # same file name: it is in warcinfo
    assert _sha(again.path) == _sha(crawl.path)
    other = generate_sample_warc(tmp_path / "other" / "sample.warc.gz", seed=1)
    assert _sha(other.path) != _sha(crawl.path)
    assert [p.url for p in sample_pages(60, seed=3)] == [p.url for p in sample_pages(60, seed=3)]


def test_default_size_and_every_kind_present_in_the_warc_headers(crawl):
    assert 300 <= len(crawl.pages) <= 600
    responses = [(h, http) for kind, h, http, _ in _records(crawl.path) if kind == "response"]
    assert len(responses) == len(crawl.pages)
    kinds = Counter(h.get_header("X-Sample-Kind") for h, _ in responses)
    assert set(kinds) == set(PAGE_KINDS)
    assert kinds == crawl.kind_counts
    languages = {h.get_header("X-Sample-Language") for h, _ in responses}
    assert {"en", "fr", "de", "es", "zh", "ru"} <= languages


def test_records_are_request_response_pairs_like_common_crawl(crawl):
    records = _records(crawl.path)
    assert records[0][0] == "warcinfo"
    ids = set()
    for (req_type, req, req_http, _), (resp_type, resp, _, _) in zip(records[1::2], records[2::2]):
        assert (req_type, resp_type) == ("request", "response")
        assert req.get_header("WARC-Target-URI") == resp.get_header("WARC-Target-URI")
        assert req.get_header("WARC-Concurrent-To") == resp.get_header("WARC-Record-ID")
        assert req_http.protocol == "GET"
        ids |= {req.get_header("WARC-Record-ID"), resp.get_header("WARC-Record-ID")}
    assert len(ids) == len(records) - 1  # every record id unique


def test_datatrove_warc_reader_reads_every_html_page_and_skips_bad_records(crawl):
    docs = list(WarcReader(str(crawl.path.parent))())
    html_pages = [p for p in crawl.pages if p.payload_type == "text/html" and p.body]
    assert len(docs) == len(html_pages)
    assert [d.metadata["url"] for d in docs] == [p.url for p in html_pages]
    assert [d.text for d in docs] == [p.body.decode("utf-8") for p in html_pages]
    skipped = Counter(p.kind for p in crawl.pages if p not in html_pages)
    assert set(skipped) == set(BAD_KINDS)


def test_math_markup_of_each_kind(crawl):
    markers = {
        "math_mathjax": ['<script type="math/tex', "MathJax.js"],
        "math_tex": ["$", "tex-mml-chtml.js"],
        "math_katex": ['class="katex"', 'encoding="application/x-tex"', "katex.min.css"],
        "math_mathml": ["<math ", "<semantics>", 'encoding="application/x-tex"'],
    }
    for kind, needles in markers.items():
        pages = [p.body.decode() for p in crawl.pages if p.kind == kind]
        assert pages, kind
        for page in pages:
            for needle in needles:
                assert needle in page, (kind, needle)
    tex_page = next(p.body.decode() for p in crawl.pages if p.kind == "math_tex")
    assert re.search(r"\$\$.+?\$\$|\\\[.+?\\\]", tex_page)  # display math in TeX delimiters


def test_code_forum_boilerplate_and_spam_pages_look_like_their_kind(crawl):
    code = [p.body.decode() for p in crawl.pages if p.kind == "code"]
    assert all("<pre><code class=\"language-" in page for page in code)
    assert any('class="language-python"' in page and "def " in page for page in code)
    for page in (p.body.decode() for p in crawl.pages if p.kind == "forum"):
        assert 'id="question"' in page and page.count('<div class="answer') >= 2
    for page in (p.body.decode() for p in crawl.pages if p.kind == "boilerplate"):
        assert "cookie" in page.lower() and "<nav" in page and "ad-slot" in page
        # Navigation, ads and sidebars outweigh the short article.
        article = re.search(r"<article>.*</article>", page, re.S).group(0)
        assert len(article) < len(page) / 2
    def distinct_word_ratio(page):
        words = re.findall(r"\w+", _text(page).lower())
        return len(set(words)) / len(words)

    # Keyword stuffing and repeated lines: few distinct words, unlike any real article.
    assert max(distinct_word_ratio(p) for p in crawl.pages if p.kind == "spam") < 0.15
    articles = [p for p in crawl.pages if p.kind in ("prose", "boilerplate", "code", "forum")]
    assert min(distinct_word_ratio(p) for p in articles) > 0.3


def test_languages_are_what_the_pages_claim(crawl):
    for page in crawl.pages:
        if page.kind.startswith("lang_") or page.kind == "prose":
            lang, score = detect_language(_text(page))
            assert lang == page.language, (page.url, lang, score)


def test_duplicates_copy_an_earlier_page(crawl):
    first_index = {}
    for i, page in enumerate(crawl.pages):
        first_index.setdefault(page.url, i)
    originals = {p.url: p for p in crawl.pages if p.kind not in ("near_duplicate", "url_duplicate")}
    for i, page in enumerate(crawl.pages):
        if page.kind == "url_duplicate":
            source = originals[page.duplicate_of]
            assert page.url == source.url and page.body == source.body
            assert first_index[page.url] < i
        elif page.kind == "near_duplicate":
            source = originals[page.duplicate_of]
            assert page.url != source.url and page.body != source.body
            assert crawl.pages.index(source) < i
            assert _jaccard(_shingles(_text(page)), _shingles(_text(source))) >= 0.8


def test_distinct_articles_are_not_near_duplicates(crawl):
    # Templates must not make unrelated articles look alike to MinHash (threshold ~0.7).
    articles = [
        _shingles(_text(p)) for p in crawl.pages
        if p.kind in ("prose", "code", "forum", "boilerplate") or p.kind.startswith("math_")
    ]
    worst = max(_jaccard(a, b) for a, b in itertools.combinations(articles, 2))
    assert worst < 0.5


def test_bad_records(crawl):
    bad = {k: [p for p in crawl.pages if p.kind == k] for k in BAD_KINDS}
    assert all(p.payload_type and not p.payload_type.startswith("text/") for p in bad["non_html"])
    assert all(p.body == b"" for p in bad["empty"])
    assert all(p.status.startswith("301") and p.location for p in bad["redirect"])


def test_cli_writes_the_file_and_rejects_bad_arguments(tmp_path, capsys):
    out = tmp_path / "cli.warc.gz"
    assert main([str(out), "--pages", "40", "--seed", "7"]) == 0
    assert "40 pages" in capsys.readouterr().out
    assert gzip.open(out).read(8) == b"WARC/1.0"
    assert _sha(out) == _sha(generate_sample_warc(tmp_path / "again" / "cli.warc.gz", n_pages=40, seed=7).path)
    for bad in (["x.warc.gz", "--pages", "0"], [str(tmp_path / "x.txt")], ["x.warc.gz", "--pages", "many"]):
        with pytest.raises(SystemExit) as exit_info:
            main(bad)
        assert exit_info.value.code == 2
    assert not list(tmp_path.glob("x*"))  # nothing written for rejected arguments


def test_tiny_crawls_and_invalid_sizes():
    assert [p.kind for p in sample_pages(3)] and len(sample_pages(3)) == 3
    with pytest.raises(ValueError, match="at least 1"):
        sample_pages(0)
