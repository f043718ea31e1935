"""`python -m pipelines.stats OUT --html`: a self-contained page whose figures render in headless
Chromium and show the crawl's real numbers; the text tables print shard paths in full."""
from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest

from pipelines.report import FIGURES
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.xdist_group("crawl")


@pytest.fixture(scope="module")
def report(sample_crawl_output, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    page = out / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.stats", str(sample_crawl_output), "--html", str(page), "-o", str(out / "stats.parquet")],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return page, proc.stdout, out / "stats.parquet"


def test_shard_paths_are_printed_in_full(report, sample_crawl_output):
    _, stdout, _ = report
    shards = sorted(p.relative_to(sample_crawl_output).as_posix() for p in sample_crawl_output.glob("*/**/*.parquet") if "_work" not in p.parts)
    assert shards
    for shard in shards:
        assert f" {shard} " in stdout, f"{shard} missing or cut in the per-shard table"


def test_page_is_self_contained(report):
    page, _, _ = report
    text = page.read_text()
    # plotly.js is inlined once; nothing is fetched from elsewhere.
    assert 'src="http' not in text and "src='http" not in text and "cdn.plot.ly" not in text.split("</script>")[-1]
    assert text.count('class="figure"') == len(FIGURES)


def test_report_renders_every_figure_with_the_crawls_numbers(report, sample_crawl_output, chromium):
    page_path, _, stats_path = report
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.goto(page_path.as_uri())
    page.wait_for_function(
        "n => document.querySelectorAll('section.figure .js-plotly-plot .main-svg').length >= n", arg=len(FIGURES), timeout=60_000
    )
    assert not errors, errors
    rendered = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('section.figure')).map(s => {
              const plot = s.querySelector('.js-plotly-plot');
              return [s.dataset.figure, {traces: plot ? plot.data.length : 0,
                                         points: plot ? plot.data.reduce((n, t) => n + (t.x || []).length, 0) : 0,
                                         drawn: s.querySelectorAll('.trace').length}];
          }))"""
    )
    assert set(rendered) == set(FIGURES)
    for name, r in rendered.items():
        assert r["traces"] > 0 and r["points"] > 0 and r["drawn"] > 0, (name, r)

    # The funnel starts from the records the reader saw and ends at the documents on disk.
    funnel = page.evaluate("() => { const t = document.getElementById('fig-funnel').data[0]; return [t.y, t.x]; }")
    kept_on_disk = pl.read_parquet(sample_crawl_output / "documents" / "*.parquet").height
    stats = pl.read_parquet(stats_path)
    process = stats.filter((pl.col("level") == "pipeline") & (pl.col("stage") == "process")).row(0, named=True)
    skipped = sum(r["documents"] for r in process["rejection_reasons"] if r["rejection_reason"].startswith("skipped_"))
    assert funnel[0][0] == "records read" and funnel[1][0] == process["documents_in"] + skipped
    assert funnel[1][-1] == kept_on_disk
    assert funnel[1] == sorted(funnel[1], reverse=True)

    # Every shard on disk has its bar, under its full path.
    shard_labels = page.evaluate("() => document.getElementById('fig-shard_sizes').data[0].y")
    on_disk = {p.relative_to(sample_crawl_output).as_posix() for p in sample_crawl_output.glob("*/**/*.parquet") if "_work" not in p.parts}
    assert set(shard_labels) == on_disk
    page.screenshot(path=str(page_path.with_suffix(".png")), full_page=True)
    page.close()


def test_stats_html_for_a_folder_without_shards_is_a_clear_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.stats", str(tmp_path), "--html", str(tmp_path / "r.html")],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    assert proc.returncode == 2 and "no Parquet shards" in proc.stderr and not (tmp_path / "r.html").exists()
    assert "Traceback" not in proc.stderr
