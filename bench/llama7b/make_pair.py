#!/usr/bin/env python3
"""Write a synthetic LLaMA-7B-shaped BF16 base/fine-tuned checkpoint pair with a known ΔW spectrum.

    python3 bench/llama7b/make_pair.py OUTDIR [--layers 32] [--seed 0] [--max-shard-size 5GB] [--force]

Writes
    OUTDIR/base/model-0000k-of-0000N.safetensors + model.safetensors.index.json
    OUTDIR/tuned/  (the same names)
    OUTDIR/spectrum.json   the exact σ of every ΔW, the noise floor, the parameters
    OUTDIR/COMPLETE        written last (holds the parameters); when it exists with the same
                           parameters nothing is done, with other parameters the pair is rewritten

Tensors (LLaMA-7B names and shapes, out × in, C order, all BF16):
    model.embed_tokens.weight 32000×4096, lm_head.weight 32000×4096, model.norm.weight 4096,
    per layer i: model.layers.{i}.self_attn.{q,k,v,o}_proj.weight 4096×4096,
                 model.layers.{i}.mlp.{gate,up}_proj.weight 11008×4096,
                 model.layers.{i}.mlp.down_proj.weight 4096×11008,
                 model.layers.{i}.{input,post_attention}_layernorm.weight 4096.

Content, per matrix m × n (`sigma_i` etc. are in spectrum.json):
    base  B = BF16(N(0, 0.02²))
    ΔW    = U·diag(σ)·Vᵀ, U (m×R), V (n×R) orthonormal (float32 QR of a seeded Gaussian),
            R = 256, σ_i = s·i^(−0.8), s chosen so that RMS(ΔW) = 1e-3 (‖ΔW‖_F = 1e-3·√(mn),
            a 5 % relative update of a N(0, 0.02²) matrix)
    tuned T = BF16(B + ΔW)   (float32 sum, rounded to nearest even)
So T − B = ΔW + E, E the rounding error of T alone (B is exact): ~uniform on ±ulp/2, measured
RMS 3.3e-5 per element (≈ 0.85·0.02·2⁻⁹; per tensor in spectrum.json), whose largest singular
value — the noise floor — is ≈ RMS·(√m + √n): 4.2e-3 (4096²), 5.6e-3 (11008×4096 and 4096×11008),
8.1e-3 (32000×4096; the exact SVD of a 4096² T − B puts σ_257 at 4.1e-3).  Scales s: 2.75, 4.50,
7.67; σ_128 is 13×, 16.5× and 19.6× the floor, σ_256 7.6×, 9.5× and 11.3×.
Vectors: base = BF16(1 + N(0, 0.02²)), tuned = BF16(base + N(0, 0.01²)) (a dense update; 0.01 is
above BF16's ulp of 2⁻⁷ at 1, so it survives rounding).

Every tensor has its own generators, np.random.default_rng([seed, crc32(name), 0]) for the base
and [seed, crc32(name), 1] for the update, so any tensor can be regenerated on its own
(`tensor_pair(name, shape, seed)`), and the files are byte-for-byte reproducible.

Sharding as Hugging Face's `save_pretrained` does it (huggingface_hub's split into shards):
tensors in state-dict order, a new shard when the next tensor would push the current one past
--max-shard-size (5GB = 5·10⁹ bytes, HF's default); inside a file the tensors are sorted by name
(as `safetensors` serialises them), the header carries {"format": "pt"} and is space-padded to a
multiple of 8; the index's weight_map is sorted by name and metadata.total_size is the sum of the
tensors' bytes.  32 layers: 291 tensors (226 matrices), 3 shards of 4.94, 4.95 and 3.59 GB per
checkpoint, 13.48 GB (12.55 GiB) each.

The files are written by hand, tensor by tensor, straight to disk (the header is computed from
the shapes first), base and tuned together; peak RSS is about 2 GB (the 32000×4096 tensors).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import struct
import sys
import time
import zlib

import numpy as np
import ml_dtypes

VERSION = 1
HIDDEN, INTER, VOCAB = 4096, 11008, 32000
BASE_STD = 0.02
RANK = 256                 # R: rank of ΔW
ALPHA = 0.8                # σ_i = s·i^(−ALPHA)
DELTA_RMS = 1e-3           # RMS of ΔW's entries (sets s per matrix)
NORM_STD = 0.02            # vectors: base = 1 + N(0, NORM_STD²)
NORM_UPDATE_STD = 0.01     # vectors: tuned = base + N(0, NORM_UPDATE_STD²)
DEFAULT_MAX_SHARD = "5GB"

BF16 = ml_dtypes.bfloat16


def parse_size(s: str) -> int:
    """'5GB' -> 5·10⁹ (decimal units as huggingface_hub's parse_size_to_int), '500MB', '3GiB', or bytes."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]i?B)?\s*", s, re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r}")
    unit = (m.group(2) or "").upper()
    mult = {"": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
            "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}[unit]
    return int(float(m.group(1)) * mult)


def tensor_specs(layers: int) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) in LlamaForCausalLM's state-dict order."""
    specs = [("model.embed_tokens.weight", (VOCAB, HIDDEN))]
    for i in range(layers):
        p = f"model.layers.{i}."
        specs += [(p + f"self_attn.{x}_proj.weight", (HIDDEN, HIDDEN)) for x in "qkvo"]
        specs += [(p + "mlp.gate_proj.weight", (INTER, HIDDEN)), (p + "mlp.up_proj.weight", (INTER, HIDDEN)),
                  (p + "mlp.down_proj.weight", (HIDDEN, INTER)),
                  (p + "input_layernorm.weight", (HIDDEN,)), (p + "post_attention_layernorm.weight", (HIDDEN,))]
    specs += [("model.norm.weight", (HIDDEN,)), ("lm_head.weight", (VOCAB, HIDDEN))]
    return specs


def nbytes(shape) -> int:
    return int(np.prod(shape)) * 2


def split_shards(specs, max_bytes: int) -> list[list[tuple[str, tuple[int, ...]]]]:
    """huggingface_hub's greedy split: a new shard when the next tensor would exceed max_bytes."""
    shards, cur, size = [], [], 0
    for name, shape in specs:
        b = nbytes(shape)
        if cur and size + b > max_bytes:
            shards.append(cur)
            cur, size = [], 0
        cur.append((name, shape))
        size += b
    if cur:
        shards.append(cur)
    return shards


def sigmas(rows: int, cols: int) -> tuple[float, np.ndarray]:
    """(s, σ_1..σ_R as float32) with σ_i = s·i^(−ALPHA) and ‖ΔW‖_F = DELTA_RMS·√(rows·cols)."""
    r = min(RANK, rows, cols)
    shape = np.arange(1, r + 1, dtype=np.float64) ** (-ALPHA)
    s = DELTA_RMS * np.sqrt(rows * cols) / np.sqrt(np.sum(shape ** 2))
    return float(s), (s * shape).astype(np.float32)


def _rng(seed: int, name: str, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode()), stream])


def orthonormal(rng: np.random.Generator, n: int, r: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((n, r), dtype=np.float32), mode="reduced")
    return np.ascontiguousarray(q, dtype=np.float32)


def tensor_pair(name: str, shape, seed: int):
    """(base BF16, tuned BF16, info) of one tensor; info: spectrum / noise facts for spectrum.json."""
    rb, rd = _rng(seed, name, 0), _rng(seed, name, 1)
    if len(shape) == 1:
        w = rb.standard_normal(shape, dtype=np.float32)
        w *= np.float32(NORM_STD)
        w += np.float32(1.0)
        base = w.astype(BF16)
        upd = rd.standard_normal(shape, dtype=np.float32) * np.float32(NORM_UPDATE_STD)
        upd += base.astype(np.float32)
        tuned = upd.astype(BF16)
        return base, tuned, {"length": int(shape[0]), "update_std": NORM_UPDATE_STD}
    m, n = shape
    w = rb.standard_normal(shape, dtype=np.float32)
    w *= np.float32(BASE_STD)
    base = w.astype(BF16)
    del w
    s, sig = sigmas(m, n)
    u = orthonormal(rd, m, len(sig))
    v = orthonormal(rd, n, len(sig))
    u *= sig                               # U·diag(σ)
    t = u @ v.T                            # ΔW, float32 m × n (C order)
    del u, v
    t += base.astype(np.float32)           # B + ΔW
    tuned = t.astype(BF16)
    # E = T − (B + ΔW): the rounding error of tuned, the only noise in T − B
    t -= tuned.astype(np.float32)
    flat = t.reshape(-1)
    e2 = sum(float(np.dot(flat[i:i + (1 << 24)], flat[i:i + (1 << 24)])) for i in range(0, flat.size, 1 << 24))
    del t, flat
    rms = float(np.sqrt(e2 / (m * n)))
    floor = rms * (np.sqrt(m) + np.sqrt(n))
    info = {"rows": m, "cols": n, "rank": len(sig), "scale": s, "noise_rms": rms, "noise_floor": floor,
            "sigma": [float(x) for x in sig]}
    return np.ascontiguousarray(base), np.ascontiguousarray(tuned), info


def header_bytes(tensors) -> bytes:
    """safetensors header for TENSORS (already in file order)."""
    hdr: dict = {"__metadata__": {"format": "pt"}}
    off = 0
    for name, shape in tensors:
        b = nbytes(shape)
        hdr[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + b]}
        off += b
    raw = json.dumps(hdr, separators=(",", ":")).encode()
    raw += b" " * ((-len(raw)) % 8)
    return struct.pack("<Q", len(raw)) + raw


def params(layers: int, seed: int, max_shard: int) -> dict:
    return {"version": VERSION, "layers": layers, "seed": seed, "max_shard_size": max_shard,
            "hidden": HIDDEN, "intermediate": INTER, "vocab": VOCAB, "base_std": BASE_STD,
            "rank": RANK, "alpha": ALPHA, "delta_rms": DELTA_RMS,
            "norm_std": NORM_STD, "norm_update_std": NORM_UPDATE_STD}


def is_complete(outdir: str, p: dict) -> bool:
    try:
        with open(os.path.join(outdir, "COMPLETE")) as f:
            return json.load(f) == p
    except (OSError, ValueError):
        return False


def rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(outdir: str, layers: int, seed: int, max_shard: int) -> dict:
    if sys.byteorder != "little":
        raise SystemExit("safetensors data is little-endian; this writer assumes a little-endian host")
    t0 = time.perf_counter()
    specs = tensor_specs(layers)
    shards = split_shards(specs, max_shard)
    nsh = len(shards)
    names = [f"model-{k + 1:05d}-of-{nsh:05d}.safetensors" for k in range(nsh)]
    for role in ("base", "tuned"):
        shutil.rmtree(os.path.join(outdir, role), ignore_errors=True)
        os.makedirs(os.path.join(outdir, role))
    matrices, vectors = {}, {}
    weight_map = {}
    total = sum(nbytes(s) for _, s in specs)
    done = 0
    for k, shard in enumerate(shards):
        ordered = sorted(shard)            # safetensors writes tensors sorted by name
        hdr = header_bytes(ordered)
        files = {}
        for role in ("base", "tuned"):
            f = open(os.path.join(outdir, role, names[k] + ".tmp"), "wb")
            f.write(hdr)
            files[role] = f
        for name, shape in ordered:
            base, tuned, info = tensor_pair(name, shape, seed)
            files["base"].write(base.view(np.uint16).data)
            files["tuned"].write(tuned.view(np.uint16).data)
            del base, tuned
            (matrices if len(shape) == 2 else vectors)[name] = info
            weight_map[name] = names[k]
            done += nbytes(shape)
            el = time.perf_counter() - t0
            print(f"  [{el:7.1f} s, {done / total:6.1%}, peak RSS {rss_mb():6.0f} MB] {names[k]}: {name} "
                  f"{'x'.join(map(str, shape))}", file=sys.stderr, flush=True)
        for role, f in files.items():
            f.close()
            os.replace(os.path.join(outdir, role, names[k] + ".tmp"), os.path.join(outdir, role, names[k]))
    order = {name: i for i, (name, _) in enumerate(specs)}
    matrices = dict(sorted(matrices.items(), key=lambda kv: order[kv[0]]))
    vectors = dict(sorted(vectors.items(), key=lambda kv: order[kv[0]]))
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    for role in ("base", "tuned"):
        with open(os.path.join(outdir, role, "model.safetensors.index.json"), "w") as f:
            json.dump(index, f, indent=2)
            f.write("\n")
    seconds = time.perf_counter() - t0
    p = params(layers, seed, max_shard)
    spectrum = {
        "generator": "bench/llama7b/make_pair.py",
        "params": p,
        "model": ("tuned = BF16(base + ΔW), base = BF16(N(0, base_std²)); ΔW = U·diag(σ)·Vᵀ with U, V orthonormal "
                  "(float32 QR of seeded Gaussians), σ_i = scale·i^(−alpha), i = 1..rank, scale such that "
                  "RMS(ΔW) = delta_rms; tuned − base = ΔW + E, E = rounding error of tuned"),
        "noise": ("noise_rms = measured RMS of E (per element); noise_floor = noise_rms·(√rows + √cols), the "
                  "expected largest singular value of an i.i.d. matrix of that RMS; σ_i of ΔW are exact up to "
                  "float32 (orthonormality of U, V ~1e-6 relative)"),
        "seconds": round(seconds, 1),
        "total_size_per_checkpoint": total,
        "shards": names,
        "matrices": matrices,
        "vectors": vectors,
    }
    with open(os.path.join(outdir, "spectrum.json"), "w") as f:
        json.dump(spectrum, f)
    with open(os.path.join(outdir, "COMPLETE"), "w") as f:
        json.dump(p, f, sort_keys=True)
        f.write("\n")
    return spectrum


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("outdir")
    ap.add_argument("--layers", type=int, default=32, help="decoder layers (default 32; 2 for quick tries)")
    ap.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    ap.add_argument("--max-shard-size", type=parse_size, default=parse_size(DEFAULT_MAX_SHARD),
                    help=f"shard size limit, HF style (default {DEFAULT_MAX_SHARD} = 5·10⁹ bytes)")
    ap.add_argument("--force", action="store_true", help="regenerate even if OUTDIR is complete")
    a = ap.parse_args(argv)
    if a.layers < 0:
        ap.error("--layers must be >= 0")
    p = params(a.layers, a.seed, a.max_shard_size)
    if not a.force and is_complete(a.outdir, p):
        print(f"{a.outdir}: already complete, nothing to do", file=sys.stderr)
        return 0
    os.makedirs(a.outdir, exist_ok=True)
    marker = os.path.join(a.outdir, "COMPLETE")
    if os.path.exists(marker):
        os.remove(marker)
    print(f"writing LLaMA-7B-shaped pair ({a.layers} layers, seed {a.seed}) to {a.outdir}", file=sys.stderr)
    sp = generate(a.outdir, a.layers, a.seed, a.max_shard_size)
    sizes = sum(os.path.getsize(os.path.join(a.outdir, r, f)) for r in ("base", "tuned") for f in sp["shards"])
    print(f"done in {sp['seconds']:.1f} s: {len(sp['matrices'])} matrices, {len(sp['vectors'])} vectors, "
          f"{len(sp['shards'])} shard(s) per checkpoint, {sizes / 1e9:.2f} GB on disk for the pair "
          f"({sizes / 2**30:.2f} GiB); peak RSS {rss_mb():.0f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
