"""The training loop: loss falls, bit-for-bit resume, stage switching, torchrun (2 CPU processes on
gloo) against one process with the same global batch, and the command lines."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from tests.conftest import REPO_ROOT  # noqa: E402
from tools.trainer_tiny import tiny_config, write_config  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.train import train  # noqa: E402

QUIET = dict(log=lambda msg: None)


def env():
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}


def state(out_dir):
    return torch.load(out_dir / "checkpoint.pt", weights_only=False)


def test_loss_falls(trained):
    summary, _ = trained
    hist = summary["history"]
    assert hist[-1]["main_loss"] < hist[0]["main_loss"] - 0.3
    assert hist[-1]["mtp_loss"][0] < hist[0]["mtp_loss"][0] - 0.3
    assert [h["mtp_weight"] for h in hist][0] == 0.3 and hist[-1]["mtp_weight"] == 0.1  # λ scheduled
    assert all(h["tokens_per_s"] > 0 for h in hist) and hist[0]["mfu"] is None  # no peak known on CPU


def test_resume_is_bit_for_bit(mixture, tmp_path):
    def cfg(out, **kw):
        return TrainConfig.model_validate(tiny_config(mixture, out, data={"manifest": str(mixture),
                                                      "stages": [{"name": "s1", "steps": 12}]},
                                                      checkpoint_every=6, log_every=3, export=False, **kw))

    whole = train(cfg(tmp_path / "a"), **QUIET)
    first = train(cfg(tmp_path / "b", max_steps=6), **QUIET)
    assert first["steps"] == 6 and state(tmp_path / "b")["step"] == 6
    rest = train(cfg(tmp_path / "b"), **QUIET)  # same command again: resumes at step 6
    assert rest["steps"] == 12
    a, b = state(tmp_path / "a"), state(tmp_path / "b")
    assert a["data"] == b["data"]
    for name, tensor in a["model"].items():
        assert torch.equal(tensor, b["model"][name]), name
    for key, st in a["optimizer"]["state"].items():
        for field, value in st.items():
            assert torch.equal(value, b["optimizer"]["state"][key][field]), (key, field)
    losses = [h["loss"] for h in whole["history"]]
    assert [h["loss"] for h in first["history"] + rest["history"]] == losses


def test_stages_switch_length_and_rope_base(two_stage_mixture, tmp_path):
    lines = []
    cfg = TrainConfig.model_validate(tiny_config(
        two_stage_mixture, tmp_path / "run", data={"manifest": str(two_stage_mixture),
                                                    "stages": [{"name": "short", "steps": 3}, {"name": "long", "steps": 3}]},
        log_every=1))
    summary = train(cfg, log=lines.append)
    assert [h["stage"] for h in summary["history"]] == ["short"] * 3 + ["long"] * 3
    assert any("stage short: steps 0…2, seq 32, rope base 10000" in x for x in lines)
    assert any("stage long: steps 3…5, seq 64, rope base 40000" in x for x in lines)
    ckpt = state(tmp_path / "run")
    assert ckpt["data"]["stage"] == "long" and ckpt["data"]["seq_len"] == 64 and ckpt["data"]["drawn"] == 3 * 8
    exported = json.loads((tmp_path / "run" / "hf" / "config.json").read_text())
    assert exported["rope_theta"] == 40000


def test_torchrun_two_processes_match_one_process_with_accumulation(mixture, tmp_path):
    """DDP on gloo, 2 ranks × 4 sequences vs 1 process × 2 micro-batches of 4: the same global batch
    (same samples), so the same weights up to float reduction order."""
    common = dict(data={"manifest": str(mixture), "stages": [{"name": "s1", "steps": 4}]}, export=False, log_every=2)
    ddp = write_config(tmp_path / "ddp.yaml", tiny_config(mixture, tmp_path / "ddp", micro_batch=4, **common))
    single = write_config(tmp_path / "one.yaml", tiny_config(mixture, tmp_path / "one", micro_batch=4, grad_accum=2, **common))
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          "-m", "trainer.train", str(ddp)], env=env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout)["world_size"] == 2
    one = subprocess.run([sys.executable, "-m", "trainer.train", str(single)], env=env(), capture_output=True, text=True,
                         timeout=300)
    assert one.returncode == 0, one.stderr[-3000:]
    a, b = state(tmp_path / "ddp"), state(tmp_path / "one")
    assert a["data"] == b["data"]
    for name, tensor in a["model"].items():
        torch.testing.assert_close(tensor, b["model"][name], rtol=1e-4, atol=1e-5, msg=name)
    log_ddp = [json.loads(x) for x in (tmp_path / "ddp" / "log.jsonl").read_text().splitlines()]
    log_one = [json.loads(x) for x in (tmp_path / "one" / "log.jsonl").read_text().splitlines()]
    assert [round(x["loss"], 4) for x in log_ddp] == [round(x["loss"], 4) for x in log_one]


def test_command_lines(mixture, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {manifest: nowhere.json}\nmodel: {hidden_size: 100, num_heads: 3}\n")
    r = subprocess.run([sys.executable, "-m", "trainer.train", str(bad)], env=env(), capture_output=True, text=True)
    assert r.returncode == 2 and "hidden_size must divide by num_heads" in r.stderr
    missing = write_config(tmp_path / "m.yaml", tiny_config(tmp_path / "nowhere.json", tmp_path / "o"))
    r = subprocess.run([sys.executable, "-m", "trainer.train", str(missing)], env=env(), capture_output=True, text=True)
    assert r.returncode == 2 and "cannot read the mixture manifest" in r.stderr
    r = subprocess.run([sys.executable, "-m", "pipelines.run", "configs/train.yaml", "--validate-only"], env=env(),
                       capture_output=True, text=True, cwd=REPO_ROOT)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not (sys.platform == "linux" and __import__("platform").libc_ver()[0] == "glibc"), reason="glibc only")
def test_keep_cpu_memory_stops_the_page_faults_of_each_step():
    """trainer.step.keep_cpu_memory: after a step at the peak has freed its activations, the next
    steps find the memory still there instead of page-faulting it in again (glibc trims the freed
    peak by default). Each run in its own process: mallopt changes the whole process."""
    code = """
import resource, sys, torch
from trainer.step import keep_cpu_memory
if sys.argv[1] == "keep":
    assert keep_cpu_memory()
def step(k):  # a dozen activations alive together, sizes varying from step to step (as scored rows do)
    acts = [torch.ones(1_000_000 + 250_000 * ((i + k) % 4) + 37_000 * (k % 7)) for i in range(12)]
    del acts
peak = [torch.ones(2_000_000) for _ in range(12)]
del peak
faults = []
for k in range(20):
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step(k)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0)
print(faults[0], sum(faults))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    faults = {mode: [int(x) for x in subprocess.run([sys.executable, "-c", code, mode], env=env, capture_output=True,
                                                     text=True, check=True, timeout=120).stdout.split()]
              for mode in ("default", "keep")}
    # The first step after the peak: ~16,000 faults (its ~60 MB again) by default, none when kept.
    assert faults["default"][0] > 8000 and faults["keep"][0] < 1000, faults
    assert faults["keep"][1] * 3 < faults["default"][1], faults
