#!/usr/bin/env python3
"""Writes a small random BERT (a bare BertModel folder) with a real base's vocabulary, for the quick demo.

    python3 Tests/Scripts/make_small_bert.py VOCAB_DIR OUT [--hidden 32] [--layers 2] [--seed 0]

OUT gets config.json (model_type bert, architectures BertModel, hidden 32, 2 layers, 4 heads,
intermediate 64, the vocabulary size of VOCAB_DIR/vocab.txt), vocab.txt and tokenizer_config.json
copied from VOCAB_DIR, and model.safetensors (F32, transformers' BertModel names without a prefix,
pooler included) with weights drawn as transformers' `_init_weights` draws them: linear and embedding
weights N(0, 0.02²) (here from Python's `random.Random(seed)`), biases 0, LayerNorm weights 1.

Standard library only (the quick demo runs with any python3). all-MiniLM-L6-v2 itself takes several
seconds per 32 × 32-token step in a debug build, too slow for `make test`'s quick demo; this model has
MiniLM's tokenizer, so it reads the same R8 documents, with ~1 M parameters (mostly the 30,522 × 32
word embeddings).
"""
import argparse
import array
import json
import os
import random
import shutil
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vocab_dir")
    ap.add_argument("out")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=64)
    ap.add_argument("--max-positions", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    vocab_path = os.path.join(a.vocab_dir, "vocab.txt")
    if not os.path.exists(vocab_path):
        print(f"make_small_bert: {vocab_path}: no such file", file=sys.stderr)
        return 1
    with open(vocab_path, encoding="utf-8") as f:
        vocab = sum(1 for _ in f)
    h, i = a.hidden, a.intermediate
    shapes = [("embeddings.word_embeddings.weight", [vocab, h]), ("embeddings.position_embeddings.weight", [a.max_positions, h]),
              ("embeddings.token_type_embeddings.weight", [2, h]), ("embeddings.LayerNorm.weight", [h]), ("embeddings.LayerNorm.bias", [h])]
    for l in range(a.layers):
        p = f"encoder.layer.{l}."
        for m in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
            shapes += [(p + m + ".weight", [h, h]), (p + m + ".bias", [h])]
        shapes += [(p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                   (p + "intermediate.dense.weight", [i, h]), (p + "intermediate.dense.bias", [i]),
                   (p + "output.dense.weight", [h, i]), (p + "output.dense.bias", [h]),
                   (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h])]
    shapes += [("pooler.dense.weight", [h, h]), ("pooler.dense.bias", [h])]
    rng = random.Random(a.seed)
    header, blobs, offset = {}, [], 0
    for name, shape in shapes:
        n = 1
        for s in shape:
            n *= s
        if name.endswith("LayerNorm.weight"):
            values = array.array("f", [1.0]) * n
        elif name.endswith(".bias") or name.endswith("LayerNorm.bias"):
            values = array.array("f", [0.0]) * n
        else:
            values = array.array("f", (rng.gauss(0.0, 0.02) for _ in range(n)))
        if sys.byteorder != "little":
            values.byteswap()
        blob = values.tobytes()
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    config = {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1, "hidden_size": h, "initializer_range": 0.02, "intermediate_size": i,
              "layer_norm_eps": 1e-12, "max_position_embeddings": a.max_positions, "model_type": "bert",
              "num_attention_heads": a.heads, "num_hidden_layers": a.layers, "pad_token_id": 0,
              "position_embedding_type": "absolute", "type_vocab_size": 2, "vocab_size": vocab}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]:
        if os.path.exists(os.path.join(a.vocab_dir, name)):
            shutil.copyfile(os.path.join(a.vocab_dir, name), os.path.join(a.out, name))
    print(f"make_small_bert: {a.out}: BertModel, hidden {h}, {a.layers} layers, vocabulary {vocab}, {offset // 4} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
