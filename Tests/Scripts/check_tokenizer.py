"""Checks that `intrinsic-dim tokenize` gives the ids of Hugging Face's `BertTokenizerFast`.

    python3 Tests/Scripts/check_tokenizer.py [BIN]    (default .build/debug/intrinsic-dim)

With the tokenizer of the MiniLM base (data/finetune-pair/base: vocab.txt, tokenizer_config.json,
from scripts/fetch-finetune-pair.sh) and BertTokenizerFast.from_pretrained of the same folder:
  1. every document of the Reuters R8 test set (data/text, scripts/fetch-text-datasets.sh),
     untruncated and with --max-length 128: input_ids and token_type_ids equal;
  2. R8 documents as sentence pairs (document i with document i+1, the first 400), with
     --max-length 128 and 37: the longest_first truncation of pairs;
  3. the hand-written corpus Tests/Fixtures/text/awkward.jsonl (accents, CJK, emoji, control
     characters, very long words, text empty after cleanup, …) untruncated and at 16 tokens, and
     awkward_pairs.jsonl untruncated and at 5, 8, 9 and 12 tokens;
  4. every scalar of planes 0–3 (U+0000…U+323AF, surrogates aside: every assigned character but
     those of plane 14) and of U+E0000…U+E01EF (tags, variation selectors), and 256 each at the
     start of the unassigned plane 5 and of the private-use planes 15 and 16, in documents of 256
     scalars, each as "x<c>x <c>": removal, white space, punctuation, CJK, accents and
     lower-casing per scalar;
  5. four other settings of tokenizer_config.json (cased; lower-cased without accent stripping;
     cased with accent stripping; no CJK splitting), each a folder of the base's vocab.txt and that
     config (no tokenizer.json, so transformers builds the fast tokenizer from the config): the
     awkward corpus and the scalars U+0080…U+2FFF, U+3000…U+33FF, U+AC00…U+AC3F, U+F900…U+FB4F.
Prints one line per check and closes with `check-tokenizer: N passed, M failed`; exits 1 on any
failure. Without transformers it fails, unless INTRINSIC_DIM_NO_CLIENTS=1 opts out (then it
prints that it did not run and exits 0).
"""
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
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(REPO, "Tests", "Fixtures", "text")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import require_clients  # noqa: E402

require_clients("check-tokenizer", ("transformers",), "our tokenizer's ids")
import transformers
from transformers import BertTokenizerFast

import warnings  # noqa: E402

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, ok, name, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"check-tokenizer: {'ok' if ok else 'FAIL'}: {name}{'' if ok else ': ' + detail}")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ours(binary, tokenizer, out, args):
    done = subprocess.run([binary, "tokenize", "--tokenizer", tokenizer, "--out", out] + args,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"check-tokenizer: FAIL: {binary} tokenize {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return read_jsonl(out)


def compare(checks, name, mine, theirs, texts):
    ids, types = theirs["input_ids"], theirs["token_type_ids"]
    if len(mine) != len(ids):
        checks.record(False, name, f"{len(mine)} documents from us, {len(ids)} texts")
        return
    bad = [i for i, (m, a, b) in enumerate(zip(mine, ids, types)) if m["input_ids"] != a or m["token_type_ids"] != b]
    detail = ""
    if bad:
        i = bad[0]
        a, b = mine[i]["input_ids"], ids[i]
        k = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        detail = (f"{len(bad)} of {len(ids)} differ; first: document {i} {texts[i]!r:.80} at token {k}: "
                  f"ours {a[max(0, k - 2):k + 3]}, BertTokenizerFast {b[max(0, k - 2):k + 3]}")
    checks.record(not bad, f"{name}: {len(ids)} documents, {sum(len(x) for x in ids)} tokens", detail)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, ".build", "debug", "intrinsic-dim")
    pair = os.path.join(REPO, "data", "finetune-pair")
    text = os.path.join(REPO, "data", "text")
    subprocess.run([os.path.join(REPO, "scripts", "fetch-finetune-pair.sh"), pair], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([os.path.join(REPO, "scripts", "fetch-text-datasets.sh"), text], check=True, stdout=subprocess.DEVNULL)
    base = os.path.join(pair, "base")
    start = time.time()
    hf = BertTokenizerFast.from_pretrained(base)
    checks = Checks()

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ids.jsonl")
        # 1. The R8 test set, read as the Orange .tab file is: three header lines, a blank line, rows.
        with open(os.path.join(text, "reuters-r8-test.tab"), encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f.read().split("\n")[3:] if line]
        docs = [r[1] for r in rows]
        with open(os.path.join(text, "reuters-r8-train.tab"), encoding="utf-8") as f:
            train_rows = [line.split("\t") for line in f.read().split("\n")[3:] if line]
        topics = sorted({r[0] for r in rows}), sorted({r[0] for r in train_rows})
        checks.record(len(docs) == 2189 and len(train_rows) == 5485 and topics[0] == topics[1] and len(topics[0]) == 8,
                      f"R8: {len(train_rows)} training and {len(docs)} test documents, {len(topics[1])} topics "
                      "(expected 5,485, 2,189, 8)")
        dataset = ["--dataset", "reuters-r8", "--data-dir", text, "--split", "test"]
        compare(checks, "R8 test, untruncated", ours(binary, base, out, dataset), hf(docs), docs)
        compare(checks, "R8 test, max_length 128", ours(binary, base, out, dataset + ["--max-length", "128"]),
                hf(docs, truncation=True, max_length=128), docs)

        # 2. R8 documents as pairs.
        pairs_path = os.path.join(tmp, "pairs.jsonl")
        a, b = docs[:400], docs[1:401]
        with open(pairs_path, "w", encoding="utf-8") as f:
            for x, y in zip(a, b):
                f.write(json.dumps({"text": x, "text_pair": y}) + "\n")
        file_args = ["--file", pairs_path, "--text-column", "text", "--text-pair-column", "text_pair"]
        for n in (128, 37):
            compare(checks, f"R8 pairs, max_length {n}", ours(binary, base, out, file_args + ["--max-length", str(n)]),
                    hf(a, b, truncation=True, max_length=n), a)

        # 3. The awkward corpus.
        awkward = os.path.join(FIX, "awkward.jsonl")
        texts = [r["text"] for r in read_jsonl(awkward)]
        file_args = ["--file", awkward, "--text-column", "text"]
        compare(checks, "awkward.jsonl, untruncated", ours(binary, base, out, file_args), hf(texts), texts)
        compare(checks, "awkward.jsonl, max_length 16", ours(binary, base, out, file_args + ["--max-length", "16"]),
                hf(texts, truncation=True, max_length=16), texts)
        awkward_pairs = os.path.join(FIX, "awkward_pairs.jsonl")
        rows = read_jsonl(awkward_pairs)
        a, b = [r["text"] for r in rows], [r["text_pair"] for r in rows]
        file_args = ["--file", awkward_pairs, "--text-column", "text", "--text-pair-column", "text_pair"]
        compare(checks, "awkward_pairs.jsonl, untruncated", ours(binary, base, out, file_args), hf(a, b), a)
        for n in (5, 8, 9, 12):
            compare(checks, f"awkward_pairs.jsonl, max_length {n}",
                    ours(binary, base, out, file_args + ["--max-length", str(n)]),
                    hf(a, b, truncation=True, max_length=n), a)

        # 4. Every scalar.
        scalars = [c for c in range(0x323B0) if not 0xD800 <= c <= 0xDFFF]
        scalars += list(range(0xE0000, 0xE01F0)) + list(range(0x50000, 0x50100))
        scalars += list(range(0xF0000, 0xF0100)) + list(range(0x10FF00, 0x110000))
        every = [" ".join(f"x{chr(c)}x {chr(c)}" for c in scalars[k:k + 256]) for k in range(0, len(scalars), 256)]
        every_path = os.path.join(tmp, "every.jsonl")
        with open(every_path, "w", encoding="utf-8") as f:
            for t in every:
                f.write(json.dumps({"text": t}) + "\n")
        compare(checks, f"{len(scalars)} Unicode scalars", ours(binary, base, out, ["--file", every_path, "--text-column", "text"]),
                hf(every), [t[:40] for t in every])

        # 5. Other settings.
        some = list(range(0x80, 0x3400)) + list(range(0xAC00, 0xAC40)) + list(range(0xF900, 0xFB50))
        some_docs = [" ".join(f"x{chr(c)}x {chr(c)} X{chr(c)}" for c in some[k:k + 256]) for k in range(0, len(some), 256)]
        some_path = os.path.join(tmp, "some.jsonl")
        with open(some_path, "w", encoding="utf-8") as f:
            for t in texts + some_docs:
                f.write(json.dumps({"text": t}) + "\n")
        for config in ({"do_lower_case": False}, {"do_lower_case": True, "strip_accents": False},
                       {"do_lower_case": False, "strip_accents": True}, {"tokenize_chinese_chars": False}):
            folder = os.path.join(tmp, "tok-" + "-".join(f"{k}={v}" for k, v in config.items()))
            os.makedirs(folder)
            shutil.copy(os.path.join(base, "vocab.txt"), folder)
            with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
                json.dump(dict(config, tokenizer_class="BertTokenizer"), f)
            other = BertTokenizerFast.from_pretrained(folder)
            name = ", ".join(f"{k} {v}" for k, v in config.items())
            compare(checks, f"{name}: awkward.jsonl and {len(some)} scalars",
                    ours(binary, folder, out, ["--file", some_path, "--text-column", "text"]), other(texts + some_docs),
                    [t[:40] for t in texts + some_docs])

    print(f"check-tokenizer: {checks.passed} passed, {checks.failed} failed ({time.time() - start:.1f} s)")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
