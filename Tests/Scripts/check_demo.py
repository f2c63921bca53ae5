#!/usr/bin/env python3
"""Checks that a `make demo` output folder is complete and consistent with itself.

    python3 Tests/Scripts/check_demo.py out/demo

- every part is there (sweep, a dense run, the experiment with rank/compare/extract, the MiniLM
  rank and extraction, figures, summary.md, d_int90.json);
- summary.md links at least 5 files and every link resolves;
- the numbers summary.md states are the ones in the files it summarises: d_int90 (and the
  absolute one) against d_int90.json, d_int90 / r_int90 of the experiment against
  experiment.json, every row of its experiment table against experiment.csv;
- the text part (`text-experiment/`, `experiment finetune --model DIR` on Reuters R8): its parts are
  there (SAID and LoRA sweeps with macro-F1 and the majority floor, rank, compare, extract-lora), its
  section states the experiment.json's full accuracy, majority floor, d_int90 and r_int90, one table
  row per experiment.csv row (mean accuracy and macro-F1), and links its figures;
- every figure parses as XML (SVG) and carries plotted marks.

Exit 1 with one line per failed check.
"""
import csv
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def record(self, ok, name, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"check-demo: {'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))


def stated(value):
    """How summary.md writes an integer or null: thousands separators, 'not reached'."""
    return "not reached" if value is None else f"{value:,}"


def section(md, heading_fragment):
    """The text of the first `## ` section whose heading contains heading_fragment."""
    parts = re.split(r"(?m)^## ", md)
    for p in parts:
        if heading_fragment in p.split("\n", 1)[0]:
            return p
    return ""


def check_experiment(checks, md, p, name, encoder):
    """The section of experiment folder `name`: d_int90 / r_int90 (and, for an encoder, the full accuracy and
    the majority floor) against experiment.json, every table row against experiment.csv."""
    if not os.path.exists(p(name, "experiment.json")) or not os.path.exists(p(name, "experiment.csv")):
        checks.record(False, f"{name}/experiment.json and experiment.csv exist")
        return
    e = json.load(open(p(name, "experiment.json")))
    exp = section(md, f"(`{name}/`)")
    checks.record(exp != "", f"summary.md has a section for {name}/")
    for key, label in [("d_int90", "random subspace, d_int90"), ("r_int90", "LoRA, r_int90")]:
        m = re.search(re.escape(label) + r" \| ([^|]+) \| ([^|]+) \|", exp)
        checks.record(m is not None and m.group(1).strip() == stated(e.get(key))
                      and m.group(2).strip() == stated(e.get(key + "_trainable_parameters")),
                      f"summary.md's {name} {key} and its parameters are experiment.json's",
                      f"summary {m.groups() if m else None}, json {e.get(key)}, {e.get(key + '_trainable_parameters')}")
    if encoder:
        m = re.search(r"\*\*Majority-class floor: ([0-9.]+)\*\*", exp)
        checks.record(m is not None and e.get("majority_test_accuracy") is not None
                      and abs(float(m.group(1)) - e["majority_test_accuracy"]) <= 5e-5,
                      f"summary.md's {name} majority floor is experiment.json's", f"{m.group(1) if m else None} vs {e.get('majority_test_accuracy')}")
        m = re.search(r"d_int90 \| [^|]+ \| [^|]+ \| (?:[0-9.]+|n/a) \(floor ([0-9.]+)\) \|", exp)
        checks.record(m is not None and abs(float(m.group(1)) - e["majority_test_accuracy"]) <= 5e-5,
                      f"summary.md's {name} states the floor next to d_int90")
        m = re.search(r"fully \(AdamW at [^;]+; accuracy ([0-9.]+|n/a), macro-F1 ([0-9.]+|n/a)\)", exp)
        full = e.get("full_finetune_accuracy")
        checks.record(m is not None and full is not None and abs(float(m.group(1)) - full) <= 5e-5,
                      f"summary.md's {name} full fine-tune accuracy is experiment.json's", f"{m.groups() if m else None} vs {full}")
    rows = list(csv.DictReader(open(p(name, "experiment.csv"))))
    table = re.findall(r"(?m)^\| (\w+) \| ([0-9,]+) \| ([0-9,]+) \| ([0-9.]+|n/a) \|.*?\|(?: ([0-9.]+|n/a) \|)?$", exp)
    checks.record(len(table) == len(rows), f"summary.md's {name} table has one row per experiment.csv row",
                  f"{len(table)} vs {len(rows)}")
    for (mode, size, params, mean, f1), row in zip(table, rows):
        ok = (mode == row["mode"] and size.replace(",", "") == row["size"]
              and params.replace(",", "") == row["trainable_parameters"]
              and (mean == "n/a" if row["mean_accuracy"] == "" else abs(float(mean) - float(row["mean_accuracy"])) <= 5e-5))
        if encoder:
            want = row.get("mean_macro_f1", "")
            ok = ok and (f1 == "n/a" if want == "" else f1 not in ("", "n/a") and abs(float(f1) - float(want)) <= 5e-5)
        checks.record(ok, f"{name} row {row['mode']} {row['size']} matches experiment.csv", f"{(mode, size, params, mean, f1)} vs {row}")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out = sys.argv[1]
    checks = Checks()
    p = lambda *a: os.path.join(out, *a)

    # Completeness.
    dense = [d for d in os.listdir(out) if d.startswith("dense-d")] if os.path.isdir(out) else []
    for f in ["summary.md", "d_int90.json", "sweep/sweep.csv", "sweep/d_int90.json", "experiment/experiment.csv",
              "experiment/experiment.json", "experiment/rank/seed0/rank_summary.csv", "experiment/extract/seed0/energy90/merged.safetensors",
              "minilm-rank/rank_summary.csv", "minilm-rank/spectra.csv", "minilm-extract/extraction.csv",
              "minilm-extract/adapter_config.json", "minilm-extract/adapter_model.safetensors"]:
        checks.record(os.path.exists(p(f)), f"{f} exists")
    checks.record(len(dense) == 1 and os.path.exists(p(dense[0], "run.json")), "one dense-d* run with run.json", str(dense))
    compares = os.listdir(p("experiment", "compare")) if os.path.isdir(p("experiment", "compare")) else []
    checks.record(any("-vs-" in c for c in compares) and any(c.endswith("-seed0") for c in compares),
                  "experiment/compare holds adapter-vs-ΔW_full and adapter-vs-adapter comparisons", str(compares))
    if not os.path.exists(p("summary.md")):
        print(f"check-demo: {checks.passed} passed, {checks.failed} failed")
        return 1
    md = open(p("summary.md"), encoding="utf-8").read()

    # Links.
    links = re.findall(r"\]\(([^)]+)\)", md)
    checks.record(len(links) >= 5, "summary.md links at least 5 files", f"{len(links)} links")
    missing = [l for l in links if not os.path.exists(p(l))]
    checks.record(not missing, "every link of summary.md resolves", f"missing {missing[:5]}")
    for needed in ["d_int90.json", "sweep/sweep.csv", "experiment/experiment.csv", "minilm-rank/rank_summary.csv",
                   "minilm-extract/extraction.csv"]:
        checks.record(needed in links, f"summary.md links {needed}")

    # d_int90 of the from-scratch sweep: summary.md against d_int90.json (the copy) and the sweep's own.
    d = json.load(open(p("d_int90.json")))
    checks.record(d == json.load(open(p("sweep", "d_int90.json"))), "d_int90.json is the sweep's d_int90.json")
    sweep = section(md, "(`sweep/`)")
    m = re.search(r"\*\*d_int90 = ([^*]+)\*\* against the measured baseline", sweep)
    checks.record(m is not None and m.group(1) == stated(d["d_int90"]), "summary.md's d_int90 is d_int90.json's",
                  f"summary {m.group(1) if m else None!r}, json {d['d_int90']!r}")
    m = re.search(r"; d_int90 = ([^ ]+(?: reached)?) against the absolute baseline", sweep)
    checks.record(m is not None and m.group(1) == stated(d["d_int90_absolute"]), "summary.md's absolute d_int90 is d_int90.json's",
                  f"summary {m.group(1) if m else None!r}, json {d['d_int90_absolute']!r}")
    m = re.search(r"Full-training baseline: ([0-9.]+)", sweep)
    checks.record(m is not None and abs(float(m.group(1)) - d["baseline_accuracy"]) <= 5e-5, "summary.md's baseline is d_int90.json's")

    # The experiments: d_int90 / r_int90 and every table row.
    check_experiment(checks, md, p, "experiment", encoder=False)

    # The text part.
    for f in ["experiment.csv", "experiment.json", "subspace/sweep.csv", "subspace/d_int90.json", "lora/sweep.csv",
              "lora/d_int90.json", "rank/seed0/rank_summary.csv", "extract/seed0/energy90/extraction.csv",
              "lora/runs/full-seed0/predictions.csv", "lora/runs/full-seed0/config.json"]:
        checks.record(os.path.exists(p("text-experiment", f)), f"text-experiment/{f} exists")
    tcompares = os.listdir(p("text-experiment", "compare")) if os.path.isdir(p("text-experiment", "compare")) else []
    checks.record(any("-vs-" in c for c in tcompares) and any(c.endswith("-seed0") for c in tcompares),
                  "text-experiment/compare holds adapter-vs-ΔW_full and adapter-vs-adapter comparisons", str(tcompares))
    if os.path.exists(p("text-experiment", "subspace", "sweep.csv")):
        srows = list(csv.DictReader(open(p("text-experiment", "subspace", "sweep.csv"))))
        checks.record(srows and all(r["final_test_macro_f1"] != "" and r["majority_test_accuracy"] != "" for r in srows),
                      "text-experiment's sweep.csv has macro-F1 and the majority floor on every run")
    check_experiment(checks, md, p, "text-experiment", encoder=True)
    text_figures = [l for l in links if l.startswith("figures/text-experiment/") and l.endswith(".svg")]
    checks.record(len(text_figures) >= 1, "summary.md shows a figure of the text part", str(text_figures))

    # Figures.
    figures = [l for l in links if l.endswith(".svg")]
    checks.record(len(figures) >= 4, "summary.md links at least 4 figures", str(len(figures)))
    for f in figures:
        try:
            root = ET.parse(p(f)).getroot()
            marks = [el for el in root.iter() if el.tag.split("}")[-1] in ("circle", "polyline", "path", "rect", "line")]
            checks.record(root.tag.split("}")[-1] == "svg" and len(marks) > 5, f"{f} is an SVG with plotted marks", f"{len(marks)} marks")
        except ET.ParseError as err:
            checks.record(False, f"{f} parses as XML", str(err))

    print(f"check-demo: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
