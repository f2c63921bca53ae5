#!/usr/bin/env python3
"""Reference implementation of `intrinsic-dim rank` in plain numpy (the benchmark baseline).

Usage: python3 numpy_rank.py --base BASE --tuned TUNED --out OUTDIR

BASE / TUNED: a .safetensors file, a model.safetensors.index.json, or a directory
(holding model.safetensors.index.json, or else its *.safetensors files).

This is deliberately what a researcher would write: load both checkpoints with
safetensors.numpy.load_file, pair tensors by name, ΔW = tuned.astype(float64) -
base.astype(float64), np.linalg.svd(ΔW, compute_uv=False), metrics from σ.
Single process, numpy's own (OpenBLAS) threading, no tricks.

Writes OUTDIR/rank_summary.csv
    tensor,rows,cols,dtype,fro_norm,spectral_norm,nuclear_norm,stable_rank,
    entropy_effective_rank,numerical_rank,energy_rank_50,energy_rank_90,
    energy_rank_95,energy_rank_99,rel_update
(no noise_rank) and OUTDIR/spectra.csv  tensor,index,sigma,energy_cumulative
(index is 1-based), in checkpoint (base) tensor order.

Skipped (reported on stderr): tensors in only one checkpoint, shape or dtype-kind
mismatches, non-float tensors (e.g. I64 position_ids), 0-D and 1-D tensors.
2-D tensors as stored (rows = shape[0]); >=3-D as (shape[0], prod(shape[1:])).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projections"))
from childutil import shard_files  # noqa: E402

import numpy as np  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

try:  # registers bfloat16 with numpy; safetensors returns BF16 tensors as ml_dtypes.bfloat16
    import ml_dtypes
    _BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    _BF16 = None

SUMMARY_COLUMNS = [
    "tensor", "rows", "cols", "dtype", "fro_norm", "spectral_norm", "nuclear_norm", "stable_rank",
    "entropy_effective_rank", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95",
    "energy_rank_99", "rel_update",
]
ENERGY_THRESHOLDS = (50, 90, 95, 99)
EPS = {"F64": 2.0 ** -52, "F32": 2.0 ** -23, "F16": 2.0 ** -23, "BF16": 2.0 ** -23}


def st_dtype(a: np.ndarray) -> str | None:
    """safetensors dtype name of a float array, or None for a non-float one."""
    if _BF16 is not None and a.dtype == _BF16:
        return "BF16"
    return {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}.get(a.dtype)


def load_checkpoint(path: str) -> dict[str, np.ndarray]:
    tensors: dict[str, np.ndarray] = {}
    files = shard_files(path)
    if not files:
        raise SystemExit(f"{path}: no .safetensors files in directory")
    for f in files:
        tensors.update(load_file(f))
    return tensors


def metrics(sigma: np.ndarray, rows: int, cols: int, dtype: str, base_fro: float) -> dict:
    """All rank_summary metrics from the singular values (descending) of ΔW."""
    out = {}
    if sigma.size == 0 or sigma[0] == 0.0:
        out.update(fro_norm=0.0, spectral_norm=0.0, nuclear_norm=0.0, stable_rank=0.0,
                   entropy_effective_rank=0.0, numerical_rank=0, rel_update=0.0)
        for t in ENERGY_THRESHOLDS:
            out[f"energy_rank_{t}"] = 0
        return out, np.zeros_like(sigma)
    sq = sigma * sigma
    cum = np.cumsum(sq)
    total = cum[-1]
    s1 = float(sigma[0])
    nuc = float(np.sum(sigma))
    p = sigma / nuc
    p = p[p > 0]
    out["fro_norm"] = math.sqrt(total)
    out["spectral_norm"] = s1
    out["nuclear_norm"] = nuc
    out["stable_rank"] = float(total / (s1 * s1))
    out["entropy_effective_rank"] = math.exp(float(-np.sum(p * np.log(p))))
    out["numerical_rank"] = int(np.count_nonzero(sigma > s1 * max(rows, cols) * EPS[dtype]))
    for t in ENERGY_THRESHOLDS:
        out[f"energy_rank_{t}"] = int(np.searchsorted(cum, t / 100.0 * total, side="left")) + 1
    out["rel_update"] = out["fro_norm"] / base_fro if base_fro > 0 else math.inf
    return out, cum / total


def fmt(x) -> str:
    return repr(float(x)) if isinstance(x, (float, np.floating)) else str(x)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="numpy reference for `intrinsic-dim rank`")
    ap.add_argument("--base", required=True)
    ap.add_argument("--tuned", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)

    base = load_checkpoint(a.base)
    tuned = load_checkpoint(a.tuned)
    os.makedirs(a.out, exist_ok=True)

    only_base = [k for k in base if k not in tuned]
    only_tuned = [k for k in tuned if k not in base]
    for k in only_base:
        print(f"skip {k}: only in base", file=sys.stderr)
    for k in only_tuned:
        print(f"skip {k}: only in tuned", file=sys.stderr)

    n_done = 0
    with open(os.path.join(a.out, "rank_summary.csv"), "w", newline="") as fs, \
         open(os.path.join(a.out, "spectra.csv"), "w", newline="") as fsp:
        ws = csv.writer(fs, lineterminator="\n")
        wsp = csv.writer(fsp, lineterminator="\n")
        ws.writerow(SUMMARY_COLUMNS)
        wsp.writerow(["tensor", "index", "sigma", "energy_cumulative"])
        for name, wb in base.items():
            if name not in tuned:
                continue
            wt = tuned[name]
            db, dt = st_dtype(wb), st_dtype(wt)
            if db is None or dt is None:
                print(f"skip {name}: non-float dtype ({wb.dtype}, {wt.dtype})", file=sys.stderr)
                continue
            if wb.shape != wt.shape:
                print(f"skip {name}: shape mismatch {wb.shape} vs {wt.shape}", file=sys.stderr)
                continue
            if wb.ndim < 2:
                continue  # 1-D (biases, norms) and scalars: no spectrum
            rows = wb.shape[0]
            cols = int(np.prod(wb.shape[1:]))
            dtype = db if db == dt else (dt if db == "F64" else db)  # eps of the less precise one
            b64 = wb.astype(np.float64).reshape(rows, cols)
            dw = wt.astype(np.float64).reshape(rows, cols) - b64
            base_fro = float(np.linalg.norm(b64))
            del b64
            sigma = np.linalg.svd(dw, compute_uv=False)
            del dw
            m, ecum = metrics(sigma, rows, cols, dtype, base_fro)
            m.update(tensor=name, rows=rows, cols=cols, dtype=dtype)
            ws.writerow([fmt(m[c]) for c in SUMMARY_COLUMNS])
            for i, (s, e) in enumerate(zip(sigma, ecum), start=1):
                wsp.writerow([name, i, repr(float(s)), repr(float(e))])
            n_done += 1
    print(f"{n_done} tensors analysed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
