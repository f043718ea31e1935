#!/usr/bin/env bash
# The trainer's one GPU check (~4 minutes on an H200): bench/trainer.py --gpu — a 124M model, batch
# 16 × 1024, bf16 autocast, SDPA, fused AdamW, torch.compile, with 0 and 1 MTP module (+ the eager
# step without MTP), 200 timed steps each after 15 warm-up steps. Prints tokens/s and MFU; writes
# trainer_gpu.json and trainer_gpu.log to $OUT (or /tmp). Needs only torch (no pydantic, no data).
#   bash bench/trainer_gpu.sh            (from the repository root, or from a copy of trainer/ + bench/)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
out="${OUT:-/tmp}"
nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm,clocks.max.sm --format=csv || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
python3 bench/trainer.py --gpu --eager --steps-gpu "${STEPS:-200}" --warmup "${WARMUP:-15}" \
  --out "$out/trainer_gpu.json" "$@" 2>&1 | tee "$out/trainer_gpu.log"
