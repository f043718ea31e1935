#!/usr/bin/env bash
# System packages the test suite uses for real engines: bubblewrap (code sandbox), a
# single-node Slurm (slurm-wlm + munge) and Debian's chromium (the HTML report is rendered in it
# through playwright; `playwright install chromium` downloads from a CDN, not from PyPI or Debian,
# so it fails on machines that reach only the package registries). Installed only when running as root and missing;
# otherwise the tests that need them skip with a reason (and fail under CI=true).
set -uo pipefail
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v slurmctld >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
command -v chromium >/dev/null || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system_deps: not root; missing ${need[*]} (their tests will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "system_deps: apt-get install ${need[*]} failed (their tests will skip)" >&2
