#!/usr/bin/env bash
# Builds and runs every program in Examples/ from the repository root, with its
# default arguments (committed fixtures), so the examples cannot rot. Each example
# checks its own result and exits 1 with a one-line reason when a check fails.
#
#   scripts/run-examples.sh [NAME...]     # default: all five
#
# Prints one line per example (name, status, wall time) and stops at the first
# failure, showing that example's output. SWIFT overrides the swift binary;
# SWIFT_BUILD_FLAGS is passed to `swift build` (e.g. "-c release").
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
read -r -a FLAGS <<< "${SWIFT_BUILD_FLAGS:-}"
EXAMPLES=("$@")
if [ ${#EXAMPLES[@]} -eq 0 ]; then
    EXAMPLES=(SpectraOfTwoCheckpoints SubspaceTraining AdapterSimilarity ExtractAndMerge SweepAndExperiment)
fi

for name in "${EXAMPLES[@]}"; do
    if ! log=$("$SWIFT" build "${FLAGS[@]}" --product "$name" 2>&1); then
        echo "$log" | tail -20 >&2
        echo "run-examples: $name: build failed" >&2
        exit 1
    fi
done
bin=$("$SWIFT" build "${FLAGS[@]}" --show-bin-path)

for name in "${EXAMPLES[@]}"; do
    start=$(date +%s%N)
    if out=$("$bin/$name" 2>&1); then
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        printf 'run-examples: %-24s ok  %3d.%d s  %s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) \
            "$(echo "$out" | tail -1)"
    else
        status=$?
        echo "$out" >&2
        printf 'run-examples: %-24s FAILED (exit %d)\n' "$name" "$status" >&2
        exit 1
    fi
done
