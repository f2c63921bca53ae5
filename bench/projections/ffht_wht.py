#!/usr/bin/env python3
"""FFHT (FALCONN's Fast Fast Hadamard Transform, PyPI `ffht-unofficial`) timed like
`intrinsic-dim benchmark wht`: one in-place transform of length 2^K, one warm-up call,
then --repeat timed calls on the same array.

    python3 bench/projections/ffht_wht.py --log2-length K [--precision f32|f64] [--repeat R]

Install: pip install pybind11 wheel && pip install --no-build-isolation ffht-unofficial
(its setup.py compiles with -march=native; without `wheel` the build stops at
"invalid command 'bdist_wheel'").

API of ffht-unofficial 0.3 (checked by --verify): `ffht.fht_(a)` transforms a 1-D float32/
float64 array IN PLACE; `ffht.fht(a)` is OUT OF PLACE (returns a new array, leaves `a` alone;
and gives wrong values for n = 2, 4 in float32 and n = 2 in float64). Both are unnormalised:
the result equals scipy.linalg.hadamard(n) @ x (no 1/sqrt(n)). The `nthreads` argument is
used only for 2-D batches, so a 1-D transform runs on one thread. FFHT's loads are unaligned
(vmovups), but its documentation asks for 32-byte alignment, so the buffer here is 64-byte
aligned. The data is ((i % 7) - 3) * 1e-3 as in ours; repeated unnormalised transforms grow
it to inf/NaN after a few calls, as in ours (no speed effect on x86: no denormals arise).

Prints {"kernel": "wht", "implementation": "ffht", "precision", "length", "best_seconds",
"median_seconds", "ns_per_element_best", "ffht_version", "verified"}.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from childutil import emit, missing, time_calls  # noqa: E402

import numpy as np  # noqa: E402

INSTALL = "pip install pybind11 wheel && pip install --no-build-isolation ffht-unofficial"


def aligned_empty(n: int, dtype, align: int = 64) -> np.ndarray:
    itemsize = np.dtype(dtype).itemsize
    raw = np.empty(n + align // itemsize, dtype=dtype)
    off = (-raw.ctypes.data % align) // itemsize
    a = raw[off:off + n]
    assert a.ctypes.data % align == 0
    return a


def verify(ffht) -> str:
    """fht_ against scipy.linalg.hadamard(n) @ x for small n, both precisions."""
    import scipy.linalg
    worst = 0.0
    for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        for k in range(0, 12):
            n = 1 << k
            x = np.random.default_rng(k).standard_normal(n).astype(dtype)
            a = aligned_empty(n, dtype)
            a[:] = x
            ffht.fht_(a)
            ref = scipy.linalg.hadamard(n).astype(np.float64) @ x.astype(np.float64)
            err = float(np.max(np.abs(a - ref)) / max(np.max(np.abs(ref)), 1e-300))
            if err > tol:
                raise SystemExit(f"ffht.fht_ disagrees with scipy.linalg.hadamard({n}) @ x "
                                 f"({np.dtype(dtype).name}): rel err {err:.3g}")
            worst = max(worst, err if dtype == np.float32 else 0.0)
    return f"fht_ == hadamard(n) @ x for n = 1..2048, f32 max rel err {worst:.2g}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log2-length", type=int, default=20)
    ap.add_argument("--precision", choices=("f32", "f64"), default="f32")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-verify", action="store_true", help="skip the small-n check against scipy")
    a = ap.parse_args()
    try:
        import ffht
    except ImportError:
        missing("ffht (PyPI ffht-unofficial)", INSTALL)
    if not hasattr(ffht, "fht_"):
        print("this ffht has no in-place fht_ (expected ffht-unofficial 0.3)", file=sys.stderr)
        return 1
    verified = "skipped" if a.no_verify else verify(ffht)
    dtype = np.float32 if a.precision == "f32" else np.float64
    n = 1 << a.log2_length
    x = aligned_empty(n, dtype)
    x[:] = ((np.arange(n) % 7) - 3).astype(dtype) * dtype(1e-3)
    fht_ = ffht.fht_
    best, med, _ = time_calls(lambda: fht_(x), a.repeat)
    try:
        from importlib.metadata import version
        ver = version("ffht-unofficial")
    except Exception:
        ver = "?"
    emit({"kernel": "wht", "implementation": "ffht", "precision": a.precision, "length": n,
          "best_seconds": best, "median_seconds": med, "ns_per_element_best": best / n * 1e9,
          "ffht_version": ver, "verified": verified})
    return 0


if __name__ == "__main__":
    sys.exit(main())
