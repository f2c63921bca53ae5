#!/usr/bin/env python3
"""Write a deterministic synthetic base/fine-tuned checkpoint pair for `intrinsic-dim rank` benchmarks.

Usage: python3 make_synthetic_pair.py OUTDIR [--tensors 24] [--seed 1234]

Writes
    OUTDIR/bf16/base.safetensors   OUTDIR/bf16/tuned.safetensors
    OUTDIR/f32/base.safetensors    OUTDIR/f32/tuned.safetensors
and OUTDIR/COMPLETE (a marker holding the generation parameters, written last).

Each file holds N 2-D tensors `layers.{i}.mlp.weight` whose shapes cycle over
1024x1024, 2048x1024, 3072x1024, 4096x1024 (24 tensors = 60 Mi elements:
240 MiB per F32 file, 120 MiB per BF16 file).

    base  ~ N(0, 0.02^2)
    tuned = base + U diag(s) V^T + noise
        U (rows x 16), V (cols x 16) ~ N(0, 1); s_k = 2^(-k/4), scaled so that the
        low-rank update has entries of RMS ~1e-3 (a relative update of ~5 %),
        noise ~ N(0, (1e-4)^2) dense.

The BF16 pair is the F32 pair rounded to bfloat16 (ml_dtypes, round-to-nearest-even),
so its ΔW also carries BF16 quantisation noise, as a real BF16 fine-tune would.

The files are written tensor by tensor straight to disk (the safetensors header is
computed up front from the shapes), so peak memory is a few tensors, not a whole
checkpoint.  Every tensor has its own seed (seed, i): the output is byte-for-byte
reproducible.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import numpy as np
import ml_dtypes

SHAPES = [(1024, 1024), (2048, 1024), (3072, 1024), (4096, 1024)]
UPDATE_RANK = 16
BASE_STD = 0.02
UPDATE_RMS = 1e-3
NOISE_STD = 1e-4

DTYPES = {
    # subdir: (safetensors dtype, numpy dtype, bytes per element)
    "bf16": ("BF16", ml_dtypes.bfloat16, 2),
    "f32": ("F32", np.float32, 4),
}


def tensor_specs(n: int):
    return [(f"layers.{i}.mlp.weight", SHAPES[i % len(SHAPES)]) for i in range(n)]


def header_bytes(specs, st_dtype: str, itemsize: int) -> bytes:
    header = {"__metadata__": {"format": "pt", "generator": "intrinsic-dim bench make_synthetic_pair.py"}}
    off = 0
    for name, shape in specs:
        nbytes = shape[0] * shape[1] * itemsize
        header[name] = {"dtype": st_dtype, "shape": list(shape), "data_offsets": [off, off + nbytes]}
        off += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((-len(raw)) % 8)  # pad so the data section is 8-byte aligned
    return struct.pack("<Q", len(raw)) + raw


def make_tensor_pair(seed: int, i: int, shape):
    rows, cols = shape
    rng = np.random.default_rng([seed, i])
    base = rng.standard_normal(shape, dtype=np.float32)
    base *= np.float32(BASE_STD)
    u = rng.standard_normal((rows, UPDATE_RANK), dtype=np.float32)
    v = rng.standard_normal((UPDATE_RANK, cols), dtype=np.float32)
    s = (2.0 ** (-np.arange(UPDATE_RANK) / 4.0)).astype(np.float32)
    # entries of (u*s) @ v have variance sum(s^2); scale to RMS UPDATE_RMS
    scale = np.float32(UPDATE_RMS / np.sqrt(np.sum(s.astype(np.float64) ** 2)))
    tuned = (u * (s * scale)) @ v
    del u, v
    tuned += rng.standard_normal(shape, dtype=np.float32) * np.float32(NOISE_STD)
    tuned += base
    return base, tuned


def generate(outdir: str, n: int, seed: int) -> None:
    if sys.byteorder != "little":
        raise SystemExit("safetensors data is little-endian; this writer assumes a little-endian host")
    specs = tensor_specs(n)
    files = {}
    for sub, (st_dtype, _np_dtype, itemsize) in DTYPES.items():
        d = os.path.join(outdir, sub)
        os.makedirs(d, exist_ok=True)
        hdr = header_bytes(specs, st_dtype, itemsize)
        for role in ("base", "tuned"):
            f = open(os.path.join(d, f"{role}.safetensors.tmp"), "wb")
            f.write(hdr)
            files[(sub, role)] = f
    for i, (name, shape) in enumerate(specs):
        base, tuned = make_tensor_pair(seed, i, shape)
        for sub, (_st, np_dtype, _isz) in DTYPES.items():
            for role, arr in (("base", base), ("tuned", tuned)):
                out = arr if arr.dtype == np_dtype else arr.astype(np_dtype)
                np.ascontiguousarray(out).tofile(files[(sub, role)])  # raw little-endian bytes
        del base, tuned
        print(f"  {name} {shape[0]}x{shape[1]}", file=sys.stderr)
    for (sub, role), f in files.items():
        f.close()
        final = os.path.join(outdir, sub, f"{role}.safetensors")
        os.replace(final + ".tmp", final)
    with open(os.path.join(outdir, "COMPLETE"), "w") as f:
        json.dump(params(n, seed), f, sort_keys=True)
        f.write("\n")


def params(n: int, seed: int) -> dict:
    return {
        "tensors": n, "seed": seed, "shapes": [list(s) for s in SHAPES], "update_rank": UPDATE_RANK,
        "base_std": BASE_STD, "update_rms": UPDATE_RMS, "noise_std": NOISE_STD, "version": 1,
    }


def is_complete(outdir: str, n: int = 24, seed: int = 1234) -> bool:
    """True when OUTDIR already holds a finished pair generated with these parameters."""
    try:
        with open(os.path.join(outdir, "COMPLETE")) as f:
            if json.load(f) != params(n, seed):
                return False
    except (OSError, ValueError):
        return False
    return all(os.path.isfile(os.path.join(outdir, sub, f"{r}.safetensors")) for sub in DTYPES for r in ("base", "tuned"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--tensors", type=int, default=24, help="number of tensors (default 24)")
    ap.add_argument("--seed", type=int, default=1234, help="base seed (default 1234)")
    ap.add_argument("--force", action="store_true", help="regenerate even if OUTDIR is complete")
    a = ap.parse_args(argv)
    if not a.force and is_complete(a.outdir, a.tensors, a.seed):
        print(f"{a.outdir}: already complete, nothing to do", file=sys.stderr)
        return 0
    marker = os.path.join(a.outdir, "COMPLETE")
    if os.path.exists(marker):
        os.remove(marker)
    print(f"writing synthetic pair ({a.tensors} tensors, seed {a.seed}) to {a.outdir}", file=sys.stderr)
    generate(a.outdir, a.tensors, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
