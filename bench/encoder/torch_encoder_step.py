#!/usr/bin/env python3
"""One PyTorch CPU fine-tuning step of a BERT-family encoder (MiniLM: data/finetune-pair/base),
`transformers.BertForSequenceClassification.from_pretrained(DIR, num_labels=8)` in train mode
(dropout on), float32, on one synthetic batch (the same batch every step):

- input_ids [batch, length]: [CLS] (101) first, [SEP] (102) last, the rest uniform in
  1000 … vocab−1 from torch.Generator seed --seed; token_type_ids 0; attention_mask all ones
  (no padding: both sides run the same dense batch); labels uniform in 0 … labels−1.

    python3 bench/encoder/torch_encoder_step.py --model DIR --mode full|said|lora [--d 1000] [--rank 8]
        [--targets query,value] [--batch 32] [--length 64] [--steps 10] [--warmup 3] [--threads 2]
        [--labels 8] [--seed 0] [--check] [--samples]

Modes (each step: opt.zero_grad(); forward with labels (transformers' cross-entropy);
loss.backward(); opt.step()):
- full: every parameter, torch.optim.AdamW(lr 1e-4, weight_decay 0.01) (torch's default CPU
  AdamW: foreach).
- said: SAID, d = --d (counting the per-tensor λs), over every parameter of the model
  (bench/encoder/torch_said.py: per-tensor Fastfood after Aghajanyan et al.'s code, the pure-torch
  WHT); θ = θ⁰ + λₜ·Pₜθ' recomputed every step and fed to `torch.func.functional_call`; AdamW
  (same settings) over θ' and λ only. `--check` compares autograd's ∂loss/∂θ' and ∂loss/∂λ with
  the explicit Σₜ λₜ·Pₜᵀ·gₜ and ⟨Pₜθ', gₜ⟩ (gₜ = ∂loss/∂θₜ by autograd) at a nonzero θ', with
  dropout off ("grad_check", max |a − b| / max |b|).
- lora: `peft.get_peft_model(model, LoraConfig(task_type="SEQ_CLS", r=R, lora_alpha=R,
  target_modules=TARGETS))` (PEFT's defaults otherwise: lora_dropout 0, bias "none"; SEQ_CLS
  trains the classifier in full as modules_to_save), AdamW (same settings) over the trainable
  parameters.

Timing: --warmup untimed steps (at least one), then --steps steps each timed on its own
(time.perf_counter; CPU torch is synchronous): best = min, median = upper median. Loading the
model and building the Fastfood parameters is "setup_seconds", not timed per step.

Prints one JSON line: {"kernel": "encoder-step", "implementation": "torch", "mode", "trainable",
"full_dim", "batch", "length", "threads", "steps", "warmup", "setup_seconds", "best_seconds",
"median_seconds", "final_loss", "attn_implementation", "torch", "transformers"} (said adds "d",
"tensors", "fastfood_lengths_sum"; lora adds "rank", "alpha", "targets", "peft"). Exit 3 if torch,
transformers or (lora) peft is missing.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "projections"))   # bench/projections
sys.path.insert(0, HERE)
from childutil import emit, missing  # noqa: E402

INSTALL = "pip install 'torch==2.13.0+cpu' 'transformers==5.24.0'"
INSTALL_PEFT = "pip install 'peft==0.21.2'"
LR, WEIGHT_DECAY = 1e-4, 0.01
CLS, SEP, FIRST_WORD = 101, 102, 1000


def timed_steps(step, warmup: int, steps: int):
    for _ in range(max(1, warmup)):
        step()
    samples = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        samples.append(time.perf_counter() - t0)
    s = sorted(samples)
    return s[0], s[len(s) // 2], samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face BERT folder (config.json, model.safetensors)")
    ap.add_argument("--mode", choices=("full", "said", "lora"), required=True)
    ap.add_argument("--d", type=int, default=1000, help="SAID d, the λs included (said; default 1000)")
    ap.add_argument("--rank", type=int, default=8, help="LoRA r, α = r (lora; default 8)")
    ap.add_argument("--targets", default="query,value", help="LoRA target modules (lora; default query,value)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--length", type=int, default=64)
    ap.add_argument("--labels", type=int, default=8)
    ap.add_argument("--steps", type=int, default=10, help="timed steps (default 10)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first (at least 1; default 3)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the batch, the head and SAID's B/Π/G")
    ap.add_argument("--samples", action="store_true", help="also report every timed step")
    ap.add_argument("--check", action="store_true", help="said: check autograd's ∂loss/∂(θ', λ) against Pᵀ")
    a = ap.parse_args()
    if a.steps < 1 or a.batch < 1 or a.length < 2 or a.labels < 2:
        ap.error("--steps, --batch must be >= 1, --length and --labels >= 2")
    try:
        import torch
        import transformers
    except ImportError as e:
        missing(f"torch/transformers ({e})", INSTALL)
    if a.mode == "lora":
        try:
            import peft
        except ImportError as e:
            missing(f"peft ({e})", INSTALL_PEFT)
    torch.set_num_threads(a.threads)
    transformers.logging.set_verbosity_error()   # "newly initialized: classifier…" is expected

    t0 = time.perf_counter()
    torch.manual_seed(a.seed)                    # the new head's initialisation
    model = transformers.BertForSequenceClassification.from_pretrained(a.model, num_labels=a.labels)
    model.train()
    D = sum(p.numel() for p in model.parameters())
    g = torch.Generator().manual_seed(a.seed + 1)
    vocab = model.config.vocab_size
    ids = torch.randint(FIRST_WORD, vocab, (a.batch, a.length), generator=g)
    ids[:, 0], ids[:, -1] = CLS, SEP
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
             "token_type_ids": torch.zeros_like(ids),
             "labels": torch.randint(0, a.labels, (a.batch,), generator=g)}
    state: dict = {}
    fields: dict = {}

    if a.mode == "full":
        params = list(model.parameters())
        trainable = D
        opt = torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)

        def step():
            opt.zero_grad()
            loss = model(**batch).loss
            loss.backward()
            opt.step()
            state["loss"] = loss
    elif a.mode == "lora":
        targets = [t.strip() for t in a.targets.split(",") if t.strip()]
        config = peft.LoraConfig(task_type="SEQ_CLS", r=a.rank, lora_alpha=a.rank, target_modules=targets)
        model = peft.get_peft_model(model, config)
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        trainable = sum(p.numel() for p in params)
        opt = torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)
        fields.update(rank=a.rank, alpha=a.rank, targets=targets, peft=peft.__version__)

        def step():
            opt.zero_grad()
            loss = model(**batch).loss
            loss.backward()
            opt.step()
            state["loss"] = loss
    else:
        from torch_said import SAID
        named = list(model.named_parameters())
        for _, p in named:
            p.requires_grad_(False)              # θ⁰ lives in SAID; the module only supplies forward()
        said = SAID(torch, named, a.d, seed=a.seed + 2)
        trainable = a.d
        opt = torch.optim.AdamW(said.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
        fields.update(d=a.d, tensors=said.T, fastfood_lengths_sum=sum(said.lengths))
        call = torch.func.functional_call

        def step():
            opt.zero_grad()
            loss = call(model, said.views(), args=(), kwargs=batch).loss
            loss.backward()
            opt.step()
            state["loss"] = loss
    setup = time.perf_counter() - t0

    best, median, samples = timed_steps(step, a.warmup, a.steps)
    fields.update({"kernel": "encoder-step", "implementation": "torch", "mode": a.mode, "trainable": trainable,
                   "full_dim": D, "batch": a.batch, "length": a.length, "threads": torch.get_num_threads(),
                   "steps": a.steps, "warmup": max(1, a.warmup), "setup_seconds": setup, "best_seconds": best,
                   "median_seconds": median, "final_loss": float(state["loss"].item()),
                   "attn_implementation": getattr(model.config, "_attn_implementation", None),
                   "torch": torch.__version__, "transformers": transformers.__version__})
    if a.samples:
        fields["samples_seconds"] = samples
    if a.check and a.mode == "said":
        model.eval()                             # dropout off: the same function twice
        tp = (torch.randn(said.inner, generator=torch.Generator().manual_seed(a.seed + 3)) * 0.01).requires_grad_(True)
        lam = (1 + 0.1 * torch.randn(said.T, generator=torch.Generator().manual_seed(a.seed + 4))).requires_grad_(True)
        views = said.views(tp, lam)
        thetas = list(views.values())
        loss = call(model, views, args=(), kwargs=batch).loss
        grads = torch.autograd.grad(loss, [tp, lam] + thetas)
        g_tp, g_lam, g_t = grads[0], grads[1], grads[2:]
        with torch.no_grad():
            ref_tp = sum(lam[t] * said.project_t(t, g_t[t].reshape(-1)) for t in range(said.T))
            ref_lam = torch.stack([torch.dot(said.project(t, tp), g_t[t].reshape(-1)) for t in range(said.T)])
        err = lambda x, r: float((x - r).abs().max() / r.abs().max().clamp_min(1e-30))  # noqa: E731
        fields["grad_check"] = max(err(g_tp, ref_tp), err(g_lam, ref_lam))
        if not math.isfinite(fields["grad_check"]) or fields["grad_check"] > 1e-3:
            emit(fields)
            print(f"gradient check failed: {fields['grad_check']:.3g}", file=sys.stderr)
            return 1
    emit(fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
