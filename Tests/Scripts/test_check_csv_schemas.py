"""Shows that check_csv_schemas.py catches drift: on a copy of a demo folder's CSV/JSON files it passes,
and it fails for a reordered documented column, an undocumented CSV file and an undocumented JSON key.

    python3 Tests/Scripts/test_check_csv_schemas.py DEMO
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "Tests" / "Scripts" / "check_csv_schemas.py"
DOC = (ROOT / "docs" / "csv-schemas.md").read_text()


def run(demo, doc=DOC):
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(doc)
    r = subprocess.run([sys.executable, str(CHECK), str(demo), "--doc", f.name], capture_output=True, text=True)
    Path(f.name).unlink()
    return r.returncode


def main():
    source = Path(sys.argv[1])
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        for p in source.rglob("*"):
            if p.is_file() and p.suffix in (".csv", ".json"):
                (demo / p.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(p, demo / p.relative_to(source))
        cases = [("the page and the copied demo", 0, lambda: run(demo))]
        swapped = DOC.replace("| `index` | int | 1…k | position i of the singular value", "| `sigma_` | int | 1…k | x", 1)
        cases.append(("a renamed column of spectra.csv (rank)", 1, lambda: run(demo, swapped)))

        def extra_csv():
            (demo / "sweep" / "extra.csv").write_text("a,b\n1,2\n")
            code = run(demo)
            (demo / "sweep" / "extra.csv").unlink()
            return code
        cases.append(("an undocumented CSV file", 1, extra_csv))

        def extra_key():
            p = next(demo.glob("experiment/experiment.json"))
            text = p.read_text()
            p.write_text(json.dumps({**json.loads(text), "new_key": 1}))
            code = run(demo)
            p.write_text(text)
            return code
        cases.append(("an undocumented experiment.json key", 1, extra_key))
        for what, want, case in cases:
            got = case()
            ok = got == want
            passed += ok
            failed += not ok
            print(f"test-check-csv-schemas: {'ok  ' if ok else 'FAIL'} {what}: exit {got} (want {want})")
    print(f"test-check-csv-schemas: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
