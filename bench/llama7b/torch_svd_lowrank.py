#!/usr/bin/env python3
"""The top-K singular values of every ΔW = tuned − base, the way a PyTorch user would get them
(as kohya's sd-scripts LoRA extraction does): torch.svd_lowrank on the float32 difference.

    python3 bench/llama7b/torch_svd_lowrank.py --base B --tuned T [--include REGEX]... \
        [--top-k 128] [--oversampling 10] [--niter 2] [--seed 0] [--threads 2] --out CSV

B and T: a checkpoint directory (its model.safetensors.index.json, else every *.safetensors in it),
an index.json, or one .safetensors file.  Every tensor with ≥ 2 dimensions present in both whose
name matches one of the --include regexes (re.search; all tensors without --include) is loaded
with safetensors.torch.safe_open, ΔW = tuned.float() − base.float() (a ≥ 3-D tensor is viewed as
shape[0] × rest), and U, S, V = torch.svd_lowrank(ΔW, q=min(K + P, rows, cols), niter=Q); the
first K values of S are written to CSV in long format `tensor,index,sigma` (index from 1, like
intrinsic-dim's spectra.csv).  torch.manual_seed(SEED) once at the start; torch.set_num_threads(2).
Each tensor is freed before the next is loaded.  Prints the total seconds (load + SVD + write) on
stdout as one JSON line, and per-tensor progress on stderr.  Exit 3 when torch or safetensors is
missing.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import time

T0 = time.perf_counter()


def weight_map(path: str) -> dict[str, str]:
    """tensor name -> shard file of a checkpoint (directory, index.json or .safetensors)."""
    from safetensors import safe_open
    if os.path.isdir(path):
        idx = os.path.join(path, "model.safetensors.index.json")
        if os.path.isfile(idx):
            return weight_map(idx)
        out = {}
        for f in sorted(glob.glob(os.path.join(path, "*.safetensors"))):
            out.update(weight_map(f))
        return out
    if path.endswith(".json"):
        with open(path) as fh:
            wm = json.load(fh)["weight_map"]
        d = os.path.dirname(os.path.abspath(path))
        return {k: os.path.join(d, v) for k, v in wm.items()}
    with safe_open(path, "pt") as fh:
        return {k: path for k in fh.keys()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--base", required=True)
    ap.add_argument("--tuned", required=True)
    ap.add_argument("--include", action="append", default=[], metavar="REGEX")
    ap.add_argument("--top-k", type=int, default=128)
    ap.add_argument("--oversampling", type=int, default=10)
    ap.add_argument("--niter", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, metavar="CSV")
    a = ap.parse_args(argv)
    try:
        import torch
        from safetensors import safe_open
    except ImportError as e:
        print(f"missing dependency: {e}; install with: pip install 'torch==2.13.0+cpu' safetensors", file=sys.stderr)
        return 3
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    pats = [re.compile(p) for p in a.include]
    bmap, tmap = weight_map(a.base), weight_map(a.tuned)
    names = [n for n in sorted(bmap) if n in tmap and (not pats or any(p.search(n) for p in pats))]

    svd_s = load_s = 0.0
    done = 0
    tmp = a.out + ".tmp"
    with open(tmp, "w") as out:
        out.write("tensor,index,sigma\n")
        for name in names:
            t1 = time.perf_counter()
            with safe_open(bmap[name], "pt") as fb:
                if len(fb.get_slice(name).get_shape()) < 2:
                    continue
                b = fb.get_tensor(name)
            with safe_open(tmap[name], "pt") as ft:
                t = ft.get_tensor(name)
            if b.shape != t.shape:
                print(f"skipping {name}: shape {tuple(b.shape)} vs {tuple(t.shape)}", file=sys.stderr)
                continue
            dw = t.float() - b.float()
            del b, t
            dw = dw.reshape(dw.shape[0], -1)
            rows, cols = dw.shape
            t2 = time.perf_counter()
            q = min(a.top_k + a.oversampling, rows, cols)
            _u, s, _v = torch.svd_lowrank(dw, q=q, niter=a.niter)
            s = s[:a.top_k].tolist()
            t3 = time.perf_counter()
            del dw, _u, _v
            load_s += t2 - t1
            svd_s += t3 - t2
            out.writelines(f"{name},{i},{x!r}\n" for i, x in enumerate(s, 1))
            done += 1
            print(f"  {name} {rows}x{cols}: load {t2 - t1:.2f} s, svd_lowrank {t3 - t2:.2f} s, σ1 {s[0]:.4g}",
                  file=sys.stderr, flush=True)
    os.replace(tmp, a.out)
    total = time.perf_counter() - T0
    print(json.dumps({"tensors": done, "seconds": round(total, 3), "load_seconds": round(load_s, 3),
                      "svd_seconds": round(svd_s, 3), "threads": torch.get_num_threads(),
                      "top_k": a.top_k, "q": a.top_k + a.oversampling, "niter": a.niter, "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
