"""IDX fixtures for the IDX reader (CheckpointIO.IDXFile), written with
Python's struct and gzip only, independently of the reader.

    python3 Tests/Fixtures/idx/make_idx_fixtures.py [OUTDIR]

Writes small well-formed files of every IDX type (big-endian, some gzipped),
malformed files with the error code each must give (expected.json), and
reference statistics of the bundled MNIST files in data/mnist (mnist.json),
computed here with gzip + numpy. Deterministic: gzip headers carry mtime 0 and
no file name.
"""
import gzip
import hashlib
import io
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
os.makedirs(OUT, exist_ok=True)

TYPES = {"u8": (0x08, ">u1"), "i8": (0x09, ">i1"), "i16": (0x0B, ">i2"),
         "i32": (0x0C, ">i4"), "f32": (0x0D, ">f4"), "f64": (0x0E, ">f8")}


def idx_bytes(code, shape, payload):
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


expected = {"valid": {}, "malformed": {}}
rng = np.random.default_rng(7)
shape = [3, 2, 5]
for key, (code, dt) in TYPES.items():
    if key == "u8":
        values = rng.integers(0, 256, size=shape)
    elif key == "i8":
        values = rng.integers(-128, 128, size=shape)
    elif key == "i16":
        values = rng.integers(-30000, 30000, size=shape)
    elif key == "i32":
        values = rng.integers(-2**31, 2**31, size=shape)
    else:
        values = rng.standard_normal(shape)
    arr = np.asarray(values).astype(dt)
    data = idx_bytes(code, shape, arr.tobytes())
    name = f"small_{key}.idx"
    write(name, data)
    as64 = arr.astype(np.float64).ravel()
    # Exact float64 bit patterns (hex): JSON number parsers need not round-trip.
    entry = {"type_code": code, "shape": shape, "values": [float(v) for v in as64],
             "bits": ["%016x" % b for b in as64.view(np.uint64)]}
    expected["valid"][name] = entry
    if key in ("u8", "f64"):
        write(name + ".gz", gz(data))
        expected["valid"][name + ".gz"] = entry

good = idx_bytes(0x08, [4, 3], bytes(range(12)))
cases = {
    "empty.idx": (b"", "emptyFile"),
    "bad_magic.idx": (b"\x01\x00" + good[2:], "badMagic"),
    "bad_type.idx": (b"\x00\x00\x0a" + good[3:], "unsupportedDType"),
    "zero_dims.idx": (b"\x00\x00\x08\x00", "invalidEntry"),
    "truncated_magic.idx": (b"\x00\x00", "truncated"),
    "truncated_sizes.idx": (good[:9], "truncated"),
    "truncated_data.idx": (good[:-1], "truncated"),
    "trailing_data.idx": (good + b"\x00", "trailingBytes"),
    "mislabelled_count.idx": (idx_bytes(0x08, [5, 3], bytes(range(12))), "truncated"),
    "truncated.idx.gz": (gz(good)[:-10], "truncated"),
    "corrupt_crc.idx.gz": (gz(good)[:-8] + b"\x00\x00\x00\x00" + gz(good)[-4:], "truncated"),
}
for name, (data, code) in cases.items():
    write(name, data)
    expected["malformed"][name] = code

with open(os.path.join(OUT, "expected.json"), "w") as f:
    f.write(json.dumps(expected, indent=1, sort_keys=True))

# Reference statistics of the bundled MNIST files.
mnist = {}
for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
    with gzip.open(os.path.join(REPO, "data", "mnist", name + ".gz"), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = list(struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims]))
    values = np.frombuffer(raw[4 + 4 * dims:], dtype=np.uint8)
    entry = {"md5": hashlib.md5(raw).hexdigest(), "shape": shape, "sum": int(values.sum(dtype=np.int64)),
             "first": [int(v) for v in values[:10]]}
    if "labels" in name:
        entry["histogram"] = [int(c) for c in np.bincount(values, minlength=10)]
    else:
        entry["pixel_300"] = int(values[300])
    mnist[name + ".gz"] = entry
with open(os.path.join(OUT, "mnist.json"), "w") as f:
    f.write(json.dumps(mnist, indent=1, sort_keys=True))
