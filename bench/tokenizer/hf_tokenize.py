"""The alternative a user would run: BertTokenizerFast on the Reuters R8 train and test files.

    python3 bench/tokenizer/hf_tokenize.py TOKENIZER_DIR DATA_DIR OUT.jsonl [--max-length N]

Reads DATA_DIR/reuters-r8-{train,test}.tab (Orange .tab: three header lines, a blank line,
Category<TAB>Text rows), encodes every text with BertTokenizerFast.from_pretrained(TOKENIZER_DIR)
on one thread (TOKENIZERS_PARALLELISM=false, RAYON_NUM_THREADS=1: a batch call is then
sequential) and writes the same JSON Lines as `intrinsic-dim tokenize`. Prints one JSON line:
{"documents", "tokens", "tokenize_s" (the batch call alone), "read_s", "load_s", "write_s"}.
"""
import os
import sys
import time

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json  # noqa: E402

t0 = time.perf_counter()
from transformers import BertTokenizerFast  # noqa: E402
import transformers  # noqa: E402

transformers.logging.set_verbosity_error()
tok = BertTokenizerFast.from_pretrained(sys.argv[1])
t1 = time.perf_counter()
texts = []
for split in ("train", "test"):
    with open(os.path.join(sys.argv[2], f"reuters-r8-{split}.tab"), encoding="utf-8") as f:
        texts += [line.split("\t", 1)[1] for line in f.read().split("\n")[3:] if line]
t2 = time.perf_counter()
max_length = int(sys.argv[sys.argv.index("--max-length") + 1]) if "--max-length" in sys.argv else None
enc = tok(texts, truncation=max_length is not None, max_length=max_length)
t3 = time.perf_counter()
with open(sys.argv[3], "w") as f:
    for ids, types in zip(enc["input_ids"], enc["token_type_ids"]):
        f.write(json.dumps({"input_ids": ids, "token_type_ids": types}, separators=(",", ":")) + "\n")
t4 = time.perf_counter()
print(json.dumps({"documents": len(texts), "tokens": sum(map(len, enc["input_ids"])), "tokenize_s": t3 - t2,
                  "read_s": t2 - t1, "load_s": t1 - t0, "write_s": t4 - t3}))
