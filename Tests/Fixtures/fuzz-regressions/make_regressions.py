#!/usr/bin/env python3
"""Writes the inputs of Tests/CheckpointIOTests/FuzzRegressionTests.swift.

Each reproduces a defect that fuzzing (Fuzz/README.md) or the review around it
found; FuzzRegressionTests says which, and what the reader must answer now.
They are also seeds of the fuzz corpus (Fuzz/make_corpus.py copies them), so
`make fuzz` replays them under the address and leak sanitizers.

    python3 Tests/Fixtures/fuzz-regressions/make_regressions.py [OUT_DIR]

Byte for byte reproducible (fixed zip timestamps), so check_fixtures.py compares exactly.
"""
import io
import sys
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

HERE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
STAMP = (2020, 1, 1, 0, 0, 0)


def gzip_member(raw_deflate, crc, size, flags=0, extra=b""):
    head = bytes([0x1F, 0x8B, 8, flags]) + bytes(4) + bytes([2, 0xFF])
    if flags & 0x04:
        head += struct.pack("<H", len(extra)) + extra
    return head + raw_deflate + struct.pack("<II", crc, size)


def deflate(raw):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


idx = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 3) + bytes([7, 8, 9])

# 1. A stored deflate block whose LEN (256) runs past the data the file holds. The gzip
#    reader handed zlib a 64 KiB avail_in for a shorter chunk (ZIPFoundation's
#    Data.decompress), so zlib copied past the end of the buffer: an ASan heap-buffer-overflow.
stored = bytes([0x01]) + struct.pack("<HH", 256, 0xFFFF ^ 256) + bytes(range(100))
(HERE / "idx-gzip-stored-block-past-end.idx.gz").write_bytes(gzip_member(stored, 0x12345678, 256))

# 2. An FEXTRA field of 510 bytes (length bytes FE 01): `2 + lo | hi << 8` parsed as
#    (2 + lo) | (hi << 8) = 256, so the reader started the deflate data inside the extra field.
(HERE / "idx-gzip-extra-field-510.idx.gz").write_bytes(
    gzip_member(deflate(idx), zlib.crc32(idx), len(idx), flags=0x04, extra=bytes(510)))

# 3. An empty zip archive (only the end record). Opening any archive through ZIPFoundation's
#    Archive(url:) leaked the path's fileSystemRepresentation (LeakSanitizer, every .npz opened).
(HERE / "npz-empty-archive.npz").write_bytes(b"PK\x05\x06" + bytes(18))

# 4. A deflated member whose central directory records fewer compressed bytes than its
#    deflate stream needs: the stream is cut short inside the archive (ZIPFoundation's
#    extraction had the same short-chunk overread as 1).
buf = io.BytesIO()
npy = io.BytesIO()
np.save(npy, np.arange(64, dtype=np.float32))
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("w.npy", STAMP), npy.getvalue(), zipfile.ZIP_DEFLATED)
data = bytearray(buf.getvalue())
cd = data.rfind(b"PK\x01\x02")
full = struct.unpack_from("<I", data, cd + 20)[0]
struct.pack_into("<I", data, cd + 20, full // 2)
(HERE / "npz-deflate-cut-short.npz").write_bytes(bytes(data))

# 5. A NumPy-style ZIP64 archive (np.savez writes members with force_zip64), as a
#    check that the archive reader that replaced ZIPFoundation reads ZIP64 extra fields.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
    for name, arr in [("a", np.array([[1.0, 2.0], [3.0, 4.0]])), ("labels", np.array([3, 1], np.uint8))]:
        with z.open(zipfile.ZipInfo(name + ".npy", STAMP), "w", force_zip64=True) as f:  # as np.savez does
            np.lib.format.write_array(f, arr)
(HERE / "npz-numpy-zip64.npz").write_bytes(buf.getvalue())

for f in sorted(HERE.iterdir()):
    if f.suffix not in (".py", ".md"):
        print(f.name, f.stat().st_size)
