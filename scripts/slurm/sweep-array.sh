#!/usr/bin/env bash
# One shard of an intrinsic-dim sweep per Slurm array task; a dependent job merges them.
#
#   scripts/slurm/submit.sh sweep OUT N -- <sweep options>        (submits both jobs), or by hand:
#   sbatch --array=1-N scripts/slurm/sweep-array.sh OUT -- --model fc --dataset mnist --d 250,500,750 --seeds 3
#   sbatch --dependency=afterok:<array job id> scripts/slurm/sweep-merge.sh OUT
#
# Task k of N runs `sweep --shard k/N` into OUT/shard-k-of-N (a journal each: a preempted or
# requeued task resumes where it stopped); `sweep merge` combines them into OUT/merged, equal to a
# one-machine run of the same options. Results do not depend on the thread count.
#SBATCH --job-name=intrinsic-dim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=intrinsic-dim-sweep-%A_%a.out
set -euo pipefail
out="${1:?usage: sweep-array.sh OUT -- <sweep options>}"; shift
[ "${1:-}" = "--" ] && shift
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
n="${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array job (sbatch --array=1-N)}"
k=$(( SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1 ))
exec "$bin" sweep "$@" --shard "$k/$n" --threads "${SLURM_CPUS_PER_TASK:-1}" --out "$out/shard-$k-of-$n"
