"""Writes LoRA adapter fixtures with Hugging Face PEFT itself (no hand-built files).

    python3 make_peft_fixtures.py [OUTDIR]      (default: this script's folder)

Needs torch, peft and transformers (versions in README.md). Every model is built
from a config with a fixed seed (no hub access), trained on CPU with one thread
and deterministic algorithms, and saved with `save_pretrained` / safetensors, so
a rerun on the same machine and versions writes byte-identical files.

Layout of OUTDIR (see README.md for the details):
  bert/base/, bert/tuned/                 BertModel folders (config.json, model.safetensors)
  bert/lora_*/ + bert/lora_*_merged.safetensors
  gpt2/base/, gpt2/tuned/, gpt2/lora_conv1d/ + gpt2/lora_conv1d_merged.safetensors
  cnn/base.safetensors, cnn/tuned.safetensors, cnn/lora_conv2d/ + cnn/lora_conv2d_merged.safetensors
"""
import copy
import json
import os
import sys
import warnings

# PEFT stores target_modules as a Python set, and adapter_config.json lists it in
# set-iteration order, which follows string hashing: fix the hash seed (re-exec once).
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

import peft  # noqa: E402
import transformers  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import BertConfig, BertModel, GPT2Config, GPT2Model  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()
warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))

BATCH, SEQ, VOCAB = 4, 32, 100
FULL_STEPS, LORA_STEPS, LR = 30, 20, 1e-2


def set_determinism():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def save_state_dict(state, path):
    """A state dict as F32/… safetensors, every array C-contiguous (numpy's
    save_file writes a Fortran-ordered array's raw buffer, scrambling it)."""
    arrays = {k: np.ascontiguousarray(v.detach().cpu().contiguous().numpy()) for k, v in state.items()}
    save_file(arrays, path, metadata={"format": "pt"})


# --------------------------------------------------------------------------- models

def bert_config():
    return BertConfig(
        vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=32, type_vocab_size=2,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )


def gpt2_config():
    return GPT2Config(
        vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=32,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )


class TinyCNN(nn.Module):
    """8×8×3 input → conv1 (3→8, 3×3) → ReLU → conv2 (8→16, 3×3) → ReLU → 2×2 max-pool → fc (64→10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        return self.fc(x.flatten(1))


# --------------------------------------------------------------------------- data and loss

class Task:
    """Fixed random inputs and targets for one model family (own generator, so the
    data do not depend on what was trained before)."""

    def __init__(self, kind, seed):
        g = torch.Generator().manual_seed(seed)
        self.kind = kind
        if kind == "cnn":
            self.batches = [torch.randn(8, 3, 8, 8, generator=g) for _ in range(FULL_STEPS)]
            self.target = torch.randn(8, 10, generator=g)
        else:
            self.batches = [
                (torch.randint(0, VOCAB, (BATCH, SEQ), generator=g),
                 torch.randint(0, 2, (BATCH, SEQ), generator=g))
                for _ in range(FULL_STEPS)
            ]
            self.target = torch.randn(BATCH, SEQ, 32, generator=g)
            self.pooled_target = torch.randn(BATCH, 32, generator=g)

    def loss(self, model, step):
        batch = self.batches[step % len(self.batches)]
        if self.kind == "cnn":
            return F.mse_loss(model(batch), self.target)
        ids, types = batch
        if self.kind == "bert":
            out = model(input_ids=ids, token_type_ids=types)
            return (F.mse_loss(out.last_hidden_state, self.target)
                    + F.mse_loss(out.pooler_output, self.pooled_target))
        out = model(input_ids=ids)
        return F.mse_loss(out.last_hidden_state, self.target)


def train(model, task, steps):
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=LR)
    first = last = None
    for step in range(steps):
        opt.zero_grad()
        loss = task.loss(model, step)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
        last = loss.item()
    model.eval()
    return first, last


# --------------------------------------------------------------------------- writers

def write_full_pair(family, outdir, make_model, task):
    """base/ and tuned/ (full fine-tune, every parameter trainable)."""
    torch.manual_seed({"bert": 1, "gpt2": 2}[family])
    base = make_model()
    base.eval()
    base_dir = os.path.join(outdir, family, "base")
    base.save_pretrained(base_dir, safe_serialization=True)
    tuned = copy.deepcopy(base)
    torch.manual_seed(100)
    l0, l1 = train(tuned, task, FULL_STEPS)
    tuned.save_pretrained(os.path.join(outdir, family, "tuned"), safe_serialization=True)
    check_full_update(base.state_dict(), tuned.state_dict(), f"{family}/tuned")
    print(f"{family}/base, {family}/tuned: full fine-tune, {FULL_STEPS} steps, loss {l0:.4f} -> {l1:.4f}")


def check_full_update(base_sd, tuned_sd, label):
    for name, w in base_sd.items():
        if w.ndim >= 2:
            rel = (tuned_sd[name] - w).norm() / w.norm()
            assert rel > 1e-3, f"{label}: ΔW of {name} is only {rel:.2e} relative"


def write_adapter(outdir, family, name, make_base, task, config, seed):
    """get_peft_model(fresh base, config), train, save_pretrained, merge_and_unload."""
    torch.manual_seed(seed)
    base = make_base()
    base_keys = list(base.state_dict().keys())
    model = get_peft_model(base, config)
    l0, l1 = train(model, task, LORA_STEPS)
    adapter_dir = os.path.join(outdir, family, name)
    model.save_pretrained(adapter_dir)
    for pname, p in model.named_parameters():
        if "lora_B" in pname or "lora_embedding_A" in pname:
            assert p.abs().max() > 0, f"{family}/{name}: {pname} is still zero after training"
    merged = model.merge_and_unload()
    state = merged.state_dict()
    assert list(state.keys()) == base_keys, f"{family}/{name}: merged names differ from the base's"
    save_state_dict(state, os.path.join(outdir, family, f"{name}_merged.safetensors"))
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        cfg = json.load(f)
    print(f"{family}/{name}: r={cfg['r']} alpha={cfg['lora_alpha']} rslora={cfg['use_rslora']} "
          f"targets={cfg['target_modules']!r}, {LORA_STEPS} steps, loss {l0:.4f} -> {l1:.4f}")


def main():
    outdir = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE
    set_determinism()
    os.makedirs(outdir, exist_ok=True)
    # Adapters load their base with from_pretrained("<family>/base") from OUTDIR, so
    # adapter_config.json records the relative path "bert/base" (never an absolute path).
    os.chdir(outdir)

    # ---- BERT
    bert_task = Task("bert", 11)
    write_full_pair("bert", outdir, lambda: BertModel(bert_config(), add_pooling_layer=True), bert_task)

    def bert_base():
        return BertModel.from_pretrained("bert/base")

    bert_adapters = [
        ("lora_patterns", 21, LoraConfig(
            r=4, lora_alpha=8, target_modules=["query", "value", "dense"],
            rank_pattern={"layer.0.attention.self.query": 2, "query": 3, "intermediate.dense": 6},
            alpha_pattern={"value": 16})),
        ("lora_rslora", 22, LoraConfig(
            r=8, lora_alpha=16, use_rslora=True, target_modules=["query", "key", "value"])),
        ("lora_embedding", 23, LoraConfig(
            r=4, lora_alpha=4, target_modules=["word_embeddings", "query"])),
        ("lora_qv_r8", 24, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"])),
        ("lora_qv_r2", 25, LoraConfig(r=2, lora_alpha=4, target_modules=["query", "value"])),
        ("lora_regex", 26, LoraConfig(
            r=4, lora_alpha=8, target_modules=r".*\.layer\.1\.attention\.self\.(query|key)")),
    ]
    for name, seed, cfg in bert_adapters:
        write_adapter(outdir, "bert", name, bert_base, bert_task, cfg, seed)

    # ---- GPT-2
    gpt2_task = Task("gpt2", 12)
    write_full_pair("gpt2", outdir, lambda: GPT2Model(gpt2_config()), gpt2_task)
    write_adapter(outdir, "gpt2", "lora_conv1d", lambda: GPT2Model.from_pretrained("gpt2/base"), gpt2_task,
                  LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "c_fc"],
                             fan_in_fan_out=True), 31)

    # ---- CNN (a plain nn.Module: state dicts saved with safetensors)
    cnn_task = Task("cnn", 13)
    os.makedirs(os.path.join(outdir, "cnn"), exist_ok=True)
    torch.manual_seed(3)
    cnn = TinyCNN().eval()
    save_state_dict(cnn.state_dict(), os.path.join(outdir, "cnn", "base.safetensors"))
    cnn_tuned = copy.deepcopy(cnn)
    torch.manual_seed(100)
    l0, l1 = train(cnn_tuned, cnn_task, FULL_STEPS)
    save_state_dict(cnn_tuned.state_dict(), os.path.join(outdir, "cnn", "tuned.safetensors"))
    check_full_update(cnn.state_dict(), cnn_tuned.state_dict(), "cnn/tuned")
    print(f"cnn/base, cnn/tuned: full fine-tune, {FULL_STEPS} steps, loss {l0:.4f} -> {l1:.4f}")

    def cnn_base():
        m = TinyCNN()
        m.load_state_dict(cnn.state_dict())
        return m.eval()

    write_adapter(outdir, "cnn", "lora_conv2d", cnn_base, cnn_task,
                  LoraConfig(r=4, lora_alpha=8, target_modules=["conv1", "conv2", "fc"]), 41)

    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(outdir) for f in fs
                if not f.endswith((".py", ".md", ".pyc")))
    print(f"torch {torch.__version__}, peft {peft.__version__}, transformers {transformers.__version__}; "
          f"{total} bytes of fixtures in {outdir}")


if __name__ == "__main__":
    main()
