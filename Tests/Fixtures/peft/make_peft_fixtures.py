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
  bert_cls/base/ (BertForSequenceClassification), bert_cls/lora_*/ + _merged.safetensors + _logits.safetensors
  gpt2_cls/base/ (GPT2ForSequenceClassification), gpt2_cls/lora_mixed/ + _merged.safetensors + _logits.safetensors
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
from safetensors import safe_open  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

import peft  # noqa: E402
import transformers  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import (BertConfig, BertForSequenceClassification, BertModel, GPT2Config,  # noqa: E402
                          GPT2ForSequenceClassification, GPT2Model)

transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()
warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))

BATCH, SEQ, VOCAB = 4, 32, 100
LABELS = 3
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


def bert_cls_config():
    c = bert_config()
    c.num_labels = LABELS
    c.classifier_dropout = 0.0
    return c


def gpt2_cls_config():
    # Token 0 is the pad token: the classifier reads the logits at each row's last non-0 token.
    c = GPT2Config(
        vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=32,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, summary_first_dropout=0.0,
        bos_token_id=1, eos_token_id=1, pad_token_id=0,
    )
    c.num_labels = LABELS
    return c


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
        elif kind in ("bert_cls", "gpt2_cls"):
            self.batches = [
                (torch.randint(0, VOCAB, (BATCH, SEQ), generator=g),
                 torch.randint(0, 2, (BATCH, SEQ), generator=g))
                for _ in range(FULL_STEPS)
            ]
            self.target = torch.randn(BATCH, LABELS, generator=g)
            # The fixed batch whose logits the fixtures record (`<adapter>_logits.safetensors`).
            self.probe = (torch.randint(1, VOCAB, (BATCH, SEQ), generator=g),
                          torch.randint(0, 2, (BATCH, SEQ), generator=g))
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
        if self.kind == "bert_cls":
            return F.mse_loss(model(input_ids=ids, token_type_ids=types).logits, self.target)
        if self.kind == "gpt2_cls":
            return F.mse_loss(model(input_ids=ids).logits, self.target)
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


def write_adapter(outdir, family, name, make_base, task, config, seed, logits=False):
    """get_peft_model(fresh base, config), train, save_pretrained, merge_and_unload; with
    `logits`, also the merged model's logits on `task.probe` (`<name>_logits.safetensors`:
    input_ids, token_type_ids (I64), logits F32)."""
    torch.manual_seed(seed)
    base = make_base()
    base_state = {k: v.detach().clone() for k, v in base.state_dict().items()}
    base_keys = list(base_state.keys())
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
    # The full tensors the adapter carries (modules_to_save copies, biases) were trained: each
    # differs from the base, so a merge that kept the base's would fail the tests.
    with safe_open(os.path.join(adapter_dir, "adapter_model.safetensors"), "pt") as f:
        for key in f.keys():
            if "lora_" in key:
                continue
            target = key.removeprefix("base_model.model.").replace(".base_layer", "")
            value, rows = f.get_tensor(key), slice(None)
            if target.endswith(".token_adapter.trainable_tokens_delta"):
                target = target.removesuffix(".token_adapter.trainable_tokens_delta") + ".weight"
                rows = config.trainable_token_indices
                others = [i for i in range(state[target].shape[0]) if i not in rows]
                assert torch.equal(state[target][others], base_state[target][others]), f"{family}/{name}: other rows moved"
            assert torch.equal(value, state[target][rows]), f"{family}/{name}: {key} is not merged {target}"
            if not target.endswith("attention.self.key.bias"):  # gradient-free (see check_fixtures.py)
                assert (state[target][rows] - base_state[target][rows]).abs().max() > 1e-4, f"{family}/{name}: {key} did not train"
    if logits:
        ids, types = task.probe
        with torch.no_grad():
            kwargs = {"token_type_ids": types} if task.kind == "bert_cls" else {}
            out = merged(input_ids=ids, **kwargs).logits
        save_file({"input_ids": np.ascontiguousarray(ids.numpy()), "token_type_ids": np.ascontiguousarray(types.numpy()),
                   "logits": np.ascontiguousarray(out.numpy())},
                  os.path.join(outdir, family, f"{name}_logits.safetensors"), metadata={"format": "pt"})
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

    # ---- Sequence classification: the head (modules_to_save) and biases (bias "all"/"lora_only")
    # travel as full tensors in the adapter file.
    def save_base(family, make, seed):
        torch.manual_seed(seed)
        m = make().eval()
        m.save_pretrained(os.path.join(outdir, family, "base"), safe_serialization=True)
        print(f"{family}/base: {type(m).__name__}, seed {seed}")

    save_base("bert_cls", lambda: BertForSequenceClassification(bert_cls_config()), 4)
    bert_cls_task = Task("bert_cls", 14)

    def bert_cls_base():
        return BertForSequenceClassification.from_pretrained("bert_cls/base")

    for name, seed, cfg in [
        ("lora_seq_cls", 51, LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules=["query", "value"])),
        ("lora_bias_all", 52, LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"], bias="all")),
        ("lora_bias_lora_only", 53, LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8,
                                               target_modules=["query", "value", "dense"], bias="lora_only")),
        # Rows 3, 5 and 7 of the input embedding trained whole (PEFT's TrainableTokens): saved as
        # ….word_embeddings.token_adapter.trainable_tokens_delta [3, 32], which merge_and_unload()
        # writes over those rows (index_copy, a replacement despite the name).
        ("lora_tokens", 54, LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules=["query", "value"],
                                       trainable_token_indices=[3, 5, 7])),
    ]:
        write_adapter(outdir, "bert_cls", name, bert_cls_base, bert_cls_task, cfg, seed, logits=True)

    # GPT-2 Conv1D modules (c_attn, c_proj) and an nn.Linear (score) in one adapter. PEFT sets
    # fan_in_fan_out per module (True for Conv1D, False for Linear) by flipping the shared config,
    # so the saved adapter_config.json says whatever the last module made it: false here.
    save_base("gpt2_cls", lambda: GPT2ForSequenceClassification(gpt2_cls_config()), 5)
    gpt2_cls_task = Task("gpt2_cls", 15)
    write_adapter(outdir, "gpt2_cls", "lora_mixed", lambda: GPT2ForSequenceClassification.from_pretrained("gpt2_cls/base"),
                  gpt2_cls_task, LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "score"],
                                            fan_in_fan_out=True), 61, logits=True)
    with open(os.path.join(outdir, "gpt2_cls", "lora_mixed", "adapter_config.json")) as f:
        assert json.load(f)["fan_in_fan_out"] is False, "gpt2_cls/lora_mixed: PEFT no longer flips fan_in_fan_out"

    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(outdir) for f in fs
                if not f.endswith((".py", ".md", ".pyc")))
    print(f"torch {torch.__version__}, peft {peft.__version__}, transformers {transformers.__version__}; "
          f"{total} bytes of fixtures in {outdir}")


if __name__ == "__main__":
    main()
