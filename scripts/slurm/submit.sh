#!/usr/bin/env bash
# Submits an N-task array of shards and the job that merges them, which starts when every
# shard succeeded:
#
#   scripts/slurm/submit.sh sweep OUT N -- <sweep options>
#   scripts/slurm/submit.sh rank OUT N -- --base BASE --tuned TUNED [<rank options>]
#   scripts/slurm/submit.sh experiment OUT N -- <experiment finetune options>
#
# Extra sbatch options (partition, account) go in SBATCH_EXTRA, e.g. SBATCH_EXTRA="-p cpu -A myproj".
set -euo pipefail
kind="${1:?usage: submit.sh sweep|rank|experiment OUT N -- <options>}"; out="${2:?OUT}"; n="${3:?N}"; shift 3
[ "${1:-}" = "--" ] && shift
here="$(cd "$(dirname "$0")" && pwd)"
read -r -a extra <<< "${SBATCH_EXTRA:-}"
mkdir -p "$out"
case "$kind" in
  sweep)
    array=$(sbatch --parsable "${extra[@]}" --array="1-$n" "$here/sweep-array.sh" "$out" -- "$@")
    merge=$(sbatch --parsable "${extra[@]}" --dependency="afterok:${array%%;*}" "$here/sweep-merge.sh" "$out") ;;
  rank)
    array=$(sbatch --parsable "${extra[@]}" --array="1-$n" "$here/rank-array.sh" "$out" -- "$@")
    merge=$(sbatch --parsable "${extra[@]}" --dependency="afterok:${array%%;*}" "$here/rank-merge.sh" "$out") ;;
  experiment)
    array=$(sbatch --parsable "${extra[@]}" --array="1-$n" "$here/experiment-array.sh" "$out" -- "$@")
    merge=$(sbatch --parsable "${extra[@]}" --dependency="afterok:${array%%;*}" --job-name=intrinsic-dim-experiment-merge \
      "$here/experiment-array.sh" "$out" -- "$@") ;;
  *) echo "submit.sh: the first argument is sweep, rank or experiment, got '$kind'" >&2; exit 64 ;;
esac
echo "submitted array job ${array%%;*} ($n shards) and merge job ${merge%%;*} → $out"
