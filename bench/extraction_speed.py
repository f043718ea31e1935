"""Extraction speed: our extractor at a git ref (default `main`) vs the working tree, same pages.

    python bench/extraction_speed.py [--ref main] [--rounds 3] [--sample-pages 400] [--markup-per-kind 3]

Pages: every real page of $RC_SHARED_DATA/web (or ../shared/data/web; `*.htm*`, gzip or not, as
bench/crawl.py puts them in its WARC files), the generated sample crawl of bench/crawl.py
(`--sample-pages` over 4 files, seeds 7…10) and the markup pages of bench/extraction.py
(`tools.sample_crawl_markup`); each decoded to text once (core.charset), as the crawl's reader
hands it to the extractor.

Each side runs `--rounds` times in a fresh child process (the ref from a `git archive` of it),
the sides alternating, each run extracting every page once; the best run's CPU time
(time.process_time, steadier than wall time on a shared machine) is reported per page set. The outputs of both sides
(every `Extraction` field, or the exception's type and message) must be identical: the script
lists the pages that differ and exits 1 if any does, so it doubles as the check that a speed-up
changed nothing.
"""
from __future__ import annotations

import argparse
import gzip
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_WEB = Path(os.environ.get("RC_SHARED_DATA", ROOT.parent / "shared" / "data")) / "web"


def build_pages(web: Path, sample_pages: int, files: int, markup_per_kind: int) -> list[tuple[str, str, bytes | str]]:
    """(set name, page name, html) for every page of the three sets."""
    sys.path.insert(0, str(ROOT))
    from core.charset import decode_html
    from tools.sample_crawl import sample_pages as gen_sample
    from tools.sample_crawl_markup import markup_pages

    pages: list[tuple[str, str, bytes | str]] = []
    for path in sorted(web.rglob("*.htm*")):
        body = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        pages.append(("real", str(path.relative_to(web)), body))
    per_file = [sample_pages // files + (i < sample_pages % files) for i in range(files)]
    for i, n in enumerate(per_file):  # bench/crawl.py's split and seeds
        for j, page in enumerate(gen_sample(n, seed=7 + i) if n else []):
            pages.append(("sample", f"{i}/{j} {page.url}", page.body))
    if markup_per_kind:
        for page in markup_pages(1, markup_per_kind):
            pages.append(("markup", page.page.url, page.page.body))
    # The crawl's reader hands the extractor text, not bytes: decode once here (the one
    # charset rule), so the timing is the extractor's own.
    return [(s, name, decode_html(body)[0]) for s, name, body in pages]


def child(pages_file: Path, out_file: Path) -> None:
    """Extract every page once with whatever `filters` is first on sys.path, timing each.
    One pass per process, as a crawl worker sees each page once: memos warmed by a repeated
    pass over the same pages would flatter the side that has them."""
    from filters.extraction import extract

    extract("<html><body><p>warm-up: imports and compiled patterns</p></body></html>")
    pages = pickle.loads(pages_file.read_bytes())
    outputs = []
    per_set: dict[str, float] = {}
    for set_name, _name, html in pages:
        t0 = time.process_time()
        try:
            r = extract(html)
            out = (r.text, r.has_math, r.has_code, r.n_formulas, r.n_code_blocks, r.truncated)
        except Exception as e:  # noqa: BLE001 - compared like an output
            out = ("error", type(e).__name__, str(e))
        per_set[set_name] = per_set.get(set_name, 0.0) + time.process_time() - t0
        outputs.append(out)
    out_file.write_bytes(pickle.dumps({"outputs": outputs, "cpu": per_set,
                                       "filters": str(Path(sys.modules["filters"].__file__).parent)}))


def run_side(src: Path, pages_file: Path, out_file: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import runpy; "
           "sys.argv = sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__child__')",
           str(src), str(Path(__file__).resolve()), str(pages_file), str(out_file)]
    subprocess.run(cmd, env=env, check=True, cwd=src)
    return pickle.loads(out_file.read_bytes())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", default="main", help="git ref to compare the working tree with")
    ap.add_argument("--rounds", type=int, default=3, help="child runs per side, alternating (best one counts)")
    ap.add_argument("--sample-pages", type=int, default=400)
    ap.add_argument("--markup-per-kind", type=int, default=3)
    ap.add_argument("--web", type=Path, default=SHARED_WEB)
    args = ap.parse_args(argv)
    if not args.web.is_dir():
        print(f"no pages at {args.web}", file=sys.stderr)
        return 2
    pages = build_pages(args.web, args.sample_pages, 4, args.markup_per_kind)
    with tempfile.TemporaryDirectory(prefix="extraction-speed-") as tmp:
        tmp_path = Path(tmp)
        ref_src = tmp_path / "ref"
        ref_src.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ref], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(ref_src, filter="data")
        pages_file = tmp_path / "pages.pkl"
        pages_file.write_bytes(pickle.dumps(pages))
        results: dict[str, list[dict]] = {"ref": [], "tree": []}
        for _ in range(args.rounds):
            for side, src in (("ref", ref_src), ("tree", ROOT)):
                results[side].append(run_side(src, pages_file, tmp_path / f"{side}.pkl"))
    ref_out, tree_out = results["ref"][0]["outputs"], results["tree"][0]["outputs"]
    differ = [i for i, (a, b) in enumerate(zip(ref_out, tree_out)) if a != b]
    unstable = any(r["outputs"] != rs[0]["outputs"] for rs in results.values() for r in rs[1:])
    sets = sorted({s for s, _, _ in pages}, key=["real", "sample", "markup"].index)
    print(f"{args.ref}: {results['ref'][0]['filters']}\ntree: {results['tree'][0]['filters']}")
    print(f"identical outputs: {len(pages) - len(differ)}/{len(pages)}")
    for i in differ[:20]:
        print(f"  DIFFERS: {pages[i][0]} {pages[i][1]}")
    print(f"{'set':<8}{'pages':>7}{args.ref + ' ms/doc':>16}{'tree ms/doc':>14}{'speed-up':>10}   (CPU, best of {args.rounds} runs)")
    total = {"ref": 0.0, "tree": 0.0}
    for s in [*sets, "all"]:
        n = sum(1 for p in pages if p[0] == s) if s != "all" else len(pages)
        best = {}
        for side in ("ref", "tree"):
            if s == "all":
                best[side] = total[side]
            else:
                best[side] = min(r["cpu"][s] for r in results[side])
                total[side] += best[side]
        print(f"{s:<8}{n:>7}{1000 * best['ref'] / n:>16.2f}{1000 * best['tree'] / n:>14.2f}{best['ref'] / best['tree']:>9.2f}x")
    if unstable:
        print("WARNING: a side's outputs differ between its own runs (time budget hit?)")
    return 1 if differ or unstable else 0


if __name__ == "__main__":
    raise SystemExit(main())
elif __name__ == "__child__":
    child(Path(sys.argv[1]), Path(sys.argv[2]))
