"""SAID (Aghajanyan et al. 2020, "Intrinsic Dimensionality Explains the Effectiveness of Language
Model Fine-Tuning") in PyTorch, written after the authors' published `intrinsic.py`
(`IntrinsicDimensionLight`, `fastfood_vars`, `fastfood_torched`, `FastWalshHadamard`; we read the
copy distributed with Karimi Mahabadi et al.'s Compacter, github.com/rabeehk/compacter,
seq2seq/projections/intrinsic.py at e123daaaee59488e305297b9685c084edc07b5c0). Standard library
and torch only; imported by torch_encoder_step.py (the harness never imports it).

Per trained tensor t (every parameter of the model, embeddings included; Dₜ entries):

- its own Fastfood parameters, drawn like `fastfood_vars`: Lₜ a power of two, Bₜ ∈ {±1}^Lₜ,
  Πₜ a random permutation of Lₜ, Gₜ ~ N(0, 1)^Lₜ, divisorₜ = √(Lₜ · Σ Gₜ²);
- Pₜ·θ' = H·(Gₜ ⊙ (H·(Bₜ ⊙ pad(θ')))[Πₜ])[:Dₜ] / (divisorₜ · √(Dₜ / Lₜ)), H the unnormalised
  Walsh–Hadamard transform, as `fastfood_torched` computes it;
- θₜ = θ⁰ₜ + λₜ · Pₜ·θ' (SAID's per-tensor scale λₜ, starting at 1; θ' starts at 0).

d counts the λs: θ' has d − T entries for T tensors (the reference subtracts the number of
parameters from d the same way). θ' and λ are the only trainable tensors.

The WHT is the reference's CPU path, the pure-torch `fast_walsh_hadamard_torched` (reshape to
[1, 2, …, 2, 1], torch.chunk + torch.cat((a + b, a − b)) per axis; `fwht_torched` of
bench/projections/torch_fastfood.py, imported, not copied), wrapped as in the reference in a
`torch.autograd.Function` whose backward is the same WHT of the incoming gradient (H is symmetric).
Gradients to θ' and λ come from autograd through everything else (pad, ⊙B, gather by Π, ⊙G, slice,
division, ⊙λ, +θ⁰).

Two deliberate differences from the reference, neither changing the work per step:
1. Lₜ = 2^⌈log₂ max(Dₜ, d − T)⌉ instead of 2^⌈log₂ Dₜ⌉. With the reference's Lₜ a tensor smaller
   than θ' (a bias of 384 entries with d − T = 895) gets a negative `F.pad`, which silently crops θ'
   to its first Lₜ entries; here every tensor sees all of θ' (as ours: PerTensorProjection's Lₜ).
2. The WHT's backward is exactly Hᵀ = H. The reference's CPU backward also multiplies by 1/√L
   (the factor it saves in forward), which rescales the gradients but costs the same.
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projections"))
from torch_fastfood import fwht_torched  # noqa: E402


def fastfood_length(size: int, d: int) -> int:
    """Lₜ = 2^⌈log₂ max(size, d)⌉."""
    n = max(size, d, 1)
    return 1 << (n - 1).bit_length()


class SAID:
    """SAID over `named_params` (name → tensor, in the model's order), θ' of length d − T.

    `views()` returns name → θₜ (θ⁰ₜ + λₜ·Pₜθ', differentiable in θ' and λ) for
    torch.func.functional_call; `parameters()` is [θ', λ] for the optimiser."""

    def __init__(self, torch, named_params, d: int, seed: int = 1997):
        self.torch = torch
        F = torch.nn.functional
        self.names = [n for n, _ in named_params]
        self.T = len(self.names)
        if d <= self.T:
            raise ValueError(f"SAID's d = {d} must exceed its {self.T} per-tensor scales")
        self.d = d
        self.inner = d - self.T
        gen = torch.Generator().manual_seed(seed)
        self.theta0, self.shapes, self.params = [], [], []
        for _, p in named_params:
            v0 = p.detach().clone()
            D = v0.numel()
            L = fastfood_length(D, self.inner)
            BB = torch.randint(0, 2, (L,), generator=gen).to(v0.dtype) * 2 - 1
            Pi = torch.randperm(L, generator=gen)
            GG = torch.randn(L, generator=gen, dtype=v0.dtype)
            divisor = torch.sqrt(L * torch.sum(GG * GG))
            post = divisor * math.sqrt(D / L)
            self.theta0.append(v0)
            self.shapes.append(v0.shape)
            self.params.append((D, L, BB, Pi, GG, post))
        self.theta_prime = torch.zeros(self.inner, dtype=self.theta0[0].dtype, requires_grad=True)
        self.lam = torch.ones(self.T, dtype=self.theta0[0].dtype, requires_grad=True)
        self._pad = F.pad

        class FastWalshHadamard(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return fwht_torched(x, torch)

            @staticmethod
            def backward(ctx, g):
                return fwht_torched(g.contiguous(), torch)

        self._wht = FastWalshHadamard.apply

    @property
    def lengths(self) -> list[int]:
        return [p[1] for p in self.params]

    def parameters(self):
        return [self.theta_prime, self.lam]

    def project(self, t: int, x):
        """Pₜ·x for x of length d − T (differentiable)."""
        torch = self.torch
        D, L, BB, Pi, GG, post = self.params[t]
        h = self._pad(x, pad=(0, L - x.shape[0]), value=0.0, mode="constant") * BB
        h = self._wht(h)
        h = h[Pi] * GG
        h = self._wht(h)
        return torch.div(h[:D], post)

    def project_t(self, t: int, y):
        """Pₜᵀ·y for y of length Dₜ (explicit adjoint, no autograd; for --check)."""
        torch = self.torch
        D, L, BB, Pi, GG, post = self.params[t]
        h = self._pad(y / post, pad=(0, L - D), value=0.0, mode="constant")
        h = fwht_torched(h, torch) * GG
        w = torch.empty_like(h)
        w[Pi] = h                                   # Πᵀ
        return (fwht_torched(w, torch) * BB)[: self.inner]

    def views(self, theta_prime=None, lam=None):
        theta_prime = self.theta_prime if theta_prime is None else theta_prime
        lam = self.lam if lam is None else lam
        return {n: self.theta0[t] + lam[t] * self.project(t, theta_prime).view(self.shapes[t])
                for t, n in enumerate(self.names)}
