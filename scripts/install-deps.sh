#!/usr/bin/env bash
# Installs what intrinsic-dim needs and is missing: Debian packages (through
# sudo when not root) and Python packages for fixture checks, benchmarks and
# the demo (pip, pinned in the requirements file named as $2).
# Usage: scripts/install-deps.sh "<debian packages>" [requirements.txt]
set -euo pipefail
debs="$1"
reqs="${2:-}"

missing=()
for p in $debs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -n "$reqs" ]; then
  if ! python3 scripts/check-requirements.py "$reqs" 2>/dev/null; then
    echo "install-deps: installing Python packages from $reqs" >&2
    python3 -m pip install -q --disable-pip-version-check -r "$reqs" 2>&1 | grep -v "Running pip as the 'root' user" || true
    python3 scripts/check-requirements.py "$reqs"
  fi
fi
