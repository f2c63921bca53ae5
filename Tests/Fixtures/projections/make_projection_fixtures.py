#!/usr/bin/env python3
"""Independent numpy/scipy reference for the Projections module.

Implements Sources/Projections/Documentation.docc/RandomStreams.md from the
spec text (Philox4x64-10 streams keyed (seed, stream id), word addressing,
uniform/normal/sign/integer variates, stream ids, Dense/Sparse/Fastfood) and
writes the fixtures the Swift tests compare against.

    python3 make_projection_fixtures.py [OUTDIR]     (default: this directory)

Deterministic: the outputs are byte-identical across runs. Nothing here goes
through BLAS or numpy's CPU-dispatched transcendental loops (their results
depend on the CPU); the variates use the C library's log/log1p/cos/sin through
Python's math module (what Swift's Foundation calls on Linux), and every
projection output (P, P·x, Pᵀ·y, H·x) is the *correctly rounded* value of the
spec's real-number formula, evaluated exactly with Python integers/Fractions
and a final 80-digit Decimal step. See README.md.
"""
import json
import math
import os
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import scipy.linalg
import scipy.stats

getcontext().prec = 80

M64 = (1 << 64) - 1
TWO_M53 = 2.0 ** -53

KIND_DENSE, KIND_SPARSE, KIND_FF_SIGNS, KIND_FF_PERM, KIND_FF_GAUSS = 1, 2, 3, 4, 5


def stream_id(kind, group=0, index=0):
    assert 0 <= kind < 256 and 0 <= group < (1 << 24) and 0 <= index < (1 << 32)
    return (kind << 56) | (group << 32) | index


def u64(values):
    # Always build uint64 arrays explicitly: numpy converts a Python list holding
    # ints >= 2**63 through float64 (silently wrong key/counter).
    return np.array([int(v) for v in values], dtype=np.uint64)


# --------------------------------------------------------------------------
# Philox words
# --------------------------------------------------------------------------

def philox_raw(key, counter, n):
    """n raw outputs of numpy's Philox from (key, counter); numpy increments the
    256-bit counter before each block, so this yields blocks counter+1, +2, ..."""
    return np.random.Philox(key=u64(key), counter=u64(counter)).random_raw(n)


def words(seed, stream, start, count):
    """Words start .. start+count-1 of stream (seed, stream): word w is lane w%4
    of the block with counter (w//4, 0, 0, 0). One Philox object per call."""
    if count == 0:
        return np.empty(0, dtype=np.uint64)
    b0 = start >> 2
    b1 = (start + count - 1) >> 2
    assert b1 <= M64
    # counter one below block b0 (numpy pre-increments); block 0 -> all ones,
    # which wraps to (0, 0, 0, 0).
    ctr = [b0 - 1, 0, 0, 0] if b0 > 0 else [M64] * 4
    raw = philox_raw([seed, stream], ctr, 4 * (b1 - b0 + 1))
    off = start - 4 * b0
    return raw[off:off + count]


# Pure-Python Philox4x64-10 (Salmon et al. 2011 / Random123), used only to
# cross-check numpy's generator and the word addressing.
_PM0, _PM1 = 0xD2E7470EE14C6C93, 0xCA5A826395121157
_PW0, _PW1 = 0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B


def philox_block_py(counter, key):
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + _PW0) & M64, (k1 + _PW1) & M64
        p0, p1 = _PM0 * c0, _PM1 * c2
        c0, c1, c2, c3 = (p1 >> 64) ^ c1 ^ k0, p1 & M64, (p0 >> 64) ^ c3 ^ k1, p0 & M64
    return [c0, c1, c2, c3]


def word_py(seed, stream, w):
    return philox_block_py([w >> 2, 0, 0, 0], [seed, stream])[w & 3]


# --------------------------------------------------------------------------
# Derived variates
# --------------------------------------------------------------------------

def uniforms_from_words(w):
    return (w >> np.uint64(11)).astype(np.float64) * TWO_M53          # exact


def uniforms(seed, stream, start, count):
    return uniforms_from_words(words(seed, stream, start, count))


def signs_from_words(w):
    return np.where((w >> np.uint64(63)) == 0, 1.0, -1.0)


def int_below(w, n):
    return (int(w) * n) >> 64


TWO_PI = 2.0 * math.pi  # exact doubling of the double nearest pi


def normals(seed, stream, start, count):
    """Normals start .. start+count-1: Box-Muller on word pairs (2k, 2k+1)."""
    if count == 0:
        return np.empty(0)
    k0 = start // 2
    k1 = (start + count - 1) // 2
    w = words(seed, stream, 2 * k0, 2 * (k1 - k0 + 1))
    a = ((w[0::2] >> np.uint64(11)).astype(np.float64) + 1.0) * TWO_M53  # u1 in (0, 1], exact
    b = (w[1::2] >> np.uint64(11)).astype(np.float64) * TWO_M53          # u2 in [0, 1), exact
    out = np.empty(2 * len(a))
    for k, (u1, u2) in enumerate(zip(a.tolist(), b.tolist())):
        r = math.sqrt(-2.0 * math.log(u1))
        t = TWO_PI * u2
        out[2 * k] = r * math.cos(t)
        out[2 * k + 1] = r * math.sin(t)
    off = start - 2 * k0
    return out[off:off + count]


# --------------------------------------------------------------------------
# Exact helpers
# --------------------------------------------------------------------------

def scaled_ints(values):
    """floats -> (object array of ints m, K) with value_i = m_i * 2**-K exactly."""
    fr = [Fraction(float(v)) for v in values]
    K = max((f.denominator.bit_length() - 1 for f in fr), default=0)
    return np.array([f.numerator << (K - (f.denominator.bit_length() - 1)) for f in fr],
                    dtype=object), K


def dec(fr):
    return Decimal(fr.numerator) / Decimal(fr.denominator)


def cr_sum_div_sqrt(terms):
    """Correctly rounded float of sum(num / sqrt(rad)) for exact (num, rad)."""
    acc = Decimal(0)
    for num, rad in terms:
        if num:
            acc += dec(Fraction(num)) / dec(Fraction(rad)).sqrt()
    return float(acc)


def fwht_exact(v):
    """Unnormalised Walsh-Hadamard transform (Sylvester order) of python ints."""
    L = len(v)
    v = np.asarray(v, dtype=object)
    h = 1
    while h < L:
        v3 = v.reshape(-1, 2, h)
        v = np.concatenate([v3[:, 0, :] + v3[:, 1, :], v3[:, 0, :] - v3[:, 1, :]], axis=1).reshape(L)
        h *= 2
    return v


def fwht_f64(v):
    """Same butterfly in float64 (a Swift-like implementation, for cross-checks)."""
    L = len(v)
    v = np.asarray(v, dtype=np.float64).copy()
    h = 1
    while h < L:
        v3 = v.reshape(-1, 2, h)
        v = np.concatenate([v3[:, 0, :] + v3[:, 1, :], v3[:, 0, :] - v3[:, 1, :]], axis=1).reshape(L)
        h *= 2
    return v


def hadamard_exact(x):
    m, K = scaled_ints(x)
    return np.array([float(Fraction(int(t), 1 << K)) for t in fwht_exact(m)])


# --------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------

def dense_normals(seed, group, D, d):
    n = normals(seed, stream_id(KIND_DENSE, group), 0, D * d)
    return n.reshape(d, D).T            # n[i, j] = normal j*D + i


def dense_reference(seed, group, D, d, x=None, y=None):
    n = dense_normals(seed, group, D, d)
    cols = []
    for j in range(d):
        m, _ = scaled_ints(n[:, j])           # common scale cancels in m_i / sqrt(sum m^2)
        S = sum(int(t) * int(t) for t in m)
        cols.append((m, S))
    P = np.array([[cr_sum_div_sqrt([(int(cols[j][0][i]), cols[j][1])]) for j in range(d)]
                  for i in range(D)])
    out = {"P": P, "normals": n}
    if x is not None:
        xf = [Fraction(float(v)) for v in x]
        out["Px"] = np.array([cr_sum_div_sqrt([(int(cols[j][0][i]) * xf[j], cols[j][1])
                                               for j in range(d)]) for i in range(D)])
    if y is not None:
        yf = [Fraction(float(v)) for v in y]
        out["PTy"] = np.array([cr_sum_div_sqrt([(sum(int(cols[j][0][i]) * yf[i] for i in range(D)),
                                                 cols[j][1])]) for j in range(d)])
    return out


def sparse_column(seed, D, j):
    """Rows, signs and words consumed of column j (spec: Sparse)."""
    s = 1.0 / math.sqrt(D)
    den = math.log1p(-s)
    stream = stream_id(KIND_SPARSE, 0, j)
    rows, sgn, margins = [], [], []
    row, w, chunk, buf = -1, 0, 256, None
    while True:
        if w % chunk == 0:
            buf = words(seed, stream, w, chunk)
        word = int(buf[w % chunk])
        w += 1
        u = (word >> 11) * TWO_M53
        q = math.log1p(-u) / den
        g = math.floor(q)
        row = row + 1 + g
        if row >= D:
            break
        margins.append(min(q - g, g + 1 - q))
        rows.append(row)
        sgn.append(-1 if word & 1 else 1)  # bit 0: u uses bits 63…11 only
    return rows, sgn, w, margins


def sparse_reference(seed, D, d, x, y):
    cols = [sparse_column(seed, D, j) for j in range(d)]
    P = np.zeros((D, d))
    for j, (rows, sgn, _, _) in enumerate(cols):
        if rows:
            v = cr_sum_div_sqrt([(1, len(rows))])
            for r, sg in zip(rows, sgn):
                P[r, j] = v if sg > 0 else -v
    xf = [Fraction(float(v)) for v in x]
    yf = [Fraction(float(v)) for v in y]
    terms = [[] for _ in range(D)]
    for j, (rows, sgn, _, _) in enumerate(cols):
        for r, sg in zip(rows, sgn):
            terms[r].append((sg * xf[j], len(rows)))
    Px = np.array([cr_sum_div_sqrt(t) for t in terms])
    PTy = np.array([cr_sum_div_sqrt([(sum(sg * yf[r] for r, sg in zip(rows, sgn)), len(rows))])
                    if rows else 0.0 for rows, sgn, _, _ in cols])
    return cols, P, Px, PTy


def fastfood_block_params(seed, block, L):
    B = signs_from_words(words(seed, stream_id(KIND_FF_SIGNS, 0, block), 0, L))
    G = normals(seed, stream_id(KIND_FF_GAUSS, 0, block), 0, L)
    pw = words(seed, stream_id(KIND_FF_PERM, 0, block), 0, max(L - 1, 0))
    perm = list(range(L))
    for t in range(L - 1):
        i = L - 1 - t
        j = int_below(pw[t], i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return B, np.array(perm, dtype=np.int64), G


class FastfoodExact:
    """P·x and Pᵀ·y of the (stacked) Fastfood projection, correctly rounded."""

    def __init__(self, seed, D, d, L):
        assert L & (L - 1) == 0 and d <= L
        self.D, self.d, self.L = D, d, L
        self.nb = -(-D // L)
        self.B, self.perm, self.G = zip(*[fastfood_block_params(seed, b, L) for b in range(self.nb)])
        self.Gm, self.GS = [], []
        for G in self.G:
            m, _ = scaled_ints(G)               # G = m * 2^-KG; the 2^-KG cancels
            self.Gm.append(m)
            self.GS.append(sum(int(t) * int(t) for t in m) * D)   # ||G||^2 D, in m units
        # exact real scale 1/(||G|| sqrt(L) sqrt(D/L)) = 1/(||G|| sqrt(D))

    def forward(self, x):
        L, D = self.L, self.D
        m, K = scaled_ints(list(x) + [0.0] * (L - self.d))
        out = []
        for b in range(self.nb):
            Bi = np.array([1 if s > 0 else -1 for s in self.B[b]], dtype=object)
            t = fwht_exact(Bi * m)                       # H B pad(x)
            t = t[self.perm[b]]                          # (Πv)[k] = v[perm[k]]
            t = fwht_exact(t * self.Gm[b])               # H G Π H B pad(x)
            for r in range(L):
                if b * L + r < D:
                    out.append(cr_sum_div_sqrt([(Fraction(int(t[r]), 1 << K), self.GS[b])]))
        return np.array(out)

    def adjoint(self, y):
        L, D, nb = self.L, self.D, self.nb
        m, K = scaled_ints(list(y) + [0.0] * (nb * L - D))
        contrib = [[] for _ in range(self.d)]
        for b in range(nb):
            t = fwht_exact(m[b * L:(b + 1) * L])         # H
            t = t * self.Gm[b]                           # G
            u = np.empty(L, dtype=object)
            u[self.perm[b]] = t                          # Πᵀ: u[perm[k]] = t[k]
            t = fwht_exact(u)                            # H
            Bi = np.array([1 if s > 0 else -1 for s in self.B[b]], dtype=object)
            t = Bi * t                                   # B
            for j in range(self.d):
                contrib[j].append((Fraction(int(t[j]), 1 << K), self.GS[b]))
        return np.array([cr_sum_div_sqrt(c) for c in contrib])

    def forward_f64(self, x):
        """Plain float64 evaluation (as a Swift implementation would), for checks."""
        L, D = self.L, self.D
        v = np.concatenate([np.asarray(x, dtype=np.float64), np.zeros(L - self.d)])
        rows = []
        for b in range(self.nb):
            t = fwht_f64(self.B[b] * v)[self.perm[b]]
            t = fwht_f64(self.G[b] * t)
            rows.append(t / (math.sqrt(float(np.dot(self.G[b], self.G[b]))) * math.sqrt(L)))
        return np.concatenate(rows)[:D] / math.sqrt(D / L)


# --------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------

def dump_json(path, obj):
    with open(path, "w") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def rel_err(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)
    manifest = {}
    checks = {}

    def save(name, arr, params):
        np.save(os.path.join(outdir, name), arr)
        manifest[name] = dict(params, dtype=str(arr.dtype), shape=list(arr.shape))

    # ---------------- 1. Philox known answers ----------------
    r123 = [  # Random123 kat_vectors, philox4x64 10: counter, key -> output
        ([0, 0, 0, 0], [0, 0],
         [0x16554d9eca36314c, 0xdb20fe9d672d0fdc, 0xd7e772cee186176b, 0x7e68b68aec7ba23b]),
        ([M64] * 4, [M64, M64],
         [0x87b092c3013fe90b, 0x438c3c67be8d0224, 0x9cc7d7c69cd777b6, 0xa09caebf594f0ba0]),
        ([0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89],
         [0x452821e638d01377, 0xbe5466cf34e90c6c],
         [0xa528f45403e61d95, 0x38c72dbd566e9788, 0xa5a1610e72fd18b5, 0x57bd43b5e52b7fe6]),
    ]
    r123_out = []
    for ctr, key, want in r123:
        assert philox_block_py(ctr, key) == want
        # numpy pre-increments: start one below (256-bit borrow)
        c = sum(v << (64 * i) for i, v in enumerate(ctr))
        c = (c - 1) % (1 << 256)
        cm1 = [(c >> (64 * i)) & M64 for i in range(4)]
        assert philox_raw(key, cm1, 4).tolist() == want
        r123_out.append({"counter": [str(v) for v in ctr], "key": [str(v) for v in key],
                         "block": [str(v) for v in want], "numpy_counter_arg": [str(v) for v in cm1]})

    kat_cases = [
        ([0, 0], [0, 0, 0, 0]),
        ([0, 0], [M64, M64, M64, M64]),                                  # wraps to block 0
        ([M64, M64], [M64 - 1, M64, M64, M64]),                          # second block wraps to 0
        ([0xDEADBEEFCAFEBABE, 0x0123456789ABCDEF], [M64, 5, 0, 0]),      # carry c0 -> c1
        ([0xFEDCBA9876543210, 0xF0E1D2C3B4A59687], [M64 - 1, M64, 7, 0]),  # 2nd block carries twice
        ([42, 1 << 56], [M64, M64, M64, M64]),                           # words 0..7 of (42, dense)
        ([42, 1 << 56], [0, 0, 0, 0]),                                   # words 4..11 of (42, dense)
        ([0x243f6a8885a308d3, 0x13198a2e03707344], [123456789, 0, 0, 0]),
    ]
    kat = []
    for key, ctr in kat_cases:
        raw = philox_raw(key, ctr, 8)
        c = sum(v << (64 * i) for i, v in enumerate(ctr))
        for blk in range(2):
            cc = (c + 1 + blk) % (1 << 256)
            assert philox_block_py([(cc >> (64 * i)) & M64 for i in range(4)], key) == \
                raw[4 * blk:4 * blk + 4].tolist()
        kat.append({"key": [str(k) for k in key], "counter": [str(v) for v in ctr],
                    "raw": [str(int(v)) for v in raw]})
    dump_json(os.path.join(outdir, "philox_kat.json"), {
        "description": "np.random.Philox(key=np.array(key, dtype=np.uint64), "
                       "counter=np.array(counter, dtype=np.uint64)).random_raw(8). numpy increments the "
                       "256-bit counter (c0 least significant, carries into c1, c2, c3, wrapping mod 2^256) "
                       "BEFORE each block: raw[0..3] is the Philox4x64-10 block of counter+1, raw[4..7] the "
                       "block of counter+2. All integers are decimal strings of uint64.",
        "cases": kat,
        "random123_kat": {
            "description": "Published Random123 kat_vectors for philox4x64 10: block = Philox(counter, key). "
                           "numpy reproduces each with counter argument numpy_counter_arg = counter - 1 "
                           "(mod 2^256).",
            "cases": r123_out,
        },
    })

    # ---------------- 2. Stream words ----------------
    pairs = [(0, 0), (42, 1 << 56), (7, (5 << 56) | (3 << 32) | 2), (M64, M64)]
    starts = [0, 1, 5, 4099, (1 << 62) + 3]
    sw = []
    for seed, stream in pairs:
        for st in starts:
            w = words(seed, stream, st, 9)
            assert w.tolist() == [word_py(seed, stream, st + i) for i in range(9)]
            sw.append({"seed": str(seed), "stream": str(stream), "start": str(st), "count": 9,
                       "words": [str(int(v)) for v in w],
                       "blocks": sorted({(st + i) >> 2 for i in range(9)})})
    dump_json(os.path.join(outdir, "stream_words.json"), {
        "description": "Word w of stream (seed, stream) is lane w % 4 of the Philox4x64-10 block with "
                       "counter (w // 4, 0, 0, 0) under key (seed, stream). Each case lists words "
                       "start .. start+count-1 as decimal strings (blocks: the block indices touched).",
        "cases": sw,
    })

    # ---------------- 3. Uniforms / normals / stats ----------------
    N = 100_000
    seed42, s42 = 42, stream_id(KIND_DENSE)
    w42 = words(seed42, s42, 0, N)
    for i in list(range(64)) + list(range(N - 64, N)) + [4097, 31337, 65536]:
        assert int(w42[i]) == word_py(seed42, s42, i)
    uni = uniforms_from_words(w42)
    nor = normals(seed42, s42, 0, N)
    # piecewise generation must agree with one-shot generation (any start, any length)
    for st, ct in [(0, 1), (1, 1), (1, 4), (3, 7), (99_999, 1), (50_001, 10)]:
        assert np.array_equal(normals(seed42, s42, st, ct), nor[st:st + ct])
        assert np.array_equal(uniforms(seed42, s42, st, ct), uni[st:st + ct])
    params42 = {"seed": seed42, "stream": str(s42), "count": N}
    save("normals_s42.npy", nor, dict(params42, what="normals 0..N-1 (Box-Muller on word pairs)"))
    save("uniforms_s42.npy", uni, dict(params42, what="uniforms 0..N-1, uniform n from word n"))

    def moments(v):
        n = len(v)
        mean = math.fsum(v.tolist()) / n
        dv = v - mean
        m2 = math.fsum((dv * dv).tolist()) / n
        m3 = math.fsum((dv * dv * dv).tolist()) / n
        m4 = math.fsum((dv * dv * dv * dv).tolist()) / n
        return mean, m2, m3 / m2 ** 1.5, m4 / m2 ** 2 - 3.0

    stats = {"parameters": params42}
    for name, v, dist in [("normals", nor, "norm"), ("uniforms", uni, "uniform")]:
        ks = scipy.stats.kstest(v, dist)
        st = {"ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
              "mean": float(np.mean(v)), "var": float(np.var(v)),
              "skew": float(scipy.stats.skew(v)), "kurtosis": float(scipy.stats.kurtosis(v))}
        ref = moments(v)
        for k, r in zip(["mean", "var", "skew", "kurtosis"], ref):
            assert abs(st[k] - r) <= 1e-12 * max(1.0, abs(r)), (name, k, st[k], r)
        stats[name] = st
    stats["description"] = ("scipy.stats.kstest(normals, 'norm') and kstest(uniforms, 'uniform'); "
                            "mean = np.mean, var = np.var (ddof=0), skew = scipy.stats.skew, "
                            "kurtosis = scipy.stats.kurtosis (Fisher, excess), all biased estimators.")
    dump_json(os.path.join(outdir, "distribution_stats.json"), stats)
    checks["uniform_min_max"] = [float(uni.min()), float(uni.max())]
    checks["normal_min_max"] = [float(nor.min()), float(nor.max())]

    # ---------------- 4. Walsh-Hadamard ----------------
    for L in [1, 2, 4, 8, 16, 32, 1024, 4096]:
        x = np.random.default_rng(L).standard_normal(L)
        y = hadamard_exact(x)
        Hm = scipy.linalg.hadamard(L).astype(np.float64)
        assert rel_err(Hm @ x, y) < 1e-14 and rel_err(fwht_f64(x), y) < 1e-14
        if L <= 32:
            assert all(y[r] == math.fsum((Hm[r] * x).tolist()) for r in range(L))
        p = {"L": L, "x": f"np.random.default_rng({L}).standard_normal({L})"}
        save(f"wht_x_{L}.npy", x, dict(p, what="input"))
        save(f"wht_y_{L}.npy", y, dict(p, what="scipy.linalg.hadamard(L) @ x, correctly rounded"))
        checks[f"wht_{L}_float64_butterfly_max_rel_err"] = rel_err(fwht_f64(x), y)

    # ---------------- 5. Fastfood ----------------
    def fastfood_set(prefix, seed, D, d, L, stacked):
        ff = FastfoodExact(seed, D, d, L)
        x = np.random.default_rng(5).standard_normal(d)
        y = np.random.default_rng(6).standard_normal(D)
        Px, PTy = ff.forward(x), ff.adjoint(y)
        P = np.empty((D, d))
        for j in range(d):
            e = np.zeros(d)
            e[j] = 1.0
            P[:, j] = ff.forward(e)
        p = {"seed": seed, "D": D, "d": d, "L": L, "blocks": ff.nb}
        if stacked:
            save(prefix + "B.npy", np.array(ff.B), dict(p, what="B[b] = signs of words 0..L-1 of stream (seed, 3<<56 | b)"))
            save(prefix + "perm.npy", np.array(ff.perm), dict(p, what="perm[b] (Fisher-Yates, stream (seed, 4<<56 | b))"))
            save(prefix + "G.npy", np.array(ff.G), dict(p, what="G[b] = normals 0..L-1 of stream (seed, 5<<56 | b)"))
        else:
            save(prefix + "B.npy", ff.B[0], dict(p, what="signs of words 0..L-1 of stream (seed, 3<<56)"))
            save(prefix + "perm.npy", ff.perm[0], dict(p, what="Fisher-Yates perm, stream (seed, 4<<56)"))
            save(prefix + "G.npy", ff.G[0], dict(p, what="normals 0..L-1 of stream (seed, 5<<56)"))
        save(prefix + "x.npy", x, dict(p, what="np.random.default_rng(5).standard_normal(d)"))
        save(prefix + "Px.npy", Px, dict(p, what="P x, correctly rounded"))
        save(prefix + "y.npy", y, dict(p, what="np.random.default_rng(6).standard_normal(D)"))
        save(prefix + "PTy.npy", PTy, dict(p, what="P^T y, correctly rounded"))
        save(prefix + "P.npy", P, dict(p, what="P materialised column by column as P e_j, correctly rounded"))
        # checks
        for b in range(ff.nb):
            assert sorted(ff.perm[b].tolist()) == list(range(L))
        c = {}
        # independent: P from explicit matrices, H = scipy.linalg.hadamard(L), Pi[k, perm[k]] = 1
        Hm = scipy.linalg.hadamard(L).astype(np.float64)
        blocks = []
        for b in range(ff.nb):
            Pi = np.zeros((L, L))
            Pi[np.arange(L), ff.perm[b]] = 1.0
            M = Hm @ np.diag(ff.G[b]) @ Pi @ Hm @ np.diag(ff.B[b])
            blocks.append(M[:, :d] / (np.linalg.norm(ff.G[b]) * math.sqrt(L)))
        Pm = np.vstack(blocks)[:D] / math.sqrt(D / L)
        c["explicit_matrix_P_vs_P_max_rel_err"] = rel_err(Pm, P)
        assert c["explicit_matrix_P_vs_P_max_rel_err"] < 1e-13
        c["P@x_vs_Px_max_rel_err"] = rel_err(P @ x, Px)
        c["P.T@y_vs_PTy_max_rel_err"] = rel_err(P.T @ y, PTy)
        c["float64_pipeline_vs_Px_max_rel_err"] = rel_err(ff.forward_f64(x), Px)
        assert c["P@x_vs_Px_max_rel_err"] < 1e-13 and c["P.T@y_vs_PTy_max_rel_err"] < 1e-13
        assert c["float64_pipeline_vs_Px_max_rel_err"] < 1e-13
        xy = math.fsum((Px * y).tolist()) - math.fsum((x * PTy).tolist())
        c["adjointness_<Px,y>-<x,PTy>"] = xy
        assert abs(xy) < 1e-11
        norms = np.sqrt(np.sum(P * P, axis=0))
        c["column_norm_mean"] = float(np.mean(norms))
        c["column_norm_min_max"] = [float(norms.min()), float(norms.max())]
        # before truncation (and before the 1/sqrt(D/L)) every block's columns are unit-norm
        full = FastfoodExact(seed, ff.nb * L, d, L)            # same blocks, no truncation
        e0 = np.zeros(d)
        e0[0] = 1.0
        col0 = full.forward(e0) * math.sqrt(ff.nb)             # undo 1/sqrt(nb L / L)
        c["untruncated_col0_norm_per_block"] = [float(np.linalg.norm(col0[b * L:(b + 1) * L]))
                                                for b in range(ff.nb)]
        assert all(abs(v - 1) < 1e-13 for v in c["untruncated_col0_norm_per_block"])
        gram = P.T @ P
        c["max_abs_offdiag_PtP"] = float(np.max(np.abs(gram - np.diag(np.diag(gram)))))
        checks[prefix] = c

    fastfood_set("ff_", seed=11, D=1000, d=37, L=1024, stacked=False)
    fastfood_set("ffs_", seed=12, D=3000, d=20, L=1024, stacked=True)

    # ---------------- 6. Dense ----------------
    D, d = 500, 12
    x = np.random.default_rng(21).standard_normal(d)
    y = np.random.default_rng(22).standard_normal(D)
    ref = dense_reference(3, 0, D, d, x, y)
    p = {"seed": 3, "stream": str(stream_id(KIND_DENSE)), "D": D, "d": d}
    save("dense_P.npy", ref["P"], dict(p, what="P[i,j] = normal j*D+i / norm of column j, correctly rounded"))
    save("dense_x.npy", x, dict(p, what="np.random.default_rng(21).standard_normal(d)"))
    save("dense_Px.npy", ref["Px"], dict(p, what="P x, correctly rounded"))
    save("dense_y.npy", y, dict(p, what="np.random.default_rng(22).standard_normal(D)"))
    save("dense_PTy.npy", ref["PTy"], dict(p, what="P^T y, correctly rounded"))
    n = ref["normals"]
    Pf = n / np.sqrt(np.sum(n * n, axis=0))
    assert np.array_equal(n.T.reshape(-1), normals(3, stream_id(KIND_DENSE), 0, D * d))
    c = {"float64_pipeline_vs_P_max_rel_err": rel_err(Pf, ref["P"]),
         "P@x_vs_Px_max_rel_err": rel_err(ref["P"] @ x, ref["Px"]),
         "P.T@y_vs_PTy_max_rel_err": rel_err(ref["P"].T @ y, ref["PTy"]),
         "column_norms_minus_1_max_abs": float(np.max(np.abs(np.sqrt(np.sum(ref["P"] ** 2, axis=0)) - 1)))}
    assert max(c["float64_pipeline_vs_P_max_rel_err"], c["P@x_vs_Px_max_rel_err"], c["P.T@y_vs_PTy_max_rel_err"]) < 1e-13
    checks["dense_"] = c
    gs = stream_id(KIND_DENSE, 2)
    g2 = dense_reference(3, 2, 64, 5)
    save("dense_g2_P.npy", g2["P"], {"seed": 3, "stream": str(gs), "group": 2, "D": 64, "d": 5,
                                     "what": "per-tensor group 2: as dense_P with stream (1<<56)|(2<<32)"})
    checks["dense_g2_column_norms_minus_1_max_abs"] = float(np.max(np.abs(np.sqrt(np.sum(g2["P"] ** 2, axis=0)) - 1)))

    # ---------------- 7. Sparse ----------------
    D, d, seed = 4096, 10, 9
    x = np.random.default_rng(31).standard_normal(d)
    y = np.random.default_rng(32).standard_normal(D)
    cols, P, Px, PTy = sparse_reference(seed, D, d, x, y)
    p = {"seed": seed, "D": D, "d": d, "s": 1.0 / math.sqrt(D)}
    save("sparse_P.npy", P, dict(p, what="sparse P, non-zeros +-1/sqrt(nnz_j) correctly rounded"))
    save("sparse_x.npy", x, dict(p, what="np.random.default_rng(31).standard_normal(d)"))
    save("sparse_Px.npy", Px, dict(p, what="P x, correctly rounded"))
    save("sparse_y.npy", y, dict(p, what="np.random.default_rng(32).standard_normal(D)"))
    save("sparse_PTy.npy", PTy, dict(p, what="P^T y, correctly rounded"))
    dump_json(os.path.join(outdir, "sparse_nnz.json"), {
        "parameters": {"seed": seed, "D": D, "d": d, "s": 1.0 / math.sqrt(D),
                       "stream_of_column_j": "(2 << 56) | j",
                       "gap": "floor(log1p(-u) / log1p(-s)), u = (w >> 11) * 2^-53, C-library log1p"},
        "nnz": {str(j): rows for j, (rows, _, _, _) in enumerate(cols)},
        "signs": {str(j): sgn for j, (_, sgn, _, _) in enumerate(cols)},
        "words_consumed": {str(j): w for j, (_, _, w, _) in enumerate(cols)},
        "description": "nnz[j]: increasing rows of the non-zeros of column j; signs[j]: their signs (top bit "
                       "of the word); words_consumed[j]: words drawn, including the last one whose row "
                       "reached D (it gives no non-zero).",
    })
    allmarg = [m for c_ in cols for m in c_[3]]
    # how many gaps would change if numpy's (CPU-dispatched) log1p were used instead of libm's
    flips = 0
    for j in range(d):
        w = words(seed, stream_id(KIND_SPARSE, 0, j), 0, cols[j][2])
        u = uniforms_from_words(w)
        g_np = np.floor(np.log1p(-u) / np.log1p(-(1.0 / math.sqrt(D))))
        g_m = np.array([math.floor(math.log1p(-v) / math.log1p(-(1.0 / math.sqrt(D)))) for v in u])
        flips += int(np.sum(g_np != g_m))
    nnz = [len(c_[0]) for c_ in cols]
    c = {"nnz_per_column": nnz, "expected_nnz": D / math.sqrt(D),
         "min_distance_of_gap_quotient_to_integer": min(allmarg),
         "gaps_changed_if_np_log1p_used": flips,
         "P@x_vs_Px_max_rel_err": rel_err(P @ x, Px),
         "P.T@y_vs_PTy_max_rel_err": rel_err(P.T @ y, PTy),
         "column_norms_minus_1_max_abs": float(np.max(np.abs(np.sqrt(np.sum(P * P, axis=0)) - 1))),
         "negative_entries_in_rows_below_44": int(np.sum(P[:44] < 0)),
         "fraction_negative_overall": float(np.sum(P < 0) / np.sum(P != 0))}
    assert c["P@x_vs_Px_max_rel_err"] < 1e-13 and c["P.T@y_vs_PTy_max_rel_err"] < 1e-13
    checks["sparse_"] = c

    dump_json(os.path.join(outdir, "manifest.json"), {
        "description": "Every .npy file of this fixture set with its parameters. Streams: "
                       "stream = kind << 56 | group << 32 | index (dense 1, sparse 2, fastfood signs 3, "
                       "permutation 4, gaussian 5). Correctly rounded = the float64 nearest the exact "
                       "real-number value of the spec's formula given the stored float64 inputs/variates.",
        "files": manifest,
    })
    print(json.dumps(checks, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
