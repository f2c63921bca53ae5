#!/usr/bin/env bash
# Reproduces the d_int90 sweeps recorded in data/reference/ (see BENCHMARKS.md):
# MNIST FC and LeNet-5 with Fastfood projections, 3 seeds, Li et al.'s optimiser
# settings (Adam 1e-3, β₂ 0.99, batch 128, L2 1e-5). Each sweep runs as two shards
# of one thread each, side by side on a 2-core machine, and is then merged.
#
#   scripts/reference-sweeps.sh [fc|lenet|all] [WORKDIR]     (default: all, /tmp/intrinsic-dim-reference)
#
# Killed, it resumes where it stopped when run again with the same arguments.
set -euo pipefail
which="${1:-all}"
work="${2:-/tmp/intrinsic-dim-reference}"
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
[ -x "$bin" ] || { echo "build first: make release" >&2; exit 1; }

sweep() {  # name, then the sweep options
  local name="$1"; shift
  for k in 1 2; do
    "$bin" sweep "$@" --threads 1 --shard "$k/2" --out "$work/$name-shard$k" 2> "$work/$name-shard$k.log" &
  done
  wait
  rm -rf "$work/$name-merged"
  "$bin" sweep merge "$work/$name-shard1" "$work/$name-shard2" --out "$work/$name-merged"
  mkdir -p "data/reference/$name"
  cp "$work/$name-merged/sweep.csv" "$work/$name-merged/d_int90.json" "$work/$name-merged/journal.jsonl" "data/reference/$name/"
}

mkdir -p "$work"
if [ "$which" = fc ] || [ "$which" = all ]; then
  sweep mnist-fc-fastfood --model fc --dataset mnist --projection fastfood \
    --d 300,500,600,700,800,900,1000,1200,1500 --seeds 3 --epochs 100
fi
if [ "$which" = lenet ] || [ "$which" = all ]; then
  sweep mnist-lenet-fastfood --model lenet --dataset mnist --projection fastfood \
    --d 200,300,350,400,450,600 --seeds 3 --epochs 40
fi
