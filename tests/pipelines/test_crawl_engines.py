"""The crawl job on the real engines: a single-node Slurm and an S3-compatible server. Each run's
output must equal the local run's on the same input."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from pipelines.run import main as run_main
from tests.pipelines.test_crawl import read_docs, write_config

pytestmark = pytest.mark.xdist_group("crawl")


def _key(frame: pl.DataFrame) -> list[tuple]:
    return sorted(zip(frame["id"], frame["text"], frame["dedup_cluster_size"], frame["language"]))


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory, sample_crawl_dir) -> pl.DataFrame:
    tmp = tmp_path_factory.mktemp("local-ref")
    assert run_main([str(write_config(tmp, sample_crawl_dir, executor={"tasks": 4, "workers": 2}))]) == 0
    return read_docs(tmp / "out")


@pytest.mark.slurm
def test_slurm_run_equals_local_run(tmp_path, sample_crawl_dir, local_reference, slurm_cluster):
    config = write_config(
        tmp_path,
        sample_crawl_dir,
        executor={
            "type": "slurm",
            "tasks": 4,
            "slurm": {"partition": slurm_cluster.partition, "time": "00:10:00", "cpus_per_task": 1, "poll_seconds": 0.5},
        },
    )
    assert run_main([str(config)]) == 0
    out = tmp_path / "out"
    # Every stage really ran as Slurm jobs: datatrove's Slurm executor leaves its launch script.
    launch_scripts = list((out / "_work" / "logs").glob("*/launch_script.slurm"))
    assert len(launch_scripts) == 8
    assert _key(read_docs(out)) == _key(local_reference)


@pytest.mark.s3
def test_s3_input_and_output_equal_local_run(tmp_path, sample_crawl_dir, local_reference, s3_server):
    client = s3_server.client()
    client.create_bucket(Bucket="crawl")
    for f in sorted(Path(sample_crawl_dir).iterdir()):
        client.upload_file(str(f), "crawl", f"cc/segment/{f.name}")
    config = write_config(tmp_path, "s3://crawl/cc/segment/", executor={"tasks": 4, "workers": 2})
    cfg = yaml.safe_load(config.read_text())
    cfg["output_dir"] = "s3://crawl/out"
    cfg["work_dir"] = str(tmp_path / "work")  # logs and completion markers stay local
    config.write_text(yaml.safe_dump(cfg))
    assert run_main([str(config)]) == 0

    keys = [o["Key"] for o in client.list_objects_v2(Bucket="crawl", Prefix="out/documents/")["Contents"]]
    assert keys and all(k.endswith(".parquet") for k in keys)
    import s3fs

    fs = s3fs.S3FileSystem(**s3_server.storage_options)
    frames = [pl.read_parquet(fs.open(f"crawl/{k}", "rb").read()) for k in sorted(keys)]
    docs = pl.concat(frames)
    assert _key(docs) == _key(local_reference)
    rejected = client.list_objects_v2(Bucket="crawl", Prefix="out/rejected/")["Contents"]
    assert any("/quality/" in o["Key"] for o in rejected)
    assert all(s.startswith("s3://crawl/cc/segment/") for s in docs["source"])  # provenance: the S3 input
    # The dataset card is written beside the S3 output too, with the counts read from the shards.
    card = client.get_object(Bucket="crawl", Key="out/README.md")["Body"].read().decode()
    assert f"| `default` | `documents/*.parquet` | {len(docs):,} |" in card and "rejected_quality" in card

    # The resume check holds on S3 too: the settings are stored beside the output, and a rerun with
    # other settings is refused, naming the key.
    stored = client.get_object(Bucket="crawl", Key="out/_run/config.json")["Body"].read()
    assert b'"mode": "filter"' in stored
    cfg["quality"] = {"mode": "tag"}
    config.write_text(yaml.safe_dump(cfg))
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run_main([str(config)]) == 2
    assert 'quality.mode: "filter" → "tag"' in err.getvalue(), err.getvalue()
