#!/usr/bin/env bash
# Installs what intrinsic-dim needs and is missing: Debian packages (through
# sudo when not root) and, given a requirements file, the pinned Python
# packages of the fixture checks, demo and benchmarks.
# Usage: scripts/install-deps.sh "<debian packages>" [requirements.txt]
set -euo pipefail
debs="$1"
reqs="${2:-}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
updated=0
apt_install() {
  echo "install-deps: installing Debian packages: $*" >&2
  if [ $updated -eq 0 ]; then $SUDO apt-get update -qq; updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

missing=()
for p in $debs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

[ -n "$reqs" ] || exit 0
# Python 3 with pip: Debian's when the machine has none.
if ! python3 -m pip --version >/dev/null 2>&1; then apt_install python3 python3-pip; fi
if python3 scripts/check-requirements.py "$reqs" 2>/dev/null; then exit 0; fi
echo "install-deps: installing Python packages from $reqs" >&2
pip_install() { python3 -m pip install -q --disable-pip-version-check "$@" -r "$reqs" 2>&1 | grep -v "Running pip as the 'root' user" || true; }
pip_install
# Debian's own python3 is "externally managed" (PEP 668): install for this user instead.
if ! python3 scripts/check-requirements.py "$reqs" 2>/dev/null; then pip_install --user --break-system-packages; fi
python3 scripts/check-requirements.py "$reqs"
