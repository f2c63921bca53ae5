#!/usr/bin/env python3
"""Benchmark `intrinsic-dim rank --top-k 128 --method randomized` against torch.svd_lowrank on a
synthetic LLaMA-7B-shaped BF16 pair with a known ΔW spectrum, and (with --full) time `rank` and
`extract-lora` over the whole 7B pair.

    python3 bench/llama7b/run_bench.py [--pair bench-out/llama7b/pair] [--layers 32] [--seed 0]
        [--include 'model\\.layers\\.[0-3]\\.']... [--reps 3] [--top-k 128] [--oversampling 10]
        [--niter 2] [--jobs 2] [--full] [--lora-rank 64] [--tolerance 1e-2]
        [--work bench-out/llama7b/runs] [--timeout 3600] [--markdown-out FILE] [--strict]

The binary is $INTRINSIC_DIM_BIN (default <repo>/.build/release/intrinsic-dim); missing: exit 2.

Steps
1. The pair: `make_pair.py PAIR --layers L --seed S` (a no-op when PAIR/COMPLETE holds the same
   parameters; otherwise ~10 min and 27 GB for 32 layers), run as a measured child.
2. Subset, side by side: the matrices matching --include (default layers 0–3: 28 matrices,
   4 × {q,k,v,o} 4096², 4 × {gate,up} 11008×4096, 4 × down 4096×11008).  Their bytes are read
   once first (warm page cache), then, alternately, --reps times each:
     ours   $BIN rank --base PAIR/base --tuned PAIR/tuned --out DIR --top-k K --method randomized
                 --oversampling P --power-iterations Q --randomized-precision F --include REGEX --jobs J
            (F = --precision, default float32: like for like with torch)
     torch  torch_svd_lowrank.py --base … --tuned … --include REGEX --top-k K --oversampling P
                 --niter Q --out CSV          (torch.svd_lowrank, float32, 2 threads)
   Wall time around each child, peak RSS = the child's own ru_maxrss from os.wait4
   (benchlib.run_measured; this harness imports neither numpy nor torch, so its own ~20 MB is
   the only floor under the children's RSS).  Reported: best and median wall, torch/ours ratios,
   peak RSS (max over repetitions).
3. Accuracy: σ̂_i (i ≤ K) of the last ours run (spectra.csv: tensor,index,sigma,energy_cumulative)
   and of the last torch run against spectrum.json's exact σ_i of ΔW (before BF16 rounding).
   Per matrix: the worst relative error |σ̂_i − σ_i| / σ_i over i ≤ 32, ≤ 64, ≤ K, and the worst
   |σ̂_i − σ_i| in units of the noise floor τ (the largest singular value of the BF16 rounding
   noise, ≈ RMS·(√m + √n), per matrix in spectrum.json).  The relative error is meaningful only
   where σ_i ≫ τ: here σ_K / τ is 13–20 (shown per matrix).  Ours' worst relative error over
   i ≤ 64 above --tolerance (default 1e-2) fails the run (exit 1); see README.md for the choice.
4. --full: ours `rank --top-k K --method randomized --jobs J` over ALL matrices (226) and ours
   `extract-lora --rank R --method randomized` (R = --lora-rank, 64), each once, timed the same
   way; targets < 900 s wall and < 2 GiB peak RSS each (PASS/FAIL in the report).  The full
   rank's σ̂ get the same accuracy check (worst per matrix shape).  The adapter is checked by
   check_adapter.py (a child with numpy): every module's lora_A (r × in) / lora_B (out × r) shape,
   and for two modules ‖s·B·A − ΔW‖_F / ‖ΔW‖_F against extraction.csv's rel_error within 1e-3
   relative.  The full pair (27 GB) is larger than the page cache on a 24 GiB machine, so the full
   runs read from disk; nothing is pre-read for them.

Exit status: 0 all ran and the checks hold; 1 a run failed, a tensor is missing from an output,
ours' accuracy is outside --tolerance, or the adapter check fails (or, with --strict, a
900 s / 2 GiB target fails); 2 the binary is missing or the pair cannot be generated.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import statistics
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)   # bench/, for benchlib
from benchlib import (REPO, Run, finish, find_binary, harness_cmd, log, machine_info, run_measured,  # noqa: E402
                      binary_fingerprint, describe, first_line, fmt_s, load_average, run_conditions, tail)



PY = sys.executable
DEFAULT_PAIR = os.path.join(REPO, "bench-out", "llama7b", "pair")
DEFAULT_WORK = os.path.join(REPO, "bench-out", "llama7b", "runs")
DEFAULT_INCLUDE = r"model\.layers\.[0-3]\."
TOLERANCE = 1e-2            # ours' worst |σ̂_i − σ_i| / σ_i over i ≤ 64 (README.md: why)
WALL_TARGET_S = 900.0       # --full: each run under 15 min
RSS_TARGET_MB = 2048.0      # --full: each run under 2 GiB peak RSS
ADAPTER_RTOL = 1e-3
DISTS = ("numpy", "safetensors", "ml_dtypes", "torch")
RANGES = (32, 64, 128)

HARNESS_CMD = ""


# ----------------------------------------------------------------------------- inputs

def checkpoint_tensors(ckpt: str) -> list[tuple[str, str, str, list[int], int, int]]:
    """(name, file, dtype, shape, begin, end) of every tensor of a checkpoint folder, from the
    index and the shards' headers (absolute byte offsets)."""
    with open(os.path.join(ckpt, "model.safetensors.index.json")) as f:
        files = dict.fromkeys(json.load(f)["weight_map"].values())
    out = []
    for fn in files:
        path = os.path.join(ckpt, fn)
        with open(path, "rb") as fh:
            n = struct.unpack("<Q", fh.read(8))[0]
            hdr = json.loads(fh.read(n))
        hdr.pop("__metadata__", None)
        for name, v in hdr.items():
            b, e = v["data_offsets"]
            out.append((name, path, v["dtype"], v["shape"], 8 + n + b, 8 + n + e))
    return out


def warm_tensors(pair: str, pats: list[re.Pattern]) -> int:
    """Read the bytes of the matching tensors of both checkpoints once (page cache); bytes read."""
    total = 0
    for role in ("base", "tuned"):
        for name, path, _dt, _shape, b, e in checkpoint_tensors(os.path.join(pair, role)):
            if any(p.search(name) for p in pats):
                with open(path, "rb") as fh:
                    fh.seek(b)
                    left = e - b
                    while left > 0:
                        chunk = fh.read(min(left, 1 << 24))
                        if not chunk:
                            break
                        left -= len(chunk)
                total += e - b
    return total


def warm_imports(bin_path: str) -> None:
    subprocess.run([PY, "-c", "import torch, safetensors.torch"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(bin_path, "rb") as fh:
        while fh.read(1 << 20):
            pass


def help_text(bin_path: str, *sub: str) -> tuple[bool, str]:
    """(exit 0?, the help text) of `BIN SUB... --help`."""
    try:
        p = subprocess.run([bin_path, *sub, "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e)
    return p.returncode == 0, (p.stdout + p.stderr)


# ----------------------------------------------------------------------------- results

def read_long_spectra(path: str) -> dict[str, dict[int, float]]:
    """tensor -> {index: sigma} from a long-format CSV (tensor,index,sigma[,...])."""
    out: dict[str, dict[int, float]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["tensor"], {})[int(row["index"])] = float(row["sigma"])
    return out


def accuracy(spectra: dict[str, dict[int, float]], known: dict, names: list[str], k: int) -> dict[str, dict]:
    """Per matrix: worst relative error over i ≤ 32, 64, K, worst |σ̂ − σ| / τ over i ≤ K, σ_K / τ.
    A matrix missing from SPECTRA (or with fewer than K values) gets {"missing": ...}."""
    res = {}
    for name in names:
        info = known[name]
        sig, tau = info["sigma"], info["noise_floor"]
        got = spectra.get(name)
        kk = min(k, len(sig))
        if not got or any(i not in got for i in range(1, kk + 1)):
            res[name] = {"missing": "absent" if not got else f"only {len(got)} values"}
            continue
        rel = [abs(got[i] - sig[i - 1]) / sig[i - 1] for i in range(1, kk + 1)]
        absn = [abs(got[i] - sig[i - 1]) / tau for i in range(1, kk + 1)]
        r = {"rows": info["rows"], "cols": info["cols"], "tau": tau, "snr_k": sig[kk - 1] / tau, "k": kk,
             "max_abs_tau": max(absn), "argmax_rel": max(range(kk), key=lambda j: rel[j]) + 1}
        for n in RANGES:
            if n <= kk:
                r[f"rel{n}"] = max(rel[:n])
        r["relK"] = max(rel)
        res[name] = r
    return res


def shape_kind(name: str, rows: int, cols: int) -> str:
    m = re.search(r"(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj|embed_tokens|lm_head)", name)
    kind = m.group(1) if m else name
    if kind in ("q_proj", "k_proj", "v_proj", "o_proj"):
        kind = "q/k/v/o_proj"
    if kind in ("gate_proj", "up_proj"):
        kind = "gate/up_proj"
    return f"{kind} {rows}×{cols}"


def walls(runs: list[Run]) -> tuple[float, float] | None:
    ok = [r.wall for r in runs if r.rc == 0]
    return (min(ok), statistics.median(ok)) if ok and len(ok) == len(runs) else None


def peak_mb(runs: list[Run]) -> float | None:
    return max(r.maxrss_kib for r in runs) / 1024 if runs else None


def last_json(run: Run) -> dict | None:
    try:
        return json.loads([l for l in run.stdout.splitlines() if l.strip().startswith("{")][-1])
    except (IndexError, ValueError):
        return None


def mem_bytes() -> int:
    try:
        with open("/proc/meminfo") as f:
            return int(next(l for l in f if l.startswith("MemTotal:")).split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        return 0


def e(x: float | None) -> str:
    return "—" if x is None else f"{x:.1e}"


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="benchmark intrinsic-dim on a synthetic LLaMA-7B-shaped BF16 pair",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--pair", default=DEFAULT_PAIR, help="pair folder (generated when incomplete; default %(default)s)")
    ap.add_argument("--layers", type=int, default=32, help="layers of the pair (default 32)")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    ap.add_argument("--include", action="append", default=None, metavar="REGEX",
                    help=f"subset of tensors, repeatable (default {DEFAULT_INCLUDE!r}: layers 0-3)")
    ap.add_argument("--reps", type=int, default=3, help="alternating repetitions of the subset runs (default 3)")
    ap.add_argument("--top-k", type=int, default=128)
    ap.add_argument("--oversampling", type=int, default=10)
    ap.add_argument("--niter", type=int, default=2, help="power iterations (ours --power-iterations, torch niter)")
    ap.add_argument("--jobs", type=int, default=2, help="ours --jobs (default 2)")
    ap.add_argument("--precision", choices=["float32", "float64"], default="float32",
                    help="ours --randomized-precision (default float32, torch's precision)")
    ap.add_argument("--full", action="store_true", help="also time rank and extract-lora over the whole pair")
    ap.add_argument("--lora-rank", type=int, default=64, help="extract-lora --rank with --full (default 64)")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE,
                    help=f"ours' worst relative σ error over i ≤ 64 (default {TOLERANCE:g})")
    ap.add_argument("--work", default=DEFAULT_WORK, help="outputs and logs (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=3600, help="per-run timeout, s (default 3600)")
    ap.add_argument("--no-torch", action="store_true", help="skip the torch runs of the subset")
    ap.add_argument("--markdown-out", metavar="FILE", help="also write the report to FILE")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a 900 s / 2 GiB target fails")
    a = ap.parse_args(argv)
    if a.reps < 1 or a.top_k < 1 or a.lora_rank < 1:
        ap.error("--reps, --top-k and --lora-rank must be >= 1")
    includes = a.include or [DEFAULT_INCLUDE]
    pats = [re.compile(p) for p in includes]
    global HARNESS_CMD
    HARNESS_CMD = harness_cmd(__file__, argv, True)

    bin_path = find_binary("make release", "INTRINSIC_DIM_BIN=/path/to/intrinsic-dim for another build")
    if bin_path is None:
        return 2
    bin_before = binary_fingerprint(bin_path)
    a.bin_path = bin_path
    a.bin_show = os.path.relpath(bin_path, REPO) if bin_path.startswith(REPO + os.sep) else bin_path
    _, rank_help = help_text(bin_path, "rank", "run")   # `rank --help` lists only run/merge
    pair = os.path.abspath(a.pair)
    logs = os.path.join(a.work, "logs")
    os.makedirs(logs, exist_ok=True)
    rel = lambda p: os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p  # noqa: E731
    show = lambda cmd: " ".join("$BIN" if c == bin_path else shlex.quote("python3" if c == PY else rel(c)) for c in cmd)  # noqa: E731
    failures = 0
    problems: list[str] = []

    # --- 1. the pair
    gen_cmd = [PY, os.path.join(HERE, "make_pair.py"), pair, "--layers", str(a.layers), "--seed", str(a.seed)]
    log(f"pair: {shlex.join(gen_cmd)}")
    gen = run_measured(gen_cmd, logs, "make-pair", 4 * 3600)
    if gen.rc != 0 or not os.path.isfile(os.path.join(pair, "COMPLETE")):
        print(f"error: could not generate the pair (exit {gen.rc}):\n{tail(gen.stderr_path)}", file=sys.stderr)
        return 2
    generated_now = "already complete" not in gen.stderr
    base, tuned = os.path.join(pair, "base"), os.path.join(pair, "tuned")
    pair_desc = f"base `{rel(base)}` — {describe(base)}; tuned `{rel(tuned)}` — {describe(tuned)}"
    log(f"   {pair_desc}")
    # spectrum.json (~1.5 MB, tens of MB as Python objects) is read only after the timed runs:
    # this process's peak RSS is a floor under every child's ru_maxrss
    subset = [n for n, _f, _d, shape, _b, _e in checkpoint_tensors(base)
              if len(shape) >= 2 and any(p.search(n) for p in pats)]
    if not subset:
        print(f"error: no matrix of the pair matches {includes}", file=sys.stderr)
        return 2

    # --- 2. subset, alternately
    nb = warm_tensors(pair, pats)
    warm_imports(bin_path)
    log(f"\n== subset: {len(subset)} matrices matching {includes}; {nb / 2**30:.2f} GiB pre-read; "
        f"ours and torch alternately, {a.reps} rep(s)")
    load_before = load_average()
    K, P, Q = str(a.top_k), str(a.oversampling), str(a.niter)
    rsvd = ["--top-k", K, "--method", "randomized"]
    if "--oversampling" in rank_help:
        rsvd += ["--oversampling", P]
    if "--power-iterations" in rank_help:
        rsvd += ["--power-iterations", Q]
    if "--randomized-precision" in rank_help:
        rsvd += ["--randomized-precision", a.precision]
    inc_args = [x for p in includes for x in ("--include", p)]
    sub_runs: dict[str, list[Run]] = {"ours": [], "torch": []}
    cmds: list[str] = []
    impls = ["ours"] + ([] if a.no_torch else ["torch"])
    for rep in range(1, a.reps + 1):
        for impl in impls:
            tag = f"subset-{impl}-{rep}"
            out = os.path.join(a.work, tag)
            if impl == "ours":
                cmd = [bin_path, "rank", "--base", base, "--tuned", tuned, "--out", out] + rsvd + inc_args + \
                      ["--jobs", str(a.jobs)]
            else:
                cmd = [PY, os.path.join(HERE, "torch_svd_lowrank.py"), "--base", base, "--tuned", tuned] + inc_args + \
                      ["--top-k", K, "--oversampling", P, "--niter", Q, "--out", os.path.join(out, "spectra.csv")]
            if rep == 1:
                cmds.append(show(cmd))
            if impl == "torch":
                import shutil
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                run = run_measured(cmd, logs, tag, a.timeout)
                run.out_dir = out
            else:
                run = run_measured(cmd, logs, tag, a.timeout, out_dir=out)
            sub_runs[impl].append(run)
            log(f"   {impl:5s} rep {rep}: {run.wall:8.2f} s  peak RSS {run.maxrss_kib / 1024:7.0f} MB  "
                f"(cpu user {run.utime:.1f} s, sys {run.stime:.1f} s)  {'ok' if run.rc == 0 else f'EXIT {run.rc}'}")
            if run.rc != 0:
                failures += 1
                problems.append(f"{tag} exited {run.rc}: {first_line(tail(run.stderr_path, 3))}")
                log("   stderr tail:\n" + "\n".join("     " + l for l in tail(run.stderr_path).splitlines()))

    # --- 4. full runs (timed before the accuracy parsing, which grows this process)
    full: dict[str, Run] = {}
    full_cmds: list[str] = []
    lora_help = ""
    if a.full:
        ok_help, lora_help = help_text(bin_path, "extract-lora")
        log("\n== full runs (each once)")
        out = os.path.join(a.work, "full-rank")
        cmd = [bin_path, "rank", "--base", base, "--tuned", tuned, "--out", out] + rsvd + ["--jobs", str(a.jobs)]
        full_cmds.append(show(cmd))
        full["rank"] = run_measured(cmd, logs, "full-rank", a.timeout, out_dir=out)
        out = os.path.join(a.work, "full-extract-lora")
        cmd = [bin_path, "extract-lora", "--base", base, "--tuned", tuned, "--rank", str(a.lora_rank),
               "--method", "randomized", "--out", out]
        if "--oversampling" in lora_help:
            cmd += ["--oversampling", P]
        if "--power-iterations" in lora_help:
            cmd += ["--power-iterations", Q]
        if "--randomized-precision" in lora_help:
            cmd += ["--randomized-precision", a.precision]
        if "--jobs" in lora_help:
            cmd += ["--jobs", str(a.jobs)]
        full_cmds.append(show(cmd))
        full["extract-lora"] = run_measured(cmd, logs, "full-extract-lora", a.timeout, out_dir=out)
        for k, run in full.items():
            log(f"   {k:12s}: {run.wall:8.1f} s  peak RSS {run.maxrss_kib / 1024:7.0f} MB  "
                f"(cpu user {run.utime:.1f} s, sys {run.stime:.1f} s)  {'ok' if run.rc == 0 else f'EXIT {run.rc}'}")
            if run.rc != 0:
                failures += 1
                problems.append(f"full {k} exited {run.rc}: {first_line(tail(run.stderr_path, 3))}")
                log("   stderr tail:\n" + "\n".join("     " + l for l in tail(run.stderr_path).splitlines()))

    # --- 3. accuracy
    with open(os.path.join(pair, "spectrum.json")) as f:
        spectrum = json.load(f)
    known = spectrum["matrices"]
    order = {n: i for i, n in enumerate(known)}
    subset.sort(key=lambda n: order.get(n, len(order)))
    gen_note = (f"generated by this run: {gen.wall:.0f} s wall, peak RSS {gen.maxrss_kib / 1024:.0f} MB"
                if generated_now else f"reused (generation took {spectrum.get('seconds', '?')} s when it was written)")
    acc: dict[str, dict] = {}
    for impl in impls:
        last = sub_runs[impl][-1]
        if last.rc == 0:
            acc[impl] = accuracy(read_long_spectra(os.path.join(last.out_dir, "spectra.csv")), known, subset, a.top_k)
            missing = {n: r["missing"] for n, r in acc[impl].items() if "missing" in r}
            if missing:
                failures += 1
                problems.append(f"{impl}: {len(missing)} subset matrices missing from its spectra: {list(missing)[:5]}")
    full_acc = None
    if full.get("rank") is not None and full["rank"].rc == 0:
        full_acc = accuracy(read_long_spectra(os.path.join(full["rank"].out_dir, "spectra.csv")), known, list(known),
                            a.top_k)
        missing = [n for n, r in full_acc.items() if "missing" in r]
        if missing:
            failures += 1
            problems.append(f"full rank: {len(missing)} matrices missing from spectra.csv: {missing[:5]}")
    tol_checks = []
    for label, res in (("subset", acc.get("ours")), ("full rank", full_acc)):
        if not res:
            continue
        vals = [(r["rel64"], n) for n, r in res.items() if "rel64" in r]
        if vals:
            worst, where = max(vals)
            ok = worst <= a.tolerance
            tol_checks.append((label, worst, where, ok))
            if not ok:
                failures += 1
                problems.append(f"{label}: ours' worst relative σ error over i ≤ 64 is {worst:.3g} at {where} "
                                f"(> tolerance {a.tolerance:g})")

    # --- adapter check
    adapter = None
    if full.get("extract-lora") is not None and full["extract-lora"].rc == 0:
        cmd = [PY, os.path.join(HERE, "check_adapter.py"), "--pair", pair, "--adapter", full["extract-lora"].out_dir,
               "--rtol", str(ADAPTER_RTOL)]
        full_cmds.append(show(cmd) + "   # untimed check")
        run = run_measured(cmd, logs, "check-adapter", a.timeout)
        adapter = last_json(run) or {"ok": False, "problems": [f"check_adapter.py exit {run.rc}: "
                                                               f"{first_line(tail(run.stderr_path, 3))}"]}
        if not adapter.get("ok"):
            failures += 1
            problems.extend(f"adapter: {p}" for p in adapter.get("problems", [])[:10])
        log(f"   adapter check: {'ok' if adapter.get('ok') else 'FAILED'} {json.dumps(adapter.get('samples', []))}")

    info = machine_info(bin_path, DISTS, cpu_details=True, cmd_timeout=30)
    info += run_conditions(bin_path, bin_before, load_before)
    report, target_fails = build_report(a, includes, subset, sub_runs, acc, full, full_acc, tol_checks, adapter,
                                        spectrum, gen_note, pair_desc, info, cmds, full_cmds, gen_cmd, show, problems,
                                        lora_help)
    for p in problems:
        log(f"PROBLEM: {p}")
    return finish(report, a.markdown_out, failures, a.strict, target_fails)


# ----------------------------------------------------------------------------- report

def build_report(a, includes, subset, sub_runs, acc, full, full_acc, tol_checks, adapter, spectrum, gen_note,
                 pair_desc, info, cmds, full_cmds, gen_cmd, show, problems, lora_help="") -> tuple[str, int]:
    L: list[str] = []
    target_fails = 0
    p = spectrum["params"]
    L.append("## LLaMA-7B-shaped BF16 pair: `rank --top-k 128 --method randomized` vs `torch.svd_lowrank`"
             + (", and full 7B runs" if a.full else ""))
    L.append("")
    L.append(f"Input: a synthetic pair with LLaMA-7B's names and shapes ({p['layers']} layers, "
             f"{len(spectrum['matrices'])} matrices, {len(spectrum['vectors'])} vectors, all BF16, "
             f"{spectrum['total_size_per_checkpoint'] / 1e9:.2f} GB per checkpoint in "
             f"{len(spectrum['shards'])} shard(s)); {gen_note}. ΔW = U·diag(σ)·Vᵀ of rank {p['rank']}, "
             f"σ_i = s·i^(−{p['alpha']}), RMS(ΔW) = {p['delta_rms']:g}; tuned = BF16(base + ΔW), so T − B carries "
             "BF16 rounding noise whose largest singular value (the noise floor τ) is ≈ 3.3e-5·(√m + √n) "
             "(`bench/llama7b/README.md`).")
    L.append("")
    L.append(f"- {pair_desc}")
    L.append("")

    # subset timing
    o, t = sub_runs["ours"], sub_runs["torch"]
    ours_precision = a.precision
    wo, wt = walls(o), walls(t)
    ro, rt = peak_mb(o), peak_mb(t)
    L.append(f"### Subset: {len(subset)} matrices (`{' | '.join(includes)}`), top {a.top_k}, "
             f"p = {a.oversampling}, q = {a.niter}")
    L.append("")
    L.append(f"{a.reps} run(s) each, alternating (ours, torch, ours, …), the subset's bytes pre-read into the page "
             "cache; each run is a whole process (start, read, ΔW, randomized SVDs, write). Wall = best / median; "
             "peak RSS = the child's own `ru_maxrss` from `wait4`, max over runs. Ours with "
             f"`--jobs {a.jobs}` (tensors in parallel, single-threaded BLAS each, {ours_precision}); torch with "
             "`torch.set_num_threads(2)` (float32).")
    L.append("")
    L.append("| implementation | wall best / median (s) | torch / ours (best; median) | peak RSS (MB) | RSS torch / ours |")
    L.append("|---|---|---|---|---|")

    def cell(w):
        return f"{fmt_s(w[0])} / {fmt_s(w[1])}" if w else "failed"

    L.append(f"| ours `rank --top-k {a.top_k} --method randomized` | {cell(wo)} | — | "
             f"{ro:.0f} | — |" if ro is not None else "| ours | not run | — | — | — |")
    if t:
        ratio = f"{wt[0] / wo[0]:.2f}× ({wt[1] / wo[1]:.2f}×)" if wo and wt else "—"
        L.append(f"| torch `svd_lowrank(q={a.top_k + a.oversampling}, niter={a.niter})` | {cell(wt)} | {ratio} | "
                 f"{rt:.0f} | {f'{rt / ro:.2f}×' if ro else '—'} |")
    L.append("")
    L.append("Per-run wall (CPU user+sys) in s:")
    L.append("")
    for impl, runs in sub_runs.items():
        if runs:
            L.append(f"- {impl}: " + ", ".join(f"{fmt_s(r.wall)} ({fmt_s(r.utime + r.stime)})"
                                               + ("" if r.rc == 0 else f" [exit {r.rc}]") for r in runs)
                     + f"; peak RSS {', '.join(str(round(r.maxrss_kib / 1024)) for r in runs)} MB")
    L.append("")

    # accuracy
    L.append(f"### Accuracy of σ̂_i against the known σ_i (subset, last run of each)")
    L.append("")
    L.append("Worst relative error |σ̂_i − σ_i| / σ_i over i ≤ 32, ≤ 64, ≤ K per matrix, and the worst absolute "
             "error in units of the matrix's noise floor τ (i ≤ K). σ_i is the exact singular value of ΔW before "
             "BF16 rounding; the rounding noise alone moves σ_i by ~ RMS (first order) plus a bias "
             "≈ RMS²·(m + n) / (2σ_i): the exact SVD of one 4096² T − B is off by up to 3.7e-4 (i ≤ 32), 1.1e-3 "
             "(i ≤ 64) and 2.2e-3 (i ≤ 128), the floor any method reaches. σ_K / τ is the signal-to-floor ratio "
             f"at i = K. Tolerance: ours' worst over i ≤ 64 ≤ {a.tolerance:g}.")
    L.append("")
    hdr = "| tensor | rows×cols | σ_K / τ |"
    sep = "|---|---|---|"
    for impl in acc:
        hdr += f" {impl} ≤ 32 | {impl} ≤ 64 | {impl} ≤ {a.top_k} | {impl} max err / τ |"
        sep += "---|---|---|---|"
    L.append(hdr)
    L.append(sep)
    for name in subset:
        first = next((acc[i][name] for i in acc if "missing" not in acc[i][name]), None)
        row = f"| {name} | {first['rows']}×{first['cols']} | {first['snr_k']:.1f} |" if first else f"| {name} | — | — |"
        for impl in acc:
            r = acc[impl][name]
            if "missing" in r:
                row += f" {r['missing']} | — | — | — |"
            else:
                row += f" {e(r.get('rel32'))} | {e(r.get('rel64'))} | {e(r['relK'])} | {r['max_abs_tau']:.2f} |"
        L.append(row)
    if acc:
        row = "| **worst** | | |"
        for impl in acc:
            ok = [r for r in acc[impl].values() if "missing" not in r]
            if ok:
                row += (f" **{e(max(r.get('rel32', 0) for r in ok))}** | **{e(max(r.get('rel64', 0) for r in ok))}** | "
                        f"**{e(max(r['relK'] for r in ok))}** | **{max(r['max_abs_tau'] for r in ok):.2f}** |")
            else:
                row += " — | — | — | — |"
        L.append(row)
    L.append("")

    # full runs
    if a.full:
        L.append(f"### Full pair ({p['layers']} layers), ours, one run each")
        L.append("")
        pair_gb = 2 * spectrum["total_size_per_checkpoint"] / 1e9
        L.append(f"All {len(spectrum['matrices'])} matrices of the pair ({pair_gb:.1f} GB"
                 + ("; more than this machine's memory, so these runs read from disk" if pair_gb * 1e9 > mem_bytes() else
                    "; not pre-read") + "). Targets: wall < "
                 f"{WALL_TARGET_S:.0f} s, peak RSS < {RSS_TARGET_MB:.0f} MB (2 GiB).")
        L.append("")
        L.append("| run | wall (s) | CPU user+sys (s) | peak RSS (MB) | wall < 900 s | RSS < 2 GiB |")
        L.append("|---|---|---|---|---|---|")
        labels = {"rank": f"`rank --top-k {a.top_k} --method randomized --jobs {a.jobs}`",
                  "extract-lora": f"`extract-lora --rank {a.lora_rank} --method randomized"
                                  f"{f' --jobs {a.jobs}' if '--jobs' in lora_help else ''}`"}
        for k, run in full.items():
            if run.rc != 0:
                L.append(f"| {labels[k]} | failed (exit {run.rc}) after {fmt_s(run.wall)} | — | "
                         f"{run.maxrss_kib / 1024:.0f} | FAIL | FAIL |")
                target_fails += 2
                continue
            w_ok, r_ok = run.wall < WALL_TARGET_S, run.maxrss_kib / 1024 < RSS_TARGET_MB
            target_fails += (not w_ok) + (not r_ok)
            L.append(f"| {labels[k]} | {fmt_s(run.wall)} | {fmt_s(run.utime + run.stime)} | {run.maxrss_kib / 1024:.0f} "
                     f"| {'PASS' if w_ok else 'FAIL'} | {'PASS' if r_ok else 'FAIL'} |")
        L.append("")
        if full_acc:
            L.append("Accuracy of the full `rank` run, worst over the matrices of each shape:")
            L.append("")
            L.append(f"| matrices | count | min σ_K / τ | ≤ 32 | ≤ 64 | ≤ {a.top_k} | max err / τ |")
            L.append("|---|---|---|---|---|---|---|")
            groups: dict[str, list] = {}
            for n, r in full_acc.items():
                if "missing" not in r:
                    groups.setdefault(shape_kind(n, r["rows"], r["cols"]), []).append(r)
            for g, rs in groups.items():
                L.append(f"| {g} | {len(rs)} | {min(r['snr_k'] for r in rs):.1f} | {e(max(r.get('rel32', 0) for r in rs))} "
                         f"| {e(max(r.get('rel64', 0) for r in rs))} | {e(max(r['relK'] for r in rs))} "
                         f"| {max(r['max_abs_tau'] for r in rs):.2f} |")
            L.append("")
        if adapter is not None:
            L.append(f"Adapter check (`check_adapter.py`): {'**ok**' if adapter.get('ok') else '**FAILED**'}; "
                     f"{adapter.get('modules', '?')} modules, {adapter.get('adapter_tensors', '?')} tensors "
                     f"({', '.join(adapter.get('dtype', []))}), shapes lora_A r×in / lora_B out×r"
                     f"{' all right' if not adapter.get('shape_problems') else ': ' + '; '.join(adapter['shape_problems'][:5])}.")
            L.append("")
            if adapter.get("samples"):
                L.append("| module | r | rel_error (extraction.csv) | ‖s·B·A − ΔW‖_F / ‖ΔW‖_F | relative difference | ≤ 1e-3 |")
                L.append("|---|---|---|---|---|---|")
                for s in adapter["samples"]:
                    L.append(f"| {s['module']} | {s['rank']} | {s['rel_error_csv']:.6g} | {s['rel_error_measured']:.6g} "
                             f"| {s['rel_diff']:.1e} | {'yes' if s['ok'] else 'NO'} |")
                L.append("")

    L.append("### Checks")
    L.append("")
    for label, worst, where, ok in tol_checks:
        L.append(f"- {label}: ours' worst relative σ error over i ≤ 64 = {worst:.2e} ({where}); "
                 f"tolerance {a.tolerance:g}: {'PASS' if ok else 'FAIL'}")
    for pr in problems:
        L.append(f"- PROBLEM: {pr}")
    if not problems:
        L.append("- every run exited 0 and every matrix is in every output")
    L.append("")
    L.append("Machine:")
    L.append("")
    L.extend(f"- {k}: {v}" for k, v in info)
    L.append("")
    L.append("Commands (subset: first repetition; later ones differ only in the output folder):")
    L.append("")
    L.append("```sh")
    L.append("# harness")
    L.append(HARNESS_CMD)
    L.append(f"BIN={shlex.quote(a.bin_show)}")
    L.append("# pair (a no-op when complete)")
    L.append(show(gen_cmd))
    L.append("# subset, alternately")
    L.extend(cmds)
    if full_cmds:
        L.append("# full runs")
        L.extend(full_cmds)
    L.append("```")
    L.append("")
    return "\n".join(L), target_fails


if __name__ == "__main__":
    sys.exit(main())
