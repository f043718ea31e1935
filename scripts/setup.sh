#!/usr/bin/env bash
# One-time (idempotent) set-up: a virtual environment in .venv with the package and its
# dependencies. EXTRAS selects optional extras (e.g. "dev,megatron").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
EXTRAS=${EXTRAS:-}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml requirements/constraints.txt | sha1sum | cut -c1-12)-${EXTRAS//,/_}"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
  if [[ ",$EXTRAS," == *",megatron,"* || ",$EXTRAS," == *",train,"* ]]; then
    # The CPU build of torch; an unpinned torch would pull gigabytes of CUDA wheels.
    .venv/bin/pip install -q -c requirements/constraints.txt "torch==2.13.0" 2>&1 | { grep -v "^WARNING: Location" || true; }
  fi
  spec="."
  [ -n "$EXTRAS" ] && spec=".[${EXTRAS}]"
  # Ranges live in pyproject.toml; the exact, tested versions in requirements/constraints.txt.
  .venv/bin/pip install -q -c requirements/constraints.txt -e "$spec" 2>&1 | { grep -v "^WARNING: Location" || true; }
  .venv/bin/python -c "import pipelines, datatrove" 
  touch "$stamp"
fi
