"""Benchmark: our extractor vs trafilatura vs Resiliparse on the real pages in shared data.

    .venv/bin/python bench/extraction.py [--data ../shared/data] [--limit N]

All three extractors run in this one process on the same pages, one after the other, and
one table is printed:
- formula recall: of the formulas the ground truth states (llm-web-kit typed blocks) or,
  for pages without such ground truth, the page's own markup states (math/tex scripts,
  x-tex annotations / alttext, TeX between the page's configured delimiters, leaf text of
  MathML without TeX), the fraction found in the output, TeX compared with whitespace
  removed; per-page average over math pages;
- code-line recall: of the ground truth's code lines (llm-web-kit code blocks,
  Readability's expected <pre>, else the page's own <pre>), the fraction present in the
  output (whitespace-collapsed substring; lines under 4 characters are ignored because
  "}" is always somewhere); per-page average;
- article F1: bag-of-words F1 against the scrapinghub benchmark's articleBody;
- with / without: trafilatura's own eval snippets, fraction of `with` present and of
  `without` absent, per-page average;
- docs/s: documents over the summed extraction wall time of all pages above (each page
  goes through the three extractors back to back, so machine load hits all alike).

A second table scores the sample crawl's markup mode (`tools.sample_crawl_markup`:
AsciiMath, MathML without TeX, syntax-highlighter code, forum threads; issue 11) per kind,
with the ground truth the generator knows, for the same three extractors in the same run:
formula recall (TeX normalised: no whitespace, braces, \\left/\\right), code-line recall
(each line must be a whole output line: merged, split or numbered lines miss), forum
posts kept, signatures / glued line numbers left out, quotes kept once as quotes.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import html as htmlmod
import json
import re
import sys
import time
from pathlib import Path
from typing import Callable

import lxml.html

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from filters.extraction import extract_text  # noqa: E402
from filters.extraction.math import clean_tex, page_delimiters  # noqa: E402
from tools.ground_truth import walk_ground_truth  # noqa: E402

WS = re.compile(r"\s+")


def nows(s: str) -> str:
    return WS.sub("", s)


# ------------------------------------------------------------------ extractors


def ours(html: str) -> str:
    return extract_text(html)


def trafilatura_datatrove(html: str) -> str:
    import trafilatura

    # Exactly datatrove's Trafilatura step: favour_precision=True, include_comments=False,
    # deduplicate=True (include_images=False is its default too).
    return trafilatura.extract(html, favor_precision=True, include_comments=False, deduplicate=True) or ""


def resiliparse(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True, preserve_formatting=True)


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "ours": ours,
    "trafilatura": trafilatura_datatrove,
    "resiliparse": resiliparse,
}

# ------------------------------------------------------------------ gold data


def _markup_formulas(page: str) -> list[tuple[str, str]]:
    """Formulas a page states in its own markup: ('tex', TeX) or ('leaves', text of MathML)."""
    root = lxml.html.document_fromstring(page)
    out: list[tuple[str, str]] = []
    for s in root.iter("script"):
        if (s.get("type") or "").startswith("math/tex") and (s.text or "").strip():
            out.append(("tex", s.text.strip()))
    for m in root.iter("math"):
        ann = [a.text for a in m.iter("annotation") if "tex" in (a.get("encoding") or "").lower() and a.text]
        if ann:
            out.append(("tex", clean_tex(ann[0])))
        elif m.get("alttext"):
            out.append(("tex", clean_tex(m.get("alttext"))))
        else:
            out.append(("leaves", "".join(m.itertext())))
    delims = page_delimiters(page)
    body = root.find("body")
    if body is not None:
        for bad in body.xpath(".//pre|.//code|.//script|.//style|.//textarea|.//math"):
            bad.drop_tree()
        text = " ".join(body.itertext())
        pairs = [*delims.display, *delims.inline]
        pairs.sort(key=lambda p: -len(p[0]))
        pos = 0
        while pos < len(text):
            best = None
            for left, right in pairs:
                i = text.find(left, pos)
                if i >= 0 and (best is None or i < best[0]):
                    best = (i, left, right)
            if best is None:
                break
            i, left, right = best
            j = text.find(right, i + len(left))
            if j < 0:
                break
            tex = text[i + len(left) : j].strip()
            if tex and len(tex) < 2000:
                out.append(("tex", tex))
            pos = j + len(right)
    return out


def _alnum_stream(s: str) -> str:
    s = re.sub(r"\\(?:begin|end)\{[^}]*\}", "", s)  # nor are environment names (a matrix's "pmatrix")
    s = re.sub(r"\\[a-zA-Z]+", "", s)  # TeX command names are not in the MathML leaves
    return "".join(ch for ch in s if ch.isascii() and ch.isalnum())


def _pre_code(page: str) -> list[str]:
    root = lxml.html.document_fromstring(page)
    return ["".join(p.itertext()) for p in root.iter("pre")]


def load(data: Path, limit: int | None):
    web = data / "web"
    math_pages = []
    for e in json.loads((web / "math" / "index.json").read_text()):
        page = (web / "math" / "pages" / f"{e['id']}.html").read_text(encoding="utf-8", errors="replace")
        formulas: list[tuple[str, str]] = []
        code: list[str] = []
        gt_files = [g["file"] if isinstance(g, dict) else g for g in e.get("ground_truth") or []]
        llm = [f for f in gt_files if f.endswith(".groundtruth.jsonl.gz")]
        if llm:
            with gzip.open(web / "math" / llm[0], "rt") as fh:
                d = json.loads(fh.readline())
            f_gt: list[str] = []
            walk_ground_truth(d["content_list"], f_gt, code)
            formulas = [("tex", htmlmod.unescape(f)) for f in f_gt if f.strip()]
        else:
            if e["category"] == "math":
                formulas = _markup_formulas(page)
            exp = [f for f in gt_files if f.endswith(".expected.html")]
            if exp:
                code = _pre_code((web / "math" / exp[0]).read_text(encoding="utf-8", errors="replace"))
            elif e["category"] == "code":
                code = _pre_code(page)
        math_pages.append((e["id"], page, formulas, code))
    sh = web / "extraction" / "scrapinghub"
    gt = json.loads((sh / "ground-truth.json").read_text())
    articles = [(k, gzip.open(sh / "html" / f"{k}.html.gz").read().decode("utf-8", "replace"), v["articleBody"]) for k, v in gt.items()]
    tr = web / "extraction" / "trafilatura"
    snippets = []
    for e in json.loads((tr / "ground_truth.json").read_text()):
        raw = gzip.open(tr / e["file"]).read()
        snippets.append((e["file"], raw.decode("utf-8", "replace"), e.get("with") or [], e.get("without") or []))
    if limit:
        math_pages, articles, snippets = math_pages[:limit], articles[:limit], snippets[:limit]
    return math_pages, articles, snippets


# ------------------------------------------------------------------ metrics


def formula_recall(out: str, formulas: list[tuple[str, str]]) -> float:
    flat = nows(out)
    stream = _alnum_stream(out)
    hits = 0
    for kind, f in formulas:
        if kind == "tex":
            hits += nows(f) in flat
        else:
            hits += _alnum_stream(f) in stream
    return hits / len(formulas)


def code_recall(out: str, blocks: list[str]) -> float | None:
    lines = [WS.sub(" ", ln).strip() for b in blocks for ln in b.splitlines()]
    lines = [ln for ln in lines if len(ln) >= 4]
    if not lines:
        return None
    flat = WS.sub(" ", out)
    return sum(ln in flat for ln in lines) / len(lines)


TOKEN = re.compile(r"\w+")


def bow_f1(pred: str, gold: str) -> float:
    p = collections.Counter(TOKEN.findall(pred.lower()))
    g = collections.Counter(TOKEN.findall(gold.lower()))
    common = sum((p & g).values())
    if not common:
        return 0.0
    prec, rec = common / sum(p.values()), common / sum(g.values())
    return 2 * prec * rec / (prec + rec)


def _snip(s: str) -> str:
    # Whitespace collapsed and soft hyphens (invisible; some snippets contain them, some
    # extractors drop them) removed, on both sides and for every extractor alike.
    return WS.sub(" ", s.replace("\xad", "")).strip()


def snippet_scores(out: str, with_: list[str], without: list[str]) -> tuple[float | None, float | None]:
    flat = _snip(out)
    w = sum(_snip(s) in flat for s in with_) / len(with_) if with_ else None
    wo = sum(_snip(s) not in flat for s in without) / len(without) if without else None
    return w, wo


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def run_all(extractors: dict[str, Callable[[str], str]], math_pages, articles, snippets) -> dict[str, dict]:
    """Every page goes through every extractor back to back, so a busy machine slows all
    of them alike and the docs/s columns stay comparable."""
    stats = {name: {"elapsed": 0.0, "n": 0, "errors": 0, "fr": [], "cr": [], "f1": [], "w": [], "wo": []} for name in extractors}

    def outputs(page: str) -> dict[str, str]:
        res = {}
        for name, fn in extractors.items():
            st = stats[name]
            t0 = time.perf_counter()
            try:
                out = fn(page) or ""
            except Exception:  # noqa: BLE001 - a failing page scores zero, and is counted
                out = ""
                st["errors"] += 1
            st["elapsed"] += time.perf_counter() - t0
            st["n"] += 1
            res[name] = out
        return res

    for _id, page, formulas, code in math_pages:
        for name, out in outputs(page).items():
            if formulas:
                stats[name]["fr"].append(formula_recall(out, formulas))
            if code:
                stats[name]["cr"].append(code_recall(out, code))
    for _id, page, gold in articles:
        for name, out in outputs(page).items():
            stats[name]["f1"].append(bow_f1(out, gold))
    for _id, page, with_, without in snippets:
        for name, out in outputs(page).items():
            a, b = snippet_scores(out, with_, without)
            stats[name]["w"].append(a)
            stats[name]["wo"].append(b)
    return {
        name: {
            "formula recall": mean(st["fr"]),
            "code-line recall": mean(st["cr"]),
            "article F1": mean(st["f1"]),
            "with": mean(st["w"]),
            "without": mean(st["wo"]),
            "docs/s": st["n"] / st["elapsed"] if st["elapsed"] else float("nan"),
            "errors": st["errors"],
            "_n": (len(st["fr"]), len([c for c in st["cr"] if c is not None]), len(st["f1"]), len(st["w"])),
        }
        for name, st in stats.items()
    }


TARGETS = {"formula recall": 0.98, "code-line recall": 0.97, "article F1": 0.95, "with": 0.90, "without": 0.92}


MARKUP_METRICS = {"formula": "formula recall", "code": "code-line recall", "posts": "posts kept",
                  "absent": "junk left out", "quotes": "quotes kept once"}


def run_markup(extractors: dict[str, Callable[[str], str]], seed: int, per_kind: int):
    """Per kind and metric, each extractor's mean score on the generated markup pages."""
    from tools.sample_crawl_markup import markup_pages, score

    pages = markup_pages(seed, per_kind)
    per: dict[tuple[str, str], dict[str, list[float]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    errors = collections.Counter()
    for page in pages:
        html = page.html
        for name, fn in extractors.items():
            try:
                out = fn(html) or ""
            except Exception:  # noqa: BLE001 - a failing page scores zero, and is counted
                out = ""
                errors[name] += 1
            for metric, value in score(page, out).items():
                per[(page.kind, metric)][name].append(value)
    return len(pages), per, errors


def print_markup(extractors: list[str], n_pages: int, per, errors) -> None:
    print(f"\ngenerated markup pages (tools.sample_crawl_markup): {n_pages}")
    print(f"{'kind':<26}{'metric':<18}" + "".join(f"{c:>13}" for c in extractors))
    by_metric: dict[str, dict[str, list[float]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    for (kind, metric), scores in sorted(per.items()):
        print(f"{kind:<26}{MARKUP_METRICS[metric]:<18}" + "".join(f"{mean(scores[c]):>13.4f}" for c in extractors))
        for c in extractors:
            by_metric[metric][c].extend(scores[c])
    print(f"{'all kinds':<26}{'':<18}" + "".join(f"{c:>13}" for c in extractors))
    for metric, scores in by_metric.items():
        print(f"{'':<26}{MARKUP_METRICS[metric]:<18}" + "".join(f"{mean(scores[c]):>13.4f}" for c in extractors))
    print(f"{'':<26}{'errors':<18}" + "".join(f"{errors[c]:>13d}" for c in extractors))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None, help="pages per set (quick runs)")
    ap.add_argument("--only", nargs="*", default=list(EXTRACTORS), choices=list(EXTRACTORS))
    ap.add_argument("--markup-seed", type=int, default=1, help="seed of the generated markup pages (tests use 0)")
    ap.add_argument("--markup-per-kind", type=int, default=3, help="generated pages per markup kind (0: skip)")
    args = ap.parse_args(argv)
    if not (args.data / "web").is_dir():
        print(f"no data at {args.data}/web", file=sys.stderr)
        return 2
    sets = load(args.data, args.limit)
    results = run_all({name: EXTRACTORS[name] for name in args.only}, *sets)
    n = next(iter(results.values()))["_n"]
    print(f"pages scored: formulas {n[0]}, code {n[1]}, scrapinghub {n[2]}, trafilatura-eval {n[3]}")
    cols = list(results)
    print(f"{'metric':<18}" + "".join(f"{c:>13}" for c in cols) + f"{'target':>10}{'ours':>6}")
    for metric in ["formula recall", "code-line recall", "article F1", "with", "without", "docs/s", "errors"]:
        row = f"{metric:<18}"
        for c in cols:
            v = results[c][metric]
            row += f"{v:>13.1f}" if metric == "docs/s" else (f"{v:>13d}" if metric == "errors" else f"{v:>13.4f}")
        tgt = TARGETS.get(metric)
        if metric == "docs/s" and "trafilatura" in results:
            tgt = 3 * results["trafilatura"]["docs/s"]
            row += f"{'>= ' + format(tgt, '.1f'):>10}"
        elif tgt is not None:
            row += f"{'>= ' + str(tgt):>10}"
        if tgt is not None and "ours" in results:
            row += f"{'met' if results['ours'][metric] >= tgt else 'MISS':>6}"
        print(row)
    if "ours" in results and "trafilatura" in results:
        print(f"speed-up ours / trafilatura: {results['ours']['docs/s'] / results['trafilatura']['docs/s']:.2f}x")
    if args.markup_per_kind > 0:
        chosen = {name: EXTRACTORS[name] for name in args.only}
        print_markup(list(chosen), *run_markup(chosen, args.markup_seed, args.markup_per_kind))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
