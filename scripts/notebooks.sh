#!/usr/bin/env bash
# The command behind `make notebooks`: executes every notebook in notebooks-export/ against a
# demo folder and writes its exports.
#
#   scripts/notebooks.sh [DEMO]        DEMO: a `make demo` output folder (default $DEMO_DIR, else out/demo)
#
# 1. installs the pinned packages of requirements-notebooks.txt that are missing (pip);
# 2. checks that the notebooks are what scripts/build-notebooks.py writes;
# 3. runs each notebook top to bottom (nbconvert --execute, DEMO_DIR in the environment) — any cell
#    that raises stops this script with a non-zero status, and the notebooks assert that the
#    toolkit's d_int90/r_int90 are what pandas recomputes from the CSV files;
# 4. writes notebooks-export/html/<name>.html (figures embedded) and
#    notebooks-export/markdown/<name>.md with its PNG figures in markdown/<name>_files/.
set -euo pipefail
cd "$(dirname "$0")/.."
demo="${1:-${DEMO_DIR:-out/demo}}"
if [ ! -s "$demo/summary.md" ]; then
  echo "notebooks: no demo folder at $demo (run 'make demo', or give DEMO_DIR=<folder>)" >&2
  exit 1
fi
t0=$SECONDS
scripts/install-deps.sh "" requirements-notebooks.txt
python3 scripts/build-notebooks.py --check

export DEMO_DIR="$(cd "$demo" && pwd)"
export PYDEVD_DISABLE_FILE_VALIDATION=1   # quiets the kernel's debugger warning about frozen modules
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p notebooks-export/html notebooks-export/markdown
# The kernel talks to nbconvert over loopback TCP; its warning about that says nothing here.
quiet() { "$@" 2>&1 | { grep -v -e "running over TCP without encryption" || true; }; }
# Execute every notebook first (the notebook's folder is its working directory; the first cell that
# raises fails this script), then export: a failed run leaves the committed exports as they were.
for nb in notebooks-export/[0-9]*.ipynb; do
  echo "notebooks: executing $(basename "$nb") against $DEMO_DIR" >&2
  quiet python3 -m nbconvert --log-level WARN --to notebook --execute --ExecutePreprocessor.timeout=900 \
    --output-dir "$work" "$nb"
done
for executed in "$work"/*.ipynb; do
  name="$(basename "$executed" .ipynb)"
  python3 -m nbconvert --log-level ERROR --to html --output-dir notebooks-export/html "$executed"
  rm -rf "notebooks-export/markdown/${name}_files"
  python3 -m nbconvert --log-level ERROR --to markdown --output-dir notebooks-export/markdown "$executed"
done
echo "notebooks: done in $((SECONDS - t0)) s: notebooks-export/html/, notebooks-export/markdown/" >&2
