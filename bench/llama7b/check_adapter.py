#!/usr/bin/env python3
"""Check a PEFT LoRA adapter that `intrinsic-dim extract-lora` wrote from the LLaMA-7B-shaped pair.

    python3 bench/llama7b/check_adapter.py --pair PAIR --adapter DIR [--module M]...

1. Shapes, for every row of DIR/extraction.csv (r = its `rank`), from the safetensors header
   only (safe_open + get_slice, nothing is loaded): a linear module with weight out × in has
   lora_A r × in and lora_B out × r; an embedding (vocab × hidden) has lora_embedding_A r × vocab
   and lora_embedding_B hidden × r.  Keys are `base_model.model.<module>.lora_{A,B}.weight` (or the
   embedding names), optionally with an adapter name before `.weight`.  Every tensor of the
   adapter must belong to an extracted module.
2. Reconstruction, for each --module (default: layer 0's self_attn.q_proj and the last layer's
   mlp.down_proj): ΔW = tuned − base in float64 (safetensors.numpy through the index.json), the
   factors in float64, s = lora_alpha / r (/ √r with use_rslora; rank_pattern / alpha_pattern
   honoured for exact module names), rel = ‖s·B·A − ΔW‖_F / ‖ΔW‖_F, compared with the module's
   rel_error in extraction.csv: |rel − rel_error| / rel_error ≤ --rtol (1e-3).

Prints one JSON object on stdout ({"ok": bool, "modules": N, "shape_problems": [...],
"samples": [{module, rank, rel_error_csv, rel_error_measured, rel_diff, ok}], "dtype": ...}).
Exit 0 when everything holds, 1 otherwise, 3 when numpy/safetensors/ml_dtypes are missing.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--pair", required=True, help="the make_pair.py folder (base/, tuned/)")
    ap.add_argument("--adapter", required=True, help="extract-lora's output folder")
    ap.add_argument("--module", action="append", default=[], help="module to rebuild (repeatable)")
    ap.add_argument("--rtol", type=float, default=1e-3)
    a = ap.parse_args(argv)
    try:
        import numpy as np
        import ml_dtypes  # noqa: F401  (BF16 in safetensors.numpy)
        from safetensors import safe_open
    except ImportError as e:
        print(f"missing dependency: {e}", file=sys.stderr)
        return 3

    def wmap(role):
        with open(os.path.join(a.pair, role, "model.safetensors.index.json")) as f:
            return {k: os.path.join(a.pair, role, v) for k, v in json.load(f)["weight_map"].items()}

    bmap, tmap = wmap("base"), wmap("tuned")
    with open(os.path.join(a.adapter, "extraction.csv"), newline="") as f:
        rows = {r["tensor"]: r for r in csv.DictReader(f)}
    with open(os.path.join(a.adapter, "adapter_config.json")) as f:
        cfg = json.load(f)
    ad_path = os.path.join(a.adapter, "adapter_model.safetensors")

    key_re = re.compile(r"^base_model\.model\.(.+)\.(lora_A|lora_B|lora_embedding_A|lora_embedding_B)(?:\.[^.]+)?(?:\.weight)?$")
    problems: list[str] = []
    factors: dict[str, dict[str, str]] = {}
    dtypes = set()
    with safe_open(ad_path, "np") as fa:
        keys = list(fa.keys())
        shapes = {k: tuple(fa.get_slice(k).get_shape()) for k in keys}
        for k in keys:
            dtypes.add(fa.get_slice(k).get_dtype())
    for k in keys:
        m = key_re.match(k)
        if not m:
            problems.append(f"unexpected adapter key {k}")
            continue
        factors.setdefault(m.group(1), {})[m.group(2)] = k
    header_shapes = {}
    for name in rows:
        with safe_open(tmap[name], "np") as ft:
            header_shapes[name] = tuple(ft.get_slice(name).get_shape())
    modules = {}
    for name, row in rows.items():
        mod = row.get("module") or (name[: -len(".weight")] if name.endswith(".weight") else name)
        modules[mod] = name
        r = int(row["rank"])
        out, inp = header_shapes[name][0], int(math.prod(header_shapes[name][1:]))
        got = factors.get(mod)
        if not got:
            problems.append(f"{mod}: no factors in the adapter")
            continue
        if "lora_embedding_A" in got:
            want = {"lora_embedding_A": (r, out), "lora_embedding_B": (inp, r)}
        else:
            want = {"lora_A": (r, inp), "lora_B": (out, r)}
        for kind, shp in want.items():
            if kind not in got:
                problems.append(f"{mod}: no {kind}")
            elif shapes[got[kind]] != shp:
                problems.append(f"{mod}: {kind} is {shapes[got[kind]]}, expected {shp}")
    extra = [m for m in factors if m not in modules]
    if extra:
        problems.append(f"{len(extra)} adapter modules not in extraction.csv: {extra[:5]}")

    def scale(mod: str, r: int) -> float:
        alpha = cfg.get("lora_alpha", r)
        for pat, v in (cfg.get("alpha_pattern") or {}).items():
            if re.match(rf"(.*\.)?({pat})$", mod):
                alpha = v
                break
        return alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r

    samples = []
    layers = sorted({int(x) for x in re.findall(r"model\.layers\.(\d+)\.", " ".join(rows))})
    wanted = a.module or ([f"model.layers.{layers[0]}.self_attn.q_proj", f"model.layers.{layers[-1]}.mlp.down_proj"]
                          if layers else list(modules)[:2])
    for mod in wanted:
        name = modules.get(mod)
        if name is None or mod not in factors:
            problems.append(f"sample module {mod} not extracted")
            continue
        row = rows[name]
        r = int(row["rank"])
        with safe_open(bmap[name], "np") as fb:
            d = -fb.get_tensor(name).astype(np.float64)
        with safe_open(tmap[name], "np") as ft:
            d += ft.get_tensor(name).astype(np.float64)
        d = d.reshape(d.shape[0], -1)
        got = factors[mod]
        with safe_open(ad_path, "np") as fa:
            if "lora_embedding_A" in got:
                # PEFT's embedding layout: the update of the vocab × hidden table is (B_e·A_e)ᵀ = A_eᵀ·B_eᵀ
                ea = fa.get_tensor(got["lora_embedding_A"]).astype(np.float64)
                eb = fa.get_tensor(got["lora_embedding_B"]).astype(np.float64)
                ba = (eb @ ea).T
            else:
                A = fa.get_tensor(got["lora_A"]).astype(np.float64)
                B = fa.get_tensor(got["lora_B"]).astype(np.float64)
                ba = B @ A
        ba *= scale(mod, r)
        nd = float(np.linalg.norm(d))
        ba -= d
        rel = float(np.linalg.norm(ba)) / nd
        del d, ba
        csv_rel = float(row["rel_error"])
        diff = abs(rel - csv_rel) / csv_rel if csv_rel > 0 else abs(rel)
        ok = diff <= a.rtol
        if not ok:
            problems.append(f"{mod}: measured rel error {rel:.6g} vs extraction.csv {csv_rel:.6g} (rel diff {diff:.3g} > {a.rtol:g})")
        samples.append({"module": mod, "rank": r, "rel_error_csv": csv_rel, "rel_error_measured": rel,
                        "rel_diff": diff, "ok": ok})
    res = {"ok": not problems, "modules": len(modules), "adapter_tensors": len(keys), "dtype": sorted(dtypes),
           "shape_problems": [p for p in problems if "sample" not in p and "rel error" not in p],
           "problems": problems, "samples": samples, "config_r": cfg.get("r"), "config_alpha": cfg.get("lora_alpha")}
    print(json.dumps(res))
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
