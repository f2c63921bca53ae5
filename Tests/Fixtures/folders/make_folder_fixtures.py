"""Run-folder fixtures: a tiny BERT saved the two ways transformers saves it —
the bare `BertModel` a fine-tune starts from (names without a prefix, no head)
and `BertForSequenceClassification` run folders fine-tuned from it (`bert.`
prefix, `classifier.*`) — and a PEFT SEQ_CLS LoRA adapter of the latter, with
numpy's references for `rank`, `compare` and `extract-lora` on them.

    python Tests/Fixtures/folders/make_folder_fixtures.py [OUTDIR]

OUTDIR defaults to this directory. Needs torch, transformers and peft (used
only to lay the folders out as they do: every value is drawn by numpy, so
nothing here depends on torch's arithmetic).

Files:
* base/config.json, base/model.safetensors: `BertModel` (vocab 99, hidden 32,
  2 layers, 4 heads, intermediate 64, 64 positions, 2 token types) whose
  weights come from numpy Generator(41), saved by save_pretrained: 39 tensors
  (`embeddings.…`, `encoder.layer.N.…`, `pooler.dense.…`).
* run/: `BertForSequenceClassification` (3 labels, id2label neg/neu/pos)
  holding base + ΔW, ΔW of every 2-D tensor = a rank-3 product plus 1e-3
  noise, every 1-D tensor moved by 1e-2 noise, classifier from numpy:
  41 tensors (`bert.…`, `classifier.weight` [3, 32], `classifier.bias` [3]).
* run2/: the same with other draws (a second fine-tune of the same base).
* adapter/: a PEFT LoRA adapter (r 2, α 4, query/value, task_type SEQ_CLS)
  made by get_peft_model on BertForSequenceClassification.from_pretrained(base,
  num_labels=3); lora_A, lora_B and the classifier (modules_to_save) set from
  numpy, saved by save_pretrained.
* expected.safetensors (float64, numpy):
  - `rank.sigma.<run name>`: singular values of ΔW = run − base for every 2-D
    tensor (descending), `rank.rel.<run name>`: ‖Δv‖/‖v_base‖ of every 1-D one;
  - `compare.captured.<module>`, `compare.lora_error.<module>`: for each
    adapter module, ‖U_rᵀ ΔW_full‖²_F / ‖ΔW_full‖²_F with U_r the left
    singular vectors of s·B·A, and ‖ΔW_full − s·B·A‖_F / ‖ΔW_full‖_F.

Deterministic: fixed seeds, np.ascontiguousarray everywhere, no timestamps,
relative paths (the adapter's base_model_name_or_path is "base"), PYTHONHASHSEED=0.
"""
import os
import sys

# PEFT keeps target_modules as a set, written in string-hash order: fix the hash seed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from safetensors.numpy import load_file, save_file
from transformers import BertConfig, BertForSequenceClassification, BertModel
import transformers

transformers.logging.set_verbosity_error()

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else HERE)
LABELS = {0: "neg", 1: "neu", 2: "pos"}


def c(a):
    return np.ascontiguousarray(a)


def config(**extra):
    return BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu",
                      hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=0, **extra)


def set_state(model, values):
    state = {k: torch.tensor(c(v.astype(np.float32))) for k, v in values.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all("position_ids" in m for m in missing), missing


def base_values(model):
    rng = np.random.default_rng(41)
    values = {}
    for name, p in model.named_parameters():
        shape = tuple(p.shape)
        if name.endswith("LayerNorm.weight"):
            v = 1 + 0.1 * rng.standard_normal(shape)
        elif name.endswith("bias"):
            v = 0.05 * rng.standard_normal(shape)
        else:
            v = rng.standard_normal(shape) * (1 / np.sqrt(shape[-1]))
        values[name] = v.astype(np.float32)
    return values


def tuned_values(base, seed):
    rng = np.random.default_rng(seed)
    values = {}
    for name, v in base.items():
        if v.ndim == 2:
            m, n = v.shape
            delta = rng.standard_normal((m, 3)) @ rng.standard_normal((3, n)) * 0.05 + 1e-3 * rng.standard_normal((m, n))
        else:
            delta = 1e-2 * rng.standard_normal(v.shape)
        values["bert." + name] = (v.astype(np.float64) + delta).astype(np.float32)
    values["classifier.weight"] = (0.3 * rng.standard_normal((3, 32))).astype(np.float32)
    values["classifier.bias"] = (0.1 * rng.standard_normal(3)).astype(np.float32)
    return values


def main():
    torch.manual_seed(0)
    # Relative paths, so that the adapter's base_model_name_or_path does not depend on OUTDIR.
    os.makedirs(OUT, exist_ok=True)
    os.chdir(OUT)
    base_dir = "base"
    bare = BertModel(config())
    base = base_values(bare)
    set_state(bare, base)
    bare.save_pretrained(base_dir, safe_serialization=True)
    base = load_file(os.path.join(base_dir, "model.safetensors"))

    for folder, seed in (("run", 42), ("run2", 43)):
        model = BertForSequenceClassification(config(num_labels=3, id2label=LABELS,
                                                     label2id={v: k for k, v in LABELS.items()}))
        set_state(model, tuned_values(base, seed))
        model.save_pretrained(os.path.join(OUT, folder), safe_serialization=True)
    run = load_file(os.path.join(OUT, "run", "model.safetensors"))

    # A PEFT SEQ_CLS adapter of the head model loaded from the bare base.
    model = BertForSequenceClassification.from_pretrained(base_dir, num_labels=3)
    peft_model = get_peft_model(model, LoraConfig(task_type="SEQ_CLS", r=2, lora_alpha=4,
                                                  target_modules=["query", "value"], lora_dropout=0.0))
    rng = np.random.default_rng(44)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                p.copy_(torch.tensor(c((0.2 * rng.standard_normal(tuple(p.shape))).astype(np.float32))))
            elif "modules_to_save" in name:
                p.copy_(torch.tensor(c((0.3 * rng.standard_normal(tuple(p.shape))).astype(np.float32))))
    adapter_dir = os.path.join(OUT, "adapter")
    peft_model.save_pretrained(adapter_dir)
    adapter = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))

    expected = {}
    for name, v in base.items():
        d = run["bert." + name].astype(np.float64) - v.astype(np.float64)
        if v.ndim == 2:
            expected[f"rank.sigma.bert.{name}"] = c(np.linalg.svd(d, compute_uv=False))
        else:
            expected[f"rank.rel.bert.{name}"] = np.array([np.linalg.norm(d) / np.linalg.norm(v.astype(np.float64))])
    scaling = 4 / 2
    prefix = "base_model.model."
    for key in sorted(adapter):
        if not key.endswith("lora_A.weight"):
            continue
        module = key[len(prefix):-len(".lora_A.weight")]
        a = adapter[key].astype(np.float64)
        b = adapter[key.replace("lora_A", "lora_B")].astype(np.float64)
        lora = scaling * b @ a
        full = run[module + ".weight"].astype(np.float64) - base[module[len("bert."):] + ".weight"].astype(np.float64)
        u = np.linalg.svd(lora)[0][:, :2]
        total = np.sum(full ** 2)
        expected[f"compare.captured.{module}"] = np.array([np.sum((u.T @ full) ** 2) / total])
        expected[f"compare.lora_error.{module}"] = np.array([np.linalg.norm(full - lora) / np.sqrt(total)])
    save_file({k: c(v.astype(np.float64)) for k, v in sorted(expected.items())}, os.path.join(OUT, "expected.safetensors"))


if __name__ == "__main__":
    main()
