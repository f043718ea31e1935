"""Real engines for the test suite: a single-node Slurm cluster and a local S3 server.

`tools.slurm` starts munged + slurmctld + slurmd on localhost (shared by the pytest-xdist workers of
one run); `tests.infra.s3` runs moto's server mode on 127.0.0.1. The pytest fixtures `slurm_cluster` and
`s3_server` live in `tests.infra.fixtures` and are registered by tests/conftest.py.
"""
