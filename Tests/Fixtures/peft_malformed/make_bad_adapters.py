#!/usr/bin/env python3
"""Generate the malformed PEFT LoRA adapter corpus used by the Swift adapter-loader tests.

Usage:
    python3 make_bad_adapters.py [OUTDIR]      # OUTDIR defaults to this script's directory

Writes into OUTDIR:

    base.safetensors          a tiny base checkpoint (4 F32 tensors)
    valid/                    a correct PEFT LoRA adapter for it (the control)
    <case>/                   one folder per broken adapter, each a one-fault edit of valid/
    expected_errors.json      {case: {"file": ..., "module": ..., "mentions": [...]}}
    README.md                 one line per case, plus the matching rules

Needs numpy and safetensors only (no torch, no peft). Deterministic: the tensor
values come from a fixed integer hash of (seed, tensor name, index), are
multiples of 1/32 in [-1, 1] (exact in F32, never zero), and nothing depends on
time, the platform or numpy's random streams, so reruns are byte-identical.

The empty-folder case is not written (git cannot commit an empty directory);
the Swift test creates it itself.
"""

import json
import os
import shutil
import sys

import numpy as np
import safetensors.numpy as st_numpy

SEED = 20240601
PREFIX = "base_model.model."
ST_METADATA = {"format": "pt"}
ADAPTER_ST = "adapter_model.safetensors"
ADAPTER_BIN = "adapter_model.bin"
CONFIG = "adapter_config.json"

Q = "encoder.layer.0.attention.self.query"
V = "encoder.layer.0.attention.self.value"
K = "encoder.layer.0.attention.self.key"
EMB = "embeddings.word_embeddings"

R = 4
IN, OUT = 12, 16            # query/value are Linear(12 -> 16): weight is 16 x 12
VOCAB, DIM = 20, 16         # word_embeddings weight is 20 x 16


# --------------------------------------------------------------------------- #
# Deterministic values
# --------------------------------------------------------------------------- #

def _mix(x):
    """splitmix64 finaliser: a fixed integer hash, identical on every platform."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def values(tag, shape):
    """F32 C-contiguous array of non-zero multiples of 1/32 in [-1, 1], fixed by (SEED, tag)."""
    h = SEED
    for ch in tag.encode("utf-8"):
        h = _mix(h ^ ch)
    n = int(np.prod(shape)) if len(shape) else 1
    out = []
    for i in range(n):
        k = _mix(h + i) % 64          # 0..63
        k = k - 32 if k < 32 else k - 31   # -32..-1, 1..32 (never zero)
        out.append(k / 32.0)
    return np.ascontiguousarray(np.array(out, dtype=np.float32).reshape(shape))


def save_st(path, tensors):
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    st_numpy.save_file(tensors, path, metadata=ST_METADATA)


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def config_text(cfg):
    # PEFT's save_pretrained writes json.dumps(config, indent=2, sort_keys=True), no newline.
    return json.dumps(cfg, indent=2, sort_keys=True)


# --------------------------------------------------------------------------- #
# Base checkpoint and the valid adapter
# --------------------------------------------------------------------------- #

def base_tensors():
    return {
        Q + ".weight": values("base:" + Q + ".weight", (OUT, IN)),
        V + ".weight": values("base:" + V + ".weight", (OUT, IN)),
        Q + ".bias": values("base:" + Q + ".bias", (OUT,)),
        EMB + ".weight": values("base:" + EMB + ".weight", (VOCAB, DIM)),
    }


def valid_config():
    return {
        "base_model_name_or_path": "intrinsic-dim-fixtures/tiny-encoder",
        "bias": "none",
        "fan_in_fan_out": False,
        "inference_mode": True,
        "init_lora_weights": True,
        "layers_pattern": None,
        "layers_to_transform": None,
        "lora_alpha": 8,
        "lora_dropout": 0.0,
        "modules_to_save": None,
        "peft_type": "LORA",
        "r": R,
        "rank_pattern": {},
        "alpha_pattern": {},
        "revision": None,
        "target_modules": ["query", "value"],
        "task_type": "FEATURE_EXTRACTION",
        "use_dora": False,
        "use_rslora": False,
    }


def key_a(module):
    return PREFIX + module + ".lora_A.weight"


def key_b(module):
    return PREFIX + module + ".lora_B.weight"


def factor_a(module, r=R, n_in=IN, tag=""):
    return values("A:" + module + tag, (r, n_in))


def factor_b(module, r=R, n_out=OUT, tag=""):
    return values("B:" + module + tag, (n_out, r))


def valid_tensors():
    return {
        key_a(Q): factor_a(Q), key_b(Q): factor_b(Q),
        key_a(V): factor_a(V), key_b(V): factor_b(V),
    }


# --------------------------------------------------------------------------- #
# Cases: name -> (fault description, expected error, builder)
# A builder gets (config dict, tensor dict), both fresh copies of valid/'s,
# and returns the files of the folder as {file name: bytes | str | tensor dict}.
# --------------------------------------------------------------------------- #

def err(file, module, *mentions):
    return {"file": file, "module": module, "mentions": list(mentions)}


def std(cfg, t):
    return {CONFIG: config_text(cfg), ADAPTER_ST: t}


def c_missing_config(cfg, t):
    return {ADAPTER_ST: t}


def c_garbled_config(cfg, t):
    text = config_text(cfg)
    return {CONFIG: text[: len(text) // 2], ADAPTER_ST: t}


def c_config_not_object(cfg, t):
    return {CONFIG: json.dumps([cfg], indent=2, sort_keys=True), ADAPTER_ST: t}


def c_config_bad_r(cfg, t):
    cfg["r"] = "four"
    return std(cfg, t)


def c_bin_only(cfg, t):
    # Pickle protocol-4 header then a harmless pickle of the int 0 and STOP.
    # Never unpickled by the loader: it must refuse the .bin outright.
    return {CONFIG: config_text(cfg), ADAPTER_BIN: b"\x80\x04K\x00."}


def c_a_without_b(cfg, t):
    del t[key_b(V)]
    return std(cfg, t)


def c_b_without_a(cfg, t):
    del t[key_a(Q)]
    return std(cfg, t)


def c_no_base_tensor(cfg, t):
    cfg["target_modules"] = ["query", "key", "value"]
    t[key_a(K)] = factor_a(K)
    t[key_b(K)] = factor_b(K)
    return std(cfg, t)


def c_ab_rank_disagree(cfg, t):
    t[key_b(Q)] = factor_b(Q, r=3)
    return std(cfg, t)


def c_r_mismatch(cfg, t):
    t[key_a(Q)] = factor_a(Q, r=3)
    t[key_b(Q)] = factor_b(Q, r=3)
    return std(cfg, t)


def c_rank_pattern_mismatch(cfg, t):
    cfg["rank_pattern"] = {"value": 2}
    return std(cfg, t)


def c_base_shape_mismatch(cfg, t):
    t[key_a(Q)] = factor_a(Q, n_in=10)
    return std(cfg, t)


def c_nan_in_factor(cfg, t):
    b = t[key_b(V)].copy()
    b[3, 1] = np.float32(np.nan)
    t[key_b(V)] = b
    return std(cfg, t)


def c_inf_in_factor(cfg, t):
    a = t[key_a(Q)].copy()
    a[0, 5] = np.float32(np.inf)
    t[key_a(Q)] = a
    return std(cfg, t)


def c_dora_config(cfg, t):
    cfg["use_dora"] = True
    return std(cfg, t)


def c_dora_magnitude_keys(cfg, t):
    t[PREFIX + Q + ".lora_magnitude_vector"] = values("M:" + Q, (OUT,))
    return std(cfg, t)


def c_pissa_init(cfg, t):
    cfg["init_lora_weights"] = "pissa"
    return std(cfg, t)


def c_olora_init(cfg, t):
    cfg["init_lora_weights"] = "olora"
    return std(cfg, t)


def c_not_lora(cfg, t):
    cfg["peft_type"] = "IA3"
    return std(cfg, t)


def c_embedding_shape_mismatch(cfg, t):
    cfg["target_modules"] = ["query", "value", "word_embeddings"]
    t[PREFIX + EMB + ".lora_embedding_A"] = values("EA:" + EMB, (R, VOCAB + 1))
    t[PREFIX + EMB + ".lora_embedding_B"] = values("EB:" + EMB, (DIM, R))
    return std(cfg, t)


def c_unknown_lora_key(cfg, t):
    t[PREFIX + Q + ".lora_C.weight"] = values("C:" + Q, (R, IN))
    return std(cfg, t)


def c_factor_not_2d(cfg, t):
    t[key_a(Q)] = t[key_a(Q)].reshape(R * IN)
    return std(cfg, t)


def field_case(name, value):
    """A builder setting one config field of PEFT 0.21.2's LoraConfig to a non-default value."""
    def build(cfg, t):
        cfg[name] = value
        return std(cfg, t)
    return build


def c_tokens_without_delta(cfg, t):
    cfg["trainable_token_indices"] = [1, 2]
    return std(cfg, t)


def c_lora_bias_key(cfg, t):
    t[PREFIX + Q + ".lora_B.bias"] = values("b:" + Q, (OUT,))
    return std(cfg, t)


# Config fields that select a PEFT feature changing ΔW or the binding which the reader does not
# implement: (field, value). Each is one case `field_<name>`; its error must name the field.
REFUSED_FIELDS = [
    ("layer_replication", [[0, 1], [0, 1]]),
    ("alora_invocation_tokens", [5, 6]),
    ("target_parameters", ["mlp.experts.gate_up_proj"]),
    ("lora_bias", True),
    ("megatron_config", {"tensor_model_parallel_size": 2}),
    ("use_qalora", True),
    ("use_bdlora", {"nblocks": 2}),
    ("arrow_config", {"top_k": 2}),
    ("kasa_config", {"beta": 0.1}),
    ("velora_config", {"rank": 1}),
    ("monteclora_config", {"n_samples": 2}),
    ("ensure_weight_tying", True),
    ("init_lora_weights", "lora_ga"),
    ("future_lora_feature", {"enabled": True}),
]


A = ADAPTER_ST
C = CONFIG
CASES = [
    ("missing_config", c_missing_config,
     "no adapter_config.json (only adapter_model.safetensors)",
     err(C, None, "missing")),
    ("garbled_config", c_garbled_config,
     "adapter_config.json is valid/'s config cut in half (truncated JSON)",
     err(C, None, "invalid")),
    ("config_not_object", c_config_not_object,
     "adapter_config.json is a JSON array (holding valid/'s config), not an object",
     err(C, None, "object")),
    ("config_bad_r", c_config_bad_r,
     '"r": "four" (a string, not an integer)',
     err(C, None, "integer")),
    ("bin_only", c_bin_only,
     "adapter_model.bin (pickle bytes \\x80\\x04...) instead of adapter_model.safetensors",
     err(ADAPTER_BIN, None, "safetensors")),
    ("a_without_b", c_a_without_b,
     "value has lora_A but its lora_B is missing",
     err(A, V, "lora_b")),
    ("b_without_a", c_b_without_a,
     "query has lora_B but its lora_A is missing",
     err(A, Q, "lora_a")),
    ("no_base_tensor", c_no_base_tensor,
     "extra module %s (target_modules gains \"key\"; A 4x12, B 16x4 well-formed) "
     "whose base tensor %s.weight is not in base.safetensors" % (K, K),
     err(A, K, "base")),
    ("ab_rank_disagree", c_ab_rank_disagree,
     "query lora_A is 4x12 but lora_B is 16x3 (inner dimensions disagree)",
     err(A, Q, "rank")),
    ("r_mismatch", c_r_mismatch,
     "query lora_A 3x12 and lora_B 16x3 (rank 3) while config r=4 and rank_pattern is {}; "
     "value stays rank 4",
     err(A, Q, "rank")),
    ("rank_pattern_mismatch", c_rank_pattern_mismatch,
     'config rank_pattern {"value": 2} but value\'s factors are rank 4 (4x12, 16x4)',
     err(A, V, "rank_pattern")),
    ("base_shape_mismatch", c_base_shape_mismatch,
     "query lora_A is 4x10 (in_features 10) but base query.weight is 16x12; lora_B 16x4",
     err(A, Q, "shape")),
    ("nan_in_factor", c_nan_in_factor,
     "value lora_B (16x4) has a NaN at element [3, 1]",
     err(A, V, "nan")),
    ("inf_in_factor", c_inf_in_factor,
     "query lora_A (4x12) has +inf at element [0, 5]",
     err(A, Q, "inf")),
    ("dora_config", c_dora_config,
     '"use_dora": true in the config (tensors as valid/, no magnitude vectors)',
     err(C, None, "dora")),
    ("dora_magnitude_keys", c_dora_magnitude_keys,
     "config use_dora false but the file also holds %s%s.lora_magnitude_vector (16)" % (PREFIX, Q),
     err(A, Q, "dora")),
    ("pissa_init", c_pissa_init,
     '"init_lora_weights": "pissa"',
     err(C, None, "pissa")),
    ("olora_init", c_olora_init,
     '"init_lora_weights": "olora"',
     err(C, None, "olora")),
    ("not_lora", c_not_lora,
     '"peft_type": "IA3"',
     err(C, None, "ia3")),
    ("embedding_shape_mismatch", c_embedding_shape_mismatch,
     "embedding module %s (target_modules gains \"word_embeddings\") with lora_embedding_A 4x21 "
     "but the base embedding is 20x16 (num_embeddings 20); lora_embedding_B 16x4" % EMB,
     err(A, EMB, "shape")),
    ("unknown_lora_key", c_unknown_lora_key,
     "extra tensor %s%s.lora_C.weight (4x12), an unrecognised LoRA key" % (PREFIX, Q),
     err(A, Q, "lora_c")),
    ("factor_not_2d", c_factor_not_2d,
     "query lora_A stored flattened, shape [48] instead of [4, 12]",
     err(A, Q, "shape")),
    ("lora_bias_key", c_lora_bias_key,
     "config lora_bias false but the file holds %s%s.lora_B.bias (16)" % (PREFIX, Q),
     err(A, Q, "lora_bias", "lora_b.bias")),
    ("tokens_without_delta", c_tokens_without_delta,
     '"trainable_token_indices": [1, 2] but no <module>.token_adapter.trainable_tokens_delta tensor',
     err(C, None, "trainable_token_indices", "trainable_tokens_delta")),
] + [
    ("field_" + name, field_case(name, value),
     '"%s": %s (a field whose non-default value is not implemented)' % (name, json.dumps(value)),
     err(C, None, name))
    for name, value in REFUSED_FIELDS
]


# --------------------------------------------------------------------------- #
# README
# --------------------------------------------------------------------------- #

README_HEAD = """\
# Malformed PEFT LoRA adapter corpus

Small, deliberately broken Hugging Face PEFT LoRA adapter folders. The Swift
adapter-loader tests use them to check that each bad adapter is refused with an
error that names the right file and module, and that `valid/` loads.

Everything here, this README included, is generated by `make_bad_adapters.py`.
Do not edit the fixtures by hand.

## Regenerating

```sh
cd Tests/Fixtures/peft_malformed
python3 make_bad_adapters.py            # writes into this directory
python3 make_bad_adapters.py /tmp/out   # or into any other directory
```

Requires Python 3 with `numpy` and `safetensors` (no torch, no peft). Generated
with numpy 2.4.6 and safetensors 0.8.0. Tensor values are non-zero multiples of
1/32 in [-1, 1] from a fixed integer hash (seed %(seed)d), not numpy's random
streams, and no timestamps are written, so reruns are byte-identical.

## Layout

- `base.safetensors`: F32 `%(q)s.weight` [16, 12],
  `%(v)s.weight` [16, 12], `%(q)s.bias` [16],
  `%(emb)s.weight` [20, 16]. Metadata `{"format": "pt"}`.
- `valid/`: `adapter_config.json` (PEFT layout: `json.dumps(indent=2,
  sort_keys=True)`, no trailing newline) with `peft_type` LORA, `r` 4,
  `lora_alpha` 8, `use_rslora` false, `target_modules` ["query", "value"],
  empty `rank_pattern`/`alpha_pattern`, `use_dora` false, `init_lora_weights`
  true, `inference_mode` true; and `adapter_model.safetensors` (metadata
  `{"format": "pt"}`) with `base_model.model.<module>.lora_A.weight` [4, 12] and
  `base_model.model.<module>.lora_B.weight` [16, 4] for the query and value
  modules, all entries non-zero.
- One folder per case below. Each is `valid/` with exactly one fault; every
  other file and field is as in `valid/`.
- The empty-folder case is not here (git cannot commit an empty directory): the
  Swift test creates it.

## `expected_errors.json`

Maps each case (folder name) to:

| field | meaning | how to match |
|---|---|---|
| `file` | the file the error message must name | substring of the message, case-sensitive |
| `module` | the module path (without the `base_model.model.` prefix), or `null` for config/file-level faults | substring of the message, case-sensitive; a message naming the full tensor key also matches |
| `mentions` | words the message must contain | each a substring of the lower-cased message |

`valid` is not in the file: it must load without error.

## Cases

| case | fault | file | module | mentions |
|---|---|---|---|---|
"""


def readme(expected):
    lines = [README_HEAD % {"seed": SEED, "q": Q, "v": V, "emb": EMB}]
    for name, _, fault, _ in CASES:
        e = expected[name]
        mod = "`%s`" % e["module"] if e["module"] else "null"
        men = ", ".join("`%s`" % m for m in e["mentions"])
        lines.append("| `%s` | %s | `%s` | %s | %s |\n" % (name, fault.replace("|", "\\|"),
                                                         e["file"], mod, men))
    return "".join(lines)


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #

def write_folder(folder, files):
    os.makedirs(folder, exist_ok=True)
    for fname in sorted(files):
        content = files[fname]
        path = os.path.join(folder, fname)
        if isinstance(content, dict):
            save_st(path, content)
        elif isinstance(content, bytes):
            with open(path, "wb") as f:
                f.write(content)
        else:
            write_text(path, content)


def main(argv):
    outdir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)

    # Remove folders this script owns so a rerun leaves no stale files behind.
    for name in ["valid"] + [c[0] for c in CASES]:
        shutil.rmtree(os.path.join(outdir, name), ignore_errors=True)

    save_st(os.path.join(outdir, "base.safetensors"), base_tensors())
    write_folder(os.path.join(outdir, "valid"), std(valid_config(), valid_tensors()))

    expected = {}
    for name, build, _, e in CASES:
        files = build(valid_config(), dict(valid_tensors()))
        write_folder(os.path.join(outdir, name), files)
        expected[name] = e

    write_text(os.path.join(outdir, "expected_errors.json"),
               json.dumps(expected, indent=2, sort_keys=True) + "\n")
    write_text(os.path.join(outdir, "README.md"), readme(expected))
    print("wrote %d cases + valid/ + base.safetensors to %s" % (len(CASES), outdir))


if __name__ == "__main__":
    main(sys.argv)
