#!/usr/bin/env python3
"""Benchmark the random-projection kernels of `intrinsic-dim` against FFHT, numpy and PyTorch.

    python3 bench/projections/run_bench.py [--reps 3] [--sections wht,fastfood,dense]
        [--markdown-out FILE] [--cache /tmp/intrinsic-dim-bench/projections] [--quick]
        [--baselines-only] [--strict] [--timeout S] [... sizes and repeat counts, see --help]

The binary is $INTRINSIC_DIM_BIN (default <repo>/.build/release/intrinsic-dim). If it is
missing the harness says so and exits 2 (unless --baselines-only).

Sections (one run measures all of them, side by side):
1. wht — one in-place unnormalised Walsh–Hadamard transform of length 2^20, 2^22, 2^24:
   `intrinsic-dim benchmark wht` (native and fftw, f32 and f64), FFHT (ffht_wht.py:
   ffht-unofficial's in-place `fht_`), the numpy reshape-trick WHT (numpy_fastfood.py
   --kernel wht, for context) and the memory-bandwidth floor: one read + write pass over the
   array at the copy bandwidth measured by bandwidth.py (best np.copyto over a 256 MiB f32
   array, bandwidth = 2·bytes/time; floor(n) = 2·itemsize·n / bandwidth; the best bandwidth
   of all its runs is used). Targets (f32): ours native ≤ 1.5 × FFHT time at every length,
   and ours native ≤ 4 floor passes at 2^24.
2. fastfood — P·x and Pᵀ·y at D = 2^20, 2^22, 2^24, d = 1000, f32:
   `intrinsic-dim benchmark fastfood` (--wht native; --wht fftw for context) vs
   numpy_fastfood.py and torch_fastfood.py (2 threads). Targets on apply+transpose best
   time: numpy/ours ≥ 5, torch/ours ≥ 2.
3. dense — `intrinsic-dim benchmark dense` at D = 10^6, d = 1000, --memory-budget 64 MiB:
   times and the child's peak RSS (target < 200 MB). Not run for numpy: it would have to
   hold P itself (D·d·4 bytes = 4 GB in f32).

Every implementation runs as a child process, alternating (ours, FFHT, numpy, …) --reps times
per case; each child times its kernel internally (one warm-up call, then --*-repeat timed
calls, best and median), as `intrinsic-dim benchmark` does. The table shows best = min over
the children's bests and median = median of the children's medians. Peak RSS is the child's
own ru_maxrss from os.wait4 (KiB on Linux); CPU/wall (user+sys over wall) hints at the
threads used. The harness imports neither numpy nor torch nor ffht (a child never reports
less than the parent's peak RSS, and thread pools stay out of the parent).

Before timing, check_agreement.py checks that the numpy and torch Fastfood agree (f32, 1e-5)
on D=1000, d=37 and, when Tests/Fixtures/projections/ff_Px.npy is there, that both match it.

A case our binary does not support (exit 64, ArgumentParser's usage error: the subcommand or
an option does not exist yet) or a baseline whose package is missing (exit 3) is shown as
"n/a" with a note and does not fail the run. Exit status: 0 all ran; 1 a run failed or the
agreement check failed (or, with --strict, a target failed); 2 the binary is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # bench/, for benchlib
from benchlib import (INSTALL_TORCH, REPO, Run, binary_fingerprint,  # noqa: E402
                      classify, finish, find_binary, first_line, harness_cmd, load_average, log, machine_info,
                      run_conditions, run_measured, verdict)

DEFAULT_CACHE = "/tmp/intrinsic-dim-bench/projections"
PY = sys.executable

WHT_FFHT_TARGET = 1.5        # ours native time <= 1.5 x FFHT time (f32)
WHT_PASSES_TARGET = 4.0      # ours native time <= 4 floor passes at 2^24 f32
WHT_PASSES_LOG2 = 24
FF_NUMPY_TARGET = 5.0        # numpy / ours (apply + transpose) >= 5
FF_TORCH_TARGET = 2.0        # torch / ours >= 2
DENSE_RSS_TARGET_MB = 200.0


INSTALL_FFHT = "pip install pybind11 wheel && pip install --no-build-isolation ffht-unofficial"
# glibc serves allocations above its mmap threshold (at most 32 MiB by default) with a fresh mmap and
# unmaps them on free, so every 64 MiB tensor of the torch WHT at 2^24 is page-faulted anew
# (~13 M minor faults, sys time ≈ user time). These two settings keep the memory in the heap.
TORCH_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4294967296", "MALLOC_TRIM_THRESHOLD_": "4294967296"}

HARNESS_CMD = ""
PREP_CMDS: list[str] = []
PROJECTION_DISTS = ("numpy", "scipy", "torch", "ffht-unofficial")


# ----------------------------------------------------------------------------- running

class Cell:
    """All runs of one implementation on one case."""

    def __init__(self, impl: str, label: str):
        self.impl, self.label = impl, label
        self.runs: list[Run] = []

    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.status == "ok"]

    @property
    def status(self) -> str:
        if not self.runs:
            return "not run"
        if any(r.status == "failed" for r in self.runs):
            return "failed"
        if self.ok():
            return "ok"
        return "unavailable"

    def note(self) -> str:
        for r in self.runs:
            if r.status != "ok":
                return r.note
        return ""

    def best(self, key: str) -> float | None:
        v = [r.data[key] for r in self.ok() if r.data.get(key) is not None]
        return min(v) if v else None

    def median(self, key: str) -> float | None:
        v = [r.data[key] for r in self.ok() if r.data.get(key) is not None]
        return statistics.median(v) if v else None

    def rss_mb(self) -> float | None:
        v = [r.maxrss_kib for r in self.runs if r.status == "ok"]
        return max(v) / 1024 if v else None


# ----------------------------------------------------------------------------- machine info

# ----------------------------------------------------------------------------- formatting

def ns(seconds: float | None, n: int) -> str:
    return "—" if seconds is None else f"{seconds / n * 1e9:.3g}"


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    v = seconds * 1e3
    return f"{v:.0f}" if v >= 100 else f"{v:.3g}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def cell_text(c: Cell | None, best: float | None, med: float | None, n: int) -> str:
    if c is None:
        return "—"
    if c.status == "failed":
        return "failed"
    if best is None:
        return "n/a"
    return f"{ns(best, n)} / {ns(med, n)}"


def pow2(n: int) -> str:
    k = n.bit_length() - 1
    return f"2^{k}" if n == 1 << k else f"{n:,}"


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="benchmark intrinsic-dim's projection kernels against FFHT, numpy and PyTorch",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--reps", type=int, default=3, help="child runs per implementation and case, alternating (default 3)")
    ap.add_argument("--sections", default="wht,fastfood,dense", help="comma-separated subset of wht,fastfood,dense")
    ap.add_argument("--markdown-out", metavar="FILE", help="also write the report to FILE")
    ap.add_argument("--cache", default=DEFAULT_CACHE, help=f"logs and the baselines' B/Π/G cache (default {DEFAULT_CACHE})")
    ap.add_argument("--timeout", type=float, default=1800, help="per-child timeout in seconds (default 1800)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a PASS/FAIL target fails")
    ap.add_argument("--baselines-only", action="store_true", help="run without the binary (ours columns n/a)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: --reps 1, 3 timed calls per child, WHT 2^20 and 2^22 only, Fastfood 2^20 only")
    ap.add_argument("--wht-log2", default="20,22,24", help="WHT lengths as log2 (default 20,22,24)")
    ap.add_argument("--wht-repeat", type=int, default=20, help="timed calls per WHT child (default 20)")
    ap.add_argument("--numpy-wht-repeat", type=int, default=5, help="timed calls per numpy WHT child (default 5)")
    ap.add_argument("--no-numpy-wht", action="store_true", help="leave the numpy WHT column out")
    ap.add_argument("--bandwidth-mbytes", type=int, default=256, help="copy-bandwidth array size in MiB (default 256)")
    ap.add_argument("--bandwidth-repeat", type=int, default=20, help="timed copies per bandwidth child (default 20)")
    ap.add_argument("--ff-log2", default="20,22,24", help="Fastfood D as log2 (default 20,22,24)")
    ap.add_argument("--ff-d", type=int, default=1000, help="Fastfood d (default 1000)")
    ap.add_argument("--ff-repeat", type=int, default=5, help="timed calls per Fastfood child (default 5)")
    ap.add_argument("--no-ff-fftw", action="store_true", help="leave out ours with --wht fftw")
    ap.add_argument("--torch-threads", type=int, default=2, help="torch.set_num_threads in the torch child (default 2)")
    ap.add_argument("--no-torch-malloc", action="store_true",
                    help="leave out the second torch column (glibc mmap/trim thresholds raised; context only)")
    ap.add_argument("--autograd-repeat", type=int, default=2,
                    help="timed autograd-backward calls in the first torch run per D (later runs: 0; default 2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the baselines' B/Π/G (default 0)")
    ap.add_argument("--dense-dim", type=int, default=1_000_000, help="dense D (default 10^6)")
    ap.add_argument("--dense-d", type=int, default=1000, help="dense d (default 1000)")
    ap.add_argument("--dense-budget", type=int, default=64 * 2**20, help="dense --memory-budget in bytes (default 67108864)")
    ap.add_argument("--dense-repeat", type=int, default=2, help="timed calls per dense child (default 2)")
    ap.add_argument("--no-check", action="store_true", help="skip check_agreement.py")
    a = ap.parse_args(argv)
    if a.quick:
        a.reps, a.wht_repeat, a.numpy_wht_repeat, a.ff_repeat, a.dense_repeat = 1, 3, 2, 2, 1
        a.bandwidth_repeat, a.autograd_repeat = 5, 1
        if a.wht_log2 == "20,22,24":
            a.wht_log2 = "20,22"
        if a.ff_log2 == "20,22,24":
            a.ff_log2 = "20"
    if a.reps < 1:
        ap.error("--reps must be >= 1")
    sections = [s.strip() for s in a.sections.split(",") if s.strip()]
    bad = [s for s in sections if s not in ("wht", "fastfood", "dense")]
    if bad:
        ap.error(f"unknown section(s) {bad}")
    wht_ks = [int(k) for k in a.wht_log2.split(",") if k.strip()]
    ff_dims = [1 << int(k) for k in a.ff_log2.split(",") if k.strip()]

    global HARNESS_CMD
    HARNESS_CMD = harness_cmd(__file__, argv, not a.baselines_only)

    bin_path = None
    if not a.baselines_only:
        bin_path = find_binary("make release", "--baselines-only to time just FFHT / numpy / torch")
        if bin_path is None:
            return 2
        bin_before = binary_fingerprint(bin_path)   # also brings it into the page cache
    load_before = load_average()

    logs = os.path.join(a.cache, "logs")
    params_cache = os.path.join(a.cache, "params")
    script = lambda name: os.path.join(HERE, name)  # noqa: E731
    rel = lambda p: os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p  # noqa: E731
    cmds: list[str] = []
    failures = 0
    notes: list[str] = []
    skip: dict[str, str] = {}   # impl -> note, once it proved unavailable

    def measure(cell: Cell, cmd: list[str], tag: str, required: list[str], ours: bool, first: bool,
                env: dict | None = None) -> None:
        nonlocal failures
        if cell.impl in skip:
            return
        shown = ["python3" if c == PY else rel(c) if c.startswith(REPO) else c for c in cmd]
        if first:
            cmds.append("".join(f"{k}={v} " for k, v in (env or {}).items()) + shlex.join(shown))
        r = classify(run_measured(cmd, logs, tag, a.timeout, env), required, ours)
        cell.runs.append(r)
        extra = ""
        if r.status == "ok" and r.data:
            for k in ("best_seconds", "apply_best_seconds", "transpose_best_seconds", "bandwidth_bytes_per_second"):
                if k in r.data:
                    v = r.data[k]
                    extra += f" {k}={v / 1e9:.1f}G" if k.startswith("bandwidth") else f" {k}={v * 1e3:.2f}ms"
        log(f"   {cell.label:28s} {r.status:11s} wall {r.wall:7.2f} s  RSS {r.maxrss_kib / 1024:7.1f} MB  "
            f"cpu/wall {r.cpu_ratio:4.2f}{extra}{'  ' + r.note if r.note else ''}")
        if r.status == "unavailable":
            skip[cell.impl] = r.note
        elif r.status == "failed":
            failures += 1
            tail = "\n".join("     " + l for l in r.stderr.splitlines()[-12:])
            if tail:
                log("   stderr tail:\n" + tail)

    # ------------------------------------------------------------------ agreement check
    check_summary = None
    if not a.no_check and any(s == "fastfood" for s in sections):
        cmd = [PY, script("check_agreement.py")]
        log("== agreement check (numpy vs torch Fastfood, and the committed fixture if present)")
        cmds.append("# agreement check\n" + shlex.join(["python3", rel(cmd[1])]))
        r = run_measured(cmd, logs, "check_agreement", a.timeout)
        try:
            check_summary = json.loads(r.stdout)
        except ValueError:
            check_summary = {"failures": 1, "checks": [], "error": first_line(r.stderr) or f"exit {r.rc}"}
        if r.rc != 0:
            failures += 1
        log(f"   exit {r.rc}: {check_summary.get('failures')} failed checks")

    # ------------------------------------------------------------------ WHT
    wht: dict[tuple[int, str, str], Cell] = {}
    copy_cell = Cell("copy", "numpy copyto bandwidth")
    if "wht" in sections:
        impls = []
        for prec in ("f32", "f64"):
            if bin_path:
                impls.append(("ours-native", prec, "ours native"))
                impls.append(("ours-fftw", prec, "ours fftw"))
            impls.append(("ffht", prec, "FFHT"))
            if not a.no_numpy_wht:
                impls.append(("numpy", prec, "numpy"))
        cmds.append("# WHT")
        for k in wht_ks:
            n = 1 << k
            log(f"\n== WHT 2^{k}")
            for rep in range(1, a.reps + 1):
                first = rep == 1 and k == wht_ks[0]
                copy_cmd = [PY, script("bandwidth.py"), "--mbytes", str(a.bandwidth_mbytes), "--repeat", str(a.bandwidth_repeat)]
                measure(copy_cell, copy_cmd, f"copy-{k}-{rep}", ["bandwidth_bytes_per_second"], False, first)
                for impl, prec, label in impls:
                    cell = wht.setdefault((k, impl, prec), Cell(f"wht-{impl}", f"{label} {prec} 2^{k}"))
                    if impl.startswith("ours"):
                        cmd = [bin_path, "benchmark", "wht", "--log2-length", str(k), "--implementation", impl[5:],
                               "--precision", prec, "--repeat", str(a.wht_repeat)]
                    elif impl == "ffht":
                        cmd = [PY, script("ffht_wht.py"), "--log2-length", str(k), "--precision", prec,
                               "--repeat", str(a.wht_repeat)]
                        if rep > 1:
                            cmd.append("--no-verify")
                    else:
                        cmd = [PY, script("numpy_fastfood.py"), "--kernel", "wht", "--log2-length", str(k),
                               "--precision", prec, "--repeat", str(a.numpy_wht_repeat)]
                    measure(cell, cmd, f"wht-{impl}-{prec}-{k}-{rep}", ["best_seconds", "median_seconds"],
                            impl.startswith("ours"), rep == 1)

    # ------------------------------------------------------------------ Fastfood
    ff: dict[tuple[int, str], Cell] = {}
    if "fastfood" in sections:
        Ls = sorted({1 << (D - 1).bit_length() for D in ff_dims})
        prep = [PY, script("ffparams.py"), "--cache", params_cache, "--seed", str(a.seed), "--length"] + [str(L) for L in Ls]
        PREP_CMDS.append(shlex.join(["python3", rel(prep[1])] + prep[2:]) + "   # B/Π/G of the baselines, cached")
        log(f"\n== Fastfood parameters for the baselines (cached in {params_cache})")
        t0 = time.perf_counter()
        pr = subprocess.run(prep, capture_output=True, text=True)
        if pr.returncode != 0:
            log(pr.stderr)
            failures += 1
        log(f"   {time.perf_counter() - t0:.1f} s")
        impls = []
        if bin_path:
            impls.append(("ours", "ours (native WHT)"))
            if not a.no_ff_fftw:
                impls.append(("ours-fftw", "ours (fftw WHT)"))
        impls += [("numpy", "numpy"), ("torch", f"PyTorch CPU ({a.torch_threads} threads)")]
        if not a.no_torch_malloc:
            impls.append(("torch-malloc", "PyTorch, malloc tuned"))
        req = ["apply_best_seconds", "apply_median_seconds", "transpose_best_seconds", "transpose_median_seconds"]
        cmds.append("# Fastfood")
        for D in ff_dims:
            log(f"\n== Fastfood D={pow2(D)} d={a.ff_d}")
            for rep in range(1, a.reps + 1):
                for impl, label in impls:
                    cell = ff.setdefault((D, impl), Cell(f"ff-{impl}", f"{label} D={pow2(D)}"))
                    if impl.startswith("ours"):
                        cmd = [bin_path, "benchmark", "fastfood", "--full-dim", str(D), "--d", str(a.ff_d),
                               "--precision", "f32", "--wht", "fftw" if impl == "ours-fftw" else "native",
                               "--repeat", str(a.ff_repeat)]
                    elif impl == "numpy":
                        cmd = [PY, script("numpy_fastfood.py"), "--full-dim", str(D), "--d", str(a.ff_d),
                               "--precision", "f32", "--repeat", str(a.ff_repeat), "--seed", str(a.seed),
                               "--cache", params_cache]
                    else:
                        cmd = [PY, script("torch_fastfood.py"), "--full-dim", str(D), "--d", str(a.ff_d),
                               "--precision", "f32", "--repeat", str(a.ff_repeat), "--threads", str(a.torch_threads),
                               "--seed", str(a.seed), "--cache", params_cache,
                               "--autograd-repeat", str(a.autograd_repeat if rep == 1 and impl == "torch" else 0)]
                    measure(cell, cmd, f"ff-{impl}-{D}-{rep}", req, impl.startswith("ours"), rep == 1,
                            TORCH_MALLOC_ENV if impl == "torch-malloc" else None)

    # ------------------------------------------------------------------ dense
    dense_cell = Cell("dense", f"ours dense D={a.dense_dim:,}")
    if "dense" in sections and bin_path:
        log(f"\n== Dense D={a.dense_dim} d={a.dense_d} budget {a.dense_budget}")
        cmds.append("# Dense")
        for rep in range(1, a.reps + 1):
            cmd = [bin_path, "benchmark", "dense", "--full-dim", str(a.dense_dim), "--d", str(a.dense_d),
                   "--memory-budget", str(a.dense_budget), "--precision", "f32", "--repeat", str(a.dense_repeat)]
            measure(dense_cell, cmd, f"dense-{rep}", ["apply_best_seconds", "transpose_best_seconds"], True, rep == 1)

    # ------------------------------------------------------------------ report
    info = machine_info(bin_path, PROJECTION_DISTS, cpu_details=True, cmd_timeout=30)
    info += run_conditions(bin_path, bin_before, load_before)
    report, target_fails = build_report(a, sections, info, check_summary, wht, wht_ks, copy_cell, ff, ff_dims,
                                        dense_cell, bool(bin_path), cmds, skip)
    return finish(report, a.markdown_out, failures, a.strict, target_fails)


def build_report(a, sections, info, check, wht, wht_ks, copy_cell, ff, ff_dims, dense_cell, have_bin, cmds, skip):
    target_fails = 0
    L: list[str] = ["## Random-projection kernels: `intrinsic-dim benchmark` vs FFHT, numpy, PyTorch", ""]
    L += ["Machine:", ""] + [f"- {k}: {v}" for k, v in info] + [""]
    L.append(f"Every implementation ran {a.reps}× as a child process, alternating per case. Each child times "
             "its kernel itself: one warm-up call, then N timed calls (N below). **best** = min over the children's "
             "bests, **median** = median of the children's medians. Peak RSS = the child's own `ru_maxrss` "
             "(`wait4`), max over its runs (MB = MiB).")
    L.append("")

    # ---- agreement
    if check is not None:
        L.append("### Agreement of the baselines")
        L.append("")
        if check.get("error"):
            L.append(f"check_agreement.py failed: {check['error']}")
        else:
            c = check.get("case", {})
            fx = check.get("fixtures")
            L.append(f"`check_agreement.py`: Fastfood D={c.get('D')}, d={c.get('d')}, L={c.get('L')}, seed {c.get('seed')}; "
                     + (f"fixtures from `{os.path.relpath(fx, REPO) if fx.startswith(REPO) else fx}`" if fx else
                        "no `Tests/Fixtures/projections/ff_Px.npy` yet (fixture checks skipped)")
                     + ("" if check.get("torch") == "ok" else f"; {check.get('torch')}") + ". "
                     f"{len(check.get('checks', [])) - check.get('failures', 0)}/{len(check.get('checks', []))} checks pass "
                     "(value = max|a − b| / max|b|):")
            L.append("")
            L.append("| check | value | tolerance | |")
            L.append("|---|---|---|---|")
            for x in check.get("checks", []):
                L.append(f"| {x['check']} | {x['value']:.3g} | {x['tol']:.0e} | {'ok' if x['ok'] else 'FAIL'} |")
        L.append("")

    # ---- WHT
    if "wht" in sections:
        bw = max((r.data["bandwidth_bytes_per_second"] for r in copy_cell.ok()), default=None)
        bw_med = statistics.median([2 * r.data["bytes"] / r.data["median_seconds"] for r in copy_cell.ok()]) \
            if copy_cell.ok() else None
        L.append("### Walsh–Hadamard transform (in place, unnormalised, natural order)")
        L.append("")
        if bw:
            L.append(f"Copy bandwidth: **{bw / 1e9:.1f} GB/s** (best `np.copyto` of a {a.bandwidth_mbytes} MiB f32 array "
                     f"over {len(copy_cell.ok())} runs × {a.bandwidth_repeat} copies, counting read + write; median "
                     f"{bw_med / 1e9:.1f} GB/s). Floor = one read + write pass of the array at that bandwidth, "
                     "2·itemsize·n / bandwidth. **passes** = ours native best / floor.")
        else:
            L.append(f"Copy bandwidth: not measured ({copy_cell.note() or copy_cell.status}).")
        L.append("")
        L.append(f"ns per element, best / median ({a.wht_repeat} timed calls per child; numpy {a.numpy_wht_repeat}). "
                 f"Targets (f32): ours native ≤ {WHT_FFHT_TARGET}× FFHT's time; ≤ {WHT_PASSES_TARGET:g} passes at "
                 f"2^{WHT_PASSES_LOG2}. FFHT = `ffht.fht_` (in place, one thread, 64-byte-aligned buffer).")
        L.append("")
        L.append("| n | prec | ours native | ours fftw | FFHT | numpy | floor | ours/FFHT | passes | ≤ 1.5× FFHT | ≤ 4 passes |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for prec in ("f32", "f64"):
            item = 4 if prec == "f32" else 8
            for k in wht_ks:
                n = 1 << k
                cells = {impl: wht.get((k, impl, prec)) for impl in ("ours-native", "ours-fftw", "ffht", "numpy")}
                vals = {impl: ((c.best("best_seconds"), c.median("median_seconds")) if c else (None, None))
                        for impl, c in cells.items()}
                floor = 2 * item * n / bw if bw else None
                ob, fb = vals["ours-native"][0], vals["ffht"][0]
                passes = ob / floor if ob is not None and floor else None
                v1 = None if ob is None or fb is None else ob <= WHT_FFHT_TARGET * fb
                v2 = None
                if prec == "f32" and k == WHT_PASSES_LOG2 and passes is not None:
                    v2 = passes <= WHT_PASSES_TARGET
                if prec == "f64":
                    t1 = f"({verdict(v1)})" if v1 is not None else "—"    # context only
                else:
                    t1 = verdict(v1)
                    target_fails += v1 is False
                target_fails += v2 is False
                L.append(f"| 2^{k} | {prec} | " + " | ".join(cell_text(cells[i], *vals[i], n) for i in cells)
                         + f" | {ns(floor, n)} | {ratio(ob, fb)} | {'—' if passes is None else f'{passes:.1f}'} "
                         f"| {t1} | {verdict(v2)} |")
        L.append("")
        L.append("f64 rows are context (the targets are on f32); a verdict in parentheses is not counted.")
        L.append("")

    # ---- Fastfood
    if "fastfood" in sections:
        L.append(f"### Fastfood P·x and Pᵀ·y (d = {a.ff_d}, f32)")
        L.append("")
        L.append(f"{a.ff_repeat} timed calls per child. Cells: apply + transpose best time in ms "
                 "(ns per element of D in parentheses), then apply / transpose best ms. Ratios and targets on "
                 f"apply+transpose best times: numpy/ours ≥ {FF_NUMPY_TARGET:g}×, torch/ours ≥ {FF_TORCH_TARGET:g}× "
                 "(ratio of the medians in parentheses). Baselines: B/Π/G precomputed (the spec's Philox streams), "
                 "numpy into preallocated buffers, torch as `fastfood_torched` writes it (fresh tensors per stage), "
                 "explicit adjoint for Pᵀ·y.")
        L.append("")
        impls = (["ours", "ours-fftw"] if have_bin else []) + ["numpy", "torch", "torch-malloc"]
        names = {"ours": "ours", "ours-fftw": "ours (fftw WHT)", "numpy": "numpy", "torch": f"PyTorch ({a.torch_threads} thr)",
                 "torch-malloc": "PyTorch, malloc tuned"}
        impls = [i for i in impls if any((D, i) in ff for D in ff_dims)]
        L.append("| D | " + " | ".join(names[i] for i in impls) + " | numpy/ours | torch/ours | numpy ≥ 5× | torch ≥ 2× |")
        L.append("|---|" + "---|" * len(impls) + "---|---|---|---|")

        def at(c):
            if c is None or not c.ok():
                return None, None
            return (c.best("apply_best_seconds") + c.best("transpose_best_seconds"),
                    c.median("apply_median_seconds") + c.median("transpose_median_seconds"))

        for D in ff_dims:
            row = []
            for i in impls:
                c = ff.get((D, i))
                b, _m = at(c)
                if c is None:
                    row.append("—")
                elif c.status == "failed":
                    row.append("failed")
                elif b is None:
                    row.append("n/a")
                else:
                    row.append(f"**{ms(b)}** ({b / D * 1e9:.3g} ns) = {ms(c.best('apply_best_seconds'))} + "
                               f"{ms(c.best('transpose_best_seconds'))}")
            ob, om = at(ff.get((D, "ours")))
            nb, nm = at(ff.get((D, "numpy")))
            tb, tm = at(ff.get((D, "torch")))
            rn = "—" if ob is None or nb is None else f"{nb / ob:.2f}× ({nm / om:.2f}×)"
            rt = "—" if ob is None or tb is None else f"{tb / ob:.2f}× ({tm / om:.2f}×)"
            vn = None if ob is None or nb is None else nb / ob >= FF_NUMPY_TARGET
            vt = None if ob is None or tb is None else tb / ob >= FF_TORCH_TARGET
            target_fails += (vn is False) + (vt is False)
            L.append(f"| {pow2(D)} | " + " | ".join(row) + f" | {rn} | {rt} | {verdict(vn)} | {verdict(vt)} |")
        L.append("")
        rss = []
        for i in impls:
            v = [ff[(D, i)].rss_mb() for D in ff_dims if (D, i) in ff and ff[(D, i)].rss_mb() is not None]
            if v:
                rss.append(f"{names[i]} " + " / ".join(f"{x:.0f}" for x in v))
        if rss:
            L.append(f"Peak RSS in MB at D = {' / '.join(pow2(D) for D in ff_dims)}: " + "; ".join(rss) + ".")
        tm = []
        for D in ff_dims:
            ob, _ = at(ff.get((D, "ours")))
            b2, _ = at(ff.get((D, "torch-malloc")))
            if ob is not None and b2 is not None:
                tm.append(f"{pow2(D)}: {b2 / ob:.2f}×")
        if any((D, "torch-malloc") in ff for D in ff_dims):
            L.append("\"PyTorch, malloc tuned\" is the same torch child run with "
                     + " ".join(f"`{k}={v}`" for k, v in TORCH_MALLOC_ENV.items())
                     + ": glibc otherwise serves every tensor above its mmap threshold (≤ 32 MiB) with a fresh "
                     "mmap, so at 2^24 each 64 MiB temporary of the chunk/cat WHT is page-faulted again "
                     "(millions of minor faults, sys time ≈ user time). Context only, not a target"
                     + (f"; its torch/ours ratio: {', '.join(tm)}." if tm else "."))
        auto = []
        for D in ff_dims:
            c = ff.get((D, "torch"))
            if c and c.best("transpose_autograd_best_seconds") is not None:
                auto.append(f"{pow2(D)}: {ms(c.best('transpose_autograd_best_seconds'))} ms "
                            f"(explicit adjoint {ms(c.best('transpose_best_seconds'))} ms)")
        if auto:
            L.append("PyTorch Pᵀ·y through autograd (`out.backward(y)`, how the intrinsic-dimension code gets it; "
                     "forward untimed), best: " + "; ".join(auto) + ".")
        L.append("")

    # ---- dense
    if "dense" in sections:
        D, d = a.dense_dim, a.dense_d
        L.append(f"### Dense P·x and Pᵀ·y (D = {D:,}, d = {d}, f32, memory budget {a.dense_budget:,} bytes)")
        L.append("")
        if not have_bin:
            L.append("Not run (--baselines-only).")
        elif dense_cell.status != "ok":
            L.append(f"Ours: {dense_cell.status} — {dense_cell.note()}")
        else:
            c = dense_cell
            rss = c.rss_mb()
            v = rss < DENSE_RSS_TARGET_MB
            target_fails += not v
            L.append(f"{a.dense_repeat} timed calls per child (P regenerated block by block from the Philox stream "
                     "on every call).")
            L.append("")
            L.append("| apply best / median (s) | transpose best / median (s) | peak RSS (MB) | RSS < 200 MB |")
            L.append("|---|---|---|---|")
            sec = lambda x: "—" if x is None else f"{x:.3g}"  # noqa: E731
            L.append(f"| {sec(c.best('apply_best_seconds'))} / {sec(c.median('apply_median_seconds'))} "
                     f"| {sec(c.best('transpose_best_seconds'))} / {sec(c.median('transpose_median_seconds'))} "
                     f"| {rss:.0f} | {verdict(v)} |")
        L.append("")
        L.append(f"The numpy alternative is not run: it would store P itself, D·d·4 bytes = {D * d * 4 / 1e9:.1f} GB "
                 f"({D * d * 4 / 2**30:.2f} GiB) in float32 ({D * d * 8 / 1e9:.0f} GB in float64), before any work.")
        L.append("")

    # ---- notes
    if skip:
        L.append("Not available in this run:")
        L.append("")
        for impl, note in skip.items():
            hint = ""
            if "ffht" in impl:
                hint = f" — install: `{INSTALL_FFHT}`"
            elif "torch" in impl:
                hint = f" — install: `{INSTALL_TORCH}`"
            L.append(f"- {impl}: {note}{hint}")
        L.append("")

    # ---- per run details
    L.append("<details><summary>Per-run details (wall of the child process in s, peak RSS MB, CPU/wall)</summary>")
    L.append("")
    all_cells = [copy_cell] + list(wht.values()) + list(ff.values()) + [dense_cell]
    for c in all_cells:
        if not c.runs:
            continue
        parts = [f"{r.wall:.2f} s / {r.maxrss_kib / 1024:.0f} MB / {r.cpu_ratio:.2f}" + ("" if r.status == "ok" else f" ({r.status})")
                 for r in c.runs]
        L.append(f"- {c.label}: " + "; ".join(parts))
    L.append("")
    L.append("</details>")
    L.append("")

    # ---- commands
    L.append("Commands (first repetition of each; later ones are identical except that FFHT skips its small-n "
             "check and torch its autograd timing, `--no-verify` / `--autograd-repeat 0`):")
    L.append("")
    L.append("```sh")
    L.append("# harness")
    L.append(HARNESS_CMD)
    L.append("# baselines' packages")
    L.append(INSTALL_FFHT)
    L.append(INSTALL_TORCH)
    if PREP_CMDS:
        L.append("# set-up")
        L.extend(PREP_CMDS)
    L.extend(cmds)
    L.append("```")
    L.append("")
    return "\n".join(L), target_fails


if __name__ == "__main__":
    sys.exit(main())
