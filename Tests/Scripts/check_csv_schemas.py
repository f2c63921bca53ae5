"""Checks docs/csv-schemas.md against the files of a demo folder, so the page cannot drift from the code.

    python3 Tests/Scripts/check_csv_schemas.py DEMO [--doc docs/csv-schemas.md]

For every `## `<name>.csv`` / `## `<name>.json`` section of the page: its `Files:` line names globs
inside DEMO; at least one file must match, and for each match
- a CSV's header equals the section table's first column (the backticked names), in order;
- a JSON file's top-level keys equal the table's keys, except keys whose type says `absent`,
  which may be missing.
Every CSV file in DEMO must be matched by some section (a new kind of CSV must be documented).
Prints one line per check and `N passed, N failed`; exits 1 on any failure. Standard library only.
"""
import csv
import json
import re
import sys
from pathlib import Path

HEADING = re.compile(r"^## `([^`]+\.(?:csv|json))`")


def sections(doc):
    """(title, kind, globs, rows) per documented file kind; rows = [(name, type cell)]."""
    out, current = [], None
    for line in doc.splitlines():
        if line.startswith("## "):
            m = HEADING.match(line)
            current = {"title": line[3:].strip(), "kind": Path(m.group(1)).suffix[1:], "globs": [], "rows": []} if m else None
            if current:
                out.append(current)
        elif current is None:
            continue
        elif line.startswith("Files:"):
            current["globs"] = re.findall(r"`([^`]+)`", line)
        elif line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            current["rows"].append((cells[0].strip("`"), cells[1]))
    return out


def main():
    args = sys.argv[1:]
    doc_path = Path(__file__).resolve().parents[2] / "docs" / "csv-schemas.md"
    if "--doc" in args:
        k = args.index("--doc")
        doc_path = Path(args[k + 1])
        del args[k:k + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    demo = Path(args[0])
    passed = failed = 0

    def report(ok, message):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"check-csv-schemas: {'ok  ' if ok else 'FAIL'} {message}")

    covered = set()
    found = sections(doc_path.read_text())
    report(len(found) > 0, f"{doc_path.name} documents {len(found)} file kinds")
    for s in found:
        names = [name for name, _ in s["rows"]]
        if not s["globs"] or not names:
            report(False, f"{s['title']}: no Files: line or no table")
            continue
        files = sorted({p for g in s["globs"] for p in demo.glob(g) if p.is_file()})
        report(len(files) > 0, f"{s['title']}: {len(files)} file(s) in {demo} match {', '.join(s['globs'])}")
        for path in files:
            rel = path.relative_to(demo)
            if s["kind"] == "csv":
                covered.add(rel)
                with path.open(newline="") as f:
                    header = next(csv.reader(f), [])
                ok = header == names
                report(ok, f"{rel}: header matches {s['title']}" if ok else
                       f"{rel}: header {header} != documented {names}")
            else:
                keys = set(json.loads(path.read_text()))
                optional = {name for name, kind in s["rows"] if "absent" in kind}
                extra, missing = keys - set(names), set(names) - keys - optional
                ok = not extra and not missing
                report(ok, f"{rel}: keys match {s['title']}" if ok else
                       f"{rel}: undocumented keys {sorted(extra)}, missing keys {sorted(missing)}")
    for path in sorted(demo.rglob("*.csv")):
        rel = path.relative_to(demo)
        if rel not in covered:
            report(False, f"{rel}: a CSV file that {doc_path.name} does not document (add its glob to a Files: line)")
    print(f"check-csv-schemas: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
