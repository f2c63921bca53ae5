#!/usr/bin/env python3
"""Copy bandwidth with numpy: best of np.copyto(dst, src) over a float32 array.

    python3 bench/projections/bandwidth.py [--mbytes 256] [--repeat 10]

Both arrays are written once beforehand (pages faulted in). Prints one JSON object:
{"kernel": "copy", "bytes", "best_seconds", "median_seconds", "bandwidth_bytes_per_second"}
with bandwidth = 2 * bytes / best_seconds (one read + one write of the array; the
write-allocate traffic of the destination is not counted).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from childutil import emit, time_calls  # noqa: E402

import numpy as np  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mbytes", type=int, default=256, help="array size in MiB (default 256)")
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args()
    n = a.mbytes * 2**20 // 4
    src = np.ones(n, dtype=np.float32)
    dst = np.zeros(n, dtype=np.float32)
    best, med, _ = time_calls(lambda: np.copyto(dst, src), a.repeat)
    nbytes = 4 * n
    emit({"kernel": "copy", "implementation": "numpy.copyto", "bytes": nbytes, "best_seconds": best,
          "median_seconds": med, "bandwidth_bytes_per_second": 2 * nbytes / best,
          "numpy": np.__version__})
    return 0


if __name__ == "__main__":
    sys.exit(main())
