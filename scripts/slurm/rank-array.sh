#!/usr/bin/env bash
# One shard of an intrinsic-dim rank analysis per Slurm array task; a dependent job merges them.
#
#   scripts/slurm/submit.sh rank OUT N -- --base BASE --tuned TUNED     (submits both jobs), or by hand:
#   sbatch --array=1-N scripts/slurm/rank-array.sh OUT -- --base BASE --tuned TUNED [--vectors K]
#   sbatch --dependency=afterok:<array job id> scripts/slurm/rank-merge.sh OUT
#
# Task k of N runs `rank --shard k/N` into OUT/shard-k-of-N: the tensors are split by a stable rule
# balanced by size (m·n·min(m,n) per matrix, largest first, each to the least-loaded shard), the same
# on every node. `rank merge` combines them into OUT/merged, equal to a one-machine run of the same
# options. Results do not depend on the thread count (--jobs = the task's CPUs).
#SBATCH --job-name=intrinsic-dim-rank
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=intrinsic-dim-rank-%A_%a.out
set -euo pipefail
out="${1:?usage: rank-array.sh OUT -- <rank options>}"; shift
[ "${1:-}" = "--" ] && shift
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
n="${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array job (sbatch --array=1-N)}"
k=$(( SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1 ))
exec "$bin" rank "$@" --shard "$k/$n" --jobs "${SLURM_CPUS_PER_TASK:-1}" --out "$out/shard-$k-of-$n"
