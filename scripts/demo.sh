#!/usr/bin/env bash
# The demo behind `make demo`: the effective rank of a real full fine-tune.
# Usage: scripts/demo.sh path/to/intrinsic-dim
set -euo pipefail
bin="${1:-.build/release/intrinsic-dim}"
pair=data/finetune-pair
out=out/demo-rank

scripts/fetch-finetune-pair.sh "$pair"
echo "== intrinsic-dim rank: all-MiniLM-L6-v2 → sre-embedding-model (full fine-tune, F32)"
"$bin" rank --base "$pair/base" --tuned "$pair/tuned" --out "$out"
echo
echo "== $out/rank_summary.csv, selected columns, sorted by stable rank (of $(($(wc -l < "$out/rank_summary.csv") - 1)) matrices)"
python3 - "$out/rank_summary.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = ["tensor", "rows", "cols", "stable_rank", "entropy_effective_rank", "energy_rank_90", "numerical_rank", "noise_rank", "rel_update"]
rows.sort(key=lambda r: float(r["stable_rank"]))
def fmt(r, c):
    v = r[c]
    return f"{float(v):.4g}" if c in ("stable_rank", "entropy_effective_rank", "rel_update") else v
table = [cols] + [[fmt(r, c) for c in cols] for r in rows[:8] + rows[-4:]]
w = [max(len(t[i]) for t in table) for i in range(len(cols))]
for i, t in enumerate(table):
    print("  ".join(x.rjust(w[j]) if j else x.ljust(w[j]) for j, x in enumerate(t)))
    if i == 8: print("  ...")
nonzero = [r for r in rows if float(r["fro_norm"]) > 0]
def median(xs):
    xs = sorted(xs); return xs[len(xs) // 2]
sr = median([float(r["stable_rank"]) for r in nonzero])
e90 = median([int(r["energy_rank_90"]) / min(int(r["rows"]), int(r["cols"])) for r in nonzero])
print(f"\nOver the {len(nonzero)} updated matrices: median stable rank {sr:.1f}, and 90% of ΔW's energy needs")
print(f"a median {e90:.0%} of the possible rank: a few dominant directions on top of a broad tail.")
PY
echo
echo "Files: $out/rank_summary.csv, spectra.csv, vector_summary.csv, rank_summary.json"
