#!/usr/bin/env bash
# One shard of `experiment finetune` per Slurm array task; the dependent job (the same command
# without --shard) merges the shards, makes any run no shard finished, and writes the summary.
#
#   scripts/slurm/submit.sh experiment OUT N -- --model fc --pretrain fashion-mnist --task mnist --ranks 1,4,16,64
#
# Every task pretrains the same deterministic base unless OUT/pretrain exists (the first to finish
# keeps it); pretrain first with one task if the base is expensive.
#SBATCH --job-name=intrinsic-dim-experiment
#SBATCH --cpus-per-task=2
#SBATCH --time=08:00:00
#SBATCH --requeue
#SBATCH --output=intrinsic-dim-experiment-%A_%a.out
set -euo pipefail
out="${1:?usage: experiment-array.sh OUT -- <experiment finetune options>}"; shift
[ "${1:-}" = "--" ] && shift
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
threads="${SLURM_CPUS_PER_TASK:-1}"
if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then   # the merge job
  exec "$bin" experiment finetune "$@" --threads "$threads" --out "$out"
fi
n="${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array job (sbatch --array=1-N)}"
k=$(( SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1 ))
exec "$bin" experiment finetune "$@" --shard "$k/$n" --threads "$threads" --out "$out"
