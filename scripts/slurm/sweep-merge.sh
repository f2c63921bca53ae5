#!/usr/bin/env bash
# Merges the shards sweep-array.sh wrote under OUT into OUT/merged (sweep.csv, d_int90.json,
# the journal and every run's folder). Run it after the array job (sbatch --dependency=afterok:ID).
#SBATCH --job-name=intrinsic-dim-sweep-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:20:00
#SBATCH --output=intrinsic-dim-sweep-merge-%j.out
set -euo pipefail
out="${1:?usage: sweep-merge.sh OUT}"
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
exec "$bin" sweep merge "$out"/shard-*-of-* --out "$out/merged"
