#!/usr/bin/env python3
"""Benchmark `intrinsic-dim tokenize` against Hugging Face's BertTokenizerFast (Rust `tokenizers`)
on one thread, on the whole Reuters R8 set (train + test, 7,674 documents).

    python3 bench/tokenizer/run_bench.py [--reps 5] [--max-length N] [--timeout S] [--markdown-out FILE]

The binary is $INTRINSIC_DIM_BIN (default <repo>/.build/release/intrinsic-dim). Inputs: the MiniLM
base folder (vocab.txt, tokenizer_config.json; scripts/fetch-finetune-pair.sh data/finetune-pair)
and the R8 .tab files (scripts/fetch-text-datasets.sh data/text), fetched if missing.

Runs, alternating, --reps times each, as child processes (benchlib.run_measured: wall time around
the child, peak RSS from os.wait4):
  ours  `intrinsic-dim tokenize --tokenizer BASE --dataset reuters-r8 --split all --out F`: the
        whole process (reading the vocabulary and both files, tokenizing, writing the JSON Lines);
  hf    bench/tokenizer/hf_tokenize.py BASE DATA F: BertTokenizerFast.from_pretrained, then one
        batch call on all texts with TOKENIZERS_PARALLELISM=false and RAYON_NUM_THREADS=1; its own
        timer around the batch call alone (no Python start-up, import, loading, reading or writing).
Both outputs must be byte-identical (the ids are the same). Target (PASS/FAIL): hf's best batch-call
time / ours' best whole-process wall ≥ 2. Peak RSS is reported for both processes.
Exit status: 0 all ran and agreed (whatever the target); 1 a run failed or the outputs differ; 2 the
binary or the inputs are missing.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from benchlib import (REPO, binary_fingerprint, classify, find_binary, finish, harness_cmd, load_average, log,  # noqa: E402
                      machine_info, run_conditions, run_measured, verdict)

TARGET = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-length", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--markdown-out")
    args = ap.parse_args()
    binary = find_binary("make release", "a built binary")
    if binary is None:
        return 2
    pair, data = os.path.join(REPO, "data", "finetune-pair"), os.path.join(REPO, "data", "text")
    try:
        subprocess.run([os.path.join(REPO, "scripts", "fetch-finetune-pair.sh"), pair], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(REPO, "scripts", "fetch-text-datasets.sh"), data], check=True, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError as e:
        log(f"error: cannot prepare the inputs: {e}")
        return 2
    base = os.path.join(pair, "base")
    bin_before, load_before = binary_fingerprint(binary), load_average()
    extra = ["--max-length", str(args.max_length)] if args.max_length else []
    runs = {"ours": [], "hf": []}
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in (os.path.join(data, "reuters-r8-train.tab"), os.path.join(data, "reuters-r8-test.tab"),
                  os.path.join(base, "vocab.txt")):
            with open(f, "rb") as fh:  # a warm page cache for both
                fh.read()
        outs = {k: os.path.join(tmp, f"{k}.jsonl") for k in runs}
        for rep in range(args.reps):
            for impl in ("ours", "hf"):
                if impl == "ours":
                    cmd = [binary, "tokenize", "--tokenizer", base, "--dataset", "reuters-r8", "--data-dir", data,
                           "--split", "all", "--out", outs[impl]] + extra
                else:
                    cmd = [sys.executable, os.path.join(HERE, "hf_tokenize.py"), base, data, outs[impl]] + extra
                r = run_measured(cmd, os.path.join(tmp, "logs"), f"{impl}-{rep}", args.timeout)
                if impl == "hf":
                    classify(r, ["tokenize_s", "documents", "tokens"], ours=False)
                else:
                    r.status = "ok" if r.rc == 0 else "failed"
                    r.note = "" if r.rc == 0 else f"exit {r.rc}: {r.stderr.strip()[-200:]}"
                if r.status != "ok":
                    failures += 1
                    log(f"{impl} run {rep}: {r.status}: {r.note}")
                runs[impl].append(r)
                log(f"{impl} run {rep}: wall {r.wall:.3f} s, peak RSS {r.maxrss_kib / 1024:.0f} MB"
                    + (f", batch call {r.data['tokenize_s']:.3f} s" if impl == "hf" and r.data else ""))
        same = os.path.exists(outs["ours"]) and os.path.exists(outs["hf"]) and filecmp.cmp(outs["ours"], outs["hf"], shallow=False)
        if not same:
            failures += 1
            log("error: our ids differ from BertTokenizerFast's")
        ok = [r for r in runs["ours"] if r.status == "ok"]
        hf = [r for r in runs["hf"] if r.status == "ok" and r.data]
        lines = ["## Tokenizing Reuters R8 (train + test) vs BertTokenizerFast, one thread", "",
                 f"Command: `{harness_cmd(__file__, None, True)}`", ""]
        lines += [f"- {k}: {v}" for k, v in machine_info(binary, ("transformers", "tokenizers"))]
        lines += [f"- {k}: {v}" for k, v in run_conditions(binary, bin_before, load_before)]
        lines.append("")
        if ok and hf:
            best_ours = min(r.wall for r in ok)
            best_hf = min(r.data["tokenize_s"] for r in hf)
            best_hf_wall = min(r.wall for r in hf)
            docs, tokens = hf[-1].data["documents"], hf[-1].data["tokens"]
            ratio = best_hf / best_ours
            lines += [f"{docs} documents, {tokens} tokens{', --max-length ' + str(args.max_length) if args.max_length else ''}; "
                      f"best of {args.reps}; outputs byte-identical: {'yes' if same else 'NO'}.", "",
                      "| | best (s) | median (s) | peak RSS (MB) | tokens/s |", "|---|---|---|---|---|",
                      f"| ours: `intrinsic-dim tokenize`, whole process | {best_ours:.3f} | {sorted(r.wall for r in ok)[len(ok) // 2]:.3f} | "
                      f"{max(r.maxrss_kib for r in ok) / 1024:.0f} | {tokens / best_ours:,.0f} |",
                      f"| BertTokenizerFast, the batch call alone | {best_hf:.3f} | {sorted(r.data['tokenize_s'] for r in hf)[len(hf) // 2]:.3f} | "
                      f"{max(r.maxrss_kib for r in hf) / 1024:.0f} (process) | {tokens / best_hf:,.0f} |",
                      f"| BertTokenizerFast, whole process (import, load, read, write) | {best_hf_wall:.3f} | "
                      f"{sorted(r.wall for r in hf)[len(hf) // 2]:.3f} | {max(r.maxrss_kib for r in hf) / 1024:.0f} | — |", "",
                      f"Speed-up (BertTokenizerFast's batch call / our whole process, best times): **{ratio:.1f}×** "
                      f"(target ≥ {TARGET:g}×: {verdict(ratio >= TARGET)}); peak RSS ratio "
                      f"{max(r.maxrss_kib for r in ok) / max(r.maxrss_kib for r in hf):.2f}×.", ""]
        else:
            lines.append("No complete runs: see the log above.")
        report = "\n".join(lines) + "\n"
    return finish(report, args.markdown_out, failures, False, 0)


if __name__ == "__main__":
    sys.exit(main())
