"""Compares a committed fixture file with the one its script regenerates:
structure exactly, floating-point values within a tolerance per dtype.

Why: numpy's bundled OpenBLAS (and LAPACK inside it) picks its kernels by CPU,
so a fixture computed by BLAS/LAPACK differs in the last bits from one machine
to the next. The comparison keeps every guarantee of a byte comparison except
those last bits:

* safetensors: the 8-byte length and the JSON header (names, dtypes, shapes,
  offsets, metadata) byte for byte, the file length, then each tensor's values.
* .npy: the magic, version and header text byte for byte, then the values.
* .npz: the member names and order and each member's compression method
  exactly, then each member as an .npy.
* CSV: the header row and every cell's text exactly, except cells that are
  floating-point literals in both files (a '.', an exponent, nan or inf),
  which are compared as F64 values.
* JSON: the same structure, keys, strings, booleans and integers exactly,
  floats as F64 values.
* Every other file, and whole fixture sets declared exact: byte for byte.

Values: integer, boolean and byte dtypes exactly. Floating-point values within

    |a - b| <= ULPS[dtype] * ulp_dtype(max(|a|, |b|)) + F64_REL * scale

where ulp_dtype is the spacing of the stored precision at that magnitude and
`scale` is the largest magnitude in the same tensor (CSV: the same column; JSON:
the same list). ULPS is 1 for F32/F16/BF16 (values rounded from float64 can
round the other way) and F64 uses F64_REL = 1e-12 relative to the value itself
(LAPACK/BLAS reorderings differ in a few ulps, ~1e-16). The `scale` floor admits
BLAS noise in entries that are zero in exact arithmetic (the tail singular
values of an exactly low-rank matrix are ~1e-17 x its norm, and their last bits
are all noise); a value 1e-3 of its tensor's largest or bigger is still held
to 1e-12 relative. NaN equals NaN; infinities must match exactly.

A failure names the file, the tensor / column / key, the element, both values
and the tolerance, with the count of elements out of tolerance.
"""
import csv
import io
import json
import math
import struct
import zipfile

import numpy as np

F64_REL = 1e-12
ULPS = {"F32": 1, "F16": 1, "BF16": 1}

# safetensors dtype -> (numpy dtype read little-endian, kind).
SAFETENSORS_DTYPES = {
    "F64": ("<f8", "F64"), "F32": ("<f4", "F32"), "F16": ("<f2", "F16"), "BF16": ("<u2", "BF16"),
    "I64": ("<i8", None), "I32": ("<i4", None), "I16": ("<i2", None), "I8": ("i1", None),
    "U64": ("<u8", None), "U32": ("<u4", None), "U16": ("<u2", None), "U8": ("u1", None),
    "BOOL": ("u1", None),
}


def float_kind(dtype):
    """The tolerance class of a numpy dtype, or None for exact comparison."""
    if dtype.kind != "f":
        return None
    return {8: "F64", 4: "F32", 2: "F16"}.get(dtype.itemsize)


def as_float64(values, kind):
    if kind == "BF16":
        return (values.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return values.astype(np.float64)


def elementwise_tolerance(magnitude, kind):
    """F64_REL x |value| for F64, else ULPS[kind] x the spacing of the stored precision at |value|."""
    if kind == "F64":
        return F64_REL * magnitude
    return ULPS[kind] * spacing(magnitude, kind)


def spacing(magnitude, kind):
    """Spacing (one ulp) of the stored precision `kind` at each |value| (float64 array in and out)."""
    if kind == "F64":
        return np.spacing(magnitude)
    if kind == "BF16":
        return np.spacing(magnitude.astype(np.float32)).astype(np.float64) * 65536.0
    return np.spacing(magnitude.astype(np.float32 if kind == "F32" else np.float16)).astype(np.float64)


def compare_values(where, committed, regenerated, kind, scale=None, floor=None):
    """Failures (at most one line) for two same-shape arrays of tolerance class `kind`."""
    a = np.asarray(committed).reshape(-1)
    b = np.asarray(regenerated).reshape(-1)
    if a.shape != b.shape:
        return [f"{where}: {a.size} values committed, {b.size} regenerated"]
    if kind is None:
        bad = np.flatnonzero(a != b)
        if bad.size == 0:
            return []
        i = int(bad[0])
        return [f"{where}: element {i}: committed {a[i].item()!r}, regenerated {b[i].item()!r} "
                f"(exact dtype; {bad.size} element(s) differ)"]
    a = as_float64(a, kind)
    b = as_float64(b, kind)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    finite = np.isfinite(a) & np.isfinite(b)
    with np.errstate(invalid="ignore", over="ignore"):
        if scale is None:
            fa = np.abs(a[np.isfinite(a)])
            scale = float(fa.max()) if fa.size else 0.0
        mag = np.maximum(np.abs(a), np.abs(b))
        tol = np.where(finite, elementwise_tolerance(mag, kind) + (F64_REL if floor is None else floor) * scale, 0)
        diff = np.where(finite, np.abs(a - b), 0)
        bad = (nan_a != nan_b) | (~finite & ~(nan_a & nan_b) & (a != b)) | (diff > tol)
    idx = np.flatnonzero(bad)
    if idx.size == 0:
        return []
    i = int(idx[np.argmax((diff - tol)[idx])]) if np.any(finite[idx]) else int(idx[0])
    return [f"{where}: element {i}: committed {float(a[i])!r}, regenerated {float(b[i])!r} "
            f"(|diff| {abs(a[i] - b[i]):.3g} > tolerance {tol[i]:.3g} for {kind}; "
            f"{idx.size} element(s) out of tolerance)"]


# --- formats ---------------------------------------------------------------

def safetensors_parts(data):
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    return n, header


def compare_safetensors(where, a, b, floor=None, unchecked=None):
    na, ha = safetensors_parts(a)
    nb, hb = safetensors_parts(b)
    if a[:8 + na] != b[:8 + nb]:
        return [f"{where}: header differs: committed {header_diff(ha, hb)}"]
    if len(a) != len(b):
        return [f"{where}: file length {len(a)} committed, {len(b)} regenerated"]
    out = []
    base = 8 + na
    for name, entry in ha.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        ca, cb = a[base + start:base + end], b[base + start:base + end]
        if ca == cb:
            continue
        if entry["dtype"] not in SAFETENSORS_DTYPES:
            out.append(f"{where}: tensor '{name}': bytes differ (dtype {entry['dtype']} compared exactly)")
            continue
        np_dtype, kind = SAFETENSORS_DTYPES[entry["dtype"]]
        va, vb = np.frombuffer(ca, np_dtype), np.frombuffer(cb, np_dtype)
        skip = unchecked(name, va.size) if unchecked else None
        if skip is not None:
            keep = np.ones(va.size, dtype=bool)
            keep[skip] = False
            va, vb = va[keep], vb[keep]
        out += compare_values(f"{where}: tensor '{name}'", va, vb, kind, floor=floor)
    return out


def header_diff(ha, hb):
    for key in list(ha) + [k for k in hb if k not in ha]:
        if ha.get(key) != hb.get(key):
            return f"'{key}': {json.dumps(ha.get(key))}, regenerated {json.dumps(hb.get(key))}"
    return "same entries in another order or spacing"


def npy_parts(data, where):
    f = io.BytesIO(data)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    return f.tell(), shape, fortran, dtype


def compare_npy(where, a, b, floor=None):
    ha, shape, fortran, dtype = npy_parts(a, where)
    hb, *_ = npy_parts(b, where)
    if a[:ha] != b[:hb]:
        return [f"{where}: .npy header differs: committed {a[:ha][10:].decode('latin1').strip()!r}, "
                f"regenerated {b[:hb][10:].decode('latin1').strip()!r}"]
    if len(a) != len(b):
        return [f"{where}: file length {len(a)} committed, {len(b)} regenerated"]
    if dtype.hasobject:
        return [f"{where}: object arrays differ"]
    va = np.frombuffer(a, dtype, offset=ha)
    vb = np.frombuffer(b, dtype, offset=hb)
    if dtype.kind == "c":
        kind = {16: "F64", 8: "F32"}[dtype.itemsize]
        return (compare_values(f"{where} (real part)", va.real, vb.real, kind, floor=floor)
                + compare_values(f"{where} (imaginary part)", va.imag, vb.imag, kind, floor=floor))
    if dtype.names:
        return [f"{where}: structured array bytes differ"]
    return compare_values(where, va, vb, float_kind(dtype), floor=floor)


def compare_npz(where, a, b, floor=None):
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    ia, ib = za.infolist(), zb.infolist()
    names_a, names_b = [i.filename for i in ia], [i.filename for i in ib]
    if names_a != names_b:
        return [f"{where}: members {names_a} committed, {names_b} regenerated"]
    out = []
    for x, y in zip(ia, ib):
        if x.compress_type != y.compress_type:
            out.append(f"{where}: member '{x.filename}': compression {x.compress_type} committed, "
                       f"{y.compress_type} regenerated")
            continue
        out += compare_npy(f"{where}: member '{x.filename}'", za.read(x), zb.read(y), floor)
    return out


def is_float_literal(text):
    t = text.strip().lower()
    if t in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        return True
    if not any(c in t for c in ".e"):
        return False
    try:
        float(t)
        return True
    except ValueError:
        return False


def compare_csv(where, a, b, floor=None):
    ra = list(csv.reader(io.StringIO(a.decode("utf-8"))))
    rb = list(csv.reader(io.StringIO(b.decode("utf-8"))))
    if not ra or not rb or ra[0] != rb[0]:
        return [f"{where}: header row {ra[:1]} committed, {rb[:1]} regenerated"]
    if len(ra) != len(rb):
        return [f"{where}: {len(ra) - 1} rows committed, {len(rb) - 1} regenerated"]
    header = ra[0]
    # Column scale: the largest finite float in the column (committed file).
    scale = {}
    for row in ra[1:]:
        for j, cell in enumerate(row):
            if is_float_literal(cell) and math.isfinite(float(cell)):
                scale[j] = max(scale.get(j, 0.0), abs(float(cell)))
    out = []
    for r, (x, y) in enumerate(zip(ra[1:], rb[1:]), start=2):
        if len(x) != len(y):
            out.append(f"{where}: line {r}: {len(x)} cells committed, {len(y)} regenerated")
            continue
        for j, (p, q) in enumerate(zip(x, y)):
            if p == q:
                continue
            col = header[j] if j < len(header) else f"#{j + 1}"
            at = f"{where}: line {r} ({x[0]}{', ' + x[1] if len(x) > 1 else ''}), column '{col}'"
            if is_float_literal(p) and is_float_literal(q):
                out += [f"{at}: committed {p}, regenerated {q}" + m[m.index(" (|diff|"):]
                        for m in compare_values(at, [float(p)], [float(q)], "F64", scale.get(j, 0.0), floor)]
            else:
                out.append(f"{at}: committed {p!r}, regenerated {q!r} (text compared exactly)")
    return out


def compare_json(where, a, b, floor=None):
    out = []

    def walk(path, x, y, scale):
        if isinstance(x, float) and isinstance(y, float):
            out.extend(f"{where}: {path}: committed {x!r}, regenerated {y!r}" + m[m.index(" (|diff|"):]
                       for m in compare_values(path, [x], [y], "F64", scale, floor))
        elif type(x) is not type(y):
            out.append(f"{where}: {path}: committed {json.dumps(x)[:80]}, regenerated {json.dumps(y)[:80]}")
        elif isinstance(x, dict):
            if list(x) != list(y):
                out.append(f"{where}: {path}: keys {list(x)} committed, {list(y)} regenerated")
                return
            for k in x:
                walk(f"{path}.{k}", x[k], y[k], None)
        elif isinstance(x, list):
            if len(x) != len(y):
                out.append(f"{where}: {path}: {len(x)} items committed, {len(y)} regenerated")
                return
            nums = [abs(v) for v in x if isinstance(v, float) and math.isfinite(v)]
            s = max(nums) if nums else None
            for i, (p, q) in enumerate(zip(x, y)):
                walk(f"{path}[{i}]", p, q, s)
        elif x != y:
            out.append(f"{where}: {path}: committed {json.dumps(x)[:80]}, regenerated {json.dumps(y)[:80]}")

    walk("$", json.loads(a), json.loads(b), None)
    return out


COMPARERS = {".safetensors": compare_safetensors, ".npy": compare_npy, ".npz": compare_npz,
             ".csv": compare_csv, ".json": compare_json}


def compare_file(where, committed_path, regenerated_path, exact=False, floor=None, unchecked=None):
    """Failure lines (empty when the files agree) for one fixture file. `floor`
    replaces F64_REL in the scale term (a set whose values come from a training
    run whose rounding differs between CPUs states a looser one). `unchecked`,
    for safetensors only, maps (tensor name, element count) to a slice of the
    flat elements whose values are not compared (None: compare all)."""
    with open(committed_path, "rb") as f:
        a = f.read()
    with open(regenerated_path, "rb") as f:
        b = f.read()
    if a == b:
        return []
    ext = next((e for e in COMPARERS if where.endswith(e)), None)
    if exact or ext is None:
        i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return [f"{where}: bytes differ at offset {i} (compared byte for byte"
                f"{'' if exact else ': not a numeric format'}; lengths {len(a)} and {len(b)})"]
    try:
        if ext == ".safetensors":
            return compare_safetensors(where, a, b, floor, unchecked)
        return COMPARERS[ext](where, a, b, floor)
    except Exception as e:  # a garbled committed file is a failure, not a crash
        return [f"{where}: cannot be compared as {ext}: {type(e).__name__}: {e}"]
