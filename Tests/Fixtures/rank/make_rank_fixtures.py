#!/usr/bin/env python3
"""Generate the rank-analysis test fixtures (independent numpy reference values).

Usage:
    python3 make_rank_fixtures.py [OUTDIR]      (default OUTDIR = this script's directory)

Requires numpy, safetensors, ml_dtypes. Output is deterministic: fixed seeds,
no timestamps (safetensors' writer is deterministic; numpy's npz writer uses the
fixed zip date 1980-01-01), every CSV/JSON is written in a fixed order.

All expected values are computed from the STORED (dtype-rounded) arrays, read
back from the written files, converted to float64; dW = tuned - base in float64.
"""

import json
import math
import os
import sys

import ml_dtypes
import numpy as np
from safetensors.numpy import load_file, save_file

METADATA = {"format": "pt"}

# ---------------------------------------------------------------------------
# Storage dtypes
# ---------------------------------------------------------------------------

# variant -> (numpy dtype, safetensors dtype string)
VARIANTS = [
    ("f64", np.float64, "F64"),
    ("f32", np.float32, "F32"),
    ("f16", np.float16, "F16"),
    ("bf16", ml_dtypes.bfloat16, "BF16"),
]

# safetensors dtype -> (unsigned view dtype, exponent shift, exponent mask, bias, fraction bits)
ULP_LAYOUT = {
    "F64": (np.uint64, 52, 0x7FF, 1023, 52),
    "F32": (np.uint32, 23, 0xFF, 127, 23),
    "F16": (np.uint16, 10, 0x1F, 15, 10),
    "BF16": (np.uint16, 7, 0xFF, 127, 7),
}

# epsilon used for numerical_rank
NUMERICAL_EPS = {"F64": 2.0 ** -52, "F32": 2.0 ** -23, "F16": 2.0 ** -23, "BF16": 2.0 ** -23}

ENERGY_LEVELS = (50, 90, 95, 99)


def st_dtype_of(arr):
    return {
        np.dtype(np.float64): "F64",
        np.dtype(np.float32): "F32",
        np.dtype(np.float16): "F16",
        np.dtype(ml_dtypes.bfloat16): "BF16",
        np.dtype(np.int64): "I64",
    }[arr.dtype]


def ulp_of_stored(arr, st_dtype):
    """Spacing of the storage dtype at each stored value, from the raw bit pattern:
    ulp = 2^(max(e,1) - bias - fraction_bits), e = biased exponent field."""
    view_dt, shift, mask, bias, frac = ULP_LAYOUT[st_dtype]
    bits = np.ascontiguousarray(arr).view(view_dt)
    e = ((bits >> view_dt(shift)) & view_dt(mask)).astype(np.int64)
    return np.ldexp(1.0, np.maximum(e, 1) - bias - frac)


# ---------------------------------------------------------------------------
# Random helpers
# ---------------------------------------------------------------------------


def orthonormal(rng, n, k):
    """n x k matrix with orthonormal columns (reduced QR of a Gaussian matrix)."""
    q, _ = np.linalg.qr(rng.standard_normal((n, k)))
    return q


def make_true_tensors():
    """float64 'true' values. Returns (base, tuned) dicts of float64/int64 arrays."""
    base, tuned = {}, {}

    # exact rank-3 update, 64x48
    rng = np.random.default_rng(1001)
    b = rng.normal(0.0, 0.05, (64, 48))
    u = orthonormal(rng, 64, 3)
    v = orthonormal(rng, 48, 3)
    dw = 0.1 * (u @ np.diag([3.0, 2.0, 1.0]) @ v.T)
    base["layers.0.exact_rank3.weight"] = b
    tuned["layers.0.exact_rank3.weight"] = b + dw

    # geometric spectrum 0.5**i, 40x40
    rng = np.random.default_rng(1002)
    b = rng.normal(0.0, 0.05, (40, 40))
    u = orthonormal(rng, 40, 40)
    v = orthonormal(rng, 40, 40)
    dw = u @ np.diag(0.5 ** np.arange(40, dtype=np.float64)) @ v.T
    base["layers.0.geometric.weight"] = b
    tuned["layers.0.geometric.weight"] = b + dw

    # zero update, 32x16
    rng = np.random.default_rng(1003)
    b = rng.normal(0.0, 0.05, (32, 16))
    base["layers.1.zero_update.weight"] = b
    tuned["layers.1.zero_update.weight"] = b.copy()

    # wide (rows < cols) rank-5 update, 16x80, singular values 0.05*[5,4,3,2,1]
    rng = np.random.default_rng(1004)
    b = rng.normal(0.0, 0.05, (16, 80))
    u = orthonormal(rng, 16, 5)
    v = orthonormal(rng, 80, 5)
    dw = 0.05 * (u @ np.diag([5.0, 4.0, 3.0, 2.0, 1.0]) @ v.T)
    base["layers.1.wide.weight"] = b
    tuned["layers.1.wide.weight"] = b + dw

    # conv kernel 8x3x3x3, random full-rank update N(0, 0.02^2)
    rng = np.random.default_rng(1005)
    b = rng.normal(0.0, 0.05, (8, 3, 3, 3))
    dw = rng.normal(0.0, 0.02, (8, 3, 3, 3))
    base["conv1.weight"] = b
    tuned["conv1.weight"] = b + dw

    # 1-D bias, length 32, random update N(0, 0.01^2)
    rng = np.random.default_rng(1006)
    b = rng.normal(0.0, 0.05, (32,))
    dw = rng.normal(0.0, 0.01, (32,))
    base["layers.0.bias"] = b
    tuned["layers.0.bias"] = b + dw

    # integer tensor: must be skipped
    pos = np.arange(16, dtype=np.int64).reshape(1, 16)
    base["position_ids"] = pos
    tuned["position_ids"] = pos.copy()

    # tensors present in only one file
    rng = np.random.default_rng(1007)
    base["only_in_base.weight"] = rng.normal(0.0, 0.05, (4, 4))
    tuned["only_in_tuned.weight"] = rng.normal(0.0, 0.05, (4, 4))

    return base, tuned


# Note: ml_dtypes 0.6.0 casts float64 -> bfloat16 via float32 (two RNE steps).
# For these seeds that differs from a single correctly-rounded RNE step in exactly
# one element of the bf16_* variant and in no element of the noise_bf16_* case.
# Expected values are computed from the stored bits, so this does not affect them.
def cast_all(tensors, np_dtype):
    out = {}
    for name in sorted(tensors):
        a = tensors[name]
        if a.dtype == np.int64:
            out[name] = np.ascontiguousarray(a)
        else:
            out[name] = np.ascontiguousarray(a.astype(np_dtype))
    return out


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def as_matrix(a):
    return a.reshape(a.shape[0], -1)


def singular_values(dw):
    if not np.any(dw):
        return np.zeros(min(dw.shape), dtype=np.float64)
    return np.linalg.svd(dw, compute_uv=False)


def noise_tau(base_stored, tuned_stored, st_dtype, rows, cols):
    ub = ulp_of_stored(base_stored, st_dtype)
    ut = ulp_of_stored(tuned_stored, st_dtype)
    mean_sq = float(np.mean(ub * ub + ut * ut))
    return (math.sqrt(rows) + math.sqrt(cols)) * math.sqrt(mean_sq / 12.0)


def matrix_metrics(base_stored, tuned_stored, st_dtype):
    """Returns (row dict, sigma, energy_cumulative, diagnostics)."""
    b = as_matrix(base_stored.astype(np.float64))
    t = as_matrix(tuned_stored.astype(np.float64))
    rows, cols = b.shape
    dw = t - b
    s = singular_values(dw)
    diag = {}
    m = {"rows": rows, "cols": cols, "dtype": st_dtype}
    if not np.any(dw):
        for k in ("fro_norm", "spectral_norm", "nuclear_norm", "stable_rank",
                  "entropy_effective_rank", "rel_update"):
            m[k] = 0.0
        m["numerical_rank"] = 0
        for lvl in ENERGY_LEVELS:
            m["energy_rank_%d" % lvl] = 0
        m["noise_rank"] = 0
        return m, s, np.zeros_like(s), diag

    s2 = s * s
    total = float(np.sum(s2))
    cum = np.cumsum(s2)
    energy = cum / total
    s1 = float(s[0])
    m["fro_norm"] = math.sqrt(total)
    m["spectral_norm"] = s1
    m["nuclear_norm"] = float(np.sum(s))
    m["stable_rank"] = total / (s1 * s1)
    p = s / np.sum(s)
    pos = p[p > 0]
    m["entropy_effective_rank"] = float(np.exp(-np.sum(pos * np.log(pos))))
    thr = s1 * max(rows, cols) * NUMERICAL_EPS[st_dtype]
    m["numerical_rank"] = int(np.count_nonzero(s > thr))
    for lvl in ENERGY_LEVELS:
        target = (lvl / 100.0) * total
        k = int(np.argmax(cum >= target)) + 1  # smallest 1-based k
        assert cum[k - 1] >= target
        m["energy_rank_%d" % lvl] = k
        diag["energy_%d" % lvl] = float(np.min(np.abs(energy - lvl / 100.0)))
    m["rel_update"] = math.sqrt(total) / float(np.linalg.norm(b))
    tau = noise_tau(base_stored, tuned_stored, st_dtype, rows, cols)
    m["noise_rank"] = int(np.count_nonzero(s > tau))
    if tau <= s1 * max(rows, cols) * NUMERICAL_EPS["F64"]:
        # τ lies below what a float64 SVD resolves (ε·max(m,n)·σ₁): the count is decided by
        # rounding noise and differs between LAPACK builds and CPUs, so it is no reference.
        m["noise_rank"] = ""
    # relative distance of the nearest sigma to each threshold (near-tie diagnostics)
    diag["numerical_thr_rel_gap"] = float(np.min(np.abs(s - thr)) / thr)
    diag["noise_tau_rel_gap"] = float(np.min(np.abs(s - tau)) / tau)
    diag["tau"] = tau
    return m, s, energy, diag


SUMMARY_COLUMNS = [
    "variant", "tensor", "rows", "cols", "dtype", "fro_norm", "spectral_norm",
    "nuclear_norm", "stable_rank", "entropy_effective_rank", "numerical_rank",
    "energy_rank_50", "energy_rank_90", "energy_rank_95", "energy_rank_99",
    "rel_update", "noise_rank",
]

FLOAT_COLUMNS = {"fro_norm", "spectral_norm", "nuclear_norm", "stable_rank",
                 "entropy_effective_rank", "rel_update"}


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def write_csv(path, columns, rows):
    with open(path, "w", newline="\n") as f:
        f.write(",".join(columns) + "\n")
        for r in rows:
            f.write(",".join(fmt(r[c]) for c in columns) + "\n")


# ---------------------------------------------------------------------------
# Main fixture sets
# ---------------------------------------------------------------------------

MATRIX_TENSORS = [
    "layers.0.exact_rank3.weight",
    "layers.0.geometric.weight",
    "layers.1.zero_update.weight",
    "layers.1.wide.weight",
    "conv1.weight",
]
VECTOR_TENSORS = ["layers.0.bias"]


def write_variants(outdir, base_true, tuned_true):
    summary, spectra, vectors = [], [], []
    diagnostics = []
    for variant, np_dtype, st_name in VARIANTS:
        bpath = os.path.join(outdir, "%s_base.safetensors" % variant)
        tpath = os.path.join(outdir, "%s_tuned.safetensors" % variant)
        save_file(cast_all(base_true, np_dtype), bpath, metadata=METADATA)
        save_file(cast_all(tuned_true, np_dtype), tpath, metadata=METADATA)
        # read back the stored values
        b = load_file(bpath)
        t = load_file(tpath)
        assert b["position_ids"].dtype == np.int64 and t["position_ids"].dtype == np.int64
        for name in MATRIX_TENSORS:
            assert st_dtype_of(b[name]) == st_name and st_dtype_of(t[name]) == st_name
            m, s, energy, diag = matrix_metrics(b[name], t[name], st_name)
            row = {"variant": variant, "tensor": name}
            row.update(m)
            summary.append(row)
            diagnostics.append((variant, name, m, diag))
            for i, (sv, ec) in enumerate(zip(s, energy), start=1):
                spectra.append({"variant": variant, "tensor": name, "index": i,
                                "sigma": float(sv), "energy_cumulative": float(ec)})
        for name in VECTOR_TENSORS:
            bv = b[name].astype(np.float64)
            tv = t[name].astype(np.float64)
            d = tv - bv
            fro = float(np.linalg.norm(d))
            vectors.append({"variant": variant, "tensor": name, "length": int(bv.size),
                            "fro_norm": fro, "rel_update": fro / float(np.linalg.norm(bv))})
    write_csv(os.path.join(outdir, "expected_summary.csv"), SUMMARY_COLUMNS, summary)
    write_csv(os.path.join(outdir, "expected_spectra.csv"),
              ["variant", "tensor", "index", "sigma", "energy_cumulative"], spectra)
    write_csv(os.path.join(outdir, "expected_vectors.csv"),
              ["variant", "tensor", "length", "fro_norm", "rel_update"], vectors)
    return diagnostics


def write_noise_case(outdir):
    """Low-rank update + exact BF16 storage rounding: numerical rank explodes,
    noise rank recovers the true rank.

    Scales as in the spec (base N(0, 0.02^2), singular values 0.05*[4,3,2,1]) —
    no adjustment was needed for the asserts below to hold."""
    rng = np.random.default_rng(2001)
    rows, cols = 256, 192
    b = rng.normal(0.0, 0.02, (rows, cols))
    u = orthonormal(rng, rows, 4)
    v = orthonormal(rng, cols, 4)
    dw_true = u @ np.diag(0.05 * np.array([4.0, 3.0, 2.0, 1.0])) @ v.T
    t = b + dw_true
    bpath = os.path.join(outdir, "noise_bf16_base.safetensors")
    tpath = os.path.join(outdir, "noise_bf16_tuned.safetensors")
    save_file({"w": np.ascontiguousarray(b.astype(ml_dtypes.bfloat16))}, bpath, metadata=METADATA)
    save_file({"w": np.ascontiguousarray(t.astype(ml_dtypes.bfloat16))}, tpath, metadata=METADATA)
    bs = load_file(bpath)["w"]
    ts = load_file(tpath)["w"]
    assert bs.dtype == ml_dtypes.bfloat16 and ts.dtype == ml_dtypes.bfloat16
    dw = ts.astype(np.float64) - bs.astype(np.float64)
    s = np.linalg.svd(dw, compute_uv=False)
    numerical_rank = int(np.count_nonzero(s > s[0] * max(rows, cols) * 2.0 ** -23))
    tau = noise_tau(bs, ts, "BF16", rows, cols)
    noise_rank = int(np.count_nonzero(s > tau))
    assert noise_rank == 4, (noise_rank, tau, s[:6])
    assert numerical_rank > 100, numerical_rank
    out = {
        "true_rank": 4,
        "numerical_rank": numerical_rank,
        "noise_rank": noise_rank,
        "tau": float(tau),
        "sigma_5": float(s[4]),
        "sigma_4": float(s[3]),
    }
    with open(os.path.join(outdir, "noise_expected.json"), "w", newline="\n") as f:
        f.write(json.dumps(out, indent=2) + "\n")
    return out


def write_sharded(outdir):
    src = load_file(os.path.join(outdir, "f32_tuned.safetensors"))
    names = sorted(src)
    half = (len(names) + 1) // 2
    shards = [
        ("model-00001-of-00002.safetensors", names[:half]),
        ("model-00002-of-00002.safetensors", names[half:]),
    ]
    sdir = os.path.join(outdir, "sharded")
    os.makedirs(sdir, exist_ok=True)
    weight_map = {}
    total = 0
    for fname, part in shards:
        save_file({n: src[n] for n in part}, os.path.join(sdir, fname), metadata=METADATA)
        for n in part:
            weight_map[n] = fname
            total += int(src[n].nbytes)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(sdir, "model.safetensors.index.json"), "w", newline="\n") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    # verify: the shards together give exactly the f32 tuned tensors
    merged = {}
    for fname, _ in shards:
        merged.update(load_file(os.path.join(sdir, fname)))
    assert sorted(merged) == names
    for n in names:
        assert merged[n].dtype == src[n].dtype and merged[n].shape == src[n].shape
        assert merged[n].tobytes() == src[n].tobytes()
    return shards


def write_numpy_formats(outdir, base_true, tuned_true):
    f32_base = cast_all(base_true, np.float32)
    f32_tuned = cast_all(tuned_true, np.float32)
    npz_dir = os.path.join(outdir, "npz")
    os.makedirs(npz_dir, exist_ok=True)
    np.savez(os.path.join(npz_dir, "base.npz"),
             exact_rank3=f32_base["layers.0.exact_rank3.weight"],
             wide=f32_base["layers.1.wide.weight"])
    np.savez_compressed(os.path.join(npz_dir, "tuned_compressed.npz"),
                        exact_rank3=f32_tuned["layers.0.exact_rank3.weight"],
                        wide=f32_tuned["layers.1.wide.weight"])
    # check against the safetensors f32 variant
    st_b = load_file(os.path.join(outdir, "f32_base.safetensors"))
    st_t = load_file(os.path.join(outdir, "f32_tuned.safetensors"))
    for fname, st in (("base.npz", st_b), ("tuned_compressed.npz", st_t)):
        with np.load(os.path.join(npz_dir, fname)) as z:
            assert sorted(z.files) == ["exact_rank3", "wide"]
            for key, full in (("exact_rank3", "layers.0.exact_rank3.weight"),
                              ("wide", "layers.1.wide.weight")):
                assert z[key].dtype == np.float32
                assert np.array_equal(z[key], st[full])

    npy_dir = os.path.join(outdir, "npy")
    os.makedirs(npy_dir, exist_ok=True)
    x = tuned_true["layers.0.exact_rank3.weight"]  # float64 true tuned values, 64x48
    files = [
        ("exact_rank3_c_le_f32.npy", np.ascontiguousarray(x.astype("<f4"))),
        ("exact_rank3_fortran_f64.npy", np.asfortranarray(x.astype("<f8"))),
        ("exact_rank3_be_f4.npy", np.ascontiguousarray(x.astype(">f4"))),
        ("exact_rank3_f16.npy", np.ascontiguousarray(x.astype("<f2"))),
        ("exact_rank3_fortran_be_f8.npy", np.asfortranarray(x.astype(">f8"))),
    ]
    rows = []
    for fname, arr in files:
        path = os.path.join(npy_dir, fname)
        np.save(path, arr, allow_pickle=False)
        back = np.load(path, allow_pickle=False)
        fortran = bool(back.flags.f_contiguous and not back.flags.c_contiguous)
        assert fortran == ("fortran" in fname)
        assert back.dtype == arr.dtype and back.shape == (64, 48)
        v = back.astype(np.float64)
        rows.append({
            "file": fname,
            "dtype": back.dtype.str,
            "fortran_order": fortran,
            "rows": v.shape[0],
            "cols": v.shape[1],
            "sum": float(np.sum(v)),
            "sum_sq": float(np.sum(v * v)),
            "first": float(v[0, 0]),
            "last": float(v[-1, -1]),
            "elem_3_5": float(v[3, 5]),
        })
    write_csv(os.path.join(npy_dir, "expected_npy.csv"),
              ["file", "dtype", "fortran_order", "rows", "cols", "sum", "sum_sq",
               "first", "last", "elem_3_5"], rows)


def main(argv):
    outdir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)
    base_true, tuned_true = make_true_tensors()
    diagnostics = write_variants(outdir, base_true, tuned_true)
    noise = write_noise_case(outdir)
    write_sharded(outdir)
    write_numpy_formats(outdir, base_true, tuned_true)
    if os.environ.get("RANK_FIXTURES_VERBOSE"):
        for variant, name, m, diag in diagnostics:
            print(variant, name, {k: m[k] for k in ("numerical_rank", "noise_rank",
                  "energy_rank_50", "energy_rank_90", "energy_rank_95", "energy_rank_99")}, diag)
        print("noise case:", noise)


if __name__ == "__main__":
    main(sys.argv)
