"""Regenerates every fixture set into a temporary directory with its own
script and checks that the committed files are what the script writes, so no
fixture can drift from the independent reference that made it.

    python3 Tests/Fixtures/check_fixtures.py [--fixtures DIR] [SET ...]

Files are compared by `fixture_compare.compare_file`: structure (headers,
names, shapes, dtypes, offsets, CSV/JSON text) exactly and floating-point
values within a few ulps of their stored precision, because numpy's OpenBLAS
rounds differently on other CPUs. Sets whose data no floating-point library
computed (`exact` below: malformed files, IDX) are compared byte for byte.
A set whose script needs a Python package that is not installed (PyTorch,
PEFT) fails, unless INTRINSIC_DIM_NO_CLIENTS=1 opts out: then it does not run, and
the check says so. Run by a Python without them, the check re-executes itself with the
project venv's (.venv, made by `make test` / scripts/setup-venv.sh) when that exists.

Run by `make test` (after the Swift tests). Exits 1 naming each differing file,
tensor or field, the element and both values. `--fixtures` points the check at
another copy of the fixture tree (the scripts still come from this folder); the
mutation test uses it.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture_compare import compare_file  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Scripts"))
import clients  # noqa: E402

TORCH = ("torch", "peft", "transformers")
# name: (script, compare byte for byte, Python modules the script needs beyond make test's,
#        scale floor of the float tolerance or None for fixture_compare.F64_REL)
SETS = {
    "rank": ("make_rank_fixtures.py", False, (), None),
    "malformed": ("make_malformed.py", True, (), None),
    "projections": ("make_projection_fixtures.py", False, (), None),
    "idx": ("make_idx_fixtures.py", True, (), None),
    "training": ("make_training_fixtures.py", False, (), None),
    # Written by PyTorch/PEFT after a few training steps: on another CPU torch's kernels round
    # differently and training carries that on, so values are held to 1e-3 of each tensor's scale
    # (measured: up to 6e-4 with torch's non-SIMD kernels, ATEN_CPU_CAPABILITY=default, against
    # the AVX2 run that wrote them; a changed recipe moves values by far more).
    # Attention key biases are not compared at all (see gradient_free_key_biases).
    "peft": ("make_peft_fixtures.py", False, TORCH, 1e-3),
    # transformers' BertForSequenceClassification (a tiny random one, and a head on the MiniLM base of
    # data/finetune-pair): logits and float64 autograd gradients, held to the default F64 tolerance.
    "encoder": ("make_encoder_fixtures.py", False, TORCH, None),
    "peft_expected": ("make_peft_expected.py", False, (), None),
    "peft_malformed": ("make_bad_adapters.py", True, (), None),
    # transformers' two layouts of one tiny BERT (BertModel base, BertForSequenceClassification runs) and a
    # PEFT SEQ_CLS adapter, every value drawn by numpy (torch, transformers and PEFT only lay them out).
    "folders": ("make_folder_fixtures.py", False, TORCH, None),
    "fuzz-regressions": ("make_regressions.py", True, (), None),
}


def gradient_free_key_biases(name, count):
    """The elements of an attention key bias (BERT's `attention.self.key.bias`, the
    middle third of GPT-2's fused `attn.c_attn.bias`). Softmax is invariant to a
    constant added to a query's scores, so their gradient is zero in exact
    arithmetic: training moves them by rounding noise alone, which Adam scales up
    to full-size steps, and that noise differs between CPUs (signs included).
    Their values are not compared; names, shapes and dtypes still are."""
    if name.endswith("attention.self.key.bias"):
        return slice(0, count)
    if name.endswith("attn.c_attn.bias") and count % 3 == 0:
        return slice(count // 3, 2 * count // 3)
    return None


def committed_files(root):
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith((".py", ".md", ".pyc")) or "__pycache__" in dirpath:
                continue
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def check_set(name, fixtures_root):
    """{file: failure lines} for every file of one fixture set (an empty list: the file agrees)."""
    script, exact, _, floor = SETS[name]
    src = os.path.join(fixtures_root, name)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, name, script), tmp], check=True,
                       stdout=subprocess.DEVNULL)
        want, got = committed_files(src), committed_files(tmp)
        for rel in sorted(set(want) | set(got)):
            where = f"{name}/{rel}"
            if rel not in got or rel not in want:
                side = "committed only" if rel in want else "regenerated only"
                results[where] = [f"{where}: present on one side only ({side})"]
            else:
                results[where] = compare_file(where, os.path.join(src, rel), os.path.join(tmp, rel), exact=exact,
                                              floor=floor,
                                              unchecked=gradient_free_key_biases if name == "peft" else None)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixtures", default=HERE, help="the fixture tree to check (default: this folder)")
    ap.add_argument("sets", nargs="*", choices=[[]] + list(SETS), help="sets to check (default: all)")
    args = ap.parse_args()
    passed = failed = 0
    # The real clients are part of `make test` (scripts/setup-venv.sh installs them into .venv):
    # run by another Python, this check moves into that venv; only the documented opt-out leaves
    # them out, and then says so.
    clients.use_project_venv(sorted({m for name in args.sets or SETS for m in SETS[name][2]}))
    for name in args.sets or SETS:
        missing = clients.missing(SETS[name][2])
        if missing:
            if clients.opted_out():
                print(f"fixture-check: {name}: DID NOT RUN (INTRINSIC_DIM_NO_CLIENTS=1): its script needs "
                      f"{', '.join(missing)}")
                continue
            print(f"fixture-check: FAIL {name}: its script needs {', '.join(missing)}, not importable by "
                  f"{sys.executable} and no project venv has them (make test installs them into .venv: scripts/setup-venv.sh; "
                  f"INTRINSIC_DIM_NO_CLIENTS=1 opts out)", file=sys.stderr)
            failed += 1
            continue
        for lines in check_set(name, args.fixtures).values():
            for line in lines:
                print("fixture-check: " + line, file=sys.stderr)
            failed += bool(lines)
            passed += not lines
    print(f"fixture-check: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
