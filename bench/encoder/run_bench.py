#!/usr/bin/env python3
"""Benchmark one fine-tuning step of a real pretrained encoder (MiniLM, all-MiniLM-L6-v2 from
data/finetune-pair/base) in `intrinsic-dim` against PyTorch (CPU): batch 32 × 64 tokens of
synthetic ids ([CLS] … [SEP], no padding, attention mask all ones), 8 labels, dropout on (train
mode), float32, 2 threads, AdamW (lr 1e-4, weight decay 0.01).

    python3 bench/encoder/run_bench.py [--reps 3] [--steps 10] [--warmup 3] [--threads 2]
        [--cases full,said,lora] [--model data/finetune-pair/base] [--d 1000] [--rank 8]
        [--targets query,value] [--batch 32] [--length 64] [--labels 8] [--markdown-out FILE]
        [--baselines-only] [--strict] [--timeout S] [--cache /tmp/intrinsic-dim-bench/encoder]

The model folder defaults to data/finetune-pair/base, fetched with scripts/fetch-finetune-pair.sh
when it is not there. The binary is $INTRINSIC_DIM_BIN (default <repo>/.build/release/intrinsic-dim). If it is
missing the harness says so and exits 2 (unless --baselines-only).

Cases (ours = `intrinsic-dim benchmark encoder-step --model DIR …`, torch = torch_encoder_step.py):
1. full — every parameter (D = 22,716,296 for MiniLM with an 8-label head): ours `--mode full`;
   torch `BertForSequenceClassification` + `torch.optim.AdamW`. Targets torch/ours ≥ 1.2 and
   ours' peak RSS ≤ ½ of torch's.
2. said — SAID, d = 1000 (the per-tensor λs included) over every tensor, per-tensor Fastfood:
   ours `--mode subspace --d 1000`; torch torch_said.py (Aghajanyan et al.'s per-tensor Fastfood,
   pure-torch WHT, autograd, functional_call). Targets torch/ours ≥ 3, and ours' said step ≤ 1.25 ×
   ours' full step (the subspace overhead; needs both cases in the run).
3. lora — LoRA r = 8, α = r on query and value, the classifier trained in full: ours `--mode lora
   --rank 8 --targets query,value`; torch + PEFT `get_peft_model(model, LoraConfig(task_type=
   "SEQ_CLS", r=8, lora_alpha=8, target_modules=["query", "value"]))`. Targets torch/ours ≥ 1.5
   and ours' peak RSS ≤ ½ of torch's.
4. FLOP floor — the GEMM FLOPs of one step of each case, counted from the model's config.json
   (every GEMM of the forward, each GEMM's backward products that the case needs, attention
   scores and context included; LoRA's own factor GEMMs added), divided by the machine's best
   float32 GEMM rate at --threads threads (gemm_rate.py: numpy sgemm and torch.mm, square 2048
   and the step's 2048 × 384 · 384 × 1536 shape, run --reps times alternating with the steps).
   Each step is shown as a multiple of its floor.

Both sides run as child processes, alternating per case (ours, torch, ours, torch, …) --reps times,
with the same --steps, --warmup, --threads, --batch, --length and --labels. Each child times its
steps itself and prints one JSON line with best_seconds (min) and median_seconds; the table shows
best = min over the children's bests and median = median of the children's medians. Ratios and
targets use the best times (the ratio of the medians in parentheses). Peak RSS is the child's own
ru_maxrss (os.wait4), max over its runs. The harness imports no numpy or torch.

A case our binary does not support yet (exit 64: ArgumentParser's unknown subcommand/option) or a
missing torch/transformers/peft (the child exits 3) shows "n/a" with a note and does not fail the
run. Exit status: 0 all ran; 1 a run failed (or, with --strict, a target failed); 2 the binary is
missing.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)   # bench/, for benchlib
from benchlib import REPO, finish, find_binary, harness_cmd, log, machine_info, run_measured  # noqa: E402


def _load_projections_harness():
    """bench/projections/run_bench.py as a module (its Cell and formatting helpers), as bench/train does."""
    spec = importlib.util.spec_from_file_location("projections_run_bench",
                                                  os.path.join(BENCH, "projections", "run_bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_pb = _load_projections_harness()
Cell, classify, binary_fingerprint, load_average, run_conditions = (_pb.Cell, _pb.classify, _pb.binary_fingerprint,
                                                                    _pb.load_average, _pb.run_conditions)
ms, verdict = _pb.ms, _pb.verdict

DEFAULT_CACHE = "/tmp/intrinsic-dim-bench/encoder"
DEFAULT_MODEL = os.path.join(REPO, "data", "finetune-pair", "base")
PY = sys.executable
ALL_CASES = ("full", "said", "lora")
TARGETS = {"full": 1.2, "said": 3.0, "lora": 1.5}   # torch best / ours best >= this
RSS_TARGETS = {"full": 0.5, "lora": 0.5}           # ours' peak RSS / torch's <= this
OVERHEAD_TARGET = 0.25                             # ours said best / ours full best - 1 <= this
INSTALL = "pip install 'torch==2.13.0+cpu' 'transformers==5.24.0'"
INSTALL_PEFT = "pip install 'peft==0.21.2'"
DISTS = ("torch", "transformers", "peft", "numpy")
REQUIRED = ["best_seconds", "median_seconds"]
OUR_MODE = {"full": "full", "said": "subspace", "lora": "lora"}

HARNESS_CMD = ""


# ----------------------------------------------------------------------------- the model's shapes and FLOPs

def bert_tensors(cfg: dict, labels: int) -> list[tuple[str, int]]:
    """(name, size) of every parameter of BertForSequenceClassification, in named_parameters() order."""
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    P, Tt = cfg["max_position_embeddings"], cfg.get("type_vocab_size", 2)
    t = [("bert.embeddings.word_embeddings.weight", V * H), ("bert.embeddings.position_embeddings.weight", P * H),
         ("bert.embeddings.token_type_embeddings.weight", Tt * H),
         ("bert.embeddings.LayerNorm.weight", H), ("bert.embeddings.LayerNorm.bias", H)]
    for l in range(cfg["num_hidden_layers"]):
        p = f"bert.encoder.layer.{l}."
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            t += [(p + m + ".weight", H * H), (p + m + ".bias", H)]
        t += [(p + "attention.output.LayerNorm.weight", H), (p + "attention.output.LayerNorm.bias", H),
              (p + "intermediate.dense.weight", I * H), (p + "intermediate.dense.bias", I),
              (p + "output.dense.weight", H * I), (p + "output.dense.bias", H),
              (p + "output.LayerNorm.weight", H), (p + "output.LayerNorm.bias", H)]
    t += [("bert.pooler.dense.weight", H * H), ("bert.pooler.dense.bias", H),
          ("classifier.weight", labels * H), ("classifier.bias", labels)]
    return t


def step_flops(cfg: dict, case: str, batch: int, length: int, labels: int, rank: int,
               targets: list[str]) -> dict:
    """GEMM FLOPs (2 per multiply-add) of one training step.

    Forward: per layer Q, K, V, attention output (N·H·H each, N = batch·length tokens), the two FFN
    GEMMs (N·H·I each), attention scores Q·Kᵀ and context P·V (batch·length²·H each over all heads);
    in the last layer only K and V over all N tokens, the rest over the batch's [CLS] rows (all the
    pooler reads: the least work the step's result needs; PyTorch computes every row); pooler (batch·H·H) and
    classifier (batch·H·C). Backward: a GEMM Y = X·W costs the same again
    for ∂X and for ∂W; only the products the case needs are counted — full and said need every
    parameter's gradient (said: gₜ feeds Pₜᵀ), so 3 × forward; lora needs ∂W of nothing frozen
    and ∂X only where something trainable lies below (not into layer 0's Q/K/V inputs), plus
    LoRA's own factor GEMMs (x·Aᵀ, ·Bᵀ and their backward). Embedding lookups, LayerNorm,
    softmax, GELU, dropout, AdamW and (said) the WHTs are not GEMMs and are not counted."""
    H, I, n = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    N, B, S = batch * length, batch, length
    lora = case == "lora"
    tset = set(targets) if lora else set()
    fwd = bwd = lora_flops = 0

    def gemm(m: int, k: int, nn: int, need_a: bool, need_b: bool) -> None:
        nonlocal fwd, bwd
        f = 2 * m * k * nn
        fwd += f
        bwd += f * (int(need_a) + int(need_b))

    def linear(name: str, m: int, fan_in: int, fan_out: int, x_tr: bool) -> bool:
        """Y = X·Wᵀ; returns whether Y depends on something trainable."""
        nonlocal lora_flops
        gemm(m, fan_in, fan_out, x_tr if lora else True, not lora)
        if lora and name in tset:
            lora_flops += 2 * m * fan_in * rank + 2 * m * rank * fan_out           # x·Aᵀ, ·Bᵀ
            lora_flops += 2 * m * rank * fan_out * 2 + 2 * m * fan_in * rank         # ∂B, ∂(xAᵀ), ∂A
            if x_tr:
                lora_flops += 2 * m * rank * fan_in                                  # ∂X through A
            return True
        return x_tr if lora else True

    below = not lora   # embeddings are trained in full and said, frozen in lora
    for layer in range(n):
        # The pooler reads only [CLS]: the last layer forms keys and values for every token but
        # queries, scores, context, attention output and FFN for the B [CLS] rows alone.
        R = B if layer == n - 1 else N
        x = below
        q = linear("query", R, H, H, x)
        k = linear("key", N, H, H, x)
        v = linear("value", N, H, H, x)
        gemm(R, H, S, q if lora else True, k if lora else True)          # scores Q·Kᵀ (all heads)
        p = q or k
        gemm(R, S, H, p if lora else True, v if lora else True)          # context P·V
        ctx = p or v
        o = linear("dense", R, H, H, ctx)
        h1 = o or x
        i = linear("dense", R, H, I, h1)
        o2 = linear("dense", R, I, H, i)
        below = o2 or h1
    pool = linear("dense", B, H, H, below)
    gemm(B, H, labels, pool if lora else True, True)                     # classifier, trained in every case
    total = fwd + bwd + lora_flops
    return {"forward": fwd, "backward": bwd, "lora": lora_flops, "total": total}


def said_wht_adds(cfg: dict, labels: int, d: int) -> tuple[int, int, int]:
    """(T, Σ Lₜ, additions of the 4 WHTs per tensor per step: 2 forward, 2 backward, Lₜ·log₂Lₜ each)."""
    tensors = bert_tensors(cfg, labels)
    inner = d - len(tensors)
    lengths = [1 << (max(s, inner, 1) - 1).bit_length() for _, s in tensors]
    return len(tensors), sum(lengths), sum(4 * L * (L.bit_length() - 1) for L in lengths)


# ----------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="benchmark intrinsic-dim's encoder fine-tuning step against PyTorch",
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--reps", type=int, default=3, help="child runs per implementation and case, alternating (default 3)")
    ap.add_argument("--steps", type=int, default=10, help="timed steps per child (default 10)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps per child before them (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="--threads for both sides (default 2)")
    ap.add_argument("--cases", default=",".join(ALL_CASES), help="comma-separated subset of full,said,lora")
    ap.add_argument("--model", default=DEFAULT_MODEL, help="Hugging Face BERT folder (default data/finetune-pair/base)")
    ap.add_argument("--d", type=int, default=1000, help="SAID d, the per-tensor λs included (default 1000)")
    ap.add_argument("--rank", type=int, default=8, help="LoRA rank, α = r (default 8)")
    ap.add_argument("--targets", default="query,value", help="LoRA target modules (default query,value)")
    ap.add_argument("--batch", type=int, default=32, help="sequences per step (default 32)")
    ap.add_argument("--length", type=int, default=64, help="tokens per sequence (default 64)")
    ap.add_argument("--labels", type=int, default=8, help="classes of the head (default 8)")
    ap.add_argument("--markdown-out", metavar="FILE", help="also write the report to FILE")
    ap.add_argument("--cache", default=DEFAULT_CACHE, help=f"logs (default {DEFAULT_CACHE})")
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
    cfg_path = os.path.join(a.model, "config.json")
    if os.path.abspath(a.model) == DEFAULT_MODEL and not os.path.isfile(cfg_path):
        # a fresh clone (make bench): fetch the MiniLM pair where `make test` puts it
        fetch = ["bash", os.path.join(REPO, "scripts", "fetch-finetune-pair.sh"), os.path.dirname(DEFAULT_MODEL)]
        log(f"model: {shlex.join(fetch)}")
        subprocess.run(fetch, cwd=REPO)
    try:
        with open(cfg_path) as f:
            cfg = json.load(f)
        for key in ("hidden_size", "intermediate_size", "num_hidden_layers", "vocab_size", "max_position_embeddings"):
            int(cfg[key])
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"error: {cfg_path}: cannot read the model's config ({e}); fetch it with "
              "scripts/fetch-finetune-pair.sh data/finetune-pair", file=sys.stderr)
        return 2
    targets = [t.strip() for t in a.targets.split(",") if t.strip()]

    global HARNESS_CMD
    HARNESS_CMD = harness_cmd(__file__, argv, not a.baselines_only)

    bin_path = bin_before = None
    if not a.baselines_only:
        bin_path = find_binary("make release", "--baselines-only to time just PyTorch")
        if bin_path is None:
            return 2
        bin_before = binary_fingerprint(bin_path)
    load_before = load_average()

    logs = os.path.join(a.cache, "logs")
    rel = lambda p: os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p  # noqa: E731
    cmds: list[str] = []
    failures = 0
    skip: dict[str, str] = {}

    model = os.path.abspath(a.model)
    common = ["--batch", str(a.batch), "--length", str(a.length), "--labels", str(a.labels),
              "--steps", str(a.steps), "--warmup", str(a.warmup), "--threads", str(a.threads)]

    def ours_cmd(case: str) -> list[str]:
        cmd = [bin_path, "benchmark", "encoder-step", "--model", model, "--mode", OUR_MODE[case]]
        if case == "said":
            cmd += ["--d", str(a.d)]
        elif case == "lora":
            cmd += ["--rank", str(a.rank), "--targets", ",".join(targets)]
        return cmd + common

    def torch_cmd(case: str) -> list[str]:
        cmd = [PY, os.path.join(HERE, "torch_encoder_step.py"), "--model", model, "--mode", case]
        if case == "said":
            cmd += ["--d", str(a.d)]
        elif case == "lora":
            cmd += ["--rank", str(a.rank), "--targets", ",".join(targets)]
        return cmd + common

    def show(c: str) -> str:
        return "python3" if c == PY else rel(c) if c.startswith(REPO) else c

    def measure(cell: Cell, cmd: list[str], tag: str, ours: bool, first: bool, required=REQUIRED) -> None:
        nonlocal failures
        if cell.impl in skip:
            return
        if first:
            cmds.append(shlex.join([show(c) for c in cmd]))
        r = classify(run_measured(cmd, logs, tag, a.timeout), required, ours)
        cell.runs.append(r)
        extra = ""
        if r.status == "ok" and "best_seconds" in r.data:
            extra = f" best {r.data['best_seconds'] * 1e3:.0f} ms median {r.data['median_seconds'] * 1e3:.0f} ms"
        elif r.status == "ok" and "best_gflops" in r.data:
            extra = f" best {r.data['best_gflops']:.1f} GFLOP/s ({r.data['best_source']})"
        log(f"   {cell.label:24s} {r.status:11s} wall {r.wall:7.2f} s  RSS {r.maxrss_kib / 1024:7.1f} MB  "
            f"cpu/wall {r.cpu_ratio:4.2f}{extra}{'  ' + r.note if r.note else ''}")
        if r.status == "unavailable":
            skip[cell.impl] = r.note
        elif r.status == "failed":
            failures += 1
            tail = "\n".join("     " + l for l in r.stderr.splitlines()[-12:])
            if tail:
                log("   stderr tail:\n" + tail)

    gemm = Cell("gemm", "gemm rate")
    gemm_cmd = [PY, os.path.join(HERE, "gemm_rate.py"), "--threads", str(a.threads)]
    results: dict[str, dict[str, Cell]] = {}
    for case in cases:
        log(f"\n== {case}: batch {a.batch} × {a.length} tokens, {a.steps} timed steps after {a.warmup}, "
            f"{a.threads} threads, {a.reps} reps")
        cmds.append(f"# {case}")
        ours = Cell(f"ours-{case}", f"ours {case}")
        base = Cell("torch+peft", "torch+peft lora") if case == "lora" else Cell("torch", f"torch {case}")
        results[case] = {"ours": ours, "torch": base}
        for rep in range(1, a.reps + 1):
            if bin_path:
                measure(ours, ours_cmd(case), f"{case}-ours-{rep}", True, rep == 1)
            measure(base, torch_cmd(case), f"{case}-torch-{rep}", False, rep == 1)
    log(f"\n== GEMM rate (float32, {a.threads} threads), {a.reps} reps")
    cmds.append("# FLOP floor: the machine's float32 GEMM rate")
    for rep in range(1, a.reps + 1):
        measure(gemm, gemm_cmd, f"gemm-{rep}", False, rep == 1, required=["best_gflops"])

    info = machine_info(bin_path, DISTS, cpu_details=True, cmd_timeout=30)
    info += run_conditions(bin_path, bin_before, load_before)
    report, target_fails = build_report(a, cfg, targets, cases, results, gemm, info, bool(bin_path), cmds, skip)
    return finish(report, a.markdown_out, failures, a.strict, target_fails)


def case_label(case: str, a, targets: list[str], full_dim: int, lora_trainable: int | None) -> str:
    if case == "full":
        return f"full (D = {full_dim:,})"
    if case == "said":
        return f"said d = {a.d:,} (per-tensor Fastfood)"
    extra = f", {lora_trainable:,} trainable" if lora_trainable else ""
    return f"lora r = {a.rank} on {'/'.join(targets)}{extra}"


def build_report(a, cfg, targets, cases, results, gemm, info, have_bin, cmds, skip) -> tuple[str, int]:
    target_fails = 0
    full_dim = sum(s for _, s in bert_tensors(cfg, a.labels))
    lora_trainable = None
    for c in results.get("lora", {}).values():
        for r in c.ok():
            lora_trainable = r.data.get("trainable") or lora_trainable
    L: list[str] = ["## Encoder fine-tuning step: `intrinsic-dim benchmark encoder-step` vs PyTorch", ""]
    L += ["Machine:", ""] + [f"- {k}: {v}" for k, v in info] + [""]
    L.append(f"One training step of `BertForSequenceClassification` on `{rel_model(a.model)}` "
             f"({cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, intermediate {cfg['intermediate_size']}, "
             f"{cfg['num_attention_heads']} heads; D = {full_dim:,} with a {a.labels}-label head), batch {a.batch} × "
             f"{a.length} tokens of synthetic ids ([CLS] … [SEP], attention mask all ones), random labels, dropout on "
             "(train mode), float32, AdamW (lr 1e-4, weight decay 0.01) over the trained parameters.")
    if "said" in cases:
        L[-1] += (f" said: SAID with d = {a.d:,} (θ' of d − T entries and one λ per tensor, T tensors), every tensor "
                  "with its own Fastfood Pₜ; PyTorch's side is bench/encoder/torch_said.py, written after Aghajanyan "
                  "et al.'s `intrinsic.py` (pure-torch WHT, autograd, `torch.func.functional_call`).")
    if "lora" in cases:
        L[-1] += (f" lora: r = {a.rank}, α = r on {', '.join(targets)}, the classifier trained in full; PyTorch's "
                  f"side is PEFT (`get_peft_model(model, LoraConfig(task_type=\"SEQ_CLS\", r={a.rank}, "
                  f"lora_alpha={a.rank}, target_modules={targets!r}))`).")
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

    def times(c: Cell):
        if not c.runs:
            return None, None, "—"
        if c.status == "failed":
            return None, None, "failed"
        b, m = c.best("best_seconds"), c.median("median_seconds")
        if b is None:
            return None, None, "n/a"
        return b, m, f"**{ms(b)}** / {ms(m)}"

    bests: dict[tuple[str, str], float | None] = {}
    for case in cases:
        ours, base = results[case]["ours"], results[case]["torch"]
        ob, om, ot = times(ours)
        tb, tm, tt = times(base)
        bests[(case, "ours")], bests[(case, "torch")] = ob, tb
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
        L.append(f"| {case_label(case, a, targets, full_dim, lora_trainable)} | {ot} | {tt} | {r} | {rss_text} "
                 f"| {target} | {met} |")
    L.append("")
    if "said" in cases:
        of, os_ = bests.get(("full", "ours")), bests.get(("said", "ours"))
        if of is not None and os_ is not None:
            over = os_ / of - 1
            ok = over <= OVERHEAD_TARGET
            target_fails += not ok
            L.append(f"Ours' subspace overhead: said best / full best − 1 = {over * 100:+.0f} % "
                     f"(target ≤ {OVERHEAD_TARGET * 100:.0f} %): {verdict(ok)}.")
        else:
            L.append(f"Ours' subspace overhead (said / full − 1, target ≤ {OVERHEAD_TARGET * 100:.0f} %): — "
                     "(needs ours' full and said steps in the same run).")
        L.append("")
    L.append("PyTorch's RSS includes the interpreter, `import torch` and `import transformers` (and peft in the lora "
             "case); its said case also holds every tensor's B, Π, G (Σ Lₜ entries each).")
    L.append("")

    # FLOP floor
    rates = [r.data["best_gflops"] for r in gemm.ok() if r.data.get("best_gflops")]
    rate = max(rates) if rates else None   # a rate: the fastest child (Cell.best is the min, for times)
    L.append("### FLOP floor")
    L.append("")
    rates_seen: dict[str, float] = {}
    for r in gemm.ok():
        for k, v in r.data.get("rates", {}).items():
            rates_seen[k] = max(rates_seen.get(k, 0.0), v)
    if rate is None:
        L.append(f"GEMM rate: {gemm.status} ({gemm.note() or 'not measured'}); no floor.")
    else:
        L.append(f"Machine's float32 GEMM rate at {a.threads} threads: **{rate:.1f} GFLOP/s** (best of "
                 + ", ".join(f"{k} {v:.1f}" for k, v in sorted(rates_seen.items())) + "; `bench/encoder/gemm_rate.py`, "
                 f"best of 5 calls per child, max over {len(gemm.ok())} children).")
    L.append("")
    L.append("Floor = the step's GEMM FLOPs (2 per multiply-add; forward GEMMs incl. attention scores and context, "
             "and the backward products the case needs; the last layer's queries onward over the [CLS] rows only, "
             "since the pooler reads nothing else — the least work the result needs, where PyTorch computes every row) "
             "/ that rate. Embedding lookups, LayerNorm, softmax, GELU, "
             "dropout, AdamW and the WHTs are not counted.")
    L.append("")
    L.append("| case | GEMM GFLOP per step (forward + backward + LoRA) | floor (ms) | ours / floor | torch / floor |")
    L.append("|---|---|---|---|---|")
    for case in cases:
        fl = step_flops(cfg, case, a.batch, a.length, a.labels, a.rank, targets)
        floor = None if rate is None else fl["total"] / (rate * 1e9)
        parts = f"{fl['forward'] / 1e9:.1f} + {fl['backward'] / 1e9:.1f}" + \
            (f" + {fl['lora'] / 1e9:.2f}" if case == "lora" else "")
        mult = lambda b: "—" if b is None or floor is None else f"{b / floor:.1f}×"  # noqa: E731
        L.append(f"| {case} | {fl['total'] / 1e9:.1f} ({parts}) | {ms(floor) if floor else '—'} "
                 f"| {mult(bests[(case, 'ours')])} | {mult(bests[(case, 'torch')])} |")
    L.append("")
    if "said" in cases:
        T, sumL, adds = said_wht_adds(cfg, a.labels, a.d)
        L.append(f"said also runs 4 WHTs per tensor per step (2 in P·θ', 2 in its pullback): T = {T} tensors, "
                 f"Σ Lₜ = {sumL:,}, {adds / 1e9:.2f} G additions — memory-bound, outside the GEMM floor.")
        L.append("")

    notes = []
    if not have_bin:
        notes.append("- ours: not run (--baselines-only)")
    for impl, note in skip.items():   # a missing package's note already names its install command
        notes.append(f"- {impl}: {note}")
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
                s = f"{r.wall:.1f} s / {r.maxrss_kib / 1024:.0f} MB / {r.cpu_ratio:.2f}"
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
    L.append(INSTALL)
    if "lora" in cases:
        L.append(INSTALL_PEFT)
    L.extend(cmds)
    L.append("```")
    L.append("")
    return "\n".join(L), target_fails


def rel_model(path: str) -> str:
    p = os.path.abspath(path)
    return os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else path


if __name__ == "__main__":
    sys.exit(main())
