"""The fixture check still catches real drift while it admits last-bit rounding.

    python3 Tests/Fixtures/test_fixture_check.py

1. The comparator on files written here by numpy/safetensors: a change of one
   ulp (F64) or one unit of the stored precision (BF16/F16/F32) passes; 1e-9
   relative, two ulps, a changed shape, an integer, a CSV or JSON text field,
   a missing npz member fail, each naming the tensor, column or key.
2. `check_fixtures.py --fixtures COPY` on a copy of the committed tree: the
   untouched copy passes; one F64 value edited by 1e-9 relative, one tensor's
   shape, and one byte of a malformed-file fixture each fail, naming the file
   and tensor.

Run by `make test`; prints 'N passed, N failed' and exits 1 on a failure.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture_compare import compare_file  # noqa: E402

RESULTS = []


def expect(name, failures, should_fail, must_name=()):
    ok = bool(failures) == should_fail and all(any(s in f for f in failures) for s in must_name)
    RESULTS.append(ok)
    verdict = "ok" if ok else "FAILED"
    detail = failures[0] if failures else "no difference reported"
    print(f"test-fixture-check: {name}: {verdict} ({detail})")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def comparator_cases(tmp):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 5))
    a, b = os.path.join(tmp, "a.safetensors"), os.path.join(tmp, "b.safetensors")

    def st(tensors):
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, b, metadata={"format": "pt"})
        return compare_file("x.safetensors", a, b)

    save_file({"w": w, "ids": np.arange(4, dtype=np.int64)}, a, metadata={"format": "pt"})
    w1 = w.copy(); w1[2, 3] = np.nextafter(w1[2, 3], np.inf)
    expect("F64 one ulp passes", st({"w": w1, "ids": np.arange(4)}), False)
    w2 = w.copy(); w2[2, 3] *= 1 + 1e-9
    expect("F64 1e-9 relative fails", st({"w": w2, "ids": np.arange(4)}), True, ["tensor 'w'", "element 13"])
    expect("shape fails", st({"w": w.reshape(5, 6), "ids": np.arange(4)}), True, ["header", "'w'"])
    expect("integer fails", st({"w": w, "ids": np.array([0, 1, 2, 4])}), True, ["tensor 'ids'", "element 3"])

    for dtype, name in ((np.float32, "F32"), (np.float16, "F16")):
        v = w.astype(dtype)
        np.save(os.path.join(tmp, "a.npy"), v)
        one, two = v.copy(), v.copy()
        one[1, 1] = np.nextafter(one[1, 1], dtype(np.inf))
        two[1, 1] = np.nextafter(one[1, 1], dtype(np.inf))
        np.save(os.path.join(tmp, "b.npy"), one)
        expect(f"{name} one ulp passes", compare_file("x.npy", os.path.join(tmp, "a.npy"), os.path.join(tmp, "b.npy")), False)
        np.save(os.path.join(tmp, "b.npy"), two)
        expect(f"{name} two ulps fail", compare_file("x.npy", os.path.join(tmp, "a.npy"), os.path.join(tmp, "b.npy")), True,
               ["element 6", name])

    # BF16 by bit pattern (the upper 16 bits of a float32), as safetensors stores it.
    bits = (w.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).reshape(-1)
    header = json.dumps({"t": {"dtype": "BF16", "shape": [6, 5], "data_offsets": [0, bits.nbytes]}}).encode()
    header += b" " * (-len(header) % 8)

    def bf16(values):
        write(b, struct.pack("<Q", len(header)) + header + values.tobytes())
        return compare_file("x.safetensors", a, b)

    write(a, struct.pack("<Q", len(header)) + header + bits.tobytes())
    one = bits.copy(); one[4] += 1
    two = bits.copy(); two[4] += 2
    expect("BF16 one ulp passes", bf16(one), False)
    expect("BF16 two ulps fail", bf16(two), True, ["tensor 't'", "element 4", "BF16"])

    ca, cb = os.path.join(tmp, "a.csv"), os.path.join(tmp, "b.csv")
    write(ca, b"tensor,rank,sigma\nfc1.weight,3,0.30000000000000004\nfc2.weight,2,1e-17\n")
    write(cb, b"tensor,rank,sigma\nfc1.weight,3,0.3\nfc2.weight,2,1.3e-17\n")
    expect("CSV rounding passes", compare_file("x.csv", ca, cb), False)
    write(cb, b"tensor,rank,sigma\nfc1.weight,3,0.3000000003\nfc2.weight,2,1e-17\n")
    expect("CSV 1e-9 relative fails", compare_file("x.csv", ca, cb), True, ["line 2", "fc1.weight", "'sigma'"])
    write(cb, b"tensor,rank,sigma\nfc1.weight,4,0.30000000000000004\nfc2.weight,2,1e-17\n")
    expect("CSV integer fails", compare_file("x.csv", ca, cb), True, ["'rank'", "'3'", "'4'"])
    write(cb, b"tensor,rank,sigma\nfc1.bias,3,0.30000000000000004\nfc2.weight,2,1e-17\n")
    expect("CSV text fails", compare_file("x.csv", ca, cb), True, ["'tensor'"])

    ja, jb = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
    write(ja, json.dumps({"tau": 0.0014095683391412922, "rank": 4, "s": [1.0, 2.5e-17]}).encode())
    write(jb, json.dumps({"tau": 0.0014095683391412925, "rank": 4, "s": [1.0, 3e-17]}).encode())
    expect("JSON rounding passes", compare_file("x.json", ja, jb), False)
    write(jb, json.dumps({"tau": 0.00140956834, "rank": 4, "s": [1.0, 2.5e-17]}).encode())
    expect("JSON 1e-9 relative fails", compare_file("x.json", ja, jb), True, ["$.tau"])
    write(jb, json.dumps({"tau": 0.0014095683391412922, "rank": 5, "s": [1.0, 2.5e-17]}).encode())
    expect("JSON integer fails", compare_file("x.json", ja, jb), True, ["$.rank"])

    za, zb = os.path.join(tmp, "a.npz"), os.path.join(tmp, "b.npz")
    np.savez(za, x=w, y=np.arange(3))
    np.savez(zb, x=w)
    expect("npz missing member fails", compare_file("x.npz", za, zb), True, ["members"])
    np.savez_compressed(za, x=w)
    w3 = w.copy(); w3[0, 0] *= 1 + 1e-9
    np.savez_compressed(zb, x=w3)
    expect("npz member value fails", compare_file("x.npz", za, zb), True, ["member 'x.npy'", "element 0"])

    write(a, b"\x00\x01\x02")
    write(b, b"\x00\x01\x03")
    expect("exact file fails", compare_file("x.safetensors", a, b, exact=True), True, ["offset 2"])


def edit_safetensors(path, edit):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header, data = edit(header, data, 8 + n)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (n - len(text))
    assert len(text) == n
    data[8:8 + n] = text
    write(path, bytes(data))


def mutation_cases(tmp):
    tree = os.path.join(tmp, "tree")
    for name in ("rank", "malformed"):
        shutil.copytree(os.path.join(HERE, name), os.path.join(tree, name))

    def run_check():
        p = subprocess.run([sys.executable, os.path.join(HERE, "check_fixtures.py"), "--fixtures", tree, "rank", "malformed"],
                           capture_output=True, text=True)
        return [l for l in p.stderr.splitlines() if l.startswith("fixture-check:")], p.returncode

    lines, rc = run_check()
    expect("committed tree passes", lines if rc else [], False)

    def scale_value(header, data, base):
        start, _ = header["layers.0.geometric.weight"]["data_offsets"]
        at = base + start + 8 * 17
        v = struct.unpack("<d", data[at:at + 8])[0]
        data[at:at + 8] = struct.pack("<d", v * (1 + 1e-9))
        return header, data

    def reshape(header, data, base):
        header["layers.1.wide.weight"]["shape"] = [80, 16]
        return header, data

    edit_safetensors(os.path.join(tree, "rank", "f64_tuned.safetensors"), scale_value)
    edit_safetensors(os.path.join(tree, "rank", "f32_base.safetensors"), reshape)
    path = os.path.join(tree, "malformed", "st_offsets_hole.safetensors")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[-1] ^= 0x01
    write(path, bytes(data))
    lines, rc = run_check()
    expect("check exits 1 on mutations", [f"exit {rc}"] if rc == 1 else [], True)
    expect("F64 value edited by 1e-9 relative is named", [l for l in lines if "f64_tuned" in l], True,
           ["rank/f64_tuned.safetensors: tensor 'layers.0.geometric.weight': element 17"])
    expect("changed shape is named", [l for l in lines if "f32_base" in l], True,
           ["rank/f32_base.safetensors: header differs", "layers.1.wide.weight", "[80, 16]"])
    expect("malformed-file byte is named", [l for l in lines if "st_offsets_hole" in l], True,
           ["malformed/st_offsets_hole.safetensors: bytes differ"])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        comparator_cases(tmp)
        mutation_cases(tmp)
    passed = sum(RESULTS)
    print(f"test-fixture-check: {passed} passed, {len(RESULTS) - passed} failed")
    sys.exit(0 if passed == len(RESULTS) else 1)


if __name__ == "__main__":
    main()
