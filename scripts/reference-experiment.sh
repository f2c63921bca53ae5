#!/usr/bin/env bash
# Reproduces the fine-tuning experiment recorded in data/reference/finetune-fc-fashion-to-mnist
# (see BENCHMARKS.md): FC pretrained on Fashion-MNIST, fine-tuned on MNIST fully, in Fastfood
# subspaces and with LoRA, 3 seeds, 10 epochs, Adam 1e-3 everywhere.
#
#   scripts/reference-experiment.sh [WORKDIR]     (default /tmp/intrinsic-dim-experiment)
#
# Killed, it resumes where it stopped when run again (the experiment's own resume).
set -euo pipefail
work="${1:-/tmp/intrinsic-dim-experiment}"
bin="${INTRINSIC_DIM_BIN:-.build/release/intrinsic-dim}"
[ -x "$bin" ] || { echo "build first: make release" >&2; exit 1; }
"$bin" experiment finetune --model fc --pretrain fashion-mnist --task mnist --data-dir data \
  --d 25,50,100,200,400,800,1600 --ranks 1,2,4,8,16,64 --seeds 3 --epochs 10 --pretrain-epochs 10 \
  --lr 0.001 --subspace-lr 0.001 --lora-lr 0.001 --out "$work"
dest=data/reference/finetune-fc-fashion-to-mnist
rm -rf "$dest"
mkdir -p "$dest/subspace" "$dest/lora" "$dest/rank" "$dest/compare"
cp "$work/experiment.csv" "$work/experiment.json" "$dest/"
for part in subspace lora; do cp "$work/$part/sweep.csv" "$work/$part/d_int90.json" "$work/$part/journal.jsonl" "$dest/$part/"; done
for d in "$work"/rank/seed*; do cp "$d/rank_summary.csv" "$dest/rank/$(basename "$d")-rank_summary.csv"; done
for d in "$work"/compare/*; do
  cp "$d/compare_summary.csv" "$dest/compare/$(basename "$d")-compare_summary.csv"
  cp "$d/subspace_similarity.csv" "$dest/compare/$(basename "$d")-subspace_similarity.csv"
done
mkdir -p "$dest/extract"
for d in "$work"/extract/seed*/*; do
  cp "$d/extraction.csv" "$dest/extract/$(basename "$(dirname "$d")")-$(basename "$d")-extraction.csv"
done
echo "copied into $dest"
