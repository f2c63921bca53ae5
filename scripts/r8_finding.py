#!/usr/bin/env python3
"""Summarises the runs of scripts/r8-finding.sh (its `train` folders under OUT/runs) for BENCHMARKS.md.

    python3 scripts/r8_finding.py best-lr OUT D           the SAID learning rate of the search at d = D
    python3 scripts/r8_finding.py summary OUT --lora-lr LR --rank R   a Markdown report on stdout

Each d's rows use the rate of its best seed-0 run (the search), as the script does.

Reads only run.json and metrics.csv. d_int90 (r_int90) is the smallest grid d (r) whose mean final test
accuracy over seeds reaches 90 % of the full fine-tune's mean, and, between the two bracketing grid
points, the log-linear interpolation of that crossing (Li et al. 2018 read it off such a curve).
Standard library only.
"""
import csv
import glob
import json
import math
import os
import statistics
import sys


def runs(out, prefix):
    found = {}
    for path in sorted(glob.glob(os.path.join(out, "runs", prefix + "*", "run.json"))):
        name = os.path.basename(os.path.dirname(path))
        found[name] = json.load(open(path))
    return found


def seed_of(name):
    return int(name.rsplit("-s", 1)[1])


def mean_sd(values):
    return (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def fmt(values):
    m, s = mean_sd(values)
    return f"{m:.4f} ± {s:.4f}" if len(values) > 1 else f"{m:.4f}"


def crossing(points, target):
    """points: [(x, mean accuracy)] sorted by x. The grid crossing and its log-linear interpolation."""
    previous = None
    for x, acc in points:
        if acc >= target:
            if previous is None or previous[1] >= target:
                return x, float(x)
            (x0, a0) = previous
            t = (target - a0) / (acc - a0)
            return x, math.exp(math.log(x0) + t * (math.log(x) - math.log(x0)))
        previous = (x, acc)
    return None, None


def best_lr_of(out, d):
    """The rate of the best seed-0 run at d (ties: the smaller rate)."""
    found = runs(out, f"said-d{d}-lr")
    scored = [(r["final_test_accuracy"], -float(name.split("-lr")[1].rsplit("-s", 1)[0]), name.split("-lr")[1].rsplit("-s", 1)[0])
              for name, r in found.items() if name.endswith("-s0")]
    return max(scored)[2] if scored else None


def best_lr(out, d):
    lr = best_lr_of(out, d)
    if lr is None:
        sys.exit(f"r8_finding: no runs said-d{d}-lr*-s0 under {out}/runs")
    print(lr)


def spectra(out, rank):
    """ΔW_full's energy ranks (rank-full-s0) and the adapters' φ and captured energy (compare-rR-s0-s1)."""
    lines = []
    path = os.path.join(out, "rank-full-s0", "rank_summary.csv")
    if os.path.exists(path):
        rows = [r for r in csv.DictReader(open(path)) if int(r["rows"]) > 1 and int(r["cols"]) > 1]
        dense = [r for r in rows if "embeddings" not in r["tensor"]]
        def med(key, group):
            return statistics.median(float(r[key]) for r in group)
        lines.append(f"- ΔW_full (seed 0 − base), {len(dense)} encoder weight matrices (384×384 attention, 1536×384 / 384×1536 "
                     f"feed-forward, the pooler): energy rank at 90 % median {med('energy_rank_90', dense):.0f} "
                     f"(range {min(int(r['energy_rank_90']) for r in dense)}–{max(int(r['energy_rank_90']) for r in dense)}), "
                     f"at 50 % median {med('energy_rank_50', dense):.0f}, stable rank median {med('stable_rank', dense):.1f}; "
                     f"‖ΔW‖/‖W‖ median {med('rel_update', dense):.2e}. Word embeddings: energy rank 90 % "
                     + ", ".join(f"{int(r['energy_rank_90'])}" for r in rows if "word_embeddings" in r["tensor"]) + ".")
    path = os.path.join(out, f"compare-r{rank}-s0-s1", "compare_summary.csv")
    sim = os.path.join(out, f"compare-r{rank}-s0-s1", "subspace_similarity.csv")
    if os.path.exists(path) and os.path.exists(sim):
        rows = list(csv.DictReader(open(path)))
        captured = [float(r["captured_energy"]) for r in rows if r["captured_energy"]]
        phis = [r for r in csv.DictReader(open(sim)) if r["side"] == "right" and int(r["i"]) == 1 and int(r["j"]) == 1]
        seeds = [float(r["phi"]) for r in phis if r["comparison"] == "lora_lora2"]
        random = [float(r["phi"]) for r in phis if r["comparison"] == "random"]
        full = [float(r["phi"]) for r in phis if r["comparison"] == "lora_full"]
        lines.append(f"- LoRA r = {rank} (seed 0) on {len(rows)} modules: captures a mean {statistics.mean(captured):.3f} of ΔW_full's energy "
                     f"(its left directions); φ(1, 1) on the input side between the seed-0 and seed-1 adapters: mean {statistics.mean(seeds):.3f} "
                     f"(random subspaces: {statistics.mean(random):.4f}); between the seed-0 adapter and ΔW_full: mean {statistics.mean(full):.3f}.")
    return lines


def summary(out, lora_lr, rank):
    full = runs(out, "full-s")
    if not full:
        sys.exit(f"r8_finding: no full runs under {out}/runs")
    first = next(iter(full.values()))
    floor = first["majority_test_accuracy"]
    full_acc = [r["final_test_accuracy"] for r in full.values()]
    full_f1 = [r["final_test_macro_f1"] for r in full.values()]
    target = 0.9 * statistics.mean(full_acc)
    ds = first["dataset"]
    lines = ["# Reuters R8 with all-MiniLM-L6-v2: full fine-tune, SAID and LoRA", ""]
    lines.append(f"{ds['train_examples']} training documents (the first of the file), {ds['test_examples']} test documents, "
                 f"max length {ds['max_length']}, {first['options']['epochs']} epochs, batch {first['options']['batch_size']}, "
                 f"AdamW (weight decay {first['options']['weight_decay']}, linear decay, warm-up ratio {first['options']['warmup_ratio']}). "
                 f"D = {first['full_dimension']:,}. Majority-class test accuracy (the floor): {floor:.4f}.")
    lines += ["", "| run | trained parameters | lr | seeds | test accuracy | macro-F1 | of full | seconds per run |", "|---|---|---|---|---|---|---|---|"]

    def row(label, group, lr):
        acc = [r["final_test_accuracy"] for r in group.values()]
        f1 = [r["final_test_macro_f1"] for r in group.values()]
        secs = [r["provenance"]["seconds"] for r in group.values()]
        n = next(iter(group.values()))["trainable_parameters"]
        lines.append(f"| {label} | {n:,} | {lr} | {len(acc)} | {fmt(acc)} | {fmt(f1)} | {statistics.mean(acc) / statistics.mean(full_acc):.3f} | {statistics.mean(secs):.0f} |")
        return statistics.mean(acc)

    row("full fine-tune", full, next(iter(full.values()))["options"]["learning_rate"])
    said_points, lora_points = [], []
    for d in sorted({int(n.split("-d")[1].split("-")[0]) for n in runs(out, "said-d")}):
        lr = best_lr_of(out, d)
        group = runs(out, f"said-d{d}-lr{lr}-s")
        if group:
            said_points.append((d, row(f"SAID d = {d:,}", group, lr)))
    for r in sorted({int(n.split("-r")[1].split("-")[0]) for n in runs(out, "lora-r")}):
        group = runs(out, f"lora-r{r}-lr{lora_lr}-s")
        if group:
            lora_points.append((r, row(f"LoRA r = {r} (query,value + classifier)", group, lora_lr)))
    lines += ["", f"90 % of the full fine-tune's mean accuracy: {target:.4f} (floor {floor:.4f})."]
    for what, points in (("d_int90 (SAID)", said_points), ("r_int90 (LoRA)", lora_points)):
        grid, interpolated = crossing(points, target)
        if grid is None:
            lines.append(f"- {what}: not reached on the grid {[p[0] for p in points]} (best mean {max((p[1] for p in points), default=0):.4f}).")
        else:
            lines.append(f"- {what}: {grid:,} on the grid; {interpolated:,.0f} interpolated (log-linear).")
    search = runs(out, "said-d")
    searched = sorted((name.split("-lr")[1].rsplit("-s", 1)[0], r["final_test_accuracy"], name.split("-d")[1].split("-")[0])
                      for name, r in search.items() if name.endswith("-s0"))
    lines += [""] + spectra(out, rank)
    by_d = {}
    for lr, acc, d in searched:
        by_d.setdefault(d, []).append((lr, acc))
    searched = [(lr, acc, d) for lr, acc, d in searched if len(by_d[d]) > 1]
    lines += ["", "Subspace learning-rate search (seed 0; the rate used at each d in bold): " + ", ".join((f"**d = {d} lr {lr}: {acc:.4f}**" if lr == best_lr_of(out, d) else f"d = {d} lr {lr}: {acc:.4f}") for lr, acc, d in sorted(searched, key=lambda t: (int(t[2]), float(t[0])))
                                                                    ) + "."]
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "best-lr":
        best_lr(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "summary":
        args = sys.argv[3:]
        lora = args[args.index("--lora-lr") + 1]
        rank = args[args.index("--rank") + 1] if "--rank" in args else "4"
        summary(sys.argv[2], lora, rank)
    else:
        sys.exit(__doc__)
