"""Checks notebooks-export/ without running anything: the notebooks and their committed exports agree.

    python3 Tests/Scripts/check_notebooks.py

- every notebook is what scripts/build-notebooks.py writes (nbformat 4, kernel python3, no outputs);
- each has notebooks-export/html/<name>.html and notebooks-export/markdown/<name>.md;
- the Markdown export holds exactly the notebook's code cells, in order (so the exports are not stale:
  after a notebook changes, `make notebooks` must be rerun), and no error output;
- its `![png](<name>_files/…)` links and the PNG files in `<name>_files/` are the same set;
- the HTML export embeds one PNG per Markdown figure and no error output.
Prints `N passed, N failed`; exits 1 on any failure. Standard library only.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "notebooks-export"
ERRORS = ("Traceback (most recent call last)", "CellExecutionError", "-----------------------------------------------------------------------")


def main():
    passed = failed = 0

    def report(ok, message):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"check-notebooks: {'ok  ' if ok else 'FAIL'} {message}")

    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-notebooks.py"), "--check"], capture_output=True, text=True)
    report(r.returncode == 0, "notebooks are what scripts/build-notebooks.py writes" + (f": {r.stderr.strip()}" if r.returncode else ""))
    notebooks = sorted(EXPORT.glob("[0-9]*.ipynb"))
    report(len(notebooks) >= 3, f"{len(notebooks)} notebooks in notebooks-export/")
    for path in notebooks:
        name = path.stem
        nb = json.loads(path.read_text())
        report(nb.get("nbformat") == 4 and nb["metadata"]["kernelspec"]["name"] == "python3", f"{name}: nbformat 4, python3 kernel")
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        report(all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), f"{name}: committed without outputs")
        md_path, html_path = EXPORT / "markdown" / f"{name}.md", EXPORT / "html" / f"{name}.html"
        if not md_path.is_file() or not html_path.is_file():
            report(False, f"{name}: exports missing (run make notebooks)")
            continue
        md = md_path.read_text()
        blocks = re.findall(r"^```python\n(.*?)\n```$", md, flags=re.S | re.M)
        report(blocks == code, f"{name}.md holds the notebook's {len(code)} code cells" if blocks == code
               else f"{name}.md is stale: its code cells differ from the notebook's (run make notebooks)")
        report(not any(e in md for e in ERRORS), f"{name}.md has no error output")
        links = set(re.findall(rf"!\[png\]\({re.escape(name)}_files/([^)]+\.png)\)", md))
        files = {p.name for p in (EXPORT / "markdown" / f"{name}_files").glob("*.png")}
        report(links == files and len(files) > 0, f"{name}.md links its {len(files)} PNG figures" if links == files
               else f"{name}.md links {sorted(links)} but {name}_files/ has {sorted(files)}")
        html = html_path.read_text()
        embedded = html.count('src="data:image/png;base64,')
        report(embedded == len(links), f"{name}.html embeds {embedded} PNG figures (Markdown: {len(links)})")
        report(not any(e in html for e in ERRORS[:2]), f"{name}.html has no error output")
    print(f"check-notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
