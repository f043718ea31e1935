"""The local S3 server: real HTTP, reached by boto3, fsspec/s3fs and datatrove without patching."""
from __future__ import annotations

import gzip
import json
import urllib.parse

import fsspec
import pytest
from datatrove.io import DataFolder, get_datafolder
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from tests.infra.s3 import S3Server

pytestmark = pytest.mark.s3


def _put_jsonl(server: S3Server, bucket: str, key: str, docs: list[dict]) -> None:
    body = gzip.compress("".join(json.dumps(d) + "\n" for d in docs).encode())
    server.client().put_object(Bucket=bucket, Key=key, Body=body)


def test_server_listens_on_loopback_and_starts_empty(s3_server: S3Server):
    parsed = urllib.parse.urlparse(s3_server.endpoint_url)
    assert parsed.hostname == "127.0.0.1" and parsed.port > 0
    assert s3_server.client().list_buckets()["Buckets"] == []


def test_boto3_write_reads_back_through_fsspec_and_datatrove_from_the_environment(s3_server: S3Server):
    client = s3_server.client()
    client.create_bucket(Bucket="crawl")
    docs = [{"id": f"d{i}", "text": f"page {i} text"} for i in range(5)]
    _put_jsonl(s3_server, "crawl", "raw/part-0.jsonl.gz", docs)

    # Plain s3:// URLs: s3fs finds the endpoint and credentials in the AWS_* variables alone.
    with fsspec.open("s3://crawl/raw/part-0.jsonl.gz", "rb", compression="gzip") as f:
        assert [json.loads(line)["id"] for line in f] == [d["id"] for d in docs]
    folder = get_datafolder("s3://crawl/raw")
    assert folder.list_files() == ["part-0.jsonl.gz"]
    read = list(JsonlReader("s3://crawl/raw")())
    assert [(d.id, d.text) for d in read] == [(d["id"], d["text"]) for d in docs]

    # And back: a datatrove writer to s3:// lands objects boto3 can see.
    with JsonlWriter("s3://crawl/out") as writer:
        for doc in read:
            writer.write(doc, rank=0)
    [obj] = client.list_objects_v2(Bucket="crawl", Prefix="out/")["Contents"]
    assert obj["Key"] == "out/00000.jsonl.gz"
    lines = gzip.decompress(client.get_object(Bucket="crawl", Key=obj["Key"])["Body"].read()).splitlines()
    assert [json.loads(line)["text"] for line in lines] == [d["text"] for d in docs]


def test_explicit_storage_options_work_without_the_environment(s3_server: S3Server, monkeypatch):
    s3_server.client().create_bucket(Bucket="explicit")
    _put_jsonl(s3_server, "explicit", "in/a.jsonl.gz", [{"id": "x", "text": "only via options"}])
    for key in s3_server.env:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    folder = DataFolder("s3://explicit/in", **s3_server.storage_options)
    assert folder.list_files() == ["a.jsonl.gz"]
    # The tuple form is what a reader's data_folder accepts, e.g. from a YAML config.
    read = list(JsonlReader(("s3://explicit/in", s3_server.storage_options))())
    assert [d.text for d in read] == ["only via options"]


def test_reset_empties_the_server_and_the_s3fs_listing_cache(s3_server: S3Server):
    s3_server.client().create_bucket(Bucket="stale")
    s3_server.client().put_object(Bucket="stale", Key="k", Body=b"v")
    fs = fsspec.filesystem("s3")
    assert fs.ls("stale") == ["stale/k"]  # now cached in s3fs's directory listing cache
    s3_server.reset()  # what the fixture does before every test
    assert s3_server.client().list_buckets()["Buckets"] == []
    assert not fsspec.filesystem("s3").exists("stale/k")
