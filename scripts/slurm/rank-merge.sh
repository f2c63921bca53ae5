#!/usr/bin/env bash
# Merges the shards rank-array.sh wrote under OUT into OUT/merged (rank_summary.csv, spectra.csv,
# vector_summary.csv, rank_summary.json and, with --vectors, vectors.safetensors). Run it after the
# array job (sbatch --dependency=afterok:ID); it refuses a missing, repeated or foreign shard.
#SBATCH --job-name=intrinsic-dim-rank-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:20:00
#SBATCH --output=intrinsic-dim-rank-merge-%j.out
set -euo pipefail
out="${1:?usage: rank-merge.sh OUT}"
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
exec "$bin" rank merge "$out"/shard-*-of-* --out "$out/merged"
