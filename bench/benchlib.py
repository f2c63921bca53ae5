"""Helpers shared by the benchmark harnesses (bench/*/run_bench.py).

Standard library only, and nothing heavy at import time: a harness's own peak RSS is a
floor under every child's ru_maxrss (Linux keeps the high-water RSS across fork+exec), so
the harnesses never import numpy, torch and the like themselves.
"""
from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, Iterable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BIN = os.path.join(REPO, ".build", "release", "intrinsic-dim")


def log(msg: str = "") -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- harness set-up and exit

def harness_cmd(script: str, argv: list[str] | None, show_bin_env: bool) -> str:
    """The command line that ran this harness, for the report (with $INTRINSIC_DIM_BIN when it was set and used)."""
    env = os.environ.get("INTRINSIC_DIM_BIN")
    return (f"INTRINSIC_DIM_BIN={shlex.quote(env)} " if env and show_bin_env else "") + \
        shlex.join(["python3", os.path.relpath(os.path.abspath(script), REPO)] + list(sys.argv[1:] if argv is None else argv))


def find_binary(build_hint: str, without_flag: str) -> str | None:
    """Absolute path of $INTRINSIC_DIM_BIN (default DEFAULT_BIN), or None after an error message on stderr."""
    bin_path = os.environ.get("INTRINSIC_DIM_BIN") or DEFAULT_BIN
    if not (os.path.isfile(bin_path) and os.access(bin_path, os.X_OK)):
        print(f"error: intrinsic-dim binary not found or not executable: {bin_path}\n"
              f"  build it first (cd {REPO} && {build_hint}) or set INTRINSIC_DIM_BIN;\n"
              f"  use {without_flag}.", file=sys.stderr)
        return None
    return os.path.abspath(bin_path)


def finish(report: str, markdown_out: str | None, failures: int, strict: bool, target_fails: int) -> int:
    """Print the report (and write it to MARKDOWN_OUT); the exit status: 1 on failures (or failed targets with --strict)."""
    print(report)
    if markdown_out:
        os.makedirs(os.path.dirname(os.path.abspath(markdown_out)), exist_ok=True)
        with open(markdown_out, "w") as f:
            f.write(report)
        log(f"markdown written to {markdown_out}")
    if failures:
        return 1
    if strict and target_fails:
        return 1
    return 0


# ----------------------------------------------------------------------------- running

class Run:
    """One measured child process."""

    def __init__(self, cmd, wall, maxrss_kib, rc, stdout_path, stderr_path, utime=0.0, stime=0.0,
                 out_dir=None, error=""):
        self.cmd, self.wall, self.maxrss_kib, self.rc = cmd, wall, maxrss_kib, rc
        self.stdout_path, self.stderr_path, self.utime, self.stime = stdout_path, stderr_path, utime, stime
        self.out_dir = out_dir          # the output directory the child was given (removed before it ran)
        self._error = error             # why the child could not be started
        self._text: dict[str, str] = {}
        self.data: dict | None = None   # a harness's parsed result
        self.status = "ok"              # ok | unavailable | failed (set by the harness)
        self.note = ""

    def _read(self, path: str) -> str:
        # read on demand (and once): the parent's RSS is a floor under the next child's
        if path not in self._text:
            try:
                with open(path, errors="replace") as f:
                    self._text[path] = f.read()
            except OSError:
                self._text[path] = ""
        return self._text[path]

    @property
    def stdout(self) -> str:
        return self._read(self.stdout_path)

    @property
    def stderr(self) -> str:
        return self._error or self._read(self.stderr_path)

    @property
    def cpu_ratio(self) -> float:
        return (self.utime + self.stime) / self.wall if self.wall > 0 else 0.0


def run_measured(cmd: list[str], log_dir: str, tag: str, timeout: float, env: dict | None = None,
                 out_dir: str | None = None) -> Run:
    """Run CMD as a child; wall time around it, its own rusage from os.wait4.

    stdout/stderr go to LOG_DIR/TAG.stdout and .stderr; ENV is added to this process's
    environment; OUT_DIR (the child's output directory, if any) is removed first.  A child
    that cannot be started gives rc 127.

    Linux carries a process's high-water RSS across exec, and subprocess forks with
    vfork, so a child's ru_maxrss is at least this harness's own peak RSS (~15 MB):
    the harnesses therefore never import numpy or read big buffers themselves.
    """
    if out_dir:
        shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(log_dir, exist_ok=True)
    so, se = os.path.join(log_dir, f"{tag}.stdout"), os.path.join(log_dir, f"{tag}.stderr")
    with open(so, "wb") as fo, open(se, "wb") as fe:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, start_new_session=True,
                                 env=dict(os.environ, **env) if env else None)
        except OSError as e:
            fe.write(str(e).encode())
            return Run(cmd, 0.0, 0, 127, so, se, out_dir=out_dir, error=str(e))
        timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        try:
            _pid, status, ru = os.wait4(p.pid, 0)  # this child's own rusage (incl. its reaped descendants)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc  # already reaped; keep Popen from waiting again
    return Run(cmd, wall, ru.ru_maxrss, rc, so, se, ru.ru_utime, ru.ru_stime, out_dir=out_dir)


# ----------------------------------------------------------------------------- machine info

def _cmd_out(cmd: list[str], timeout: float = 20) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _pkg_version(name: str) -> str | None:
    # importlib.metadata reads the installed distribution's metadata; it does not import it.
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return None


def _first_line_starting(path: str, prefix: str) -> str | None:
    try:
        with open(path) as f:
            return next((l for l in f if l.startswith(prefix)), None)
    except OSError:
        return None


def machine_info(bin_path: str | None, dists: Iterable[str] = (), *, missing: str | None = "not installed",
                 extra: Callable[[], list[tuple[str, str]]] | None = None, cpu_details: bool = False,
                 cmd_timeout: float = 20) -> list[tuple[str, str]]:
    """(key, value) lines describing the machine, the software and the binary.

    DISTS: Python distributions whose installed versions to list (importlib.metadata, no
    import), as MISSING when not installed (None: leave the line out).  EXTRA: more lines
    after them (e.g. from a child interpreter).  CPU_DETAILS: also the SIMD flags, caches
    and transparent-huge-pages setting.  CMD_TIMEOUT: for each external command.
    """
    def out(cmd: list[str]) -> str:
        return _cmd_out(cmd, cmd_timeout)

    info = []
    lscpu = dict(l.split(":", 1) for l in out(["lscpu"]).splitlines() if ":" in l)
    lscpu = {k.strip(): v.strip() for k, v in lscpu.items()}
    cpu = lscpu.get("Model name", "")
    if cpu:
        extra_cpu = [f"{k.lower()} {lscpu[k]}" for k in ("CPU family", "Model") if lscpu.get(k)]
        if lscpu.get("Hypervisor vendor"):
            extra_cpu.append(f"{lscpu['Hypervisor vendor']} guest")
        if extra_cpu:
            cpu += f" ({', '.join(extra_cpu)})"
    else:
        line = _first_line_starting("/proc/cpuinfo", "model name")
        cpu = line.split(":", 1)[1].strip() if line else (platform.processor() or "?")
    info.append(("CPU", cpu))
    if cpu_details:
        flags = set(lscpu.get("Flags", "").split())
        simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512vl") if f in flags]
        if simd:
            info.append(("SIMD flags", " ".join(simd)))
        caches = [f"{k} {lscpu[k]}" for k in ("L1d cache", "L2 cache", "L3 cache") if lscpu.get(k)]
        if caches:
            info.append(("caches", ", ".join(caches)))
    ncpu = os.cpu_count()
    try:
        avail = len(os.sched_getaffinity(0))
    except AttributeError:
        avail = ncpu
    info.append(("cores", f"{ncpu} logical ({avail} available to this process)"))
    line = _first_line_starting("/proc/meminfo", "MemTotal:")
    if line:
        info.append(("memory", f"{int(line.split()[1]) / 2**20:.1f} GiB"))
    if cpu_details:
        try:
            with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
                info.append(("transparent huge pages", f.read().strip()))
        except OSError:
            pass
    line = _first_line_starting("/etc/os-release", "PRETTY_NAME=")
    osname = line.split("=", 1)[1].strip().strip('"') if line else ""
    info.append(("OS", f"{osname or platform.system()} (kernel {platform.release()})"))
    info.append(("Python", platform.python_version()))
    for dist in dists:
        v = _pkg_version(dist) or missing
        if v:
            info.append((dist, v))
    if extra:
        info.extend(extra())
    threads_env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                   if k in os.environ}
    if threads_env:
        info.append(("thread env", " ".join(f"{k}={v}" for k, v in threads_env.items())))
    sw = out(["swift", "--version"]).strip().splitlines()
    if sw:
        info.append(("Swift", sw[0]))
    if bin_path:
        info.append(("intrinsic-dim", bin_path))
        ver = out([bin_path, "--version"]).strip().splitlines()
        if ver:
            info.append(("intrinsic-dim --version", ver[0]))
    rev = out(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).strip()
    if rev:
        dirty = out(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"]).strip()
        info.append(("repo commit", rev + (" (+ uncommitted changes)" if dirty else "")))
    return info


# ----------------------------------------------------------------------------- shared by several harnesses

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "projections"))   # for childutil
from childutil import shard_files  # noqa: E402

INSTALL_TORCH = "pip install 'torch==2.13.0+cpu'"


EXIT_MISSING_DEPENDENCY = 3  # our children: package not installed


EX_USAGE = 64                # ArgumentParser: unknown subcommand / option


def warm(paths: list[str]) -> None:
    """Read the inputs once so both implementations start from a warm page cache."""
    for p in paths:
        for f in shard_files(p):
            with open(f, "rb") as fh:
                while fh.read(1 << 20):
                    pass


def tail(path: str, n: int = 15) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x >= 1 else f"{x:.3f}"


def describe(path: str) -> str:
    import struct
    from collections import Counter
    n2 = 0
    dts = Counter()
    total = 0
    for f in shard_files(path):
        with open(f, "rb") as fh:
            hdr = json.loads(fh.read(struct.unpack("<Q", fh.read(8))[0]))
        hdr.pop("__metadata__", None)
        for v in hdr.values():
            dts[v["dtype"]] += 1
            n2 += len(v["shape"]) >= 2
        total += os.path.getsize(f)
    return f"{sum(dts.values())} tensors ({n2} ≥2-D; {', '.join(f'{k}×{v}' for k, v in sorted(dts.items()))}), {total / 2**20:.0f} MiB"


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def classify(run: Run, required: list[str], ours: bool) -> Run:
    """Parse the child's one JSON object and set run.status / run.note."""
    if run.rc == 0:
        try:
            lines = [l for l in run.stdout.splitlines() if l.strip().startswith("{")]
            run.data = json.loads(lines[-1])
            missing = [k for k in required if k not in run.data]
            if missing:
                run.status, run.note = "failed", f"JSON lacks {missing}"
        except (IndexError, ValueError) as e:
            run.status, run.note = "failed", f"no JSON object on stdout ({e})"
    elif ours and run.rc == EX_USAGE:
        run.status = "unavailable"
        run.note = f"not supported by this binary (exit {run.rc}: {first_line(run.stderr)})"
    elif not ours and run.rc == EXIT_MISSING_DEPENDENCY:
        run.status, run.note = "unavailable", first_line(run.stderr)
    else:
        run.status = "failed"
        run.note = f"exit {run.rc}" + (f" (signal {-run.rc})" if run.rc < 0 else "") + \
            (f": {first_line(run.stderr.splitlines()[-1] if run.stderr.strip() else '')}" if run.stderr.strip() else "")
    return run


def binary_fingerprint(path: str) -> str:
    """size, mtime and sha256 prefix of the binary (to notice a rebuild during the run)."""
    import hashlib
    st = os.stat(path)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime))
    return f"{st.st_size} bytes, modified {mtime}, sha256 {h.hexdigest()[:12]}"


def run_conditions(bin_path: str | None, bin_before: str | None, load_before: str) -> list[tuple[str, str]]:
    """Machine-info lines closing a run: the binary's fingerprint (with a warning when it was
    rebuilt during the run, so the results would mix two builds) and the load before / after."""
    lines = []
    if bin_path:
        bin_after = binary_fingerprint(bin_path)
        lines.append(("intrinsic-dim binary", bin_before))
        if bin_after != bin_before:
            lines.append(("WARNING", f"the binary changed during the run (now {bin_after}): results mix two builds"))
            log(f"WARNING: {bin_path} changed during the run: {bin_before} -> {bin_after}")
    lines.append(("load average (1, 5, 15 min) before / after", f"{load_before} / {load_average()}"))
    return lines


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "FAIL")
