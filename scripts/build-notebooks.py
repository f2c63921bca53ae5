"""Writes the notebooks of notebooks-export/ (nbformat 4, without outputs) from the cells below.

    python3 scripts/build-notebooks.py           # rewrite notebooks-export/0*.ipynb
    python3 scripts/build-notebooks.py --check   # exit 1 when a committed notebook differs from this file

This file is the notebooks' source: edit a cell here, run it, commit both. `make notebooks`
(scripts/notebooks.sh) then executes them against a demo folder and writes the exports.
Standard library only.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "notebooks-export"

# Shared first code cell: where the demo folder is, plotting defaults, two helpers.
SETUP = r'''
import json, math, os, re
from pathlib import Path

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

%config InlineBackend.figure_formats = ["png"]
plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (7.5, 4.5),
                     "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 8})
pd.set_option("display.precision", 4)
pd.set_option("display.width", 120)

# DEMO_DIR: a `make demo` output folder; relative paths are relative to this notebook.
DEMO_DIR = Path(os.environ.get("DEMO_DIR", "../out/demo")).resolve()
assert (DEMO_DIR / "summary.md").is_file(), f"no demo folder at {DEMO_DIR}: run `make demo` or set DEMO_DIR"
REPO = Path.cwd().parent
shown = os.path.relpath(DEMO_DIR, REPO)
print("demo folder:", DEMO_DIR if shown.startswith("..") else shown)

def load_json(path):
    return json.loads(Path(path).read_text())
'''

NB1 = [
    ("md", r'''
# 1. Random-subspace training: d_int90 of MNIST FC

`intrinsic-dim sweep` trains the 784-200-200-10 fully connected network (D = 199 210 parameters)
from scratch only inside a random d-dimensional subspace, θ_D = θ_D⁰ + P·θ_d with a Fastfood
projection P (Li et al. 2018, *Measuring the Intrinsic Dimension of Objective Landscapes*), for
several d and seeds, plus ordinary full training (rows with d = 0) as the baseline.

**d_int90** is the smallest swept d whose mean test accuracy over seeds reaches 90 % of a baseline.
The toolkit reports it against two baselines: the *measured* one (mean accuracy of the sweep's own
full-training runs) and an *absolute* one (`--baseline`, default 1.0, so the target is 90 %
accuracy, Li et al.'s MNIST criterion). Li et al. report d_int90 ≈ 750 for this network.

Inputs: `sweep/sweep.csv`, `sweep/d_int90.json`, `d_int90.json` (the copy `report` puts beside
`summary.md`) and the dense-projection run `dense-d*/run.json`. Columns: `docs/csv-schemas.md`.
'''),
    ("code", SETUP),
    ("code", r'''
sweep = pd.read_csv(DEMO_DIR / "sweep" / "sweep.csv")  # pandas ≥ 3 parses the shortest round-trip decimals exactly
est = load_json(DEMO_DIR / "sweep" / "d_int90.json")
acc = f"{est['accuracy']}_test_accuracy"  # which accuracy counts: final (default) or best epoch
cfg = est["configuration"]
print(f"model {cfg['model']} on {cfg['dataset']}, {cfg['projection']} projection, {cfg['epochs']} epochs, "
      f"{cfg['seeds']} seeds per d; accuracy column: {acc}")
sweep
'''),
    ("md", r'''
## The toolkit's estimate, recomputed

The next cell recomputes d_int90 from `sweep.csv` alone and asserts that it equals what the toolkit
wrote into `d_int90.json`: runs with `status` = `ok` only (diverged runs are left out of every mean),
the mean accuracy per d over seeds (summed in file order, as the Swift code does, so the comparison is
exact), baseline = the mean at d = 0, target = threshold × baseline, and d_int90 = the smallest d > 0
whose mean reaches the target (`None` when no swept d does).
'''),
    ("code", r'''
ok = sweep[sweep.status == "ok"]
means = {int(d): sum(g[acc].tolist()) / len(g) for d, g in ok.groupby("d", sort=True)}
stds = ok.groupby("d")[acc].std(ddof=1)  # sample standard deviation over seeds

def smallest_d(target):
    hits = [d for d, m in means.items() if d > 0 and target is not None and m >= target]
    return min(hits) if hits else None

baseline = means.get(0)
target = est["threshold"] * baseline if baseline is not None else None
target_abs = est["threshold"] * est["absolute_baseline"]
d90, d90_abs = smallest_d(target), smallest_d(target_abs)

assert baseline == est["baseline_accuracy"], (baseline, est["baseline_accuracy"])
assert target == est["target_accuracy"] and target_abs == est["target_accuracy_absolute"]
for dim in est["dimensions"]:
    assert means.get(dim["d"]) == dim["mean_accuracy"], dim
assert d90 == est["d_int90"], (d90, est["d_int90"])
assert d90_abs == est["d_int90_absolute"], (d90_abs, est["d_int90_absolute"])
# `report` copies the sweep's estimate beside summary.md unchanged.
assert load_json(DEMO_DIR / "d_int90.json") == est

def fmt(v):
    return "not reached" if v is None else f"{v:,}" if isinstance(v, int) else f"{v:.4f}"

pd.DataFrame({
    "recomputed from sweep.csv": [fmt(v) for v in (baseline, target, d90, target_abs, d90_abs)],
    "d_int90.json": [fmt(est[k]) for k in ("baseline_accuracy", "target_accuracy", "d_int90",
                                           "target_accuracy_absolute", "d_int90_absolute")],
}, index=["baseline accuracy (d = 0 mean)", "target (measured)", "d_int90 (measured)",
          "target (absolute)", "d_int90 (absolute)"])
'''),
    ("md", r'''
## Accuracy against subspace dimension

Each faint marker is one run (one seed); the line is the mean over seeds with ± one sample standard
deviation. The grey line is the full-training baseline (d = 0 cannot sit on a log axis). The dashed
red line is 90 % of that measured baseline, the dotted purple line 90 % accuracy (absolute
baseline); vertical lines mark the d_int90 of each where a swept d reached it. The star is the one
run with a *dense* Gaussian projection (`dense-d*/`), to compare the two projections at one d.
'''),
    ("code", r'''
sub = sweep[sweep.d > 0]
fig, ax = plt.subplots()
for k, (seed, g) in enumerate(sub[sub.status == "ok"].groupby("seed")):
    ax.plot(g.d, g[acc], "o", color="C0", alpha=0.35, ms=4, label="single runs (one per seed)" if k == 0 else None)
div = sub[sub.status != "ok"]
if len(div):
    ax.plot(div.d, div[acc], "x", color="k", label="diverged runs")
ds = sorted(d for d in means if d > 0)
ax.errorbar(ds, [means[d] for d in ds], yerr=[stds.get(d, np.nan) for d in ds], fmt="o-", color="C0",
            capsize=3, label="mean over seeds ± std")
if baseline is not None:
    ax.axhline(baseline, color="0.4", lw=1, label=f"full training (d = 0), mean {baseline:.3f}")
    ax.axhline(target, color="C3", ls="--", lw=1, label=f"90 % of measured baseline = {target:.3f}")
ax.axhline(target_abs, color="C4", ls=":", lw=1.2, label=f"90 % absolute = {target_abs:.3f}")
if d90 is not None:
    ax.axvline(d90, color="C3", ls="--", alpha=0.6)
    ax.annotate(f"d_int90 = {d90}", (d90, 0.03), xytext=(-4, 0), textcoords="offset points", color="C3",
                rotation=90, ha="right", va="bottom")
if d90_abs is not None:
    ax.axvline(d90_abs, color="C4", ls=":", alpha=0.8)
    ax.annotate(f"d_int90 (abs.) = {d90_abs}", (d90_abs, 0.03), xytext=(4, 0), textcoords="offset points", color="C4",
                rotation=90, ha="left", va="bottom")
for run_json in sorted(DEMO_DIR.glob("dense-d*/run.json")):
    run = load_json(run_json)
    ax.plot(run["subspace_dimension"], run[acc], "*", color="C2", ms=13,
            label=f"dense projection, d = {run['subspace_dimension']} (1 run)")
ax.set_xscale("log")
ax.set_xticks(ds, [f"{d:,}" for d in ds])  # the swept d values
ax.xaxis.set_minor_formatter(plt.NullFormatter())
ax.set_xlim(min(ds) / 1.4, max(ds) * 1.4)
ax.set_ylim(0, 1.02)
ax.set_xlabel("subspace dimension d (log scale)")
ax.set_ylabel(f"test accuracy ({est['accuracy']} epoch)")
shown_d = lambda d: "not reached" if d is None else d
ax.set_title(f"MNIST FC, {cfg['projection']} subspaces: d_int90 = {shown_d(d90)} (measured), "
             f"{shown_d(d90_abs)} (absolute)", fontsize=10)
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
plt.show()
'''),
    ("md", r'''
## How certain is d_int90?

The toolkit bootstraps over seeds: each replicate resamples, for the baseline and for every d
independently, its ok runs with replacement and recomputes both estimates. With few seeds this is a
rough spread; `undefined_fraction` is the share of replicates in which no swept d reached the target.
'''),
    ("code", r'''
boot = est["bootstrap"]
print(f"{boot['replicates']} replicates, seed {boot['seed']}")
pd.DataFrame({k: boot[k] for k in ("baseline_accuracy", "d_int90", "d_int90_absolute") if boot.get(k)}).T
'''),
]

NB2 = [
    ("md", r'''
# 2. Fine-tuning: how many trainable parameters reach 90 %?

`intrinsic-dim experiment finetune` pretrains the FC network on one task (Fashion-MNIST in the full
demo) and fine-tunes it on another (MNIST) in five ways, each with several seeds:

| mode | what is trained | size column |
|---|---|---|
| `full` | every parameter (the reference) | D |
| `subspace` | a random Fastfood subspace around the pretrained weights (Aghajanyan et al. 2021) | d |
| `lora` | LoRA factors B·A on every weight matrix (Hu et al. 2021) | rank r |
| `extracted` | nothing: the full fine-tune's ΔW truncated by SVD to rank r, merged into the base | rank r |
| `extracted_energy` | the same, each layer at the smallest rank holding 90 % of its ΔW's energy Σσ² | 90 (%) |

All modes are put on one axis, the number of trainable (or stored) parameters: d for a subspace,
Σ r·(in + out) for LoRA and for the extractions. Inputs: `experiment/experiment.csv`,
`experiment/experiment.json`, `experiment/rank/seed*/spectra.csv`.
'''),
    ("code", SETUP),
    ("code", r'''
exp = pd.read_csv(DEMO_DIR / "experiment" / "experiment.csv")
info = load_json(DEMO_DIR / "experiment" / "experiment.json")
print(f"base accuracy: {info['base_accuracy_pretrain_task']:.4f} on the pretraining task, "
      f"{info['base_accuracy_target_task']:.4f} on the target task before fine-tuning")
reached = lambda v: "not reached" if v is None else v  # experiment.json omits d_int90/r_int90 when not reached
print(f"full fine-tune: {info['full_finetune_accuracy']:.4f}; threshold {info['threshold']}; "
      f"d_int90 = {reached(info.get('d_int90'))}, r_int90 = {reached(info.get('r_int90'))}")
exp
'''),
    ("md", r'''
## Checks against the toolkit

`fraction_of_full` must be the mean accuracy over the full fine-tunes' mean, and d_int90 (r_int90)
the smallest subspace d (LoRA rank r) whose mean reaches threshold × the full fine-tunes' mean.
`experiment.json` omits `d_int90`/`r_int90` (and their parameter counts) when none is reached.
'''),
    ("code", r'''
full_acc = info["full_finetune_accuracy"]
assert exp.loc[exp["mode"] == "full", "mean_accuracy"].item() == full_acc
assert np.allclose(exp.fraction_of_full, exp.mean_accuracy / full_acc, rtol=1e-12, atol=0)
target = info["threshold"] * full_acc

def smallest(mode):
    g = exp[(exp["mode"] == mode) & (exp.mean_accuracy >= target)]
    return int(g["size"].min()) if len(g) else None

assert smallest("subspace") == info.get("d_int90"), (smallest("subspace"), info.get("d_int90"))
assert smallest("lora") == info.get("r_int90"), (smallest("lora"), info.get("r_int90"))
print(f"target {target:.4f}: d_int90 = {reached(smallest('subspace'))}, r_int90 = {reached(smallest('lora'))} "
      "(as experiment.json says)")
'''),
    ("md", r'''
## Accuracy against trainable parameters

Means over seeds with ± one sample standard deviation; each point is labelled with its size (d, r,
or the energy in %). The dashed line is 90 % of the full fine-tune's accuracy, the dotted line the
base model on the target task before any fine-tuning. A point above the dashed line with few
parameters is a cheap fine-tune; the gap between `lora` and `extracted` at the same r shows how much
better LoRA does by *training* its rank-r update than by keeping the top-r directions of ΔW_full.
'''),
    ("code", r'''
STYLE = {"full": ("k", "s", "full fine-tune"),
         "subspace": ("C0", "o", "random subspace (size d)"),
         "lora": ("C1", "^", "LoRA (rank r)"),
         "extracted": ("C2", "v", "SVD of ΔW_full at rank r"),
         "extracted_energy": ("C3", "D", "SVD of ΔW_full, 90 % energy per layer")}

def plot_accuracy_vs_parameters(exp, info, title):
    target = info["threshold"] * info["full_finetune_accuracy"]
    fig, ax = plt.subplots(figsize=(9.5, 4.8))
    for mode, g in exp.groupby("mode", sort=False):
        color, marker, label = STYLE.get(mode, ("C7", "x", mode))
        ax.errorbar(g.trainable_parameters, g.mean_accuracy, yerr=g.std_accuracy.fillna(0), color=color,
                    fmt=marker + ("" if len(g) == 1 else "-"), capsize=3, ms=6, label=label)
        prefix = {"subspace": "d=", "lora": "r=", "extracted": "r=", "extracted_energy": ""}.get(mode)
        if prefix is not None:
            for _, row in g.iterrows():
                text = f"{row['size']}%" if mode == "extracted_energy" else f"{prefix}{row['size']}"
                ax.annotate(text, (row.trainable_parameters, row.mean_accuracy), textcoords="offset points",
                            xytext=(4, -11 if mode == "extracted" else 5), fontsize=7, color=color)
    ax.axhline(target, color="C3", ls="--", lw=1, label=f"{info['threshold']:.0%} of full fine-tune = {target:.3f}")
    ax.axhline(info["base_accuracy_target_task"], color="0.5", ls=":", lw=1.2, label="base, before fine-tuning")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("trainable parameters (log scale)")
    ax.set_ylabel("final test accuracy on the target task")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    plt.show()

plot_accuracy_vs_parameters(exp, info, "Fine-tuning the pretrained FC network: accuracy vs parameters")
'''),
    ("md", r'''
## Per layer: how low-rank is the full fine-tune's update?

For each weight matrix, `experiment.json` gives the energy rank at 90 % of ΔW_full = W_tuned − W_base
(the smallest k with Σ_{i≤k} σᵢ² ≥ 0.9 Σσ², one value per seed) and, for each LoRA rank r, the
**captured energy** ‖U_Lᵀ ΔW_full‖²_F / ‖ΔW_full‖²_F: the share of the full update's energy lying in
the output directions the rank-r LoRA adapter learned (mean over seeds).
'''),
    ("code", r'''
seeds = sorted(p.name for p in (DEMO_DIR / "experiment" / "rank").glob("seed*"))
rows = []
for layer in info["layers"]:
    row = {"tensor": layer["tensor"]}
    for k, v in enumerate(layer["full_energy_rank_90"]):
        row[f"energy_rank_90 ({seeds[k] if k < len(seeds) else k})"] = v
    for r, e in sorted(layer["captured_energy"].items(), key=lambda kv: int(kv[0])):
        row[f"captured r={r}"] = e
    rows.append(row)
layers = pd.DataFrame(rows).set_index("tensor")
summary = pd.read_csv(DEMO_DIR / "experiment" / "rank" / seeds[0] / "rank_summary.csv").set_index("tensor")
layers.insert(0, "min(rows, cols)", summary[["rows", "cols"]].min(axis=1))
layers
'''),
    ("md", r'''
The figure compares, layer by layer, the energy a rank-r LoRA adapter captures (its learned output
directions, orange) with the most any rank-r subspace can capture, Σ_{i≤r} σᵢ² / Σσ² of ΔW_full
itself (the Eckart–Young optimum, black; from `rank/seed*/spectra.csv`, mean over seeds). The dashed
line is 90 % energy; the dotted vertical line the layer's energy rank 90 (mean over seeds).
'''),
    ("code", r'''
spectra = pd.concat([pd.read_csv(DEMO_DIR / "experiment" / "rank" / s / "spectra.csv").assign(seed=s) for s in seeds])
optimum = spectra.groupby(["tensor", "index"]).energy_cumulative.mean()
fig, axes = plt.subplots(1, len(info["layers"]), figsize=(4 * len(info["layers"]), 3.8), sharey=True, squeeze=False)
for ax, layer in zip(axes[0], info["layers"]):
    t = layer["tensor"]
    opt = optimum.loc[t]
    ax.plot(opt.index, opt.values, "k-", lw=1.2, label="optimum: top-r σ² of ΔW_full")
    rs = sorted(int(r) for r in layer["captured_energy"])
    ax.plot(rs, [layer["captured_energy"][str(r)] for r in rs], "^-", color="C1", label="captured by LoRA rank r")
    ax.axhline(0.9, color="C3", ls="--", lw=1)
    ax.axvline(np.mean(layer["full_energy_rank_90"]), color="0.4", ls=":", lw=1.2, label="energy rank 90 of ΔW_full")
    ax.set_xscale("log", base=2)
    ax.set_title(t)
    ax.set_xlabel("rank r (log₂)")
axes[0][0].set_ylabel("fraction of ‖ΔW_full‖²_F")
axes[0][0].set_ylim(0, 1.02)
axes[0][-1].legend(loc="lower right")
plt.tight_layout()
plt.show()
'''),
    ("md", r'''
## The extractions seed by seed

`experiment.json` lists every extraction (`extracted` at each r, `extracted_energy` at 90 %) with the
accuracy, trainable parameters and per-layer ranks of each seed; `experiment.csv` holds their means.
'''),
    ("code", r'''
pd.DataFrame([{"mode": e["mode"], "size": e["size"], "seed": k, "accuracy": a, "trainable_parameters": p,
               **{f"rank {t}": ranks[k] for t, ranks in e["ranks"].items()}}
              for e in info["extractions"] for k, (a, p) in enumerate(zip(e["accuracy"], e["trainable_parameters"]))])
'''),
    ("md", r'''
## The committed reference experiment

`data/reference/finetune-fc-fashion-to-mnist/` holds the tables of a larger run of the same experiment
(three seeds, more sizes, longer training), committed with the repository. The same figure from it,
for comparison with the demo's:
'''),
    ("code", r'''
ref = REPO / "data" / "reference" / "finetune-fc-fashion-to-mnist"
if (ref / "experiment.csv").is_file():
    ref_info = load_json(ref / "experiment.json")
    plot_accuracy_vs_parameters(pd.read_csv(ref / "experiment.csv"), ref_info,
                                "Reference experiment (data/reference/finetune-fc-fashion-to-mnist)")
    print(f"reference: d_int90 = {reached(ref_info.get('d_int90'))}, r_int90 = {reached(ref_info.get('r_int90'))}")
else:
    print("no reference experiment in this checkout")
'''),
]

NB3 = [
    ("md", r'''
# 3. Spectra of ΔW and LoRA subspace similarity

Three views of the structure of a fine-tuning update ΔW = W_tuned − W_base:

1. **Spectra** (`rank`): the singular values σ₁ ≥ σ₂ ≥ … of the full fine-tune's ΔW per weight
   matrix, and the cumulative energy Σ_{i≤k} σᵢ² / Σσ².
2. **ΔW_full against ΔW_lora** (`compare`): the spectrum of a trained LoRA update s·B·A overlaid on
   that of the full fine-tune from the same base and seed, and the subspace similarity of the LoRA
   paper (Hu et al. 2021, eq. 4 and Fig. 3), φ(i, j) = ‖U_iᵀ V_j‖²_F / min(i, j) ∈ [0, 1] between the
   top-i singular directions of one update and the top-j of the other.
3. **A real model** (`minilm-rank`, `minilm-extract`): the same rank metrics for every weight matrix
   of a full fine-tune of BERT-MiniLM (all-MiniLM-L6-v2).

Inputs: `experiment/rank/seed0/`, `experiment/compare/*/`, `minilm-rank/`, `minilm-extract/`.
'''),
    ("code", SETUP),
    ("md", r'''
## Spectra of the full fine-tune's ΔW

Left: σᵢ on a log scale (each matrix has min(rows, cols) of them). Right: cumulative energy; where a
curve crosses the dashed 90 % line is the layer's `energy_rank_90`. A spectrum that falls fast means
the update is close to low rank.
'''),
    ("code", r'''
rank_dir = DEMO_DIR / "experiment" / "rank" / "seed0"
spec = pd.read_csv(rank_dir / "spectra.csv")
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
for t, g in spec.groupby("tensor", sort=False):
    a1.plot(g["index"], g.sigma, lw=1.3, label=t)
    a2.plot(g["index"], g.energy_cumulative, lw=1.3, label=t)
a1.set_yscale("log"); a1.set_xlabel("index i"); a1.set_ylabel("σᵢ of ΔW_full (log)")
a2.axhline(0.9, color="C3", ls="--", lw=1); a2.set_xlabel("k"); a2.set_ylabel(r"$\sum_{i\leq k}\sigma_i^2 \,/\, \sum\sigma^2$")
a2.set_ylim(0, 1.02)
a1.legend(); a1.set_title("singular values"); a2.set_title("cumulative energy")
plt.tight_layout(); plt.show()
pd.read_csv(rank_dir / "rank_summary.csv")[["tensor", "rows", "cols", "fro_norm", "rel_update", "stable_rank",
    "entropy_effective_rank", "energy_rank_50", "energy_rank_90", "energy_rank_99", "numerical_rank", "noise_rank"]]
'''),
    ("md", r'''
## ΔW_full and ΔW_lora overlaid

From each `compare/r<r>-seed0/spectra.csv` (adapter of rank r against the full fine-tune of seed 0):
the full update's spectrum (`source` = `full`, black) and each LoRA update's (`lora`, r values).
'''),
    ("code", r'''
compare_root = DEMO_DIR / "experiment" / "compare"
def vs_full(seed):
    found = [(int(m.group(1)), p) for p in compare_root.iterdir() if (m := re.fullmatch(rf"r(\d+)-seed{seed}", p.name))]
    return [p for _, p in sorted(found)]
folders = vs_full(0)
tensors = list(dict.fromkeys(pd.read_csv(folders[0] / "spectra.csv").tensor))
fig, axes = plt.subplots(1, len(tensors), figsize=(4 * len(tensors), 3.8), squeeze=False)
for k, folder in enumerate(folders):
    s = pd.read_csv(folder / "spectra.csv")
    for ax, t in zip(axes[0], tensors):
        if k == 0:
            f = s[(s.tensor == t) & (s.source == "full")]
            ax.plot(f["index"], f.sigma, "k-", lw=1.3, label="ΔW_full")
        l = s[(s.tensor == t) & (s.source == "lora")]
        ax.plot(l["index"], l.sigma, "o-", ms=3, color=f"C{k + 1}", label=f"ΔW_lora, {folder.name.split('-')[0]}")
for ax, t in zip(axes[0], tensors):
    ax.set_yscale("log"); ax.set_xscale("log"); ax.set_title(t); ax.set_xlabel("index i (log)")
axes[0][0].set_ylabel("σᵢ (log)")
axes[0][-1].legend(loc="lower left")
plt.tight_layout(); plt.show()
'''),
    ("code", r'''
cols = ["tensor", "lora_rank", "lora_stable_rank", "full_energy_rank_90", "captured_energy",
        "optimal_rank_r_error", "lora_rel_error", "amplification_full", "amplification_lora"]
pd.concat([pd.read_csv(f / "compare_summary.csv")[cols].assign(folder=f.name) for f in folders]).set_index(["folder", "tensor"])
'''),
    ("md", r'''
The table above: `captured_energy` is the share of ‖ΔW_full‖²_F in the LoRA update's output
directions, `optimal_rank_r_error` the smallest relative error any rank-r update could have
(Eckart–Young), `lora_rel_error` = ‖ΔW_full − ΔW_lora‖_F / ‖ΔW_full‖_F, and `amplification_*` the LoRA
paper's §7.3 factor ‖ΔW‖_F / ‖U_rᵀ W_base V_r‖_F (how strongly the update amplifies directions that
are weak in W_base).

## Subspace similarity φ(i, j)

In the layout of the LoRA paper's Fig. 3: i runs down (top-i directions of the first update), j
across (top-j of the second), colour φ on a fixed 0–1 viridis scale. One row per weight matrix; for
each side — `left` singular vectors (output space) and `right` (input space) — the measured grid sits
beside its random baseline: the `random` rows the file holds (two random Gaussian subspaces of the
same sizes) or, when it has none, chance level E φ = max(i, j)/d (`phi_random_expected`, d the
side's dimension). Each panel's title gives its mean φ. φ well above the baseline means the two
updates share directions.
'''),
    ("code", r'''
from matplotlib.ticker import MaxNLocator

def grid(df, tensor, side, comparison, value="phi"):
    g = df[(df.tensor == tensor) & (df.side == side) & (df.comparison == comparison)]
    return g.pivot(index="i", columns="j", values=value).sort_index().sort_index(axis=1)

def phi_figure(folder):
    df = pd.read_csv(folder / "subspace_similarity.csv")
    main = [c for c in ("lora_full", "lora_lora2") if (df.comparison == c).any()][0]
    has_random = (df.comparison == "random").any()
    tensors = list(dict.fromkeys(df.tensor))
    sides = [s for s in ("left", "right") if (df.side == s).any()]
    panels = [(s, c) for s in sides for c in (main, "random" if has_random else "expected")]
    fig, axes = plt.subplots(len(tensors), len(panels), figsize=(3.1 * len(panels), 1.0 + 1.9 * len(tensors)),
                             squeeze=False)
    for row, t in zip(axes, tensors):
        for ax, (side, comp) in zip(row, panels):
            g = grid(df, t, side, main, "phi_random_expected") if comp == "expected" else grid(df, t, side, comp)
            im = ax.imshow(g.values, cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest",
                           extent=(0.5, g.shape[1] + 0.5, g.shape[0] + 0.5, 0.5))
            name = {"lora_full": "vs ΔW_full", "lora_lora2": "vs adapter 2", "random": "random", "expected": "chance"}[comp]
            ax.set_title(f"{t} {side}: {name}\nmean φ = {np.nanmean(g.values):.3f}", fontsize=8)
            ax.grid(False)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        row[0].set_ylabel("i", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("j", fontsize=8)
    what = ("i: top-i directions of ΔW_lora, j: top-j of ΔW_full" if main == "lora_full"
            else "i: top-i directions of adapter 1, j: top-j of adapter 2")
    fig.suptitle(f"φ(i, j) = ‖U_iᵀV_j‖²_F / min(i, j) — compare/{folder.name}\n{what}", fontsize=10)
    fig.tight_layout()
    fig.colorbar(im, ax=axes, shrink=0.6, label="φ")
    plt.show()
'''),
    ("md", r'''
### The largest LoRA rank against ΔW_full (seed 0)
'''),
    ("code", r'''
phi_figure(folders[-1])
'''),
    ("md", r'''
### Adapter against adapter

`r<r>-seed0-vs-seed1`: the same rank trained from two seeds; `r<r₁>-vs-r<r₂>-seed0`: two ranks, one
seed — the LoRA paper's Fig. 3 compares r = 8 with r = 64 this way and finds the top directions shared.
'''),
    ("code", r'''
for folder in sorted(p for p in compare_root.iterdir() if "-vs-" in p.name):
    phi_figure(folder)
'''),
    ("md", r'''
Mean φ of every grid in every compare folder, against its baseline's mean:
'''),
    ("code", r'''
rows = []
for folder in sorted(compare_root.iterdir()):
    df = pd.read_csv(folder / "subspace_similarity.csv")
    for (t, side, comp), g in df.groupby(["tensor", "side", "comparison"], sort=False):
        rows.append({"folder": folder.name, "tensor": t, "side": side, "comparison": comp,
                     "cells": len(g), "mean φ": g.phi.mean(), "mean chance max(i,j)/d": g.phi_random_expected.mean()})
pd.DataFrame(rows).pivot_table(index=["folder", "tensor"], columns=["side", "comparison"], values="mean φ")
'''),
    ("md", r'''
## A real fine-tune: BERT-MiniLM

`minilm-rank/` is `intrinsic-dim rank` of a published full fine-tune of all-MiniLM-L6-v2 (6 layers,
hidden size 384) against its base. Per weight matrix: the **stable rank** Σσ²/σ₁² (a smooth,
noise-robust effective rank) and the **energy ranks** at 50/90/99 %, shown as a fraction of
min(rows, cols) so that 384 × 384 attention and 384 × 1536 feed-forward matrices compare.
'''),
    ("code", r'''
mini = pd.read_csv(DEMO_DIR / "minilm-rank" / "rank_summary.csv")
mini["min_dim"] = mini[["rows", "cols"]].min(axis=1)
parts = mini.tensor.str.extract(r"encoder\.layer\.(\d+)\.(.+)\.weight")
mini["layer"] = pd.to_numeric(parts[0])
mini["kind"] = (parts[1].str.replace("attention.self.", "", regex=False).str.replace(".dense", "", regex=False)
                .fillna(mini.tensor.str.split(".").str[0]))  # embeddings, pooler outside the encoder layers
KIND_COLOR = {kind: f"C{k}" for k, kind in enumerate(sorted(mini.kind.unique()))}
enc = mini.dropna(subset=["layer"])
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for kind, g in enc.groupby("kind", sort=True):
    axes[0].plot(g.layer, g.stable_rank, "o-", color=KIND_COLOR[kind], label=kind)
    axes[1].plot(g.layer, g.energy_rank_90 / g.min_dim, "o-", color=KIND_COLOR[kind], label=kind)
    axes[2].plot(g.layer, g.rel_update, "o-", color=KIND_COLOR[kind], label=kind)
axes[0].set_ylabel("stable rank Σσ²/σ₁²")
axes[1].set_ylabel("energy_rank_90 / min(rows, cols)"); axes[1].set_ylim(0, 1)
axes[2].set_ylabel("‖ΔW‖_F / ‖W_base‖_F"); axes[2].set_yscale("log")
for ax in axes:
    ax.set_xlabel("encoder layer")
axes[0].legend(ncol=2)
fig.suptitle("all-MiniLM-L6-v2 full fine-tune: rank of ΔW per weight matrix", fontsize=11)
plt.tight_layout(); plt.show()
mini[["stable_rank", "entropy_effective_rank", "energy_rank_50", "energy_rank_90", "energy_rank_99"]] \
    .div(mini.min_dim, axis=0).describe().loc[["mean", "min", "50%", "max"]].rename(lambda c: c + " / min dim", axis=1)
'''),
    ("md", r'''
Normalised spectra of every matrix (σᵢ/σ₁ against i / min(rows, cols)), coloured by kind, and the
per-matrix table with the embeddings:
'''),
    ("code", r'''
ms = pd.read_csv(DEMO_DIR / "minilm-rank" / "spectra.csv").merge(mini[["tensor", "kind", "min_dim"]], on="tensor")
fig, ax = plt.subplots(figsize=(7.5, 4.2))
for t, g in ms.groupby("tensor", sort=False):
    ax.plot(g["index"] / g.min_dim, g.sigma / g.sigma.iloc[0], color=KIND_COLOR[g.kind.iloc[0]], lw=0.8, alpha=0.6)
for kind, c in KIND_COLOR.items():
    ax.plot([], [], color=c, label=kind)
ax.set_yscale("log"); ax.set_xlabel("i / min(rows, cols)"); ax.set_ylabel("σᵢ / σ₁ (log)")
ax.legend(ncol=2); ax.set_title("MiniLM: normalised spectra of ΔW")
plt.show()
mini[["tensor", "rows", "cols", "stable_rank", "energy_rank_50", "energy_rank_90", "energy_rank_99", "rel_update", "noise_rank"]]
'''),
    ("md", r'''
## A LoRA extracted from the MiniLM fine-tune at 90 % energy

`minilm-extract/extraction.csv`: `extract-lora --energy 0.9` keeps, per matrix, the smallest rank
holding 90 % of ‖ΔW‖²_F. The parameter count of the extracted factors, Σ r·(rows + cols), against the
dense matrices' Σ rows·cols:
'''),
    ("code", r'''
ex = pd.read_csv(DEMO_DIR / "minilm-extract" / "extraction.csv")
ex["lora_parameters"] = ex["rank"] * (ex.rows + ex.cols)
ex["dense_parameters"] = ex.rows * ex.cols
print(f"{len(ex)} matrices; LoRA factors {ex.lora_parameters.sum():,} parameters = "
      f"{ex.lora_parameters.sum() / ex.dense_parameters.sum():.1%} of the dense {ex.dense_parameters.sum():,}; "
      f"retained energy {ex.retained_energy.min():.3f}–{ex.retained_energy.max():.3f}, "
      f"relative error {ex.rel_error.min():.3f}–{ex.rel_error.max():.3f}")
ex.groupby("layer_kind")[["rank", "lora_parameters", "dense_parameters"]].sum()
'''),
]

NOTEBOOKS = {
    "01_subspace_d_int90.ipynb": NB1,
    "02_finetuning_experiment.ipynb": NB2,
    "03_spectra_and_similarity.ipynb": NB3,
}


def notebook(cells):
    out = []
    for kind, text in cells:
        source = text.strip("\n").splitlines(keepends=True)
        cell = {"cell_type": "markdown" if kind == "md" else "code", "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def text(cells):
    nb = notebook(cells)
    for k, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{k:02d}"
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = OUT / name
        want = text(cells)
        if check:
            if not path.is_file() or path.read_text() != want:
                stale.append(name)
        else:
            path.write_text(want)
            print(f"wrote {path}")
    if stale:
        print("out of date with scripts/build-notebooks.py: " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
