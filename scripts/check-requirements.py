"""Exits 0 when every `name==version` line of a requirements file is installed
at that version, 1 (naming what is missing) otherwise."""
import sys
from importlib import metadata

missing = []
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, version = line.partition("==")
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        missing.append(f"{line} (not installed)")
        continue
    if version and have != version:
        missing.append(f"{line} (have {have})")
if missing:
    print("missing: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
