"""Checks that transformers (and PEFT) load what `intrinsic-dim train --model DIR` writes in each
mode, and that they give our reported test accuracy and our logits.

    python3 Tests/Scripts/check_encoder_training.py [BIN]    (default .build/debug/intrinsic-dim)

In a temporary folder:
  1. a small BERT with the MiniLM base's vocabulary and tokenizer (data/finetune-pair/base:
     vocab.txt, tokenizer_config.json; 2 layers, hidden 32, 4 heads, intermediate 64), its weights
     drawn by transformers' own initialisation and written by save_pretrained (all-MiniLM-L6-v2
     itself takes about 90 s for 4 steps in a debug build, too slow for make test);
  2. 64 training and 64 test documents of Reuters R8 (data/text; test documents of the topics
     the 64 training documents have) as TSV files;
  3. `BIN train --model small --dataset train.tsv --test-dataset test.tsv --mode full
     --max-length 32 --batch-size 16 --epochs 2 --lr 5e-3 --warmup-ratio 0.25` (8 steps, dropout on);
  4. BertForSequenceClassification.from_pretrained(run) in eval mode on the test documents
     tokenised by BertTokenizerFast.from_pretrained(base) (truncation to 32, padding per batch
     of 16 as ours) must give run.json's final_test_accuracy exactly (and its macro-F1 and
     majority floor, recomputed here), predictions.csv's
     predictions exactly and its logits to 1e-4 (max |diff| / max |ours|), and id2label must
     be run.json's; the trained weights must differ from the initial ones. (After 8 steps this
     small random encoder still answers R8's majority topic for every document, so the accuracy
     check alone is weak; the logits check is the strong one. The real MiniLM base is left to a
     release-build run.)
  5. the same task with `--mode lora --rank 4 --targets query,value --lr 2e-2`:
     PeftModel.from_pretrained(BertForSequenceClassification.from_pretrained(small, num_labels=K),
     run/adapter) must give run.json's accuracy, predictions.csv's predictions and its logits to
     1e-4; the adapter's config must say SEQ_CLS with the classifier in modules_to_save; every
     weight PEFT leaves frozen must equal the base's exactly in our model.safetensors; and PEFT's
     merge_and_unload() must equal our merged model.safetensors (1e-6 relative per tensor);
  6. `--mode subspace --d 300` (SAID): from_pretrained(run) gives run.json's accuracy and our
     logits; theta_d.npy holds d values, the last T (one per tensor) SAID's scales; every tensor,
     embeddings included, moved.

Prints one line per check and closes with `check-encoder-training: N passed, M failed`; exits 1 on
any failure. Without torch and transformers it fails, unless INTRINSIC_DIM_NO_CLIENTS=1 opts out
(then it prints that it did not run and exits 0).
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGITS_TOL = 1e-4

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import require_clients  # noqa: E402

require_clients("check-encoder-training", ("numpy", "torch", "transformers", "safetensors"), "transformers' loading of our trained encoders")
import numpy as np
import torch
import transformers
from safetensors.numpy import load_file
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

import warnings  # noqa: E402

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    print(f"check-encoder-training: {'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))
    if ok:
        passed += 1
    else:
        failed += 1


def read_tab(path):
    """An Orange .tab file's (label, text) rows: three header lines, then Category<TAB>Text."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[3:]
    return [(r[0], r[1]) for r in rows if len(r) == 2 and r[1]]


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build", "debug", "intrinsic-dim"))
    started = time.time()
    base = os.path.join(REPO, "data", "finetune-pair", "base")
    text = os.path.join(REPO, "data", "text")
    subprocess.run([os.path.join(REPO, "scripts", "fetch-finetune-pair.sh"), os.path.dirname(base)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(REPO, "scripts", "fetch-text-datasets.sh"), text], check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="check-encoder-training-") as tmp:
        small = os.path.join(tmp, "small")
        torch.manual_seed(0)
        config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=64, max_position_embeddings=64, hidden_act="gelu")
        BertForSequenceClassification(config).bert.save_pretrained(small)  # a bare encoder: the head is ours to draw
        for f in ("vocab.txt", "tokenizer_config.json"):
            shutil.copy(os.path.join(base, f), small)
        train = read_tab(os.path.join(text, "reuters-r8-train.tab"))[:64]
        topics = {label for label, _ in train}
        test = [r for r in read_tab(os.path.join(text, "reuters-r8-test.tab")) if r[0] in topics][:64]
        for name, rows in (("train", train), ("test", test)):
            with open(os.path.join(tmp, name + ".tsv"), "w", encoding="utf-8") as f:
                f.write("text\tlabel\n" + "".join(f"{t}\t{label}\n" for label, t in rows))
        run = os.path.join(tmp, "run")
        r = subprocess.run([binary, "train", "--model", small, "--dataset", os.path.join(tmp, "train.tsv"),
                            "--test-dataset", os.path.join(tmp, "test.tsv"), "--mode", "full", "--max-length", "32",
                            "--batch-size", "16", "--epochs", "2", "--lr", "5e-3", "--warmup-ratio", "0.25",
                            "--seed", "7", "--threads", "2", "--out", run], capture_output=True, text=True)
        check("train --model DIR --mode full exits 0", r.returncode == 0, "" if r.returncode == 0 else r.stderr.strip()[-300:])
        if r.returncode != 0:
            return
        report = json.load(open(os.path.join(run, "run.json")))
        check("run.json: 8 steps, max_length 32, 64/64 examples",
              report["steps"] == 8 and report["dataset"]["max_length"] == 32
              and report["dataset"]["train_examples"] == 64 and report["dataset"]["test_examples"] == 64,
              f"{report['steps']} steps, {report['dataset']['max_length']}, {report['dataset']['train_examples']}/{report['dataset']['test_examples']}")
        model = BertForSequenceClassification.from_pretrained(run).eval()
        labels = [report["id2label"][str(i)] for i in range(report["num_labels"])]
        check("id2label of config.json equals run.json's and the sorted training topics",
              [model.config.id2label[i] for i in range(len(labels))] == labels == sorted(topics), f"{labels}")
        ours = {k: v for k, v in load_file(os.path.join(run, "model.safetensors")).items()}
        initial = load_file(os.path.join(small, "model.safetensors"))
        moved = max(float(np.abs(ours["bert." + k] - v).max()) for k, v in initial.items() if "bert." + k in ours)
        check("training moved the encoder's weights", moved > 1e-4, f"max |Δ| {moved:.3g}")
        tokenizer = BertTokenizerFast.from_pretrained(base)
        logits = []
        with torch.no_grad():
            for s in range(0, len(test), 16):
                batch = tokenizer([t for _, t in test[s:s + 16]], truncation=True, max_length=32, padding=True, return_tensors="pt")
                logits.append(model(**batch).logits.double().numpy())
        logits = np.concatenate(logits)
        predictions = logits.argmax(axis=1)
        gold = np.array([labels.index(label) for label, _ in test])
        accuracy = float((predictions == gold).sum()) / len(test)
        check("transformers' test accuracy equals run.json's final_test_accuracy",
              accuracy == report["final_test_accuracy"], f"{accuracy} vs {report['final_test_accuracy']}")
        with open(os.path.join(run, "predictions.csv"), encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        our_logits = np.array([[float(row[f"logit_{j}"]) for j in range(len(labels))] for row in rows])
        our_predictions = np.array([int(row["prediction"]) for row in rows])
        print(f"check-encoder-training: {len(set(predictions.tolist()))} distinct predicted topics, accuracy {accuracy:.4f}"
              f" (majority floor {report['majority_test_accuracy']:.4f})")
        check("predictions.csv's predictions and labels equal transformers'",
              (our_predictions == predictions).all() and (np.array([int(row["label"]) for row in rows]) == gold).all())
        f1s = []
        for c in sorted(set(gold.tolist()) | set(predictions.tolist())):  # scikit-learn's macro average
            tp = int(((predictions == c) & (gold == c)).sum())
            f1s.append(2 * tp / (2 * tp + int(((predictions == c) & (gold != c)).sum()) + int(((predictions != c) & (gold == c)).sum())))
        check("run.json's final_test_macro_f1 equals macro-F1 of transformers' predictions",
              abs(float(np.mean(f1s)) - report["final_test_macro_f1"]) < 1e-12, f"{np.mean(f1s)} vs {report['final_test_macro_f1']}")
        majority = float(np.bincount(gold).max()) / len(gold)
        check("run.json's majority_test_accuracy is the test set's most common topic's share",
              abs(majority - report["majority_test_accuracy"]) < 1e-12, f"{majority} vs {report['majority_test_accuracy']}")
        rel = float(np.abs(our_logits - logits).max() / np.abs(our_logits).max())
        check(f"predictions.csv's logits equal transformers' to {LOGITS_TOL:g}", rel <= LOGITS_TOL, f"max |diff| / max |ours| = {rel:.2e}")
        check_lora(binary, tmp, small, base, test, labels, tokenizer)
        check_subspace(binary, tmp, small, test, labels, tokenizer, initial)
    print(f"check-encoder-training: {time.time() - started:.1f} s")


def train(binary, tmp, small, name, extra):
    run = os.path.join(tmp, name)
    r = subprocess.run([binary, "train", "--model", small, "--dataset", os.path.join(tmp, "train.tsv"),
                        "--test-dataset", os.path.join(tmp, "test.tsv"), "--max-length", "32",
                        "--batch-size", "16", "--epochs", "2", "--warmup-ratio", "0.25",
                        "--seed", "7", "--threads", "2", "--out", run] + extra, capture_output=True, text=True)
    check(f"train {' '.join(extra)} exits 0", r.returncode == 0, "" if r.returncode == 0 else r.stderr.strip()[-300:])
    return run if r.returncode == 0 else None


def logits_of(model, tokenizer, test):
    out = []
    with torch.no_grad():
        for s in range(0, len(test), 16):
            batch = tokenizer([t for _, t in test[s:s + 16]], truncation=True, max_length=32, padding=True, return_tensors="pt")
            out.append(model(**batch).logits.double().numpy())
    return np.concatenate(out)


def compare_to_run(what, run, logits, test, labels):
    report = json.load(open(os.path.join(run, "run.json")))
    with open(os.path.join(run, "predictions.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ours = np.array([[float(row[f"logit_{j}"]) for j in range(len(labels))] for row in rows])
    predictions = logits.argmax(axis=1)
    gold = np.array([labels.index(label) for label, _ in test])
    accuracy = float((predictions == gold).sum()) / len(test)
    check(f"{what}: accuracy equals run.json's final_test_accuracy", accuracy == report["final_test_accuracy"],
          f"{accuracy} vs {report['final_test_accuracy']}")
    check(f"{what}: predictions equal predictions.csv's", (np.array([int(r["prediction"]) for r in rows]) == predictions).all())
    rel = float(np.abs(ours - logits).max() / np.abs(ours).max())
    check(f"{what}: logits equal predictions.csv's to {LOGITS_TOL:g}", rel <= LOGITS_TOL, f"max |diff| / max |ours| = {rel:.2e}")
    return report


def check_lora(binary, tmp, small, base, test, labels, tokenizer):
    from peft import PeftModel
    run = train(binary, tmp, small, "lora", ["--mode", "lora", "--rank", "4", "--targets", "query,value", "--lr", "2e-2"])
    if run is None:
        return
    config = json.load(open(os.path.join(run, "adapter", "adapter_config.json")))
    check("adapter_config.json: SEQ_CLS, r 4, targets query/value, classifier saved",
          config["task_type"] == "SEQ_CLS" and config["r"] == 4 and sorted(config["target_modules"]) == ["query", "value"]
          and "classifier" in config["modules_to_save"], f"{config['task_type']} {config['r']} {config['target_modules']} {config['modules_to_save']}")
    id2label = dict(enumerate(labels))
    def fresh():
        torch.manual_seed(123)  # PEFT must overwrite the freshly drawn classifier with the saved one
        return BertForSequenceClassification.from_pretrained(small, num_labels=len(labels), id2label=id2label,
                                                             label2id={v: k for k, v in id2label.items()})
    model = PeftModel.from_pretrained(fresh(), os.path.join(run, "adapter")).eval()
    compare_to_run("PEFT loading our adapter", run, logits_of(model, tokenizer, test), test, labels)
    ours = load_file(os.path.join(run, "model.safetensors"))
    initial = {"bert." + k: v for k, v in load_file(os.path.join(small, "model.safetensors")).items()}
    frozen = [k for k in initial if not k.endswith(("query.weight", "value.weight")) and k in ours]
    unchanged = all(np.array_equal(ours[k], initial[k]) for k in frozen)
    check(f"our merged model keeps the {len(frozen)} frozen base tensors exactly", unchanged and len(frozen) > 20)
    merged = PeftModel.from_pretrained(fresh(), os.path.join(run, "adapter")).merge_and_unload().state_dict()
    worst, missing = 0.0, []
    for k, v in ours.items():
        if k not in merged:
            missing.append(k)
            continue
        m = merged[k].numpy()
        worst = max(worst, float(np.abs(m - v).max() / max(np.abs(v).max(), 1e-30)))
    check("PEFT's merge_and_unload() equals our merged model.safetensors (1e-6 relative per tensor)",
          not missing and worst <= 1e-6, f"worst {worst:.2e}" + (f", missing {missing[:3]}" if missing else ""))
    moved = float(np.abs(ours["bert.encoder.layer.0.attention.self.query.weight"]
                         - initial["bert.encoder.layer.0.attention.self.query.weight"]).max())
    check("LoRA moved the targeted weights", moved > 1e-5, f"max |Δ| {moved:.3g}")


def check_subspace(binary, tmp, small, test, labels, tokenizer, initial):
    run = train(binary, tmp, small, "said", ["--mode", "subspace", "--d", "300", "--lr", "5e-2"])
    if run is None:
        return
    model = BertForSequenceClassification.from_pretrained(run).eval()
    report = compare_to_run("transformers loading our SAID run", run, logits_of(model, tokenizer, test), test, labels)
    theta = np.load(os.path.join(run, "theta_d.npy"))
    ours = load_file(os.path.join(run, "model.safetensors"))
    tensors = len(ours)
    check("theta_d.npy: d = 300 float32 values, run.json's trainable_parameters", theta.shape == (300,) and theta.dtype == np.float32
          and report["trainable_parameters"] == 300, f"{theta.shape} {theta.dtype} {report['trainable_parameters']}")
    scales = theta[-tensors:]
    check(f"SAID's {tensors} per-tensor scales moved from 1 but stay near it", 0 < float(np.abs(scales - 1).max()) < 0.5,
          f"max |λ − 1| {float(np.abs(scales - 1).max()):.3g}")
    still = [k for k, v in initial.items() if "bert." + k in ours and np.array_equal(ours["bert." + k], v)]
    check("every tensor moved in the subspace, embeddings included", not still, f"unmoved: {still[:3]}")


try:
    main()
except Exception as error:  # a crash is a failure with its reason on one line
    check("no exception", False, f"{type(error).__name__}: {error}")
print(f"check-encoder-training: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
