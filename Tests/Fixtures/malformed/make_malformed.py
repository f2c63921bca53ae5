#!/usr/bin/env python3
"""Generate the malformed tensor-file corpus used by the Swift reader tests.

Usage:
    python3 make_malformed.py [OUTDIR]      # OUTDIR defaults to this script's directory

Writes a set of tiny, deliberately broken .safetensors / .npy files plus
``expected_errors.json``, which maps every file name to::

    {
      "code":        the Swift error-enum case the reader must throw,
      "tensor":      name of the tensor the error concerns, or null,
      "description": one sentence explaining the defect,
      "python_safetensors_error":
                     "<ExceptionClass>: <message>" raised by
                     safetensors.numpy.load_file(path) (== safe_open(path, "np")
                     followed by get_tensor() of every tensor), or null if the
                     file loads without error,
      "element":     [row, col]            (nonFinite files only)
      "python_numpy_error":
                     "<ExceptionClass>: <message>" raised by
                     numpy.load(path, allow_pickle=False), or null  (.npy files only)
    }

Every fixture is built from literal bytes (no np.save / safetensors.save, no
timestamps, no randomness), so the data files are byte-identical across runs
and across numpy/safetensors versions. The python_* strings in
expected_errors.json are produced by actually calling the installed libraries,
so they are stable for a given library version (see README.md).
"""

import json
import os
import struct
import sys

import numpy as np
import safetensors.numpy as st_numpy

HEADER_LIMIT = 100_000_000


# --------------------------------------------------------------------------- #
# Byte builders
# --------------------------------------------------------------------------- #

def u64(n):
    return struct.pack("<Q", n)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def st_raw(header_bytes, buffer=b""):
    """safetensors file with an arbitrary (possibly broken) header byte string."""
    return u64(len(header_bytes)) + header_bytes + buffer


def st_json(header_obj, buffer=b""):
    """safetensors file with a well-formed JSON header.

    The JSON is compact and padded with spaces to a multiple of 8 bytes, as the
    reference writer does (trailing whitespace after the JSON value is legal).
    """
    h = json.dumps(header_obj, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    return st_raw(h, buffer)


def entry(dtype, shape, offsets):
    return {"dtype": dtype, "shape": shape, "data_offsets": offsets}


NPY_MAGIC = b"\x93NUMPY"


def npy_header_text(descr, shape, fortran=False):
    shape_txt = repr(tuple(shape))  # e.g. "(2,)" or "(2, 3)", as numpy writes it
    return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", shape_txt)


def npy(header_text, data=b"", magic=NPY_MAGIC, version=(1, 0), header_len=None):
    """.npy v1/v2-style file; header padded with spaces + '\\n' to 64-byte alignment."""
    h = header_text.encode("latin1")
    # v2.0/v3.0 use a u32 HEADER_LEN; everything else (v1.0, and the bogus v9.0
    # fixture) uses the v1.0 u16 layout.
    len_fmt = "<I" if version[0] in (2, 3) else "<H"
    prefix_len = len(magic) + 2 + struct.calcsize(len_fmt)
    total = prefix_len + len(h) + 1
    h = h + b" " * (-total % 64) + b"\n"
    n = len(h) if header_len is None else header_len
    len_field = struct.pack(len_fmt, n)
    return magic + bytes(version) + len_field + h + data


# --------------------------------------------------------------------------- #
# Corpus definition: (file name, bytes, code, tensor, description, extra)
# --------------------------------------------------------------------------- #

def build_cases():
    cases = []

    def add(name, data, code, tensor, description, **extra):
        cases.append((name, data, code, tensor, description, extra))

    # ---- emptyFile / truncated ------------------------------------------- #
    add("st_empty.safetensors", b"", "emptyFile", None,
        "Zero-byte file.")

    add("st_truncated_short.safetensors", b"\x10\x00\x00\x00\x00",
        "truncated", None,
        "Only 5 bytes: too short to hold the 8-byte little-endian header length.")

    hdr = json.dumps({"a": entry("F32", [2], [0, 8])},
                     separators=(",", ":")).encode()
    add("st_truncated_header_past_end.safetensors",
        u64(200) + hdr[:20],
        "truncated", None,
        "Header length N=200 (within the limit) but only 20 header bytes follow, "
        "so the header runs past end of file.")

    add("st_truncated_data_past_end.safetensors",
        st_json({"a": entry("F32", [4], [0, 16])}, f32(1.0, 2.0)),
        "truncated", "a",
        "Tensor a (F32 [4]) claims data_offsets [0,16] but the file ends after "
        "8 buffer bytes, so its data lies past end of file.")

    # ---- headerTooLarge --------------------------------------------------- #
    add("st_header_too_large.safetensors",
        u64(HEADER_LIMIT + 1) + b"{}      ",
        "headerTooLarge", None,
        "Header length N=100,000,001 exceeds the 100,000,000-byte limit "
        "(file is only 16 bytes; the limit must be checked before EOF).")

    add("st_header_too_large_u64max.safetensors",
        u64(0xFFFFFFFFFFFFFFFF) + b"{}      ",
        "headerTooLarge", None,
        "Header length N=2^64-1: exceeds the limit and 8+N would overflow u64, "
        "so the limit must be checked before any offset arithmetic.")

    # ---- invalidUTF8 / invalidJSON / headerNotObject ---------------------- #
    add("st_invalid_utf8.safetensors",
        st_raw(b'{"a\xff":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x00"),
        "invalidUTF8", None,
        "Header contains byte 0xFF inside the tensor-name string, which is not valid UTF-8.")

    add("st_invalid_json_truncated.safetensors",
        st_raw(b'{"a": '),
        "invalidJSON", None,
        "Header is the truncated JSON text '{\"a\": ' with no value or closing brace.")

    add("st_invalid_json_trailing_garbage.safetensors",
        st_raw(b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}xyz', b"\x00"),
        "invalidJSON", None,
        "A complete JSON object followed by non-whitespace garbage 'xyz' inside "
        "the header (trailing spaces would be legal, 'xyz' is not).")

    add("st_header_not_object.safetensors",
        st_raw(b"[1,2]   "),
        "headerNotObject", None,
        "Header is valid JSON but a top-level array [1,2], not an object.")

    # ---- invalidEntry ------------------------------------------------------ #
    add("st_entry_missing_dtype.safetensors",
        st_json({"a": {"shape": [2], "data_offsets": [0, 8]}}, f32(1.0, 2.0)),
        "invalidEntry", "a",
        "Tensor a has shape and data_offsets but no \"dtype\" key.")

    add("st_entry_missing_shape.safetensors",
        st_json({"a": {"dtype": "F32", "data_offsets": [0, 8]}}, f32(1.0, 2.0)),
        "invalidEntry", "a",
        "Tensor a has dtype and data_offsets but no \"shape\" key.")

    add("st_entry_missing_offsets.safetensors",
        st_json({"a": {"dtype": "F32", "shape": [2]}}, f32(1.0, 2.0)),
        "invalidEntry", "a",
        "Tensor a has dtype and shape but no \"data_offsets\" key.")

    add("st_entry_shape_string.safetensors",
        st_json({"a": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}},
                f32(1.0, 2.0)),
        "invalidEntry", "a",
        "Tensor a has shape given as the JSON string \"2\" instead of an array of integers.")

    add("st_entry_offsets_three.safetensors",
        st_json({"a": entry("F32", [2], [0, 8, 8])}, f32(1.0, 2.0)),
        "invalidEntry", "a",
        "Tensor a has data_offsets [0,8,8] with three elements instead of two.")

    add("st_entry_offsets_float.safetensors",
        st_raw(b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1.5]}}', b"\x00\x00"),
        "invalidEntry", "a",
        "Tensor a has a non-integer offset (data_offsets [0,1.5]).")

    # ---- unknownDType ------------------------------------------------------ #
    add("st_unknown_dtype.safetensors",
        st_json({"a": entry("F12", [2], [0, 8])}, f32(1.0, 2.0)),
        "unknownDType", "a",
        "Tensor a has dtype \"F12\", which is not a safetensors dtype.")

    # ---- invalidShape ------------------------------------------------------ #
    add("st_negative_shape.safetensors",
        st_json({"a": entry("F32", [-1, 4], [0, 16])}, f32(0, 0, 0, 0)),
        "invalidShape", "a",
        "Tensor a has shape [-1,4]; dimensions must be non-negative integers.")

    # ---- elementCountOverflow ---------------------------------------------- #
    add("st_element_count_overflow.safetensors",
        st_json({"a": entry("U8", [4294967296, 4294967296, 16], [0, 0])}),
        "elementCountOverflow", "a",
        "Tensor a (U8) has shape [2^32,2^32,16] whose element count 2^68 overflows "
        "64 bits; no u64 data_offsets could ever match, so the reader must report "
        "the overflow (not sizeMismatch) and must not trap.")

    add("st_byte_count_overflow.safetensors",
        st_json({"a": entry("F32", [4611686018427387904], [0, 0])}),
        "elementCountOverflow", "a",
        "Tensor a (F32) has 2^62 elements, which fits in Int64/UInt64, but 2^62*4 "
        "bytes overflows 64 bits; the byte-size multiplication must be overflow-checked "
        "and reported as elementCountOverflow (not sizeMismatch, not a trap).")

    # ---- sizeMismatch ------------------------------------------------------ #
    add("st_size_mismatch.safetensors",
        st_json({"a": entry("F32", [2, 2], [0, 12])}, f32(1.0, 2.0, 3.0)),
        "sizeMismatch", "a",
        "Tensor a is F32 [2,2] (16 bytes) but data_offsets [0,12] span 12 bytes; "
        "the buffer is 12 bytes so offsets otherwise tile the buffer exactly.")

    # ---- invalidOffsets ---------------------------------------------------- #
    add("st_offsets_reversed.safetensors",
        st_json({"a": entry("F32", [2], [8, 0])}, f32(1.0, 2.0)),
        "invalidOffsets", "a",
        "Tensor a has data_offsets [8,0] with begin > end; this must be reported as "
        "invalidOffsets before any size check (and end-begin must not be computed unsigned).")

    add("st_offsets_overlap.safetensors",
        st_json({"a": entry("F32", [2], [0, 8]), "b": entry("F32", [2], [4, 12])},
                f32(1.0, 2.0, 3.0)),
        "invalidOffsets", "b",
        "Tensors a [0,8] and b [4,12] (each correctly sized F32 [2]) overlap in "
        "bytes 4..8; the buffer is 12 bytes.")

    add("st_offsets_hole.safetensors",
        st_json({"a": entry("F32", [2], [0, 8]), "b": entry("F32", [2], [12, 20])},
                f32(1.0, 2.0, 0.0, 3.0, 4.0)),
        "invalidOffsets", "b",
        "Tensors a [0,8] and b [12,20] (each correctly sized) leave a 4-byte hole "
        "at bytes 8..12 of the 20-byte buffer.")

    add("st_offsets_not_zero_start.safetensors",
        st_json({"a": entry("F32", [2], [4, 12])}, f32(0.0, 1.0, 2.0)),
        "invalidOffsets", "a",
        "The only tensor a (correctly sized F32 [2]) starts at offset 4, not 0, "
        "leaving bytes 0..4 of the 12-byte buffer uncovered.")

    # ---- trailingBytes ----------------------------------------------------- #
    add("st_trailing_bytes.safetensors",
        st_json({"__metadata__": {"format": "np"}, "a": entry("F32", [2], [0, 8])},
                f32(1.0, 2.0) + b"\xde\xad\xbe\xef"),
        "trailingBytes", None,
        "Tensor a covers buffer bytes 0..8 but the file has 4 extra bytes after it "
        "(buffer is 12 bytes); __metadata__ is present and must not count as a tensor.")

    # ---- nonFinite (valid files with poisoned values) ---------------------- #
    nan = struct.unpack("<f", b"\x00\x00\xc0\x7f")[0]  # canonical quiet NaN 0x7FC00000
    add("nan_tensor.safetensors",
        st_json({"__metadata__": {"format": "np"}, "w": entry("F32", [2, 2], [0, 16])},
                f32(1.0, 2.0, nan, 4.0)),
        "nonFinite", "w",
        "Structurally valid F32 file; tensor w (2x2, row-major) holds a quiet NaN "
        "(0x7FC00000) at element [1,0]; python loads it without error.",
        element=[1, 0])

    add("inf_tensor.safetensors",
        st_json({"__metadata__": {"format": "np"}, "w": entry("F32", [2, 2], [0, 16])},
                f32(1.0, float("inf"), 3.0, 4.0)),
        "nonFinite", "w",
        "Structurally valid F32 file; tensor w (2x2, row-major) holds +inf "
        "(0x7F800000) at element [0,1]; python loads it without error.",
        element=[0, 1])

    # ---- .npy -------------------------------------------------------------- #
    good_f4 = npy_header_text("<f4", [2])
    add("npy_bad_magic.npy",
        npy(good_f4, f32(1.0, 2.0), magic=b"\x93NUMPZ"),
        "badMagic", None,
        "Otherwise valid float32 .npy whose magic is \\x93NUMPZ instead of \\x93NUMPY "
        "(numpy.load then falls back to treating it as a pickle and refuses).")

    add("npy_unsupported_version.npy",
        npy(good_f4, f32(1.0, 2.0), version=(9, 0)),
        "unsupportedVersion", None,
        "Format version byte pair is 9.0 (only 1.0, 2.0 and 3.0 exist); header "
        "length field is u16 as in v1.")

    add("npy_header_missing_shape.npy",
        npy("{'descr': '<f4', 'fortran_order': False, }", f32(1.0, 2.0)),
        "badNpyHeader", None,
        "Header dict literal has 'descr' and 'fortran_order' but no 'shape' key.")

    add("npy_header_not_dict.npy",
        npy("[1, 2, 3]", f32(1.0, 2.0)),
        "badNpyHeader", None,
        "Header is the list literal [1, 2, 3], not a dict literal.")

    past_eof = npy(good_f4, b"", header_len=1000)
    add("npy_header_len_past_eof.npy", past_eof,
        "badNpyHeader", None,
        "v1.0 HEADER_LEN field says 1000 bytes but the file is only %d bytes "
        "(%d header bytes after the 10-byte prefix), so the header runs past end of file."
        % (len(past_eof), len(past_eof) - 10))

    add("npy_unsupported_dtype_u4str.npy",
        npy(npy_header_text("<U2", [1]), struct.pack("<2I", 0x68, 0x69)),
        "unsupportedDType", None,
        "Valid unicode-string ('<U2', the text 'hi') .npy; our tool reads float and integer "
        "dtypes only, so numpy accepts it but our reader rejects it.")

    add("npy_unsupported_dtype_c16.npy",
        npy(npy_header_text("<c16", [1]), struct.pack("<2d", 1.0, -1.0)),
        "unsupportedDType", None,
        "Valid complex128 ('<c16') .npy; our tool reads only float16/32/64, so "
        "numpy accepts it but our reader rejects it.")

    add("npy_unsupported_dtype_object.npy",
        # Payload is pickle.dumps([1, 2], protocol=3), written literally; it is
        # never unpickled (numpy refuses with allow_pickle=False, we reject on descr).
        npy(npy_header_text("|O", [2]), b"\x80\x03]q\x00(K\x01K\x02e."),
        "unsupportedDType", None,
        "Object-array .npy (descr '|O', pickled payload); must be rejected from the "
        "header alone, without ever interpreting the pickle.")

    add("npy_truncated_data.npy",
        npy(npy_header_text("<f4", [4]), f32(1.0, 2.0)),
        "truncated", None,
        "Valid float32 header with shape (4,) (16 data bytes) but only 8 data bytes follow.")

    return cases


# --------------------------------------------------------------------------- #
# Recording what python does
# --------------------------------------------------------------------------- #

def describe_exc(e):
    return "%s: %s" % (type(e).__name__, e)


def python_safetensors_error(path):
    try:
        st_numpy.load_file(path)  # == safe_open(path, "np") + get_tensor(each)
    except Exception as e:  # noqa: BLE001 - we record whatever it raises
        return describe_exc(e)
    return None


def python_numpy_error(path):
    try:
        np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001
        return describe_exc(e)
    return None


def main(argv):
    outdir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)

    cases = build_cases()
    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), "duplicate fixture name"

    expected = {}
    for name, data, code, tensor, description, extra in cases:
        path = os.path.join(outdir, name)
        with open(path, "wb") as f:
            f.write(data)
        rec = {
            "code": code,
            "tensor": tensor,
            "description": description,
            "python_safetensors_error": python_safetensors_error(path),
        }
        if name.endswith(".npy"):
            rec["python_numpy_error"] = python_numpy_error(path)
        rec.update(extra)
        expected[name] = rec

    with open(os.path.join(outdir, "expected_errors.json"), "w", encoding="utf-8",
              newline="\n") as f:
        f.write(json.dumps(expected, indent=2, sort_keys=True))

    print("wrote %d fixtures + expected_errors.json to %s" % (len(cases), outdir))


if __name__ == "__main__":
    main(sys.argv)
