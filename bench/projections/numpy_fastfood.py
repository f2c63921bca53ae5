#!/usr/bin/env python3
"""Fastfood P·x and Pᵀ·y in plain numpy: the vectorised implementation a researcher would
write from the formula of Sources/Projections/Documentation.docc/RandomStreams.md,

    P·x = (H G Π H B · pad(x))[:D] / (‖G‖ · √L · √(D/L)),   L = 2^⌈log₂ D⌉,

H the unnormalised Walsh–Hadamard matrix in natural (Sylvester) order, (Πv)[k] = v[perm[k]];
Pᵀ·y is the exact adjoint (scale, H, G, Πᵀ, H, B, first d entries). Stacked blocks (a block
length below 2^⌈log₂ D⌉) are supported as the spec defines them.

    python3 bench/projections/numpy_fastfood.py --full-dim D --d N [--precision f32|f64]
        [--repeat R] [--seed S] [--block-length L] [--cache DIR]
    python3 bench/projections/numpy_fastfood.py --kernel wht --log2-length K [--precision ..] [--repeat R]

The WHT is in place, stage by stage, with the reshape trick: for h = 1, 2, 4, …, view the
array as (-1, 2, h) and replace (a, b) by (a + b, a − b) with a scratch half-array (copy a,
a += b, b = copy − b) — three vectorised ufunc calls per stage, no Python loop over elements.
(Ping-pong between two buffers is as fast; np.concatenate per stage is 1.1–1.8× slower.)
B, Π (and Πᵀ as the inverse permutation, so both directions gather with np.take), G, the
scale and all work buffers are precomputed; only the two transforms are timed, each with
one warm-up call, writing into a preallocated output. B, Π, G are the spec's Philox
streams (ffparams.py), cached under --cache.

Prints {"kernel": "fastfood", "implementation": "numpy", "full_dim", "d", "length", "blocks",
"precision", "apply_best_seconds", "apply_median_seconds", "transpose_best_seconds",
"transpose_median_seconds", "setup_seconds"} (or the WHT fields of `benchmark wht`).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from childutil import emit, time_calls  # noqa: E402

import numpy as np  # noqa: E402

import ffparams  # noqa: E402


def wht_inplace(x: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """Unnormalised WHT (natural order) of the 1-D power-of-two array x, in place."""
    n = x.shape[0]
    half = scratch[: n // 2]
    h = 1
    while h < n:
        v = x.reshape(-1, 2, h)
        a, b = v[:, 0, :], v[:, 1, :]
        t = half.reshape(-1, h)
        np.copyto(t, a)
        a += b
        np.subtract(t, b, out=b)
        h *= 2
    return x


class NumpyFastfood:
    def __init__(self, D: int, d: int, dtype=np.float32, seed: int = 0, block_length: int | None = None,
                 cache: str | None = None, params=None):
        L = block_length or (1 << max(0, math.ceil(math.log2(D))))
        if L & (L - 1) or d > L:
            raise ValueError(f"block length {L} must be a power of two >= d = {d}")
        self.D, self.d, self.L, self.dtype = D, d, L, dtype
        self.nb = -(-D // L)
        self.blocks = []
        for b in range(self.nb):
            B, perm, G = params[b] if params is not None else ffparams.cached_block_params(seed, L, b, cache)
            inv = np.empty_like(perm)
            inv[perm] = np.arange(L, dtype=perm.dtype)
            # 1/(‖G_b‖·√L·√(D/L)), in float64, then rounded once
            scale = 1.0 / (math.sqrt(float(np.dot(G, G))) * math.sqrt(L) * math.sqrt(D / L))
            self.blocks.append((B[:d].astype(dtype), perm.astype(np.intp), inv.astype(np.intp),
                                G.astype(dtype), dtype(scale)))
        self.buf = np.zeros(L, dtype=dtype)
        self.buf2 = np.zeros(L, dtype=dtype)
        self.scratch = np.zeros(L // 2 + 1, dtype=dtype)
        self.acc = np.zeros(d, dtype=dtype)

    def apply(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        L, d, D = self.L, self.d, self.D
        buf, buf2 = self.buf, self.buf2
        for b, (Bd, perm, _inv, G, scale) in enumerate(self.blocks):
            np.multiply(x, Bd, out=buf[:d])                 # B · pad(x)
            buf[d:] = 0
            wht_inplace(buf, self.scratch)                  # H
            np.take(buf, perm, out=buf2)                    # Π: (Πv)[k] = v[perm[k]]
            buf2 *= G                                       # G
            wht_inplace(buf2, self.scratch)                 # H
            rows = min(L, D - b * L)
            np.multiply(buf2[:rows], scale, out=out[b * L:b * L + rows])
        return out

    def transpose(self, y: np.ndarray, out: np.ndarray) -> np.ndarray:
        L, d, D = self.L, self.d, self.D
        buf, buf2 = self.buf, self.buf2
        out[:] = 0
        for b, (Bd, _perm, inv, G, scale) in enumerate(self.blocks):
            rows = min(L, D - b * L)
            np.multiply(y[b * L:b * L + rows], scale, out=buf[:rows])   # scale · pad(y)
            buf[rows:] = 0
            wht_inplace(buf, self.scratch)                  # H
            buf *= G                                        # G
            np.take(buf, inv, out=buf2)                     # Πᵀ: u[perm[k]] = w[k]
            wht_inplace(buf2, self.scratch)                 # H
            np.multiply(buf2[:d], Bd, out=self.acc)         # B, first d entries
            out += self.acc
        return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", choices=("fastfood", "wht"), default="fastfood")
    ap.add_argument("--full-dim", type=int, default=1 << 20)
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--log2-length", type=int, default=20, help="(--kernel wht)")
    ap.add_argument("--precision", choices=("f32", "f64"), default="f32")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--block-length", type=int, default=None)
    ap.add_argument("--cache", default=None, help="directory for the B/Π/G cache (default: none)")
    a = ap.parse_args()
    dtype = np.float32 if a.precision == "f32" else np.float64

    if a.kernel == "wht":
        n = 1 << a.log2_length
        x = ((np.arange(n) % 7) - 3).astype(dtype) * dtype(1e-3)
        scratch = np.empty(n // 2 + 1, dtype=dtype)
        best, med, _ = time_calls(lambda: wht_inplace(x, scratch), a.repeat)
        emit({"kernel": "wht", "implementation": "numpy", "precision": a.precision, "length": n,
              "best_seconds": best, "median_seconds": med, "ns_per_element_best": best / n * 1e9,
              "numpy": np.__version__})
        return 0

    t0 = time.perf_counter()
    ff = NumpyFastfood(a.full_dim, a.d, dtype, a.seed, a.block_length, a.cache)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(a.d).astype(dtype)
    y = rng.standard_normal(a.full_dim).astype(dtype)
    px = np.zeros(a.full_dim, dtype=dtype)
    pty = np.zeros(a.d, dtype=dtype)
    setup = time.perf_counter() - t0
    ab, am, _ = time_calls(lambda: ff.apply(x, px), a.repeat)
    tb, tm, _ = time_calls(lambda: ff.transpose(y, pty), a.repeat)
    emit({"kernel": "fastfood", "implementation": "numpy", "precision": a.precision, "full_dim": a.full_dim,
          "d": a.d, "length": ff.L, "blocks": ff.nb, "apply_best_seconds": ab, "apply_median_seconds": am,
          "transpose_best_seconds": tb, "transpose_median_seconds": tm, "setup_seconds": setup,
          "numpy": np.__version__})
    return 0


if __name__ == "__main__":
    sys.exit(main())
