"""Fastfood parameters B, Π, G exactly as Sources/Projections/Documentation.docc/RandomStreams.md
defines them (Philox4x64-10 streams keyed (seed, stream id)), vectorised with numpy, plus a
small on-disk cache so the baselines' untimed set-up stays short at L = 2^24.

Only the children (numpy_fastfood.py, torch_fastfood.py, check_agreement.py) import this;
the harness never imports numpy.
"""
from __future__ import annotations

import math
import os

import numpy as np

M64 = (1 << 64) - 1
TWO_M53 = 2.0 ** -53
KIND_FF_SIGNS, KIND_FF_PERM, KIND_FF_GAUSS = 3, 4, 5


def stream_id(kind: int, group: int = 0, index: int = 0) -> int:
    return (kind << 56) | (group << 32) | index


def _u64(values) -> np.ndarray:
    # Built element by element: a Python list holding ints >= 2**63 would go through float64.
    return np.array([int(v) for v in values], dtype=np.uint64)


def words(seed: int, stream: int, count: int) -> np.ndarray:
    """Words 0 .. count-1 of stream (seed, stream): word w = lane w % 4 of the Philox4x64-10 block
    with counter (w // 4, 0, 0, 0). numpy increments the 256-bit counter before each block, so
    starting from all ones (which wraps to zero) yields block 0 first."""
    if count == 0:
        return np.empty(0, dtype=np.uint64)
    gen = np.random.Philox(key=_u64([seed, stream]), counter=_u64([M64] * 4))
    nblocks = (count + 3) // 4
    return gen.random_raw(4 * nblocks)[:count]


def signs(w: np.ndarray) -> np.ndarray:
    """+1 where the top bit of the word is 0, else -1 (float64)."""
    return np.where((w >> np.uint64(63)) == 0, 1.0, -1.0)


def normals_from_words(w: np.ndarray, count: int) -> np.ndarray:
    """Box–Muller on word pairs (2k, 2k+1), float64. numpy's vectorised log/cos/sin may differ
    from the C library's in the last ulp; irrelevant for benchmarking and for a 1e-5 check."""
    a = ((w[0::2] >> np.uint64(11)).astype(np.float64) + 1.0) * TWO_M53   # u1 in (0, 1]
    b = (w[1::2] >> np.uint64(11)).astype(np.float64) * TWO_M53           # u2 in [0, 1)
    r = np.sqrt(-2.0 * np.log(a))
    t = (2.0 * math.pi) * b
    out = np.empty(2 * len(a))
    out[0::2] = r * np.cos(t)
    out[1::2] = r * np.sin(t)
    return out[:count]


def int_below_vec(w: np.ndarray, n: np.ndarray) -> np.ndarray:
    """floor(w * n / 2^64) for uint64 words w and bounds 1 <= n < 2^32 (the high word of the
    128-bit product, from 32-bit halves; no overflow because n < 2^32)."""
    n = n.astype(np.uint64)
    lo = w & np.uint64(0xFFFFFFFF)
    hi = w >> np.uint64(32)
    return (hi * n + ((lo * n) >> np.uint64(32))) >> np.uint64(32)


def fisher_yates(w: np.ndarray, L: int) -> np.ndarray:
    """perm of the spec: perm = [0..L-1]; for t = 0..L-2: i = L-1-t, j = int_below(word t, i+1),
    swap perm[i], perm[j]. The swaps are sequential, so they run as a plain Python loop over
    lists (about 1 s per 2^22 elements)."""
    assert L < (1 << 32)
    if L <= 1:
        return np.zeros(L, dtype=np.int64)
    i = np.arange(L - 1, 0, -1, dtype=np.uint64)          # i for t = 0 .. L-2
    js = int_below_vec(w[: L - 1], i + np.uint64(1)).tolist()
    perm = list(range(L))
    for t, j in enumerate(js):
        i_ = L - 1 - t
        perm[i_], perm[j] = perm[j], perm[i_]
    return np.array(perm, dtype=np.int64)


def block_params(seed: int, L: int, block: int = 0, group: int = 0):
    """(B, perm, G) of one Fastfood block, float64 / int64, per the spec."""
    B = signs(words(seed, stream_id(KIND_FF_SIGNS, group, block), L))
    G = normals_from_words(words(seed, stream_id(KIND_FF_GAUSS, group, block), L + (L & 1)), L)
    perm = fisher_yates(words(seed, stream_id(KIND_FF_PERM, group, block), max(L - 1, 0)), L)
    return B, perm, G


def cached_block_params(seed: int, L: int, block: int = 0, cache: str | None = None):
    """block_params, kept as CACHE/ff_params_s{seed}_L{L}_b{block}.npz (B int8, perm int32/int64,
    G float64) when a cache directory is given."""
    if not cache:
        return block_params(seed, L, block)
    path = os.path.join(cache, f"ff_params_s{seed}_L{L}_b{block}.npz")
    if os.path.isfile(path):
        with np.load(path) as z:
            return z["B"].astype(np.float64), z["perm"].astype(np.int64), z["G"]
    B, perm, G = block_params(seed, L, block)
    os.makedirs(cache, exist_ok=True)
    tmp = path + f".tmp{os.getpid()}.npz"
    np.savez(tmp, B=B.astype(np.int8), perm=perm.astype(np.int32 if L < 2**31 else np.int64), G=G)
    os.replace(tmp, path)
    return B, perm, G


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="precompute the Fastfood B/Π/G cache for the baselines")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--length", type=int, nargs="+", required=True, help="block length(s) L (powers of two)")
    a = ap.parse_args(argv)
    for L in a.length:
        cached_block_params(a.seed, L, 0, a.cache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
