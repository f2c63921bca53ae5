#!/usr/bin/env bash
# Creates (or reuses) the git-ignored project virtual environment .venv/ that `make test`
# runs every Python check with: requirements-test.txt (numpy, scipy, safetensors,
# ml_dtypes: the fixture scripts) and requirements-clients.txt (torch CPU, peft,
# transformers: the real clients that load our adapters and models).
#
#   scripts/setup-venv.sh [VENV]      (default .venv)
#
# INTRINSIC_DIM_NO_CLIENTS=1 installs requirements-test.txt only, for a machine that cannot
# reach PyPI's PyTorch wheels; the client checks then say they did not run. CI never sets it.
# A venv whose packages already match the pins is reused as it is (no network).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
reqs=(requirements-test.txt)
if [ "${INTRINSIC_DIM_NO_CLIENTS:-0}" != 1 ]; then reqs+=(requirements-clients.txt); fi

if [ ! -x "$venv/bin/python" ]; then
  # Debian's own python3 needs python3-venv for `-m venv` (ensurepip).
  if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
    SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "setup-venv: installing Debian's python3-venv" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  echo "setup-venv: creating $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
fi

ok=1
for r in "${reqs[@]}"; do
  "$venv/bin/python" scripts/check-requirements.py "$r" 2>/dev/null || ok=0
done
[ $ok = 1 ] && exit 0

args=()
for r in "${reqs[@]}"; do args+=(-r "$r"); done
echo "setup-venv: installing into $venv: ${reqs[*]} (torch's CPU wheel is ~200 MB; about 1–2 min)" >&2
t0=$SECONDS
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}"
for r in "${reqs[@]}"; do "$venv/bin/python" scripts/check-requirements.py "$r"; done
echo "setup-venv: done in $((SECONDS - t0)) s" >&2
