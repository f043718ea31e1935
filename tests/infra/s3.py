"""A local S3-compatible server for tests: moto's server mode on 127.0.0.1.

The server is real HTTP: boto3, s3fs/fsspec and datatrove reach it through the standard AWS
environment variables (`S3Server.env`) or explicit `storage_options`; nothing is patched.

What a datatrove reader/writer needs for a custom endpoint (s3fs 2024+ / botocore >= 1.31):
  * environment only: AWS_ENDPOINT_URL (botocore reads it for every client, s3fs included)
    plus AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION; then a plain
    "s3://bucket/prefix" works in any reader, writer or DataFolder. Slurm jobs inherit these
    (the executor submits with --export=ALL).
  * or explicitly: `DataFolder("s3://bucket/prefix", **server.storage_options)` or the tuple
    form `("s3://bucket/prefix", server.storage_options)` as a reader's `data_folder`, with
    storage_options = {"endpoint_url": ..., "key": ..., "secret": ...}.
"""
from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Fixed dummy credentials: moto accepts any, and they must never be real ones.
TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Variables that could make a client pick up real credentials or a real endpoint instead.
SHADOWING_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL_S3")


@dataclass
class S3Server:
    endpoint_url: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def storage_options(self) -> dict:
        """fsspec/s3fs options for this server, for code that does not read the environment."""
        return {
            "endpoint_url": self.endpoint_url,
            "key": TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "secret": TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }

    def client(self):
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=TEST_CREDENTIALS["AWS_DEFAULT_REGION"],
        )

    def reset(self) -> None:
        """Delete every bucket and object (moto's reset endpoint), so tests start empty."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        # s3fs keeps filesystem instances and their directory listings; drop them with the data.
        try:
            import s3fs
        except ImportError:
            return
        s3fs.S3FileSystem.clear_instance_cache()


def server_env(endpoint_url: str, config_dir: str) -> dict[str, str]:
    """AWS variables that point boto3/s3fs at `endpoint_url` with the dummy credentials."""
    return {
        **TEST_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint_url,
        # Empty config files and no instance-metadata lookups: nothing from ~/.aws, no 1 s timeouts.
        "AWS_CONFIG_FILE": os.path.join(config_dir, "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(config_dir, "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@contextmanager
def running_s3_server(config_dir: str, host: str = "127.0.0.1") -> Iterator[S3Server]:
    """Start moto's threaded server on a free port of `host`; stop it on exit."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)  # port 0: the OS picks a free one
    server.start()
    try:
        bound_host, port = server.get_host_and_port()
        endpoint = f"http://{bound_host}:{port}"
        yield S3Server(endpoint_url=endpoint, env=server_env(endpoint, config_dir))
    finally:
        server.stop()
