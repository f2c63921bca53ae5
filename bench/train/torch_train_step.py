#!/usr/bin/env python3
"""One PyTorch CPU training step of the MNIST FC network of Li et al. 2018 (784-200-200-10, ReLU,
D = 199,210 parameters: nn.Linear fc1, fc2, fc3 in PyTorch layout, flattened in
`model.parameters()` order: fc1.weight, fc1.bias, fc2.weight, fc2.bias, fc3.weight, fc3.bias),
float32, on one synthetic batch (x uniform [0, 1) of shape [batch, 784], labels uniform in 0..9,
fixed seed; the same batch every step). Loss = softmax cross-entropy + (λ/2)·‖θ_D‖², λ = 1e-5;
Adam(lr 1e-3, betas (0.9, 0.99)), torch's default (CPU) Adam implementation.

    python3 bench/train/torch_train_step.py --mode full|fastfood|dense|lora [--d 750] [--rank 8] [--batch 128]
        [--steps 200] [--warmup 20] [--threads 2] [--seed 0] [--cache DIR] [--check] [--samples]

Modes:
- full: the standard step on all D parameters: opt.zero_grad(), model(x), loss, loss.backward(),
  opt.step().
- fastfood: subspace training, θ_D = θ⁰ + P·θ_d with θ_d ∈ R^d (zeros at the start, requires_grad,
  the only parameter Adam sees) and P the Fastfood projection of bench/projections/torch_fastfood.py
  (`TorchFastfood`: one block of L = 2^18, the pure-torch chunk/cat WHT of the
  intrinsic-dimensionality code, B/Π/G from the spec's Philox streams, imported, not copied).
  A step: opt.zero_grad(); δ = P·θ_d (TorchFastfood.apply, with grad); θ_D = θ⁰ + δ; the
  functional forward `torch.func.functional_call(model, views of θ_D, x)`; loss incl. the L2 on
  θ_D; loss.backward(); opt.step(). ∂loss/∂θ_d = Pᵀ·∂loss/∂θ_D comes from **plain autograd through
  TorchFastfood.apply** (pad, mul, chunk/cat, gather, div are all differentiable), as the
  intrinsic-dimensionality ports do it; no custom autograd.Function and no use of
  TorchFastfood.transpose in the timed step. `--check` verifies that gradient against the
  explicit adjoint TorchFastfood.transpose (reported as "grad_check", max|a − b| / max|b|).
- dense: the same with a materialised dense P (D × d float32, N(0, 1) entries from torch's own
  generator, columns scaled to unit norm; 199,210 × 750 × 4 B ≈ 598 MB), δ = torch.mv(P, θ_d),
  autograd (the backward is Pᵀ·g, one more pass over P).
- lora: LoRA with PEFT: the FC module wrapped by `peft.get_peft_model(model, LoraConfig(r=R,
  lora_alpha=R, target_modules=["fc1", "fc2", "fc3"], lora_dropout=0.0, bias="none"))`, so
  W = W0 + s·B·A with s = α/r = 1 on all three layers, PEFT's initialisation (A Kaiming-uniform,
  B zeros), W0 and the biases frozen; r·(784+200 + 200+200 + 200+10) trainable parameters
  (12,752 at r = 8). The L2 is on the LoRA factors only, as PEFT users get it: Adam over the
  trainable parameters with weight_decay=λ (λ·θ added to the gradient, the same as
  (λ/2)·‖A, B‖² in the loss). A step: opt.zero_grad(); model(x); cross-entropy; loss.backward();
  opt.step().

Timing: `--warmup` untimed steps (at least one), then `--steps` timed steps, each timed on its
own with time.perf_counter (torch on the CPU is synchronous); best = min and median = the
upper median over the timed steps, in seconds per step (childutil.time_calls, as the
projection children). Set-up (building P, the model, the data) is not timed.

Prints one JSON line: {"kernel": "train-step", "implementation": "torch", "model": "fc",
"mode", "projection", "d", "full_dim", "batch", "threads", "steps", "warmup", "best_seconds",
"median_seconds", "setup_seconds", "final_loss", "torch"} ("d" and "projection" are null in
modes full and lora; mode lora adds "rank", "alpha", "trainable_parameters" and "peft"). Exit 3
if torch is not installed (pip install 'torch==2.13.0+cpu'), or, in mode lora, peft
(pip install 'peft==0.21.2').
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "projections"))   # bench/projections
from childutil import emit, missing, time_calls  # noqa: E402

INSTALL = "pip install 'torch==2.13.0+cpu'"
INSTALL_PEFT = "pip install 'peft==0.21.2'"
LAYERS = (784, 200, 200, 10)
WEIGHT_DECAY = 1e-5          # λ of the (λ/2)·‖θ_D‖² term
LR, BETAS = 1e-3, (0.9, 0.99)
CLASSES = 10


def build_model(torch):
    nn, F = torch.nn, torch.nn.functional

    class FC(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(LAYERS[0], LAYERS[1])
            self.fc2 = nn.Linear(LAYERS[1], LAYERS[2])
            self.fc3 = nn.Linear(LAYERS[2], LAYERS[3])

        def forward(self, x):
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    return FC()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("full", "fastfood", "dense", "lora"), required=True)
    ap.add_argument("--d", type=int, default=750, help="subspace dimension (fastfood, dense; default 750)")
    ap.add_argument("--rank", type=int, default=8, help="LoRA rank r on fc1, fc2, fc3, α = r (lora; default 8)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=200, help="timed steps (default 200)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first (at least 1; default 20)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the data, θ⁰, dense P and Fastfood B/Π/G")
    ap.add_argument("--cache", default=None, help="directory for the Fastfood B/Π/G cache (ffparams)")
    ap.add_argument("--samples", action="store_true", help="also report every timed step (\"samples_seconds\")")
    ap.add_argument("--check", action="store_true",
                    help="also compare the autograd gradient of θ_d with the explicit Pᵀ·∂loss/∂θ_D")
    a = ap.parse_args()
    if a.steps < 1:
        ap.error("--steps must be >= 1")
    if a.mode == "lora" and a.rank < 1:
        ap.error("--rank must be >= 1")
    try:
        import torch
    except ImportError:
        missing("torch", INSTALL)
    if a.mode == "lora":
        try:
            import peft
        except ImportError as e:
            missing(f"peft ({e})", INSTALL_PEFT)
    F = torch.nn.functional
    torch.set_num_threads(a.threads)
    dtype = torch.float32
    torch.set_default_dtype(dtype)

    t0 = time.perf_counter()
    torch.manual_seed(a.seed)
    model = build_model(torch)
    D = sum(p.numel() for p in model.parameters())
    g = torch.Generator().manual_seed(a.seed + 1)
    x = torch.rand(a.batch, LAYERS[0], generator=g, dtype=dtype)
    y = torch.randint(0, CLASSES, (a.batch,), generator=g)
    half_lam = 0.5 * WEIGHT_DECAY
    state = {}

    if a.mode == "full":
        params = list(model.parameters())
        opt = torch.optim.Adam(params, lr=LR, betas=BETAS)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y) + half_lam * sum(p.pow(2).sum() for p in params)
            loss.backward()
            opt.step()
            state["loss"] = loss
    elif a.mode == "lora":
        config = peft.LoraConfig(r=a.rank, lora_alpha=a.rank, target_modules=["fc1", "fc2", "fc3"],
                                 lora_dropout=0.0, bias="none")
        model = peft.get_peft_model(model, config)
        params = [p for p in model.parameters() if p.requires_grad]
        trainable = sum(p.numel() for p in params)
        opt = torch.optim.Adam(params, lr=LR, betas=BETAS, weight_decay=WEIGHT_DECAY)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            state["loss"] = loss
    else:
        if a.d < 1 or a.d > D:
            ap.error(f"--d must be in 1 … {D}")
        names = [n for n, _ in model.named_parameters()]
        shapes = [p.shape for p in model.parameters()]
        sizes = [p.numel() for p in model.parameters()]
        theta0 = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
        for p in model.parameters():          # θ⁰ lives in theta0; the module only supplies forward()
            p.requires_grad_(False)
        if a.mode == "fastfood":
            from torch_fastfood import TorchFastfood
            ff = TorchFastfood(torch, D, a.d, dtype, a.seed, a.cache)
            project, project_t = ff.apply, ff.transpose
            length = ff.L
        else:
            P = torch.randn(D, a.d, generator=torch.Generator().manual_seed(a.seed + 2), dtype=dtype)
            P.div_(torch.linalg.vector_norm(P, dim=0, keepdim=True))
            project = lambda v: torch.mv(P, v)       # noqa: E731
            project_t = lambda w: torch.mv(P.t(), w)  # noqa: E731
            length = None
        theta_d = torch.zeros(a.d, dtype=dtype, requires_grad=True)
        opt = torch.optim.Adam([theta_d], lr=LR, betas=BETAS)

        def loss_of(theta):
            views = {n: t.view(s) for n, t, s in zip(names, torch.split(theta, sizes), shapes)}
            logits = torch.func.functional_call(model, views, (x,))
            return F.cross_entropy(logits, y) + half_lam * theta.pow(2).sum()

        def step():
            opt.zero_grad()
            theta = theta0 + project(theta_d)
            loss = loss_of(theta)
            loss.backward()
            opt.step()
            state["loss"] = loss
    setup = time.perf_counter() - t0

    for _ in range(max(0, a.warmup - 1)):
        step()
    best, median, samples = time_calls(step, a.steps)   # its one warm-up call is the last warm-up step

    subspace = a.mode in ("fastfood", "dense")
    fields = {"kernel": "train-step", "implementation": "torch", "model": "fc", "mode": a.mode,
              "projection": a.mode if subspace else None, "d": a.d if subspace else None,
              "full_dim": D, "batch": a.batch, "threads": torch.get_num_threads(), "steps": a.steps,
              "warmup": max(1, a.warmup), "best_seconds": best, "median_seconds": median,
              "setup_seconds": setup, "final_loss": float(state["loss"].item()), "torch": torch.__version__}
    if a.mode == "fastfood":
        fields["length"] = length
    if a.mode == "lora":
        fields.update(rank=a.rank, alpha=a.rank, trainable_parameters=trainable, peft=peft.__version__)
    if a.samples:
        fields["samples_seconds"] = samples
    if a.check and subspace:
        # autograd's ∂loss/∂θ_d vs the explicit adjoint Pᵀ·(∂loss/∂θ_D), at a nonzero θ_d
        v = (torch.randn(a.d, generator=torch.Generator().manual_seed(a.seed + 3), dtype=dtype) * 0.1)
        v.requires_grad_(True)
        theta = theta0 + project(v)
        g_d, g_D = torch.autograd.grad(loss_of(theta), [v, theta])
        with torch.no_grad():
            ref = project_t(g_D)
        fields["grad_check"] = float((g_d - ref).abs().max() / ref.abs().max().clamp_min(1e-30))
        if not math.isfinite(fields["grad_check"]) or fields["grad_check"] > 1e-4:
            emit(fields)
            print(f"gradient check failed: {fields['grad_check']:.3g}", file=sys.stderr)
            return 1
    emit(fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
