"""Checks that Hugging Face PEFT itself loads the LoRA adapters `intrinsic-dim
extract-lora` writes, and that PEFT's merge_and_unload() agrees with our `merge`.

    python3 Tests/Scripts/check_peft_reads_ours.py [BIN]    (default .build/debug/intrinsic-dim)

On the PEFT fixtures (Tests/Fixtures/peft, see its README.md), in a temporary folder:
  1. BERT, rank 3: `BIN extract-lora` → adapter folder; PEFT's
     PeftModel.from_pretrained(BertModel.from_pretrained(bert/base), adapter) must load
     every adapter tensor (word/position/token-type embeddings as PEFT Embedding LoRA,
     token_type_embeddings at rank 2 through rank_pattern); `BIN merge` must equal
     PEFT's merge_and_unload() (max |diff| / max |PEFT| ≤ 1e-6 per tensor).
  2. BERT, rank 32 (full rank everywhere): the same, and PEFT's merged weights equal
     bert/tuned to 1e-5 (max |diff| / max |tuned|) on every adapted tensor.
  3. GPT-2, rank 4, --fan-in-fan-out (Conv1D weights stored in × out): the same as 1
     on GPT2Model.
  4. Adapters PEFT wrote that carry full tensors or mix layouts (bert_cls/lora_seq_cls: the
     classifier head in modules_to_save; bert_cls/lora_bias_all, bert_cls/lora_bias_lora_only:
     trained biases; bert_cls/lora_tokens: trainable_token_indices rows; gpt2_cls/lora_mixed: Conv1D c_attn/c_proj with a Linear score):
     `BIN merge` equals PEFT's merge_and_unload() on every tensor (≤ 1e-6), and
     Bert/GPT2ForSequenceClassification holding OUR merged model.safetensors gives PEFT's
     merged model's logits on the fixture's probe batch (max |diff| / max |PEFT| ≤ 1e-5).
  5. A run folder (Tests/Fixtures/folders: run/ is a BertForSequenceClassification, names bert.…,
     fine-tuned from base/, a BertModel without the prefix), rank 32 (full rank): `BIN extract-lora
     --base base --tuned run` → PeftModel.from_pretrained(BertForSequenceClassification
     .from_pretrained(base, num_labels=3), adapter) is PEFT's SEQ_CLS model, loads every adapter
     tensor, and PEFT's own load result has no missing LoRA/modules_to_save key and no unexpected
     key; merge_and_unload() has run's classifier exactly and run's 2-D weights to 1e-5.

Prints one line per check and closes with `check-peft: N passed, M failed`; exits 1
on any failure. Without torch, peft and transformers it fails, unless
INTRINSIC_DIM_NO_CLIENTS=1 opts out (then it prints that it did not run and exits 0).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(REPO, "Tests", "Fixtures", "peft")
MERGE_TOL = 1e-6
LOGITS_TOL = 1e-5
FULL_RANK_TOL = 1e-5

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import require_clients  # noqa: E402

require_clients("check-peft", ("numpy", "torch", "peft", "transformers", "safetensors"), "PEFT's loading of our adapters")
import numpy as np
import torch
import peft
import transformers
from peft import PeftModel
from peft.tuners.lora import Embedding as LoraEmbedding
from safetensors.numpy import load_file
from transformers import (BertForSequenceClassification, BertModel, GPT2ForSequenceClassification,
                          GPT2Model)

import warnings  # noqa: E402

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, ok, name, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"check-peft: {'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok


def run(checks, name, argv):
    """Runs the CLI; records a failure (with its output) when it exits non-zero."""
    t0 = time.time()
    proc = subprocess.run(argv, capture_output=True, text=True)
    detail = f"{time.time() - t0:.1f} s"
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        detail = f"exit {proc.returncode}: " + " | ".join(tail)
    return checks.record(proc.returncode == 0, name, detail)


def rel_max_diff(a, b):
    """max |a − b| / max |b| in float64."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = np.max(np.abs(b))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else float(np.max(np.abs(a - b)))


def peft_merge(checks, label, model_class, base_dir, adapter_dir, **load_kwargs):
    """Loads the adapter with PEFT, checks that every stored adapter tensor was loaded
    into the model, and returns merge_and_unload()'s state dict as float64 numpy."""
    base = model_class.from_pretrained(base_dir, **load_kwargs)
    base.eval()
    model = PeftModel.from_pretrained(base, adapter_dir)
    stored = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    loaded = {k: v.detach().cpu().numpy() for k, v in peft.get_peft_model_state_dict(model).items()}
    missing = sorted(set(stored) - set(loaded))
    extra = sorted(set(loaded) - set(stored))
    differ = sorted(k for k in set(stored) & set(loaded) if not np.array_equal(stored[k], loaded[k]))
    checks.record(not missing and not extra and not differ,
                  f"{label}: PEFT loads all {len(stored)} adapter tensors",
                  f"not loaded {missing[:5]}, expected but absent {extra[:5]}, changed {differ[:5]}"
                  if missing or extra or differ else "")
    lora_modules = {name: mod for name, mod in model.named_modules()
                    if hasattr(mod, "r") and isinstance(getattr(mod, "r"), dict) and "default" in mod.r}
    merged = model.merge_and_unload()
    state = {k: v.detach().cpu().double().numpy() for k, v in merged.state_dict().items()}
    return model, lora_modules, state


def compare_merges(checks, label, ours_path, theirs):
    if not os.path.exists(ours_path):
        checks.record(False, f"{label}: our merge equals PEFT's merge_and_unload()", f"{ours_path} missing")
        return
    ours = load_file(ours_path)
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    checks.record(not only_ours and not only_theirs, f"{label}: same tensor names as PEFT's merge",
                  f"only ours {only_ours[:5]}, only PEFT {only_theirs[:5]}" if only_ours or only_theirs else
                  f"{len(ours)} tensors")
    worst, worst_name, bad = 0.0, "", []
    for name in sorted(set(ours) & set(theirs)):
        if ours[name].shape != theirs[name].shape:
            bad.append(f"{name} shape {list(ours[name].shape)} vs {list(theirs[name].shape)}")
            continue
        d = rel_max_diff(ours[name], theirs[name])
        if d > worst:
            worst, worst_name = d, name
        if d > MERGE_TOL:
            bad.append(f"{name} {d:.2e}")
    checks.record(not bad, f"{label}: our merge equals PEFT's merge_and_unload() "
                           f"(max |diff| / max |PEFT| ≤ {MERGE_TOL:g})",
                  "; ".join(bad[:5]) if bad else f"worst {worst:.2e} ({worst_name})")


def adapted_tensors(adapter_dir):
    """Base tensor names the adapter covers (`<module>.weight`)."""
    names = set()
    for key in load_file(os.path.join(adapter_dir, "adapter_model.safetensors")):
        module = key[len("base_model.model."):] if key.startswith("base_model.model.") else key
        for suffix in (".lora_A.weight", ".lora_B.weight", ".lora_embedding_A", ".lora_embedding_B"):
            if module.endswith(suffix):
                names.add(module[: -len(suffix)].replace(".default", "") + ".weight")
    return names


def check_embedding_layout(checks, label, adapter_dir, lora_modules, embeddings):
    """Embedding tables must be PEFT Embedding LoRA (lora_embedding_A r×num, lora_embedding_B dim×r)."""
    stored = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    problems, absent = [], []
    for module, (num, dim, rank, required) in embeddings.items():
        a = stored.get(f"base_model.model.{module}.lora_embedding_A")
        b = stored.get(f"base_model.model.{module}.lora_embedding_B")
        if a is None or b is None:
            if required or any(k.startswith(f"base_model.model.{module}.") for k in stored):
                problems.append(f"{module}: no lora_embedding_A/B")
            else:
                absent.append(module)
            continue
        if list(a.shape) != [rank, num] or list(b.shape) != [dim, rank]:
            problems.append(f"{module}: A {list(a.shape)}, B {list(b.shape)}; want A {[rank, num]}, B {[dim, rank]}")
        mod = lora_modules.get(f"base_model.model.{module}")
        if not isinstance(mod, LoraEmbedding):
            problems.append(f"{module}: PEFT made {type(mod).__name__}, not lora.Embedding")
        elif mod.r["default"] != rank:
            problems.append(f"{module}: PEFT's r is {mod.r['default']}, want {rank}")
    checks.record(not problems, f"{label}: embedding tables in PEFT's embedding layout",
                  "; ".join(problems) if problems else
                  ", ".join(f"{m} r={e[2]}" for m, e in embeddings.items() if m not in absent)
                  + (f" (not extracted: {', '.join(absent)})" if absent else ""))


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build/debug/intrinsic-dim"))
    torch.set_num_threads(1)
    checks = Checks()
    print(f"check-peft: torch {torch.__version__}, peft {peft.__version__}, transformers {transformers.__version__}")
    if not os.path.exists(binary):
        checks.record(False, "binary exists", binary)
    else:
        # An unknown subcommand followed by --help prints the top-level help and exits 0,
        # so look for the subcommand's own options.
        proc = subprocess.run([binary, "extract-lora", "--help"], capture_output=True, text=True)
        ok = proc.returncode == 0 and all(opt in proc.stdout for opt in ("extract-lora", "--tuned", "--rank"))
        checks.record(ok, f"{os.path.basename(binary)} has an extract-lora subcommand",
                      "" if ok else " | ".join((proc.stderr + proc.stdout).strip().splitlines()[:3]))
    if checks.failed:
        print(f"check-peft: {checks.passed} passed, {checks.failed} failed")
        return 1

    bert_base, bert_tuned = os.path.join(FIX, "bert", "base"), os.path.join(FIX, "bert", "tuned")
    gpt2_base, gpt2_tuned = os.path.join(FIX, "gpt2", "base"), os.path.join(FIX, "gpt2", "tuned")
    with tempfile.TemporaryDirectory(prefix="check-peft-") as tmp:
        cases = [
            # label, model class, base, tuned, rank, extra flags,
            # embeddings {module: (num, dim, rank, must be extracted)}
            ("bert rank 3", BertModel, bert_base, bert_tuned, 3, [],
             {"embeddings.word_embeddings": (100, 32, 3, True), "embeddings.position_embeddings": (32, 32, 3, True),
              "embeddings.token_type_embeddings": (2, 32, 2, True)}),
            ("bert rank 32", BertModel, bert_base, bert_tuned, 32, [],
             {"embeddings.word_embeddings": (100, 32, 32, True), "embeddings.position_embeddings": (32, 32, 32, True),
              "embeddings.token_type_embeddings": (2, 32, 2, True)}),
            ("gpt2 rank 4 fan-in-fan-out", GPT2Model, gpt2_base, gpt2_tuned, 4, ["--fan-in-fan-out"],
             {"wte": (100, 32, 4, False), "wpe": (32, 32, 4, False)}),
        ]
        for label, model_class, base_dir, tuned_dir, rank, flags, embeddings in cases:
            t0 = time.time()
            slug = label.replace(" ", "_")
            adapter = os.path.join(tmp, slug)
            merged_path = os.path.join(tmp, slug + "_merged.safetensors")
            if not run(checks, f"{label}: extract-lora",
                       [binary, "extract-lora", "--base", base_dir, "--tuned", tuned_dir,
                        "--rank", str(rank), *flags, "--out", adapter]):
                continue
            files = [f for f in ("adapter_config.json", "adapter_model.safetensors", "extraction.csv")
                     if not os.path.exists(os.path.join(adapter, f))]
            checks.record(not files, f"{label}: adapter folder has adapter_config.json, "
                                     f"adapter_model.safetensors, extraction.csv",
                          f"missing {files}" if files else "")
            if "adapter_config.json" in files or "adapter_model.safetensors" in files:
                continue
            with open(os.path.join(adapter, "adapter_config.json")) as f:
                cfg = json.load(f)
            if "--fan-in-fan-out" in flags:
                checks.record(cfg.get("fan_in_fan_out") is True, f"{label}: adapter_config.json has fan_in_fan_out true",
                              f"fan_in_fan_out = {cfg.get('fan_in_fan_out')!r}")
            run(checks, f"{label}: merge",
                [binary, "merge", "--base", base_dir, "--adapter", adapter, "--out", merged_path])
            try:
                _, lora_modules, theirs = peft_merge(checks, label, model_class, base_dir, adapter)
            except Exception as exc:  # PEFT refused the folder
                checks.record(False, f"{label}: PEFT loads the adapter", f"{type(exc).__name__}: {exc}")
                continue
            check_embedding_layout(checks, label, adapter, lora_modules, embeddings)
            compare_merges(checks, label, merged_path, theirs)
            if rank >= 32:
                tuned = load_file(os.path.join(tuned_dir, "model.safetensors"))
                covered = adapted_tensors(adapter)
                two_d = {k for k, v in tuned.items() if v.ndim == 2}
                bad, worst = [], 0.0
                for name in sorted(covered):
                    d = rel_max_diff(theirs[name], tuned[name])
                    worst = max(worst, d)
                    if d > FULL_RANK_TOL:
                        bad.append(f"{name} {d:.2e}")
                uncovered = sorted(two_d - covered)
                checks.record(not bad and not uncovered,
                              f"{label}: PEFT's merge equals tuned on every 2-D tensor "
                              f"(max |diff| / max |tuned| ≤ {FULL_RANK_TOL:g})",
                              "; ".join(bad[:5] + [f"not adapted: {uncovered[:5]}"] * bool(uncovered))
                              if bad or uncovered else f"{len(covered)} tensors, worst {worst:.2e}")
            print(f"check-peft: {label} took {time.time() - t0:.1f} s", flush=True)

        check_full_tensor_adapters(checks, binary, tmp)
        check_run_folder_adapter(checks, binary, tmp)
        check_trained_lora(checks, binary, tmp)

    print(f"check-peft: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


def check_full_tensor_adapters(checks, binary, tmp):
    """Case 4 of the module docstring."""
    cases = [("bert_cls", "lora_seq_cls", BertForSequenceClassification),
             ("bert_cls", "lora_bias_all", BertForSequenceClassification),
             ("bert_cls", "lora_bias_lora_only", BertForSequenceClassification),
             ("bert_cls", "lora_tokens", BertForSequenceClassification),
             ("gpt2_cls", "lora_mixed", GPT2ForSequenceClassification)]
    for family, name, model_class in cases:
        label = f"{family}/{name}"
        base_dir, adapter = os.path.join(FIX, family, "base"), os.path.join(FIX, family, name)
        ours_path = os.path.join(tmp, f"{family}_{name}_merged.safetensors")
        if not run(checks, f"{label}: merge", [binary, "merge", "--base", base_dir, "--adapter", adapter, "--out", ours_path]):
            continue
        _, _, theirs_state = peft_merge(checks, label, model_class, base_dir, adapter)
        compare_merges(checks, label, ours_path, theirs_state)
        # PEFT's merged model, and the same class holding our merged weights.
        theirs = PeftModel.from_pretrained(model_class.from_pretrained(base_dir), adapter).merge_and_unload().eval()
        mine = model_class.from_pretrained(base_dir).eval()
        ours = {k: torch.from_numpy(v) for k, v in load_file(ours_path).items()}
        result = mine.load_state_dict(ours, strict=True)
        probe = load_file(os.path.join(FIX, family, f"{name}_logits.safetensors"))
        kwargs = {"input_ids": torch.from_numpy(probe["input_ids"])}
        if family == "bert_cls":
            kwargs["token_type_ids"] = torch.from_numpy(probe["token_type_ids"])
        with torch.no_grad():
            got, want = mine(**kwargs).logits.numpy(), theirs(**kwargs).logits.numpy()
        d = rel_max_diff(got, want)
        checks.record(not result.missing_keys and not result.unexpected_keys and d <= LOGITS_TOL,
                      f"{label}: {model_class.__name__} with our merged weights gives PEFT's merged logits "
                      f"(max |diff| / max |PEFT| ≤ {LOGITS_TOL:g})", f"{d:.2e} over {got.shape}")
        # The committed logits were written by the same PEFT merge (on the fixture machine's CPU).
        d = rel_max_diff(want, probe["logits"])
        checks.record(d <= 1e-3, f"{label}: PEFT's merged logits are the fixture's {name}_logits (≤ 1e-3)", f"{d:.2e}")


def check_run_folder_adapter(checks, binary, tmp):
    """Case 5 of the module docstring."""
    folders = os.path.join(REPO, "Tests", "Fixtures", "folders")
    base_dir, run_dir = os.path.join(folders, "base"), os.path.join(folders, "run")
    label = "run folder (BertModel base, BertForSequenceClassification run)"
    adapter = os.path.join(tmp, "run_folder_adapter")
    if not run(checks, f"{label}: extract-lora --rank 32",
               [binary, "extract-lora", "--base", base_dir, "--tuned", run_dir, "--rank", "32", "--out", adapter]):
        return
    with open(os.path.join(adapter, "adapter_config.json")) as f:
        cfg = json.load(f)
    checks.record(cfg.get("task_type") == "SEQ_CLS" and cfg.get("modules_to_save") == ["classifier"],
                  f"{label}: adapter_config.json has task_type SEQ_CLS, modules_to_save [classifier]",
                  f"task_type {cfg.get('task_type')!r}, modules_to_save {cfg.get('modules_to_save')!r}")
    with open(os.path.join(run_dir, "config.json")) as f:
        num_labels = len(json.load(f)["id2label"])
    try:
        model, _, merged = peft_merge(checks, label, BertForSequenceClassification, base_dir, adapter,
                                      num_labels=num_labels)
    except Exception as exc:  # PEFT refused the folder
        checks.record(False, f"{label}: PEFT loads the adapter", f"{type(exc).__name__}: {exc}")
        return
    checks.record(type(model).__name__ == "PeftModelForSequenceClassification",
                  f"{label}: PEFT makes its SEQ_CLS model", type(model).__name__)
    # PEFT's own account of a load (what from_pretrained warns about): adapter parameters left
    # unfilled, and file keys that fit no parameter.
    fresh = PeftModel.from_pretrained(
        BertForSequenceClassification.from_pretrained(base_dir, num_labels=num_labels), adapter)
    result = fresh.load_adapter(adapter, adapter_name="again")
    missing = [k for k in result.missing_keys
               if ("lora_" in k or "modules_to_save" in k) and ".again" in k]
    checks.record(not missing and not result.unexpected_keys,
                  f"{label}: PEFT's load result has no missing LoRA/modules_to_save key and no unexpected key",
                  f"missing {missing[:5]}, unexpected {list(result.unexpected_keys)[:5]}"
                  if missing or result.unexpected_keys else "")
    tuned = load_file(os.path.join(run_dir, "model.safetensors"))
    head = {k: v for k, v in tuned.items() if k.startswith("classifier.")}
    exact = sorted(k for k in head if k in merged and np.array_equal(merged[k], head[k].astype(np.float64)))
    checks.record(exact == sorted(head), f"{label}: merge_and_unload() has run's classifier exactly",
                  f"equal: {exact}, want {sorted(head)}")
    bad, worst = [], 0.0
    two_d = sorted(k for k, v in tuned.items() if v.ndim == 2 and k not in head)
    for name in two_d:
        d = rel_max_diff(merged[name], tuned[name])
        worst = max(worst, d)
        if d > FULL_RANK_TOL:
            bad.append(f"{name} {d:.2e}")
    checks.record(not bad, f"{label}: merge_and_unload() equals run on every 2-D tensor "
                           f"(max |diff| / max |run| ≤ {FULL_RANK_TOL:g})",
                  "; ".join(bad[:5]) if bad else f"{len(two_d)} tensors, worst {worst:.2e}")


class FC(torch.nn.Module):
    """The toolkit's FC network (784-200-200-10, ReLU) under its PyTorch names."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(784, 200), torch.nn.Linear(200, 200), torch.nn.Linear(200, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class LeNet(torch.nn.Module):
    """The toolkit's LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, 120, 84, 10; ReLU) under its PyTorch
    names; flattening is PyTorch's (C, H, W) order, as model.safetensors documents."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = torch.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(256, 120), torch.nn.Linear(120, 84), torch.nn.Linear(84, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x.reshape(-1, 1, 28, 28))), 2)
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2).flatten(1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def check_trained_lora(checks, binary, tmp):
    """`train --mode lora --init BASE`: PEFT loads adapter/ onto a PyTorch FC holding the base weights, gets the
    test accuracy run.json reports (to one example: a float32 near-tie may flip an argmax), and its
    merge_and_unload() equals the run's model.safetensors."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from check_trained_models import idx
    mnist = os.path.join(REPO, "data", "mnist")
    x = idx(os.path.join(mnist, "train-images-idx3-ubyte.gz"))[:3000].reshape(3000, 784)
    y = idx(os.path.join(mnist, "train-labels-idx1-ubyte.gz"))[:3000].astype(np.int64)
    xt = idx(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"))[:1000].reshape(1000, 784)
    yt = idx(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz"))[:1000].astype(np.int64)
    data = os.path.join(tmp, "mnist-small.npz")
    np.savez(data, x=x, y=y, x_test=xt, y_test=yt)
    for kind, module_class, rank, factors, cap in (("fc", FC, 8, 6, False), ("lenet", LeNet, 4, 10, False),
                                                   ("fc", FC, 16, 6, True)):
        check_one_trained_lora(checks, binary, tmp, data, xt, yt, kind, module_class, rank, factors, cap)


def check_one_trained_lora(checks, binary, tmp, data, xt, yt, kind, module_class, rank, factors, cap):
    """With `cap`, fc3 (10 × 200) is below r: our adapter gives it rank 10 through rank_pattern, and alpha_pattern
    keeps its scaling equal to the other modules' (PEFT must read both to reproduce the run)."""
    base, lora = os.path.join(tmp, f"{kind}-base"), os.path.join(tmp, f"{kind}-lora-r{rank}")
    label = f"trained {kind} LoRA r {rank}" + (" (--cap-rank)" if cap else "")
    if not os.path.exists(os.path.join(base, "model.safetensors")) and not run(
            checks, f"{label}: train the base", [binary, "train", "--model", kind, "--dataset", data, "--epochs", "1", "--out", base]):
        return
    if not run(checks, f"{label}: train LoRA", [binary, "train", "--model", kind, "--dataset", data, "--epochs", "1",
                                               "--mode", "lora", "--rank", str(rank), "--alpha", str(2 * rank), "--lr", "0.003",
                                               "--init", os.path.join(base, "model.safetensors"), "--out", lora]
               + (["--cap-rank"] if cap else [])):
        return
    model = module_class()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in load_file(os.path.join(base, "model.safetensors")).items()})
    peft_model = PeftModel.from_pretrained(model, os.path.join(lora, "adapter"))
    if cap:
        inner = peft_model.base_model.model
        ranks = {m: getattr(inner, m).r["default"] for m in ("fc1", "fc2", "fc3")}
        scalings = {m: getattr(inner, m).scaling["default"] for m in ("fc1", "fc2", "fc3")}
        checks.record(ranks == {"fc1": rank, "fc2": rank, "fc3": 10}, f"{label}: PEFT gives fc3 rank 10 from rank_pattern", str(ranks))
        checks.record(max(abs(v - 2.0) for v in scalings.values()) < 1e-12,
                      f"{label}: PEFT's scaling is α/r = 2 on every module, fc3 included (alpha_pattern)", str(scalings))
    stored = load_file(os.path.join(lora, "adapter", "adapter_model.safetensors"))
    loaded = {k: v for k, v in peft_model.state_dict().items() if "lora_" in k}
    missing = [k for k in stored if k.replace(".weight", ".default.weight") not in loaded]
    checks.record(not missing and len(stored) == factors, f"{label}: PEFT loaded all {factors} factors of adapter/",
                  f"missing {missing}, {len(stored)} stored")
    with torch.no_grad():
        logits = peft_model(torch.from_numpy(xt.astype(np.float32) / 255))
    acc = float((logits.argmax(dim=1).numpy() == yt).mean())
    with open(os.path.join(lora, "run.json")) as f:
        reported = json.load(f)["final_test_accuracy"]
    checks.record(abs(acc - reported) <= 1 / len(yt) + 1e-12, f"{label}: PEFT's accuracy on the test set is run.json's",
                  f"PEFT {acc:.4f}, run.json {reported:.4f}")
    merged = {k: v.numpy() for k, v in peft_model.merge_and_unload().state_dict().items()}
    ours = load_file(os.path.join(lora, "model.safetensors"))
    worst = max(rel_max_diff(ours[k], merged[k]) for k in merged)
    checks.record(set(merged) == set(ours) and worst <= 1e-6,
                  f"{label}: PEFT's merge_and_unload() equals the run's model.safetensors (≤ 1e-6)", f"worst {worst:.2e}")


if __name__ == "__main__":
    sys.exit(main())
