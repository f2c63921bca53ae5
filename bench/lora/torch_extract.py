#!/usr/bin/env python3
"""Extract a LoRA adapter from a base / fine-tuned checkpoint pair with PyTorch on the CPU: the
script a user would write (as mergekit's extract_lora and kohya's extract_lora_from_models.py do).

    python3 bench/lora/torch_extract.py BASE TUNED RANK OUTDIR [--method svd|lowrank]
        [--niter 2] [--oversample 10] [--seed 0]

BASE / TUNED: a .safetensors file, a model.safetensors.index.json, or a directory holding either.
Both are loaded whole with safetensors.torch.load_file.  For every tensor present in both with the
same shape that is 2-D and floating point (the I64 `embeddings.position_ids`, 1-D biases and
LayerNorms are skipped):

    ΔW = (T − B).float()
    svd:     U, S, Vh = torch.linalg.svd(ΔW, full_matrices=False)        (exact, LAPACK gesdd)
    lowrank: U, S, V  = torch.svd_lowrank(ΔW, q=min(r + oversample, min(shape)), niter=N); Vh = Vᵀ
    r = min(RANK, min(shape));  B = U[:, :r]·diag(S[:r]) (out × r);  A = Vh[:r] (r × in)

and writes the PEFT LoRA folder OUTDIR:
- adapter_model.safetensors (metadata {"format": "pt"}, every factor contiguous F32):
  `base_model.model.<module>.lora_A.weight` = A, `….lora_B.weight` = B, or for an embedding
  (a module whose last name component mentions "embed", or is wte / wpe: nn.Embedding stores
  ΔW num × dim and PEFT keeps ΔWᵀ = lora_embedding_B · lora_embedding_A)
  `….lora_embedding_A` = Bᵀ (r × num), `….lora_embedding_B` = Aᵀ (dim × r);
- adapter_config.json: r = RANK, lora_alpha = RANK (scaling 1), target_modules, and
  rank_pattern / alpha_pattern for the modules whose r is below RANK (e.g. the 2 × 384
  token_type_embeddings);
- extraction.csv: tensor,rank,retained_energy,rel_error with retained_energy =
  Σ_{i≤r}σᵢ² / Σσᵢ² (svd: over the full spectrum; lowrank: over ‖ΔW‖_F², computed from ΔW) and
  rel_error = √(1 − retained_energy) (clamped at 0).  A zero ΔW (the untrained pooler of a
  sentence-transformers fine-tune) gets retained_energy 1 and rel_error 0: the zero factors
  reproduce it exactly.

torch runs with its default thread count (all cores), which is what a user gets.  Timings go to
stderr (the "svd loop" is the ΔW / SVD / factor loop alone, without loading and saving), and one
JSON line to stdout: {"implementation": "torch", "method", "rank", "tensors", "zero_updates",
"import_seconds", "load_seconds", "svd_seconds", "save_seconds", "total_seconds", "threads",
"torch"}.  Exit 3 if torch or safetensors is missing (pip install 'torch==2.13.0+cpu').
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time

T_START = time.perf_counter()
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "projections"))   # bench/projections
from childutil import emit, missing, shard_files  # noqa: E402

INSTALL = "pip install 'torch==2.13.0+cpu'"
KEY_PREFIX = "base_model.model."
EMBEDDING_NAME = re.compile(r"embed|^wte$|^wpe$")


def load(path: str, load_file) -> dict:
    tensors = {}
    files = shard_files(path)
    if not files:
        raise SystemExit(f"error: no .safetensors under {path}")
    for f in files:
        tensors.update(load_file(f))
    return tensors


def module_of(tensor_name: str) -> str:
    return tensor_name[: -len(".weight")] if tensor_name.endswith(".weight") else tensor_name


def is_embedding(module: str) -> bool:
    return bool(EMBEDDING_NAME.search(module.rsplit(".", 1)[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description="extract a LoRA adapter (truncated SVD of T − B) with PyTorch",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("base")
    ap.add_argument("tuned")
    ap.add_argument("rank", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--method", choices=("svd", "lowrank"), default="svd",
                    help="torch.linalg.svd (exact, default) or torch.svd_lowrank (randomised)")
    ap.add_argument("--niter", type=int, default=2, help="svd_lowrank's subspace iterations (default 2, torch's default)")
    ap.add_argument("--oversample", type=int, default=10, help="svd_lowrank's q = rank + OVERSAMPLE (default 10)")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed for svd_lowrank (default 0)")
    a = ap.parse_args()
    if a.rank < 1:
        ap.error("RANK must be >= 1")

    t0 = time.perf_counter()
    try:
        import torch
        from safetensors.torch import load_file, save_file
    except ImportError as e:
        missing(f"{e.name or e}", INSTALL)
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    base = load(a.base, load_file)
    tuned = load(a.tuned, load_file)
    t_load = time.perf_counter() - t0

    torch.manual_seed(a.seed)
    factors: dict = {}
    rows: list[tuple[str, int, float, float]] = []
    rank_pattern: dict[str, int] = {}
    targets: list[str] = []
    zero_updates: list[str] = []
    skipped = 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for name, tw in tuned.items():
            bw = base.get(name)
            if (bw is None or tw.dim() != 2 or bw.shape != tw.shape
                    or not tw.is_floating_point() or not bw.is_floating_point()):
                skipped += 1
                continue
            dw = (tw - bw).float()
            r = min(a.rank, *dw.shape)
            if a.method == "svd":
                U, S, Vh = torch.linalg.svd(dw, full_matrices=False)
                total = float(S.double().square().sum())
            else:
                q = min(a.rank + a.oversample, *dw.shape)
                U, S, V = torch.svd_lowrank(dw, q=q, niter=a.niter)
                Vh = V.mT
                total = float(torch.linalg.matrix_norm(dw)) ** 2     # ‖ΔW‖_F²
            kept = float(S[:r].double().square().sum())
            if total > 0:
                retained = kept / total
            else:
                retained = 1.0
                zero_updates.append(name)
            rel_error = math.sqrt(max(0.0, 1.0 - retained))
            B = U[:, :r] * S[:r]          # out × r
            A = Vh[:r]                     # r × in
            module = module_of(name)
            key = KEY_PREFIX + module
            if is_embedding(module):
                factors[key + ".lora_embedding_A"] = B.T.contiguous()
                factors[key + ".lora_embedding_B"] = A.T.contiguous()
            else:
                factors[key + ".lora_A.weight"] = A.contiguous()
                factors[key + ".lora_B.weight"] = B.contiguous()
            if r != a.rank:
                rank_pattern[module] = r
            targets.append(module)
            rows.append((name, r, retained, rel_error))
    t_svd = time.perf_counter() - t0

    t0 = time.perf_counter()
    os.makedirs(a.outdir, exist_ok=True)
    save_file(factors, os.path.join(a.outdir, "adapter_model.safetensors"), metadata={"format": "pt"})
    config = {
        "peft_type": "LORA",
        "r": a.rank,
        "lora_alpha": a.rank,
        "target_modules": targets,          # full module paths (PEFT matches them exactly)
        "rank_pattern": rank_pattern,
        "alpha_pattern": dict(rank_pattern),   # α = r per module: scaling 1
        "lora_dropout": 0.0,
        "bias": "none",
        "fan_in_fan_out": False,
        "use_rslora": False,
        "init_lora_weights": True,
        "base_model_name_or_path": os.path.abspath(a.base),
    }
    with open(os.path.join(a.outdir, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(a.outdir, "extraction.csv"), "w") as f:
        f.write("tensor,rank,retained_energy,rel_error\n")
        for name, r, ret, err in rows:
            f.write(f"{name},{r},{ret!r},{err!r}\n")
    t_save = time.perf_counter() - t0
    total = time.perf_counter() - T_START

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, method {a.method}"
          + (f" (q = rank + {a.oversample}, niter {a.niter})" if a.method == "lowrank" else "")
          + f": {len(rows)} tensors ({skipped} skipped, {len(zero_updates)} zero updates)", file=sys.stderr)
    print(f"import {t_import:.3f} s, load {t_load:.3f} s, svd loop {t_svd:.3f} s, save {t_save:.3f} s, "
          f"total in process {total:.3f} s", file=sys.stderr)
    emit({"implementation": "torch", "method": a.method, "rank": a.rank, "tensors": len(rows),
          "skipped": skipped, "zero_updates": zero_updates, "import_seconds": t_import,
          "load_seconds": t_load, "svd_seconds": t_svd, "save_seconds": t_save, "total_seconds": total,
          "threads": torch.get_num_threads(), "torch": torch.__version__,
          "niter": a.niter if a.method == "lowrank" else None,
          "oversample": a.oversample if a.method == "lowrank" else None})
    return 0


if __name__ == "__main__":
    sys.exit(main())
