"""The crawl job end to end on real datatrove executors: output schema, rejections with reasons,
dedup, bad input, and resume after SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.run import main as run_main
from core.records.document import DOCUMENT_SCHEMA, REJECTED_SCHEMA
from tests.conftest import REPO_ROOT
from tests.pipelines.warcs import article_html, write_warc

pytestmark = pytest.mark.xdist_group("crawl")


def write_config(tmp_path: Path, input_path: Path | str, **sections) -> Path:
    cfg = {
        "kind": "crawl",
        "input": {"path": str(input_path), "format": "warc"},
        "output_dir": str(tmp_path / "out"),
        "executor": {"tasks": 2, "workers": 2},
        # Generous: the CI machine may be loaded, and a per-document timeout that fires in one run
        # and not in another would make outputs differ between runs compared here.
        "extract": {"timeout": 30},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    path = tmp_path / "crawl.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def read_docs(out: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted((out / "documents").glob("*.parquet")))


def run_cli(config: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.run", str(config), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --------------------------------------------------------------------------- config validation
@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda c: c.update(colour="blue"), "key `colour`: unknown key"),
        (lambda c: c["executor"].update(tasks="many"), "key `executor.tasks`"),
        (lambda c: c["input"].update(path="/nonexistent/crawl.warc.gz"), "does not exist"),
        (lambda c: c.pop("input"), "key `input`: required key is missing"),
        (lambda c: c["executor"].update(type="slurm"), "executor.slurm"),
        (lambda c: c.update(kind="nonsense"), "key `kind`: expected one of"),
    ],
)
def test_bad_config_exits_2_with_a_clear_message(tmp_path, mutate, expected):
    warc = write_warc(tmp_path / "a.warc.gz", [("https://ex.com/1", article_html("One"))])
    cfg = yaml.safe_load(write_config(tmp_path, warc).read_text())
    mutate(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = run_cli(path, "--validate-only", timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert str(path) in proc.stderr
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreadable_yaml_is_a_config_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("input: [unclosed\n")
    proc = run_cli(path, timeout=60)
    assert proc.returncode == 2 and "not valid YAML" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- end to end
def test_sample_crawl_end_to_end(tmp_path, sample_crawl_dir):
    config = write_config(tmp_path, sample_crawl_dir, executor={"tasks": 4, "workers": 2})
    assert run_main([str(config)]) == 0
    out = tmp_path / "out"

    for shard in (out / "documents").glob("*.parquet"):
        assert pq.read_schema(shard).remove_metadata().equals(DOCUMENT_SCHEMA, check_metadata=False)
    docs = read_docs(out)
    assert len(docs) > 50
    assert docs["id"].n_unique() == len(docs)
    assert docs["url"].n_unique() == len(docs), "URL duplicates must be removed"
    assert docs["quality_pass"].all()
    assert set(docs["language"].unique()) >= {"en", "fr", "de"}
    # Math and code pages survive extraction and the math/code-aware quality rules.
    assert docs["has_math"].any() and docs["has_code"].any()
    assert docs.filter(pl.col("text").str.contains(r"\$")).height > 0

    rejected = {p.name: pl.read_parquet(list(p.glob("*.parquet"))) for p in (out / "rejected").iterdir()}
    for stage, frame in rejected.items():
        assert (frame["rejection_stage"] == stage).all()
        assert frame["rejection_reason"].null_count() == 0
    for shard in (out / "rejected").rglob("*.parquet"):
        assert pq.read_schema(shard).remove_metadata().equals(REJECTED_SCHEMA, check_metadata=False)
    assert "url_dedup" in rejected and "minhash_dedup" in rejected and "quality" in rejected
    # Near-duplicates are gone: the kept set has no two documents in one MinHash cluster's removals,
    # and every removed near-duplicate has a kept sibling whose cluster size counts it.
    assert (docs["dedup_cluster_size"] > 1).any()

    # Nothing lost silently: every input page is kept or rejected (or counted by the engine).
    from pipelines.stats import compute_stats

    table = compute_stats(out)
    stages = {r["stage"]: r for r in table.filter(pl.col("level") == "stage").iter_rows(named=True)}
    pipeline = {r["stage"]: r for r in table.filter(pl.col("level") == "pipeline").iter_rows(named=True)}
    read = pipeline["process"]["documents_in"]
    # Losses after a document was read and before it could reach a shard (extraction failures);
    # filter drops ("dropped_*") are in the rejected shards, unreadable records never became documents.
    extraction_losses = sum(
        v["documents"]
        for v in (pipeline["process"]["rejection_reasons"] or [])
        if not v["rejection_reason"].startswith(("dropped_", "skipped_")) and v["rejection_reason"] != "file_error"
    )
    shards_total = stages["kept"]["documents"] + sum(stages[s]["documents"] for s in rejected)
    assert shards_total + extraction_losses == read
    assert 0 < table["run_duplicate_rate"][0] < 1


def test_stats_cli_writes_a_polars_table(tmp_path, sample_crawl_dir):
    config = write_config(tmp_path, sample_crawl_dir, dedup={"minhash": False})
    assert run_main([str(config)]) == 0
    proc = subprocess.run([sys.executable, "-m", "pipelines.stats", str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "per stage" in proc.stdout and "per shard" in proc.stdout
    stats = pl.read_parquet(tmp_path / "out" / "stats.parquet")
    kept = stats.filter((pl.col("level") == "stage") & (pl.col("stage") == "kept")).row(0, named=True)
    assert kept["documents"] == len(read_docs(tmp_path / "out"))
    assert sum(m["documents"] for m in kept["language_mix"]) == kept["documents"]


def test_stats_cli_on_a_folder_without_shards(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipelines.stats", str(tmp_path)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode == 2 and "no Parquet shards" in proc.stderr


# --------------------------------------------------------------------------- bad input
def test_bad_input_is_counted_and_skipped(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    good = [(f"https://good.example/{i}", article_html(f"Good article number {i} about gardens and rivers")) for i in range(6)]
    write_warc(inp / "a_good.warc.gz", good[:3])
    # Invalid UTF-8 inside an otherwise good page: decoded with replacement, kept.
    latin = article_html("Caf\u00e9 culture in the old town of Lisbon").encode("utf-8").replace(b"Lisbon", b"Lisb\xff\xfen")
    write_warc(inp / "b_bad_utf8.warc.gz", [("https://latin.example/x", latin)] + good[3:4])
    # Truncated: the second half of a file with two records is cut off mid-record.
    whole = write_warc(tmp_path / "whole.warc.gz", good[4:6]).read_bytes()
    first_len = len(write_warc(tmp_path / "first.warc.gz", good[4:5]).read_bytes())
    (inp / "c_truncated.warc.gz").write_bytes(whole[: first_len + (len(whole) - first_len) // 2])
    # Broken gzip: garbage in the middle of the stream.
    broken = bytearray(write_warc(tmp_path / "b.warc.gz", [("https://broken.example/1", article_html("Broken"))]).read_bytes())
    broken[len(broken) // 2 : len(broken) // 2 + 40] = b"\x00" * 40
    (inp / "d_broken_gzip.warc.gz").write_bytes(bytes(broken))
    (inp / "e_empty.warc.gz").write_bytes(b"")
    # A 50 MB page and a non-HTML payload, next to a good one; plus malformed HTML.
    huge = "<html><body>" + "<p>" + "word " * (10 * 2**20) + "</p></body></html>"
    malformed = "<html><body><div><p>" + article_html("Malformed page about mountains")[40:] + "<div><b><i>unclosed"
    write_warc(inp / "f_mixed.warc.gz", [("https://huge.example/1", huge), ("https://mal.example/1", malformed)])
    write_warc(inp / "g_pdf.warc.gz", [("https://pdf.example/1", b"%PDF-1.4 binary")], content_type="application/pdf")

    config = write_config(tmp_path, inp, executor={"tasks": 7, "workers": 2}, quality={"mode": "tag"})
    assert run_main([str(config)]) == 0
    docs = read_docs(tmp_path / "out")
    urls = set(docs["url"])
    assert {u for u, _ in good[:5]} <= urls, "pages before the damage must survive"
    assert "https://latin.example/x" in urls and "https://mal.example/1" in urls
    assert "https://huge.example/1" not in urls and "https://pdf.example/1" not in urls

    from pipelines.progress import read_stage_report

    report = read_stage_report("process", next((tmp_path / "out" / "_work" / "logs").glob("00_*")), None)
    assert report.reasons.get("dropped_truncated") == 1
    assert report.reasons.get("dropped_file_error") == 1  # the broken gzip member
    assert report.reasons.get("dropped_too_large") == 1
    assert report.reasons.get("dropped_not_html") == 1
    assert report.unaccounted == 0
    # Each unreadable record is a row of rejected/read, with its reason and where it was.
    read = pl.read_parquet(tmp_path / "out" / "rejected" / "read" / "*.parquet")
    assert sorted(read["rejection_reason"]) == ["file_error", "not_html", "too_large", "truncated"]
    where = {r["rejection_reason"]: Path(r["source"]).name for r in read.iter_rows(named=True)}
    assert where == {"truncated": "c_truncated.warc.gz", "file_error": "d_broken_gzip.warc.gz",
                     "too_large": "f_mixed.warc.gz", "not_html": "g_pdf.warc.gz"}
    assert read["source_offset"].null_count() == 0


# --------------------------------------------------------------------------- resume
def test_sigkill_then_rerun_gives_the_same_output(tmp_path):
    from tools.sample_crawl import generate_sample_warc

    # Bigger files than the shared sample (~1 s per task): the kill must land while tasks 2-4 are
    # still to run even when this test process gets no core for a while on a loaded machine.
    crawl = tmp_path / "crawl"
    for i in range(4):
        generate_sample_warc(crawl / f"part-{i}.warc.gz", n_pages=240, seed=i)
    reference = tmp_path / "ref"
    reference.mkdir()
    assert run_main([str(write_config(reference, crawl, executor={"tasks": 4, "workers": 1}))]) == 0
    expected = read_docs(reference / "out").sort("id")

    killed = tmp_path / "killed"
    killed.mkdir()
    config = write_config(killed, crawl, executor={"tasks": 4, "workers": 1})
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run", str(config)], cwd=REPO_ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    completions = killed / "out" / "_work" / "logs" / "00_process" / "completions"
    deadline = time.time() + 120
    while time.time() < deadline and not (completions.is_dir() and len(list(completions.iterdir())) >= 1):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(completions.iterdir()))
    assert 1 <= done_before < 4, "the kill should land in the middle of the first stage"

    assert run_main([str(config)]) == 0
    resumed = read_docs(killed / "out").sort("id")
    assert resumed["id"].to_list() == expected["id"].to_list()
    assert resumed["text"].to_list() == expected["text"].to_list()
    assert resumed["id"].n_unique() == len(resumed)


def test_resume_with_changed_settings_is_refused(tmp_path, sample_crawl_dir):
    config = write_config(tmp_path, sample_crawl_dir, dedup={"minhash": False, "url": False})
    assert run_main([str(config)]) == 0
    changed = write_config(tmp_path, sample_crawl_dir, dedup={"minhash": False, "url": False}, quality={"mode": "tag"})
    proc = run_cli(changed, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    # The refusal names each changed key with its old and new value.
    assert "1 changed, old → new" in proc.stderr and 'quality.mode: "filter" → "tag"' in proc.stderr, proc.stderr
    assert "--overwrite" in proc.stderr
    stored = json.loads((tmp_path / "out" / "_run" / "config.json").read_text())
    assert stored["settings"]["quality"]["mode"] == "filter" and stored["config"]["executor"]["tasks"] == 2
    # --overwrite starts over with the new settings: tag mode rejects nothing for quality.
    assert (tmp_path / "out" / "rejected" / "quality").is_dir()
    proc = run_cli(changed, "--overwrite", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "out" / "rejected" / "quality").exists()
    assert json.loads((tmp_path / "out" / "_run" / "config.json").read_text())["settings"]["quality"]["mode"] == "tag"


def test_shipped_sample_crawl_is_what_the_generator_makes(tmp_path):
    """data/sample-crawl is generated, not hand-edited: regenerating it gives the same bytes."""
    from tools.sample_crawl import generate_sample_warc

    shipped = sorted((REPO_ROOT / "data" / "sample-crawl").glob("sample-*.warc.gz"))
    assert len(shipped) == 4
    for i, path in enumerate(shipped):
        fresh = tmp_path / path.name
        generate_sample_warc(fresh, n_pages=100, seed=i)
        assert fresh.read_bytes() == path.read_bytes(), f"{path.name} differs from the generator's output"


@pytest.mark.parametrize("fmt", ["html", "jsonl", "parquet"])
def test_other_input_formats(tmp_path, fmt):
    """HTML files, JSONL (already-extracted text) and Parquet (raw HTML, extracted by the job)."""
    import json

    import pyarrow as pa

    pages = {f"page-{i}": article_html(f"Notes number {i} on rivers and mountains of the north") for i in range(5)}
    inp = tmp_path / "in"
    inp.mkdir()
    if fmt == "html":
        for name, html in pages.items():
            (inp / f"{name}.html").write_text(html)
        extra = {}
    elif fmt == "jsonl":
        from filters.extraction import extract_text

        lines = [json.dumps({"id": k, "text": extract_text(v), "url": f"https://j.example/{k}"}) for k, v in pages.items()]
        lines[2:2] = ["{not json", json.dumps({"id": "no-text"})]  # lines 2 and 3: rejected/read
        (inp / "docs.jsonl").write_text("\n".join(lines) + "\n")
        extra = {}
    else:
        table = pa.table({"doc_id": list(pages), "html": list(pages.values())})
        pq.write_table(table, inp / "docs.parquet")
        extra = {"text_key": "html", "id_key": "doc_id", "content": "html"}
    config = write_config(tmp_path, inp, input={"format": fmt, **extra}, dedup={"minhash": False, "url": False}, quality={"mode": "tag"})
    assert run_main([str(config)]) == 0
    docs = read_docs(tmp_path / "out")
    assert sorted(Path(i).stem if fmt == "html" else i for i in docs["id"]) == sorted(pages)
    assert all("rivers and mountains" in t for t in docs["text"])
    assert (docs["language"] == "en").all()
    # Provenance: the input file and the record's place in it (HTML: the file itself).
    if fmt == "html":
        assert all(Path(s).name == Path(i).name for s, i in zip(docs["source"], docs["id"]))
        assert (docs["source_offset"] == 0).all()
    else:
        name = "docs.jsonl" if fmt == "jsonl" else "docs.parquet"
        assert {Path(s).name for s in docs["source"]} == {name}
        lines_or_rows = [0, 1, 4, 5, 6] if fmt == "jsonl" else [0, 1, 2, 3, 4]
        assert sorted(docs["source_offset"]) == lines_or_rows
    if fmt == "jsonl":
        read = pl.read_parquet(tmp_path / "out" / "rejected" / "read" / "*.parquet").sort("source_offset")
        assert read.select("source_offset", "rejection_reason").rows() == [(2, "bad_json"), (3, "no_text")]
