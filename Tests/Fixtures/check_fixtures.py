"""Regenerates every fixture set into a temporary directory with its own
script and checks that the committed files are exactly what the script
writes, so no fixture can drift from the independent reference that made it.

Run by `make test` (after the Swift tests). Exits 1 naming each differing file.
"""
import filecmp
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = {
    "rank": "make_rank_fixtures.py",
    "malformed": "make_malformed.py",
    "projections": "make_projection_fixtures.py",
    "idx": "make_idx_fixtures.py",
    "training": "make_training_fixtures.py",
}


def committed_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith((".py", ".md")) or "__pycache__" in dirpath:
                continue
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def main():
    failures = []
    checked = 0
    for name, script in SETS.items():
        src = os.path.join(HERE, name)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, os.path.join(src, script), tmp], check=True,
                           stdout=subprocess.DEVNULL)
            want = committed_files(src)
            got = committed_files(tmp)
            for extra in sorted(set(want) ^ set(got)):
                failures.append(f"{name}/{extra}: present on one side only (committed vs regenerated)")
            for rel in sorted(set(want) & set(got)):
                checked += 1
                if not filecmp.cmp(os.path.join(src, rel), os.path.join(tmp, rel), shallow=False):
                    failures.append(f"{name}/{rel}: differs from what {script} writes")
    for f in failures:
        print("fixture-check: " + f, file=sys.stderr)
    print(f"fixture-check: {checked - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
