#!/usr/bin/env python3
"""Compare the updates two PEFT LoRA adapter folders encode, module by module (a child of
bench/lora/run_bench.py, which itself imports no torch).

    python3 bench/lora/check_adapters.py OURS_DIR TORCH_DIR

For every module of TORCH_DIR's adapter_model.safetensors, the update in the stored weight's
layout is rebuilt from each folder: s·B·A (out × in) for lora_A / lora_B, (s·B·A)ᵀ (num × dim)
for lora_embedding_A / lora_embedding_B, with s = α/r (α/√r with use_rslora) and r, α from
adapter_config.json's rank_pattern / alpha_pattern (PEFT's rule: the first key with
re.match(rf"(.*\\.)?({key})$", module)) or r / lora_alpha.  Keys may carry an adapter name
(`….lora_A.default.weight`).  Both are computed in float64.

Prints one JSON line: {"modules": n in TORCH_DIR, "compared", "only_torch": [...],
"only_ours": [...], "shape_mismatch": [...], "max_rel_diff": max over modules of
‖ΔW_ours − ΔW_torch‖_F / ‖ΔW_torch‖_F (modules whose torch update is zero: ‖ΔW_ours‖_F instead),
"worst_module", "per_module": {module: rel_diff}}.  Exit 3 if torch / safetensors is missing.
"""
from __future__ import annotations

import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "projections"))   # bench/projections
from childutil import emit, missing  # noqa: E402

KEY = re.compile(r"^base_model\.model\.(.+?)\.(lora_A|lora_B|lora_embedding_A|lora_embedding_B)(?:\.[A-Za-z0-9_-]+)*$")


def pattern_value(module: str, pattern: dict, default):
    for key, value in pattern.items():
        if re.match(rf"(.*\.)?({key})$", module):
            return value
    return default


def updates(folder: str, torch, load_file) -> dict:
    with open(os.path.join(folder, "adapter_config.json")) as f:
        cfg = json.load(f)
    tensors = load_file(os.path.join(folder, "adapter_model.safetensors"))
    parts: dict[str, dict] = {}
    for k, v in tensors.items():
        m = KEY.match(k)
        if m:
            parts.setdefault(m.group(1), {})[m.group(2)] = v
    out = {}
    for module, p in parts.items():
        r = pattern_value(module, cfg.get("rank_pattern") or {}, cfg["r"])
        alpha = pattern_value(module, cfg.get("alpha_pattern") or {}, cfg.get("lora_alpha", r))
        s = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
        if "lora_embedding_A" in p:
            out[module] = (s * (p["lora_embedding_B"].double() @ p["lora_embedding_A"].double())).T
        elif "lora_A" in p and "lora_B" in p:
            a, b = p["lora_A"].double(), p["lora_B"].double()
            dw = s * (b.reshape(b.shape[0], -1) @ a.reshape(a.shape[0], -1))
            out[module] = dw.T if cfg.get("fan_in_fan_out") else dw
    return out


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    try:
        import torch
        from safetensors.torch import load_file
    except ImportError as e:
        missing(f"{e.name or e}", "pip install 'torch==2.13.0+cpu'")
    ours, ref = updates(sys.argv[1], torch, load_file), updates(sys.argv[2], torch, load_file)
    per, shape_mismatch = {}, []
    for module, t in ref.items():
        o = ours.get(module)
        if o is None:
            continue
        if tuple(o.shape) != tuple(t.shape):
            shape_mismatch.append(f"{module}: ours {tuple(o.shape)} torch {tuple(t.shape)}")
            continue
        nt = float(torch.linalg.matrix_norm(t))
        diff = float(torch.linalg.matrix_norm(o - t))
        per[module] = diff / nt if nt > 0 else diff
    worst = max(per, key=per.get) if per else None
    emit({"modules": len(ref), "compared": len(per), "only_torch": sorted(set(ref) - set(ours)),
          "only_ours": sorted(set(ours) - set(ref)), "shape_mismatch": shape_mismatch,
          "max_rel_diff": per[worst] if worst else None, "worst_module": worst, "per_module": per})
    return 0


if __name__ == "__main__":
    sys.exit(main())
