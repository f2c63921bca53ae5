#!/usr/bin/env python3
"""Do the two baselines compute the spec's Fastfood? Small case D=1000, d=37 (single block,
L=1024, seed 11 — the parameters of Tests/Fixtures/projections/ff_*.npy).

    python3 bench/projections/check_agreement.py [--fixtures DIR] [--tol 1e-5]

Checks, each as max|a − b| / max|b|:
- numpy_fastfood vs torch_fastfood, float32, P·x and Pᵀ·y (tolerance --tol);
- if DIR/ff_Px.npy exists: ffparams' B/Π/G vs ff_B/ff_perm/ff_G (G to 1e-14 absolute: numpy's
  vectorised log/cos/sin vs glibc), and numpy (f32, f64) and torch (f32, f64) on ff_x / ff_y vs
  the correctly rounded ff_Px / ff_PTy (f64 to 1e-12, f32 to --tol);
- if DIR/ffs_Px.npy exists: the same for the stacked set (D=3000, L=1024, 3 blocks), numpy only.
Without the fixtures, x = default_rng(5).standard_normal(37), y = default_rng(6).standard_normal(1000),
as the fixture script draws them. torch is optional (its checks are reported as skipped).
Prints one JSON object; exit 1 if a check fails.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import ffparams  # noqa: E402
from numpy_fastfood import NumpyFastfood  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_FIXTURES = os.path.join(REPO, "Tests", "Fixtures", "projections")


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    checks, fails = [], 0

    def check(name, value, tol):
        nonlocal fails
        ok = value <= tol
        fails += not ok
        checks.append({"check": name, "value": value, "tol": tol, "ok": ok})

    fx = lambda n: os.path.join(a.fixtures, n)  # noqa: E731
    have_ff = os.path.isfile(fx("ff_Px.npy"))
    seed, D, d, L = 11, 1000, 37, 1024
    if have_ff and os.path.isfile(fx("manifest.json")):
        with open(fx("manifest.json")) as f:
            p = json.load(f)["files"]["ff_Px.npy"]
        seed, D, d, L = int(p["seed"]), int(p["D"]), int(p["d"]), int(p["L"])
    if have_ff:
        x, y = np.load(fx("ff_x.npy")), np.load(fx("ff_y.npy"))
    else:
        x = np.random.default_rng(5).standard_normal(d)
        y = np.random.default_rng(6).standard_normal(D)
    params = ffparams.block_params(seed, L, 0)
    if have_ff:
        B, perm, G = params
        check("ffparams B == ff_B.npy (0 = equal)", float(not np.array_equal(B, np.load(fx("ff_B.npy")))), 0.0)
        check("ffparams perm == ff_perm.npy (0 = equal)", float(not np.array_equal(perm, np.load(fx("ff_perm.npy")))), 0.0)
        check("ffparams G vs ff_G.npy, max abs diff", float(np.max(np.abs(G - np.load(fx("ff_G.npy"))))), 1e-14)

    out = {}
    for prec, dt in (("f32", np.float32), ("f64", np.float64)):
        ff = NumpyFastfood(D, d, dt, params=[params])
        out[("numpy", prec)] = (ff.apply(x.astype(dt), np.zeros(D, dt)), ff.transpose(y.astype(dt), np.zeros(d, dt)))
    torch_note = None
    try:
        import torch
        from torch_fastfood import TorchFastfood
        torch.set_num_threads(2)
        for prec, tdt in (("f32", torch.float32), ("f64", torch.float64)):
            tf = TorchFastfood(torch, D, d, tdt, params=params)
            with torch.no_grad():
                px = tf.apply(torch.from_numpy(x).to(tdt)).double().numpy()
                pty = tf.transpose(torch.from_numpy(y).to(tdt)).double().numpy()
            # autograd backward = explicit adjoint?
            xv = torch.from_numpy(x).to(tdt).requires_grad_(True)
            tf.apply(xv).backward(torch.from_numpy(y).to(tdt))
            out[("torch", prec)] = (px, pty)
            out[("torch-autograd", prec)] = (px, xv.grad.double().numpy())
    except ImportError:
        torch_note = "torch not installed: torch checks skipped"

    if ("torch", "f32") in out:
        n, t = out[("numpy", "f32")], out[("torch", "f32")]
        check("numpy vs torch f32 P·x", rel(n[0], t[0]), a.tol)
        check("numpy vs torch f32 Pᵀ·y", rel(n[1], t[1]), a.tol)
        check("torch f32 autograd Pᵀ·y vs explicit adjoint", rel(out[("torch-autograd", "f32")][1], t[1]), a.tol)
    if have_ff:
        Px, PTy = np.load(fx("ff_Px.npy")), np.load(fx("ff_PTy.npy"))
        for (impl, prec), (px, pty) in out.items():
            if impl == "torch-autograd" and prec == "f32":
                continue
            tol = a.tol if prec == "f32" else 1e-12
            if impl != "torch-autograd":
                check(f"{impl} {prec} P·x vs ff_Px.npy", rel(px, Px), tol)
            check(f"{impl} {prec} Pᵀ·y vs ff_PTy.npy", rel(pty, PTy), tol)
    if os.path.isfile(fx("ffs_Px.npy")):
        with open(fx("manifest.json")) as f:
            p = json.load(f)["files"]["ffs_Px.npy"]
        s_seed, s_D, s_d, s_L = int(p["seed"]), int(p["D"]), int(p["d"]), int(p["L"])
        sx, sy = np.load(fx("ffs_x.npy")), np.load(fx("ffs_y.npy"))
        for prec, dt in (("f32", np.float32), ("f64", np.float64)):
            ff = NumpyFastfood(s_D, s_d, dt, seed=s_seed, block_length=s_L)
            tol = a.tol if prec == "f32" else 1e-12
            check(f"numpy {prec} stacked P·x vs ffs_Px.npy", rel(ff.apply(sx.astype(dt), np.zeros(s_D, dt)), np.load(fx("ffs_Px.npy"))), tol)
            check(f"numpy {prec} stacked Pᵀ·y vs ffs_PTy.npy", rel(ff.transpose(sy.astype(dt), np.zeros(s_d, dt)), np.load(fx("ffs_PTy.npy"))), tol)
    # adjointness in f64: <Px, y> = <x, Pᵀy>
    n64 = out[("numpy", "f64")]
    adj = abs(float(np.dot(n64[0], y)) - float(np.dot(x, n64[1]))) / max(abs(float(np.dot(n64[0], y))), 1e-300)
    check("numpy f64 adjointness |<Px,y> - <x,Pᵀy>| / |<Px,y>|", adj, 1e-12)

    print(json.dumps({"case": {"seed": seed, "D": D, "d": d, "L": L},
                      "fixtures": a.fixtures if have_ff else None, "torch": torch_note or "ok",
                      "checks": checks, "failures": fails}, indent=1))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
