"""The real clients (torch, peft, transformers) of the check scripts, found where `make test`
installs them: the project venv `.venv/` (scripts/setup-venv.sh).

    from clients import require_clients
    require_clients("check-peft", ("torch", "peft", "transformers"), "PEFT's loading of our adapters")

A script run by another Python (`python3 Tests/Fixtures/check_fixtures.py`) whose interpreter lacks
a client re-executes itself once with `.venv/bin/python` when that venv exists. Without the
clients the check fails, unless INTRINSIC_DIM_NO_CLIENTS=1 opts out; then it prints that it did
not run. No check skips silently.
"""
import importlib.util
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_PYTHON = os.path.join(REPO, ".venv", "bin", "python")
_REEXEC_MARK = "INTRINSIC_DIM_CLIENTS_REEXEC"


def missing(modules):
    """The modules of `modules` this interpreter cannot import."""
    out = []
    for m in modules:
        try:
            if importlib.util.find_spec(m) is None:
                out.append(m)
        except (ImportError, ValueError):
            out.append(m)
    return out


def use_project_venv(modules):
    """Re-executes this script with the project venv's Python when this interpreter lacks one
    of `modules` and the venv (not yet tried) exists; returns otherwise."""
    if not missing(modules) or os.environ.get(_REEXEC_MARK) == "1" or not os.access(VENV_PYTHON, os.X_OK):
        return
    if os.path.realpath(sys.prefix) == os.path.realpath(os.path.join(REPO, ".venv")):
        return
    os.environ[_REEXEC_MARK] = "1"
    sys.stdout.flush()
    os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)


def opted_out():
    """Whether INTRINSIC_DIM_NO_CLIENTS=1 leaves the clients out."""
    return os.environ.get("INTRINSIC_DIM_NO_CLIENTS") == "1"


def require_clients(tag, modules, unchecked):
    """Makes `modules` importable (through the project venv if need be), or ends the script:
    exit 0 with a DID NOT RUN line under the opt-out, else exit 1 with a FAIL line."""
    use_project_venv(modules)
    gone = missing(modules)
    if not gone:
        return
    if opted_out():
        print(f"{tag}: DID NOT RUN (INTRINSIC_DIM_NO_CLIENTS=1): unchecked: {unchecked}")
        sys.exit(0)
    print(f"{tag}: FAIL: {', '.join(gone)} not importable by {sys.executable} and no project venv "
          f"with them: `make test` (or scripts/setup-venv.sh) installs them into .venv; "
          f"INTRINSIC_DIM_NO_CLIENTS=1 opts out")
    sys.exit(1)
