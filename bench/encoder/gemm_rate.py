#!/usr/bin/env python3
"""This machine's single-precision GEMM rate at --threads threads, for the FLOP floor of an
encoder step: best of --repeat calls (after one warm-up) of

- numpy `a @ b` in float32 (numpy's bundled OpenBLAS sgemm; OPENBLAS_NUM_THREADS is set to
  --threads before numpy is imported unless it is already set), square n = 2048, and the
  step's largest GEMM shape, [tokens × hidden] · [hidden × intermediate] (2048 × 384 · 384 × 1536
  for MiniLM at batch 32 × 64);
- torch.mm in float32 at torch.set_num_threads(--threads) on the same shapes (if torch is installed).

    python3 bench/encoder/gemm_rate.py [--threads 2] [--repeat 5] [--m 2048 --k 384 --n 1536]

Prints one JSON line: {"kernel": "gemm-rate", "threads", "rates": {"numpy square": GFLOP/s, …},
"best_gflops", "best_source", "numpy", "torch"}; FLOPs = 2·m·k·n per call.
"""
from __future__ import annotations

import argparse
import json
import os
import time


def best_time(fn, repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--square", type=int, default=2048)
    ap.add_argument("--m", type=int, default=2048)
    ap.add_argument("--k", type=int, default=384)
    ap.add_argument("--n", type=int, default=1536)
    a = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
    import numpy as np
    shapes = {"square": (a.square, a.square, a.square), "step": (a.m, a.k, a.n)}
    rates: dict[str, float] = {}
    rng = np.random.default_rng(0)
    for name, (m, k, n) in shapes.items():
        x = rng.standard_normal((m, k), dtype=np.float32)
        y = rng.standard_normal((k, n), dtype=np.float32)
        out = np.empty((m, n), dtype=np.float32)
        t = best_time(lambda: np.matmul(x, y, out=out), a.repeat)
        rates[f"numpy {name} {m}×{k}·{k}×{n}"] = 2 * m * k * n / t / 1e9
    torch_version = None
    try:
        import torch
        torch.set_num_threads(a.threads)
        torch_version = torch.__version__
        for name, (m, k, n) in shapes.items():
            x = torch.randn(m, k)
            y = torch.randn(k, n)
            out = torch.empty(m, n)
            t = best_time(lambda: torch.mm(x, y, out=out), a.repeat)
            rates[f"torch {name} {m}×{k}·{k}×{n}"] = 2 * m * k * n / t / 1e9
    except ImportError:
        pass
    src = max(rates, key=rates.get)
    print(json.dumps({"kernel": "gemm-rate", "threads": a.threads, "repeat": a.repeat, "rates": rates,
                      "best_gflops": rates[src], "best_source": src, "numpy": np.__version__,
                      "torch": torch_version,
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
