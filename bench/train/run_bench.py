#!/usr/bin/env python3
"""Benchmark one training step of `intrinsic-dim` against PyTorch (CPU): the MNIST FC network of
Li et al. 2018 (784-200-200-10, ReLU, D = 199,210), batch 128, cross-entropy + (λ/2)·‖θ‖²
(λ = 1e-5) on the trained parameters, Adam (lr 1e-3, betas (0.9, 0.99)), float32, synthetic data.

    python3 bench/train/run_bench.py [--reps 3] [--steps 200] [--warmup 20] [--threads 2]
        [--cases full,fastfood,dense,lora] [--d 750] [--rank 8] [--batch 128] [--markdown-out FILE]
        [--baselines-only] [--strict] [--timeout S] [--cache /tmp/intrinsic-dim-bench/train]

The binary is $INTRINSIC_DIM_BIN (default <repo>/.build/release/intrinsic-dim). If it is
missing the harness says so and exits 2 (unless --baselines-only).

Cases (ours = `intrinsic-dim benchmark train-step --model fc …`, torch = torch_train_step.py):
1. full — every one of the D parameters trained: ours `--mode full`; torch's standard
   zero_grad / forward / loss / backward / Adam step. Target torch/ours ≥ 1.
2. fastfood — subspace training, θ_D = θ⁰ + P·θ_d, d = 750, P Fastfood (one block, L = 2^18):
   ours `--mode subspace --projection fastfood`; torch with bench/projections/torch_fastfood.py's
   TorchFastfood and autograd through it. Target torch/ours ≥ 3.
3. dense — the same with a dense P (D × d): ours `--mode subspace --projection dense
   --memory-budget 1GB`; torch with P materialised (≈ 598 MB f32). Target torch/ours ≥ 2; ours'
   peak RSS is reported next to it.
4. lora — LoRA r = 8 (α = r, s = 1) on fc1, fc2 and fc3, W = W0 + s·B·A, W0 and the biases
   frozen, r·(984 + 400 + 210) = 12,752 trainable parameters, L2 on the factors only: ours
   `--mode lora --rank 8`; torch + PEFT: `peft.get_peft_model(model, LoraConfig(r=8,
   lora_alpha=8, target_modules=["fc1", "fc2", "fc3"], lora_dropout=0.0, bias="none"))`,
   Adam over the trainable parameters with weight_decay=λ (λ·θ added to the gradient, as ours).
   Targets torch/ours ≥ 2 and ours' peak RSS ≤ ½ of torch's.

Both sides run as child processes, alternating (ours, torch, ours, torch, …) --reps times per
case, with the same --steps, --warmup, --threads and --batch. Each child times its steps itself
(--warmup untimed steps, then --steps timed ones) and prints one JSON line with best_seconds
(min) and median_seconds per step. The table shows best = min over the children's bests and
median = median of the children's medians; the ratio and the target are on the best times
(the ratio of the medians in parentheses). Peak RSS is the child's own ru_maxrss (os.wait4),
max over its runs. The harness imports no numpy or torch (benchlib: a child never reports less
than the parent's peak RSS).

A case our binary does not support yet (exit 64: ArgumentParser's unknown subcommand/option) or
a missing torch or peft (the child exits 3) shows "n/a" with a note and does not fail the run
(a missing peft only takes out the lora case's torch column). Exit
status: 0 all ran; 1 a run failed (or, with --strict, a target failed); 2 the binary is missing.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)   # bench/, for benchlib
from benchlib import REPO, finish, find_binary, harness_cmd, log, machine_info, run_measured  # noqa: E402


def _load_projections_harness():
    """bench/projections/run_bench.py as a module (not by name: this file is run_bench.py too), for its
    child-result parsing (classify, Cell) and report helpers; importing it runs nothing heavy."""
    spec = importlib.util.spec_from_file_location("projections_run_bench",
                                                  os.path.join(BENCH, "projections", "run_bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_pb = _load_projections_harness()
Cell, classify, binary_fingerprint, load_average, run_conditions = (_pb.Cell, _pb.classify, _pb.binary_fingerprint,
                                                             _pb.load_average, _pb.run_conditions)
ms, verdict, INSTALL_TORCH = _pb.ms, _pb.verdict, _pb.INSTALL_TORCH

DEFAULT_CACHE = "/tmp/intrinsic-dim-bench/train"
PY = sys.executable
FULL_DIM = 199_210
DENSE_BUDGET = "1GB"
ALL_CASES = ("full", "fastfood", "dense", "lora")
TARGETS = {"full": 1.0, "fastfood": 3.0, "dense": 2.0, "lora": 2.0}   # torch best / ours best >= this
RSS_TARGETS = {"lora": 0.5}   # ours' peak RSS / torch's <= this
LORA_FAN = ((784, 200), (200, 200), (200, 10))   # (in, out) of fc1, fc2, fc3
INSTALL_PEFT = "pip install 'peft==0.21.2'"
TRAIN_DISTS = ("torch", "numpy", "peft", "transformers")
REQUIRED = ["best_seconds", "median_seconds"]

HARNESS_CMD = ""


def lora_params(rank: int) -> int:
    return rank * sum(i + o for i, o in LORA_FAN)


def case_label(case: str, d: int, rank: int = 8) -> str:
    return {"full": f"full (D = {FULL_DIM:,})",
            "fastfood": f"fastfood d = {d}",
            "dense": f"dense d = {d}",
            "lora": f"lora r = {rank} ({lora_params(rank):,} trainable)"}[case]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="benchmark intrinsic-dim's training step against PyTorch",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--reps", type=int, default=3, help="child runs per implementation and case, alternating (default 3)")
    ap.add_argument("--steps", type=int, default=200, help="timed steps per child (default 200)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps per child before them (default 20)")
    ap.add_argument("--threads", type=int, default=2, help="--threads for both sides (default 2)")
    ap.add_argument("--cases", default=",".join(ALL_CASES), help="comma-separated subset of full,fastfood,dense,lora")
    ap.add_argument("--d", type=int, default=750, help="subspace dimension (default 750)")
    ap.add_argument("--rank", type=int, default=8, help="LoRA rank of the lora case, α = r (default 8)")
    ap.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    ap.add_argument("--markdown-out", metavar="FILE", help="also write the report to FILE")
    ap.add_argument("--cache", default=DEFAULT_CACHE,
                    help=f"logs and torch's Fastfood B/Π/G cache (default {DEFAULT_CACHE})")
    ap.add_argument("--timeout", type=float, default=1800, help="per-child timeout in seconds (default 1800)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a PASS/FAIL target fails")
    ap.add_argument("--baselines-only", action="store_true", help="run without the binary (ours columns n/a)")
    a = ap.parse_args(argv)
    if a.reps < 1 or a.steps < 1 or a.rank < 1:
        ap.error("--reps, --steps and --rank must be >= 1")
    cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in ALL_CASES]
    if bad:
        ap.error(f"unknown case(s) {bad}")

    global HARNESS_CMD
    HARNESS_CMD = harness_cmd(__file__, argv, not a.baselines_only)

    bin_path = bin_before = None
    if not a.baselines_only:
        bin_path = find_binary("make release", "--baselines-only to time just PyTorch")
        if bin_path is None:
            return 2
        bin_before = binary_fingerprint(bin_path)   # also brings it into the page cache
    load_before = load_average()

    logs = os.path.join(a.cache, "logs")
    params_cache = os.path.join(a.cache, "params")
    rel = lambda p: os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p  # noqa: E731
    cmds: list[str] = []
    failures = 0
    skip: dict[str, str] = {}   # impl -> note, once it proved unavailable

    common = ["--batch", str(a.batch), "--steps", str(a.steps), "--warmup", str(a.warmup), "--threads", str(a.threads)]

    def ours_cmd(case: str) -> list[str]:
        cmd = [bin_path, "benchmark", "train-step", "--model", "fc"]
        if case == "full":
            cmd += ["--mode", "full"]
        elif case == "lora":
            cmd += ["--mode", "lora", "--rank", str(a.rank)]
        else:
            cmd += ["--mode", "subspace", "--projection", case, "--d", str(a.d)]
        if case == "dense":
            cmd += ["--memory-budget", DENSE_BUDGET]
        return cmd + common

    def torch_cmd(case: str) -> list[str]:
        cmd = [PY, os.path.join(HERE, "torch_train_step.py"), "--mode", case]
        if case == "lora":
            cmd += ["--rank", str(a.rank)]
        elif case != "full":
            cmd += ["--d", str(a.d)]
        if case == "fastfood":
            cmd += ["--cache", params_cache]
        return cmd + common

    def measure(cell: Cell, cmd: list[str], tag: str, ours: bool, first: bool) -> None:
        nonlocal failures
        if cell.impl in skip:
            return
        if first:
            cmds.append(shlex.join(["python3" if c == PY else rel(c) if c.startswith(REPO) else c for c in cmd]))
        r = classify(run_measured(cmd, logs, tag, a.timeout), REQUIRED, ours)
        cell.runs.append(r)
        extra = ""
        if r.status == "ok":
            extra = f" best {r.data['best_seconds'] * 1e3:.2f} ms median {r.data['median_seconds'] * 1e3:.2f} ms"
        log(f"   {cell.label:24s} {r.status:11s} wall {r.wall:7.2f} s  RSS {r.maxrss_kib / 1024:7.1f} MB  "
            f"cpu/wall {r.cpu_ratio:4.2f}{extra}{'  ' + r.note if r.note else ''}")
        if r.status == "unavailable":
            skip[cell.impl] = r.note
        elif r.status == "failed":
            failures += 1
            tail = "\n".join("     " + l for l in r.stderr.splitlines()[-12:])
            if tail:
                log("   stderr tail:\n" + tail)

    results: dict[str, dict[str, Cell]] = {}
    for case in cases:
        log(f"\n== {case_label(case, a.d, a.rank)}: batch {a.batch}, {a.steps} timed steps after {a.warmup}, "
            f"{a.threads} threads, {a.reps} reps")
        cmds.append(f"# {case}")
        # ours' cells are per case (the binary may support one mode before another); a missing torch is
        # global, a missing peft only takes out torch's lora cell ("torch+peft")
        ours = Cell(f"ours-{case}", f"ours {case}")
        base = Cell("torch+peft", "torch+peft lora") if case == "lora" else Cell("torch", f"torch {case}")
        results[case] = {"ours": ours, "torch": base}
        for rep in range(1, a.reps + 1):
            if bin_path:
                measure(ours, ours_cmd(case), f"{case}-ours-{rep}", True, rep == 1)
            measure(base, torch_cmd(case), f"{case}-torch-{rep}", False, rep == 1)

    info = machine_info(bin_path, TRAIN_DISTS, cpu_details=True, cmd_timeout=30)
    info += run_conditions(bin_path, bin_before, load_before)
    report, target_fails = build_report(a, cases, results, info, bool(bin_path), cmds, skip)
    return finish(report, a.markdown_out, failures, a.strict, target_fails)


def build_report(a, cases, results, info, have_bin, cmds, skip) -> tuple[str, int]:
    target_fails = 0
    L: list[str] = ["## Training step: `intrinsic-dim benchmark train-step` vs PyTorch", ""]
    L += ["Machine:", ""] + [f"- {k}: {v}" for k, v in info] + [""]
    L.append(f"One training step of the MNIST FC network of Li et al. (784-200-200-10, ReLU, D = {FULL_DIM:,}), "
             f"batch {a.batch}, softmax cross-entropy + (λ/2)·‖θ_D‖² with λ = 1e-5, Adam (lr 1e-3, betas (0.9, 0.99)), "
             "float32, one synthetic batch (x uniform [0, 1), random labels).")
    if any(c in cases for c in ("fastfood", "dense")):
        L[-1] += (f" Subspace cases train only θ_d (d = {a.d}), θ_D = θ⁰ + P·θ_d; PyTorch gets ∂loss/∂θ_d by "
                  "autograd through its P·θ_d (TorchFastfood from bench/projections, or `torch.mv` with a "
                  "materialised P).")
    if "lora" in cases:
        L[-1] += (f" The lora case trains only LoRA factors, r = {a.rank} and α = r (s = 1) on fc1, fc2 and fc3 "
                  f"(W = W0 + s·B·A; W0 and the biases frozen; {lora_params(a.rank):,} trainable parameters), "
                  "with the L2 on the factors only; PyTorch's side is PEFT "
                  f"(`get_peft_model(model, LoraConfig(r={a.rank}, lora_alpha={a.rank}, "
                  "target_modules=[\"fc1\", \"fc2\", \"fc3\"], lora_dropout=0.0, bias=\"none\"))`, "
                  "Adam over the trainable parameters with `weight_decay=1e-5`, i.e. λ·θ added to the gradient).")
    L.append("")
    L.append(f"Both sides ran {a.reps}× as child processes, alternating per case, with `--threads {a.threads}`. "
             f"Each child runs {a.warmup} untimed steps, then times {a.steps} steps one by one. **best** = min over "
             "the children's best step, **median** = median of the children's median step, in ms per step. "
             "Ratio and target on the best times (ratio of the medians in parentheses). Peak RSS = the child's "
             "own `ru_maxrss` (`wait4`), max over its runs (MB = MiB).")
    L.append("")
    L.append("| case | ours best / median (ms) | torch best / median (ms) | torch/ours (best) "
             "| peak RSS ours / torch (MB) | target | met? |")
    L.append("|---|---|---|---|---|---|---|")

    def times(c: Cell) -> tuple[float | None, float | None, str]:
        if not c.runs:
            return None, None, "—"
        if c.status == "failed":
            return None, None, "failed"
        b, m = c.best("best_seconds"), c.median("median_seconds")
        if b is None:
            return None, None, "n/a"
        return b, m, f"**{ms(b)}** / {ms(m)}"

    for case in cases:
        ours, base = results[case]["ours"], results[case]["torch"]
        ob, om, ot = times(ours)
        tb, tm, tt = times(base)
        r = "—" if ob is None or tb is None else f"{tb / ob:.2f}× ({tm / om:.2f}×)"
        v = None if ob is None or tb is None else tb / ob >= TARGETS[case]
        target_fails += v is False
        rss = lambda c: "—" if c.rss_mb() is None else f"{c.rss_mb():.0f}"  # noqa: E731
        rss_text, target, met = f"{rss(ours)} / {rss(base)}", f"≥ {TARGETS[case]:g}×", verdict(v)
        if case in RSS_TARGETS:
            orss, trss = ours.rss_mb(), base.rss_mb()
            rv = None if orss is None or trss is None else orss <= RSS_TARGETS[case] * trss
            target_fails += rv is False
            if rv is not None:
                rss_text += f" ({orss / trss:.2f}×)"
            target += f"; RSS ≤ {RSS_TARGETS[case]:g}× torch's"
            met = f"time {verdict(v)}; RSS {verdict(rv)}"
        label = case_label(case, a.d, a.rank) + (f" (ours `--memory-budget {DENSE_BUDGET}`)" if case == "dense" else "")
        L.append(f"| {label} | {ot} | {tt} | {r} | {rss_text} | {target} | {met} |")
    L.append("")
    L.append("PyTorch's RSS includes the interpreter and `import torch` (which alone peaked at about 220 MB where "
             f"this was written); its dense case also holds P (D·d·4 bytes = {FULL_DIM * a.d * 4 / 1e6:.0f} MB); "
             "its lora case also imports peft (which pulls in transformers).")
    L.append("")

    notes = []
    if not have_bin:
        notes.append("- ours: not run (--baselines-only)")
    for impl, note in skip.items():
        hint = {"torch": f" — install: `{INSTALL_TORCH}`",
                "torch+peft": f" — install: `{INSTALL_TORCH}` and `{INSTALL_PEFT}`"}.get(impl, "")
        notes.append(f"- {impl}: {note}{hint}")
    if notes:
        L += ["Not available in this run:", ""] + notes + [""]

    L.append("<details><summary>Per-run details (wall of the child process in s, peak RSS MB, CPU/wall, "
             "best / median ms per step)</summary>")
    L.append("")
    for case in cases:
        for c in results[case].values():
            if not c.runs:
                continue
            parts = []
            for r in c.runs:
                s = f"{r.wall:.2f} s / {r.maxrss_kib / 1024:.0f} MB / {r.cpu_ratio:.2f}"
                if r.status == "ok":
                    s += f" / {ms(r.data['best_seconds'])} / {ms(r.data['median_seconds'])}"
                else:
                    s += f" ({r.status})"
                parts.append(s)
            L.append(f"- {c.label}: " + "; ".join(parts))
    L.append("")
    L.append("</details>")
    L.append("")

    L.append("Commands (every repetition is identical):")
    L.append("")
    L.append("```sh")
    L.append("# harness")
    L.append(HARNESS_CMD)
    L.append("# baseline's packages")
    L.append(INSTALL_TORCH)
    if "lora" in cases:
        L.append(INSTALL_PEFT)
    L.extend(cmds)
    L.append("```")
    L.append("")
    return "\n".join(L), target_fails


if __name__ == "__main__":
    sys.exit(main())
