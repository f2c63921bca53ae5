#!/bin/bash
# Wall time of `intrinsic-dim rank` on the real MiniLM pair under several OpenBLAS kernels, run in
# rounds that alternate the kernels (so all see the same machine load). Each run is one whole
# process under /usr/bin/time; prints every run (wall, user, sys, peak RSS, the corename the
# run's provenance records) and per kernel the best and median wall.
#   bench/rank/kernel_wall.sh BIN [rounds=3] [pair=data/finetune-pair] [kernels="Prescott Haswell SkylakeX default"]
# "default" runs with OPENBLAS_CORETYPE unset (OpenBLAS's own choice, or intrinsic-dim's switch away
# from Prescott). The pair comes from scripts/fetch-finetune-pair.sh.
set -euo pipefail
bin=$1 rounds=${2:-3} pair=${3:-data/finetune-pair} kernels=${4:-"Prescott Haswell SkylakeX default"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
    for k in $kernels; do
        rm -rf "$out/run"
        if [ "$k" = default ]; then env=(env -u OPENBLAS_CORETYPE); else env=(env OPENBLAS_CORETYPE="$k"); fi
        t=$("${env[@]}" /usr/bin/time -f "%e %U %S %M" "$bin" rank --base "$pair/base/model.safetensors" \
            --tuned "$pair/tuned/model.safetensors" --out "$out/run" 2>&1 >/dev/null | tail -1)
        core=$(python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["provenance"]["blas_kernel"]; print(k["corename"], k["origin"])' "$out/run/rank_summary.json")
        echo "$k $t $core" | tee -a "$out/log" | awk '{printf "round '"$r"' %-9s wall %.2f s  user %.2f s  sys %.2f s  RSS %d MB  kernel %s (%s)\n", $1, $2, $3, $4, $5/1024, $6, $7}'
    done
done
for k in $kernels; do
    awk -v k="$k" '$1 == k {print $2}' "$out/log" | sort -n | awk -v k="$k" '{w[NR]=$1} END {printf "%-9s best %.2f s  median %.2f s  (%d runs)\n", k, w[1], w[int((NR+1)/2)], NR}'
done
