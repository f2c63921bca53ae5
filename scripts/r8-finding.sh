#!/usr/bin/env bash
# The R8 finding of BENCHMARKS.md ("Fine-tuning a pretrained encoder: how few parameters"):
# all-MiniLM-L6-v2 (the base of the MiniLM pair) fine-tuned on Reuters R8 — the first 1,000
# training documents, 32 tokens, 3 epochs, batch 32, AdamW with linear decay, the whole test
# set (2,189 documents) — in full, with SAID (per-tensor Fastfood over all 22.7 M parameters)
# at several d, each after a learning-rate search, and with LoRA (query,value) at several ranks,
# 3 seeds each; then d_int90 / r_int90 against the full fine-tune, the majority floor, and
# the rank of ΔW_full per tensor.
#
#   scripts/r8-finding.sh [OUT]     (default out/r8-finding; needs `make release`)
#
# Every run is a `intrinsic-dim train` folder under OUT/runs; a run whose run.json exists is
# skipped, so the script resumes where it stopped. Each run takes about 1–2 minutes on 2 cores.
# The environment can override the grids: SEEDS, DS, RANKS, SEARCH_LRS (LRS_<d> per d), LORA_LR, FULL_LR.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/r8-finding}
BIN=${BIN:-.build/release/intrinsic-dim}
SEEDS=${SEEDS:-"0 1 2"}
DS=${DS:-"250 1000 4000"}
RANKS=${RANKS:-"1 4"}
SEARCH_LRS=${SEARCH_LRS:-"1e-2 3e-2 1e-1"}
LRS_250=${LRS_250:-"3e-2 1e-1"}
LRS_4000=${LRS_4000:-"1e-2 3e-2"}
LORA_LR=${LORA_LR:-3e-3}
FULL_LR=${FULL_LR:-1e-4}
COMMON=(--model data/finetune-pair/base --dataset reuters-r8 --data-dir data --train-limit 1000 --max-length 32
        --epochs 3 --batch-size 32)
scripts/fetch-finetune-pair.sh data/finetune-pair > /dev/null
scripts/fetch-text-datasets.sh data/text > /dev/null
mkdir -p "$OUT/runs"

run() {  # run NAME ARGS...: one train run unless it finished before
  local name=$1; shift
  if [[ -f "$OUT/runs/$name/run.json" ]]; then return; fi
  rm -rf "$OUT/runs/$name"
  echo "r8-finding: $name" >&2
  "$BIN" train "${COMMON[@]}" "$@" --out "$OUT/runs/$name" > "$OUT/runs/$name.log" 2>&1 || {
    echo "r8-finding: $name failed (see $OUT/runs/$name.log)" >&2; return 1; }
}

for s in $SEEDS; do run "full-s$s" --mode full --lr "$FULL_LR" --seed "$s"; done
# The subspace learning-rate search, per d on seed 0 (with per-tensor unit columns the offset of a
# tensor grows like √d·lr, so the best rate falls with d): LRS_<d> lists the rates tried at d.
declare -A BEST_LR
for d in $DS; do
  var="LRS_$d"; lrs=${!var:-$SEARCH_LRS}
  for lr in $lrs; do run "said-d$d-lr$lr-s0" --mode subspace --d "$d" --lr "$lr" --seed 0; done
  BEST_LR[$d]=$(python3 scripts/r8_finding.py best-lr "$OUT" "$d")
  echo "r8-finding: d = $d: learning rate ${BEST_LR[$d]} (best of $lrs on seed 0)" >&2
done
for r in $RANKS; do for s in $SEEDS; do run "lora-r$r-lr$LORA_LR-s$s" --mode lora --rank "$r" --lr "$LORA_LR" --seed "$s"; done; done
for d in $DS; do for s in $SEEDS; do run "said-d$d-lr${BEST_LR[$d]}-s$s" --mode subspace --d "$d" --lr "${BEST_LR[$d]}" --seed "$s"; done; done
# ΔW_full's spectra (seed 0 against the bare base: the new head is skipped) and the adapters of the
# largest rank against the full fine-tune and against each other (seeds 0 and 1).
R=${RANKS##* }
[[ -f "$OUT/rank-full-s0/rank_summary.csv" ]] || "$BIN" rank --base data/finetune-pair/base --tuned "$OUT/runs/full-s0" --out "$OUT/rank-full-s0" > "$OUT/rank-full-s0.log" 2>&1
[[ -f "$OUT/compare-r$R-s0-s1/compare_summary.csv" ]] || "$BIN" compare --base data/finetune-pair/base \
  --adapter "$OUT/runs/lora-r$R-lr$LORA_LR-s0/adapter" --adapter2 "$OUT/runs/lora-r$R-lr$LORA_LR-s1/adapter" \
  --tuned "$OUT/runs/full-s0" --out "$OUT/compare-r$R-s0-s1" > "$OUT/compare-r$R-s0-s1.log" 2>&1
python3 scripts/r8_finding.py summary "$OUT" --lora-lr "$LORA_LR" --rank "$R" > "$OUT/summary.md"
cat "$OUT/summary.md"
