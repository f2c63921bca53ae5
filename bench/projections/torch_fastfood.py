#!/usr/bin/env python3
"""PyTorch CPU Fastfood in the style of the `intrinsic-dimensionality` code (Li et al. 2018 /
Aghajanyan et al. 2020 ports): the WHT is the usual pure-torch `fast_walsh_hadamard_torched`
— view the length-2^k vector as shape [1, 2, 2, …, 2, 1] and, for each of the k axes, split it
in two halves with torch.chunk and torch.cat((a + b, a − b)) — and P·x is

    ret = fwht(G · fwht(B · pad(x))[Π])[:D] / (divisor · √(D/L)),   divisor = √(L · Σ G²)

exactly as that code's `fastfood_torched` computes it (float32, no_grad). Pᵀ·y is timed two
ways: "transpose" = the explicit adjoint with the same primitives (scale, fwht, ·G, gather by
the inverse permutation, fwht, ·B, [:d]), which is what the table uses; and
"transpose_autograd" = y-weighted backward through the forward graph (how that code obtains
Pᵀ·y during training; forward untimed). B, Π, G are the spec's Philox streams (ffparams.py,
cached under --cache), so the outputs are the same P as ours and numpy's.

    python3 bench/projections/torch_fastfood.py --full-dim D --d N [--repeat R] [--threads 2]
        [--precision f32|f64] [--seed S] [--cache DIR] [--autograd-repeat N]

Install: pip install 'torch==2.13.0+cpu'. Prints {"kernel": "fastfood", "implementation":
"torch", "full_dim", "d", "length", "apply_best_seconds", "apply_median_seconds",
"transpose_best_seconds", "transpose_median_seconds", "transpose_autograd_best_seconds",
"transpose_autograd_median_seconds", "threads", "torch"}.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from childutil import emit, missing, time_calls  # noqa: E402

import numpy as np  # noqa: E402

import ffparams  # noqa: E402

INSTALL = "pip install 'torch==2.13.0+cpu'"


def fwht_torched(x, torch):
    """Unnormalised WHT along the only axis of a 1-D power-of-two tensor (natural order),
    one chunk + cat per stage; returns a new tensor."""
    n = x.shape[0]
    k = n.bit_length() - 1
    assert n == 1 << k
    ret = x.view([1] + [2] * k + [1])
    for ii in range(k):
        dim = ii + 1
        a, b = torch.chunk(ret, 2, dim=dim)
        ret = torch.cat((a + b, a - b), dim=dim)
    return ret.view(n)


class TorchFastfood:
    def __init__(self, torch, D: int, d: int, dtype, seed: int = 0, cache: str | None = None, params=None):
        self.torch = torch
        L = 1 << max(0, math.ceil(math.log2(D)))
        if d > L:
            raise ValueError("d > L")
        self.D, self.d, self.L = D, d, L
        B, perm, G = params if params is not None else ffparams.cached_block_params(seed, L, 0, cache)
        self.BB = torch.from_numpy(np.ascontiguousarray(B)).to(dtype)
        self.Pi = torch.from_numpy(perm.astype(np.int64))
        self.Pi_inv = torch.argsort(self.Pi)
        self.GG = torch.from_numpy(np.ascontiguousarray(G)).to(dtype)
        self.divisor = torch.sqrt(L * torch.sum(torch.pow(self.GG, 2)))
        self.post = self.divisor * math.sqrt(float(D) / L)

    def apply(self, x):
        torch, F = self.torch, self.torch.nn.functional
        dd_pad = F.pad(x, pad=(0, self.L - self.d), value=0, mode="constant")
        mul_1 = torch.mul(self.BB, dd_pad)
        mul_2 = fwht_torched(mul_1, torch)
        mul_3 = mul_2[self.Pi]
        mul_4 = torch.mul(mul_3, self.GG)
        mul_5 = fwht_torched(mul_4, torch)
        return torch.div(mul_5[: self.D], self.post)

    def transpose(self, y):
        torch, F = self.torch, self.torch.nn.functional
        t = F.pad(torch.div(y, self.post), pad=(0, self.L - self.D), value=0, mode="constant")
        t = fwht_torched(t, torch)
        t = torch.mul(t, self.GG)
        t = t[self.Pi_inv]                      # Πᵀ: (Πᵀw)[j] = w[perm⁻¹[j]]
        t = fwht_torched(t, torch)
        return torch.mul(t[: self.d], self.BB[: self.d])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full-dim", type=int, default=1 << 20)
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--precision", choices=("f32", "f64"), default="f32")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--autograd-repeat", type=int, default=2,
                    help="timed autograd backward calls (after one warm-up; 0 skips them; default 2)")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        missing("torch", INSTALL)
    torch.set_num_threads(a.threads)
    dtype = torch.float32 if a.precision == "f32" else torch.float64
    t0 = time.perf_counter()
    ff = TorchFastfood(torch, a.full_dim, a.d, dtype, a.seed, a.cache)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(a.d, generator=g, dtype=dtype)
    y = torch.randn(a.full_dim, generator=g, dtype=dtype)
    setup = time.perf_counter() - t0
    with torch.no_grad():
        ab, am, _ = time_calls(lambda: ff.apply(x), a.repeat)
        tb, tm, _ = time_calls(lambda: ff.transpose(y), a.repeat)
    fields = {"kernel": "fastfood", "implementation": "torch", "precision": a.precision, "full_dim": a.full_dim,
              "d": a.d, "length": ff.L, "blocks": 1, "apply_best_seconds": ab, "apply_median_seconds": am,
              "transpose_best_seconds": tb, "transpose_median_seconds": tm, "setup_seconds": setup,
              "threads": torch.get_num_threads(), "torch": torch.__version__}
    if a.autograd_repeat > 0:
        state = {}

        def forward():
            xv = x.clone().requires_grad_(True)
            state["x"], state["out"] = xv, ff.apply(xv)

        def backward():
            state["out"].backward(y)

        bb, bm, _ = time_calls(backward, a.autograd_repeat, before=forward)
        fields.update(transpose_autograd_best_seconds=bb, transpose_autograd_median_seconds=bm)
    emit(fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
