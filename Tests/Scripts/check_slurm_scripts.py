#!/usr/bin/env python3
"""Runs scripts/slurm/sweep-array.sh and sweep-merge.sh as a Slurm array would (the SLURM_* variables
set by hand, tasks 1..N in turn), and checks the merged sweep equals a one-machine run of the same
options: the same sweep.csv apart from wall times, the same d_int90.json estimate, every run's folder.
Likewise rank-array.sh and rank-merge.sh: the merged CSV files byte for byte.

    python3 Tests/Scripts/check_slurm_scripts.py .build/debug/intrinsic-dim

(A run under a real slurmctld/slurmd is the Slurm integration script's job; this checks the
scripts' shard arithmetic and the merge without one.)"""
import csv
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build/debug/intrinsic-dim"))
    options = ["--model", "fc", "--dataset", os.path.join(REPO, "Tests/Fixtures/training/datasets/mnist_subset.npz"),
               "--d", "20,60", "--seeds", "2", "--epochs", "1", "--lr", "0.01", "--wht", "fftw"]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sharded")
        env = dict(os.environ, INTRINSIC_DIM_BIN=binary, SLURM_CPUS_PER_TASK="1")
        for k in (1, 2, 3):   # --array=4-6: ids need not start at 1
            e = dict(env, SLURM_ARRAY_TASK_COUNT="3", SLURM_ARRAY_TASK_ID=str(k + 3), SLURM_ARRAY_TASK_MIN="4")
            subprocess.run(["bash", os.path.join(REPO, "scripts/slurm/sweep-array.sh"), out, "--", *options],
                           env=e, check=True, capture_output=True, cwd=REPO)
        subprocess.run(["bash", os.path.join(REPO, "scripts/slurm/sweep-merge.sh"), out], env=env, check=True,
                       capture_output=True, cwd=REPO)
        single = os.path.join(tmp, "single")
        subprocess.run([binary, "sweep", *options, "--threads", "2", "--out", single], check=True, capture_output=True)

        def rows(d):
            with open(os.path.join(d, "sweep.csv")) as f:
                return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(f)]

        def estimate(d):
            with open(os.path.join(d, "d_int90.json")) as f:
                j = json.load(f)
            return {k: j[k] for k in ("d_int90", "d_int90_absolute", "baseline_accuracy", "dimensions")}

        merged = os.path.join(out, "merged")
        checks = [
            ("three shard folders shard-k-of-3", sorted(x for x in os.listdir(out) if x.startswith("shard-"))
             == ["shard-1-of-3", "shard-2-of-3", "shard-3-of-3"]),
            ("merged sweep.csv equals the one-machine run's (wall times aside)", rows(merged) == rows(single)),
            ("merged d_int90.json estimate equals the one-machine run's", estimate(merged) == estimate(single)),
            ("every run folder was merged", sorted(os.listdir(os.path.join(merged, "runs")))
             == sorted(os.listdir(os.path.join(single, "runs")))),
        ]
        # rank: the same array arithmetic, merged CSV files byte-identical to one run.
        rank_options = ["--base", os.path.join(REPO, "Tests/Fixtures/rank/f32_base.safetensors"),
                        "--tuned", os.path.join(REPO, "Tests/Fixtures/rank/f32_tuned.safetensors")]
        rank_out = os.path.join(tmp, "rank")
        for k in (1, 2, 3):
            e = dict(env, SLURM_ARRAY_TASK_COUNT="3", SLURM_ARRAY_TASK_ID=str(k + 3), SLURM_ARRAY_TASK_MIN="4")
            subprocess.run(["bash", os.path.join(REPO, "scripts/slurm/rank-array.sh"), rank_out, "--", *rank_options],
                           env=e, check=True, capture_output=True, cwd=REPO)
        subprocess.run(["bash", os.path.join(REPO, "scripts/slurm/rank-merge.sh"), rank_out], env=env, check=True,
                       capture_output=True, cwd=REPO)
        rank_single = os.path.join(tmp, "rank-single")
        subprocess.run([binary, "rank", *rank_options, "--jobs", "2", "--out", rank_single], check=True, capture_output=True)

        def raw(d, f):
            with open(os.path.join(d, f), "rb") as h:
                return h.read()

        checks.append(("rank: three shard folders shard-k-of-3", sorted(x for x in os.listdir(rank_out) if x.startswith("shard-"))
                       == ["shard-1-of-3", "shard-2-of-3", "shard-3-of-3"]))
        for f in ("rank_summary.csv", "spectra.csv", "vector_summary.csv"):
            checks.append((f"rank: merged {f} byte-identical to the one-machine run's",
                           raw(os.path.join(rank_out, "merged"), f) == raw(rank_single, f)))
        for name, ok in checks:
            print(f"check-slurm-scripts: {'ok  ' if ok else 'FAIL'} {name}")
            failed += not ok
    print(f"check-slurm-scripts: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
