#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets, Fuzz/corpus/<target>/, from the
repository's fixtures and a few small files made here (numpy only).

    python3 Fuzz/make_corpus.py        # from the repository root; rewrites Fuzz/corpus

Inputs of past findings (Tests/Fixtures/fuzz-regressions) are seeds too, so every
run replays them under the sanitizers. Seeds are small on purpose (libFuzzer mutates faster on short inputs, and the
corpus is committed): tensors of a few elements, MNIST cut to two images.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "Tests" / "Fixtures"
OUT = ROOT / "Fuzz" / "corpus"
MAX_SEED = 4096  # bytes; larger fixtures are left out


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def copy_small(target, files, prefix=""):
    for f in sorted(files):
        if f.is_file() and f.stat().st_size <= MAX_SEED:
            put(target, prefix + f.name, f.read_bytes())


# --- safetensors -----------------------------------------------------------
def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, raw bytes)]; offsets tile the buffer in order."""
    header, buf = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(buf), len(buf) + len(raw)]}
        buf += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + buf


def st_seeds():
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    bf16 = (a.view(np.uint32) >> 16).astype(np.uint16).tobytes()
    put("safetensors", "f32_f64_meta.safetensors", safetensors(
        [("w", "F32", (2, 3), a.tobytes()), ("b", "F64", (3,), np.array([1.5, -2, 0]).tobytes())],
        {"format": "pt"}))
    put("safetensors", "f16_bf16.safetensors", safetensors(
        [("h", "F16", (3, 2), a.astype(np.float16).tobytes()), ("g", "BF16", (2, 3), bf16)]))
    put("safetensors", "integers.safetensors", safetensors(
        [("ids", "I64", (1, 4), np.arange(4, dtype=np.int64).tobytes()), ("mask", "BOOL", (4,), bytes([1, 0, 1, 1])),
         ("u8", "U8", (2,), bytes([0, 255])), ("i16", "I16", (2,), np.array([-3, 3], np.int16).tobytes()),
         ("u64", "U64", (1,), struct.pack("<Q", 2**63 + 1))]))
    put("safetensors", "scalar_empty.safetensors", safetensors(
        [("s", "F32", (), np.float32(3).tobytes()), ("z", "F32", (0, 4), b"")]))
    put("safetensors", "fp8_c64.safetensors", safetensors(
        [("q", "F8_E4M3", (4,), bytes(4)), ("c", "C64", (1,), bytes(8)), ("f4", "F4", (2,), bytes(1))]))
    put("safetensors", "nan.safetensors", safetensors([("n", "F32", (2,), np.array([1, np.nan], np.float32).tobytes())]))
    put("safetensors", "no_tensors.safetensors", safetensors([], {}))
    copy_small("safetensors", (FIX / "malformed").glob("*.safetensors"))
    copy_small("safetensors", (FIX / "peft_malformed").glob("*/adapter_model.safetensors"), "peft_")


# --- npy / npz -------------------------------------------------------------
def npy(arr, version=None, fortran=False):
    b = io.BytesIO()
    if version is None:
        np.save(b, np.asfortranarray(arr) if fortran else arr)
    else:
        np.lib.format.write_array(b, np.asfortranarray(arr) if fortran else arr, version=version)
    return b.getvalue()


def npy_seeds():
    m = (np.arange(6).reshape(2, 3) / 4).astype
    put("npy", "f4.npy", npy(m(np.float32)))
    put("npy", "f8_fortran.npy", npy(m(np.float64), fortran=True))
    put("npy", "be_f4.npy", npy(m(">f4")))
    put("npy", "be_f8_fortran.npy", npy(m(">f8"), fortran=True))
    put("npy", "f2.npy", npy(m(np.float16)))
    put("npy", "v2_f4.npy", npy(m(np.float32), version=(2, 0)))
    put("npy", "v3_f4.npy", npy(m(np.float32), version=(3, 0)))
    put("npy", "scalar.npy", npy(np.array(2.5)))
    put("npy", "empty.npy", npy(np.zeros((0, 3), np.float32)))
    for dt in ["i1", "u1", "<i2", ">u2", "<i4", ">u4", "<i8", ">u8", "?"]:
        put("npy", f"int_{dt.replace('<', 'le_').replace('>', 'be_').replace('?', 'bool')}.npy",
            npy(np.arange(4).reshape(2, 2).astype(dt)))
    put("npy", "u8_fortran3d.npy", npy(np.arange(8, dtype=np.uint8).reshape(2, 2, 2), fortran=True))
    copy_small("npy", (FIX / "malformed").glob("*.npy"))


def npz_seeds():
    a, b = np.arange(4, dtype=np.float32).reshape(2, 2), np.array([1.0, -1.0])
    for name, fn in [("plain.npz", np.savez), ("compressed.npz", np.savez_compressed)]:
        buf = io.BytesIO()
        fn(buf, w=a, b=b, labels=np.array([1, 2], np.uint8))
        put("npz", name, buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf, nan=np.array([np.nan], np.float32))
    put("npz", "nan.npz", buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf)
    put("npz", "empty_archive.npz", buf.getvalue())


# --- IDX -------------------------------------------------------------------
def gzip_with_header_fields(raw):
    """A gzip member with FEXTRA, FNAME, FCOMMENT and FHCRC set (as few writers do)."""
    head = bytes([0x1F, 0x8B, 8, 0x04 | 0x08 | 0x10 | 0x02]) + bytes(4) + bytes([0, 3])
    head += struct.pack("<H", 4) + b"ab\x00\x01" + b"x.idx\x00" + b"note\x00"
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(raw) + c.flush()
    return head + body + struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF)


def idx_seeds():
    copy_small("idx", (FIX / "idx").glob("*.idx*"))
    mnist = ROOT / "data" / "mnist"
    for f, n, item in [("t10k-images-idx3-ubyte.gz", 2, 784), ("t10k-labels-idx1-ubyte.gz", 2, 1)]:
        p = mnist / f
        if not p.exists():
            continue
        raw = gzip.decompress(p.read_bytes())
        dims = raw[3]
        header = bytearray(raw[:4 + 4 * dims])
        header[4:8] = struct.pack(">I", n)
        cut = bytes(header) + raw[4 + 4 * dims: 4 + 4 * dims + n * item]
        put("idx", f.replace("-ubyte.gz", "-2.idx.gz"), gzip.compress(cut, mtime=0))
        put("idx", f.replace("-ubyte.gz", "-2.idx"), cut)
    put("idx", "flags.idx.gz", gzip_with_header_fields(bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 2) + np.array([1, 2], ">f4").tobytes()))


# --- adapter config, journal ----------------------------------------------
def config_seeds():
    for f in sorted(FIX.glob("peft*/**/adapter_config.json")):
        put("adapter_config", f.parent.name + "_" + f.parent.parent.name + ".json", f.read_bytes())
    put("adapter_config", "patterns_and_regex.json", json.dumps({
        "peft_type": "LORA", "r": 4, "lora_alpha": 8, "use_rslora": True,
        "target_modules": r".*\.(query|value)$", "layers_to_transform": [0, 1],
        "rank_pattern": {"layer\\.0\\..*query": 2, "c_attn": 8}, "alpha_pattern": {"value": 16.5},
        "init_lora_weights": "gaussian", "modules_to_save": ["classifier"], "bias": "none"}).encode())


def journal_seeds():
    for j in sorted((ROOT / "data" / "reference").glob("**/journal.jsonl")):
        lines = j.read_bytes().split(b"\n")
        name = str(j.parent.relative_to(ROOT / "data" / "reference")).replace("/", "_")
        put("sweep_journal", name + ".jsonl", b"\n".join(lines[:3]) + b"\n")
        put("sweep_journal", name + "_partial.jsonl", b"\n".join(lines[:3]) + b"\n" + lines[3][:40])


def text_seeds():
    """text_file: the first byte picks the layout (index into TextFileFormat.allCases: tsv, csv,
    jsonl, tab; +0x80 reads a "pair" column), the rest is the file. tokenizer: the first byte
    sets max_length and the pair split, the rest is the text."""
    files = {
        0: b"text\tlabel\nhello world\t1\n\nbye\t0\n",
        1: b'label,text\r\npos,"one, two"\r\nneg,"say ""hi""\nand bye"\nneg,plain\n',
        2: b'{"text": "caf\\u00e9", "label": 3}\n{"label": "x", "text": "b"}\n',
        3: b"label\ttext\nd\tstring\nclass\t\n\nearn\tprofit up\nacq\tbuys a company\n",
    }
    for k, body in files.items():
        put("text_file", f"layout{k}", bytes([k]) + body)
    put("text_file", "pairs_tsv", bytes([0x80]) + b"text\tpair\tlabel\na\tb\t1\n")
    put("text_file", "pairs_jsonl", bytes([0x82]) + b'{"text": "a", "pair": "b", "label": true}\n')
    put("text_file", "vocab", bytes([0]) + b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##s\n")
    put("text_file", "config", bytes([0]) + b'{"do_lower_case": false, "strip_accents": null, "unk_token": {"content": "[UNK]"}}')
    for line in (FIX / "text" / "awkward.jsonl").read_bytes().split(b"\n")[:12]:
        if line:
            put("tokenizer", "awkward-" + hashlib.sha1(line).hexdigest()[:10], bytes([len(line) % 251]) + json.loads(line)["text"].encode())
    put("tokenizer", "special", bytes([40]) + b"[CLS] a[SEP]b [sep] abab aaa\u00e9\u00e9 \xe6\x88\x91,!")


def regression_seeds():
    """The inputs of past findings (Tests/Fixtures/fuzz-regressions/<target>-*), replayed by every run."""
    for f in sorted((FIX / "fuzz-regressions").iterdir()):
        target = f.name.split("-")[0]
        if (OUT / target).is_dir():
            put(target, "regression-" + f.name, f.read_bytes())


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    st_seeds(); npy_seeds(); npz_seeds(); idx_seeds(); config_seeds(); journal_seeds(); text_seeds(); regression_seeds()
    total = 0
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        size = sum(f.stat().st_size for f in files)
        total += size
        print(f"{d.name}: {len(files)} seeds, {size} bytes")
    print(f"total {total} bytes")
