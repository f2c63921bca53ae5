"""Shared bits of the benchmark children (standard library only).

Every child times its kernel the way `intrinsic-dim benchmark` does: one untimed warm-up
call, then `repeat` timed calls; it reports the best (minimum) and the median, and prints
ONE JSON object on stdout. Exit status 3 means "a dependency is missing" (the harness then
marks the column unavailable instead of failed).
"""
from __future__ import annotations

import glob
import json
import os
import sys
import time

EXIT_MISSING_DEPENDENCY = 3


def time_calls(fn, repeat: int, before=None) -> tuple[float, float, list[float]]:
    """(best, median, samples) of `repeat` timed calls of fn() after one warm-up call.
    `before`, if given, runs untimed before every call (including the warm-up)."""
    if before:
        before()
    fn()
    samples = []
    for _ in range(repeat):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    s = sorted(samples)
    return s[0], s[len(s) // 2], samples


def emit(fields: dict) -> None:
    print(json.dumps(fields, sort_keys=True), flush=True)


def missing(what: str, how: str) -> "NoReturn":  # noqa: F821
    print(f"missing dependency: {what}; install with: {how}", file=sys.stderr)
    sys.exit(EXIT_MISSING_DEPENDENCY)


def shard_files(path: str) -> list[str]:
    """The .safetensors files of a checkpoint given as a file, a *.safetensors.index.json, or a
    directory (its model.safetensors.index.json, else every *.safetensors in it; [] when none)."""
    if os.path.isdir(path):
        idx = os.path.join(path, "model.safetensors.index.json")
        if os.path.isfile(idx):
            return shard_files(idx)
        return sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if path.endswith(".json"):
        with open(path) as f:
            weight_map = json.load(f)["weight_map"]
        d = os.path.dirname(os.path.abspath(path))
        return [os.path.join(d, s) for s in dict.fromkeys(weight_map.values())]
    return [path]
