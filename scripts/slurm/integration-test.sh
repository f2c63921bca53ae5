#!/usr/bin/env bash
# Runs the Slurm job scripts under a real Slurm: installs Debian's slurm-wlm and munge (apt-get, as
# root), starts munged, slurmctld and slurmd on localhost (a one-node cluster with 2 CPUs, its state
# in a temporary directory), submits a small `sweep` and a `rank` on a committed fixture pair as
# array jobs through scripts/slurm/submit.sh, waits for the arrays and their dependent merge jobs,
# and checks each merged result equals a one-machine run of the same options:
#   sweep: sweep.csv (wall times aside), the d_int90.json estimate, every run folder;
#   rank:  rank_summary.csv, spectra.csv, vector_summary.csv, vectors.safetensors byte for byte,
#          rank_summary.json apart from the provenance's command line, times and host.
#
#   sudo scripts/slurm/integration-test.sh [path/to/intrinsic-dim]     (default .build/release, else .build/debug)
#
# Needs root, no systemd: the daemons run in the foreground as children of this script and are
# stopped (by their process ids, after cancelling any job left) and their state removed on exit;
# KEEP=1 (or a failure) keeps the temporary directory for a look at the logs. Ports SLURMCTLD_PORT (default 6917) and SLURMD_PORT (6918).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
say() { printf 'slurm-integration: %s\n' "$*"; }
die() { printf 'slurm-integration: FAIL: %s\n' "$*" >&2; exit 1; }

bin="${1:-${INTRINSIC_DIM_BIN:-}}"
if [ -z "$bin" ]; then
  for b in "$repo/.build/release/intrinsic-dim" "$repo/.build/debug/intrinsic-dim"; do [ -x "$b" ] && { bin="$b"; break; }; done
fi
[ -n "$bin" ] && [ -x "$bin" ] || die "no intrinsic-dim binary (build it, or pass its path)"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[ "$(id -u)" = 0 ] || die "run as root: it installs packages and starts the Slurm daemons"
started_at=$(date +%s)

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -1)"

# 2. A one-node cluster in a temporary directory.
state="$(mktemp -d /tmp/intrinsic-dim-slurm.XXXXXX)"
chmod 755 "$state"
pids=()
ids=""
cleanup() {
  local status=$?
  if [ -n "$ids" ]; then   # jobs still running: cancel them while slurmd can still end their steps
    scancel "${ids//,/ }" 2>/dev/null || true
    for _ in $(seq 60); do [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then say "state and logs kept in $state"; else rm -rf "$state"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$state/munge" "$state/ctld" "$state/spool" "$state/work"
chmod 700 "$state/munge"
dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$state/munge/munge.key"
socket="$state/munge/munge.socket"
munged --foreground --force --key-file "$state/munge/munge.key" --socket "$socket" \
  --pid-file "$state/munge/munged.pid" --log-file "$state/munge/munged.log" --seed-file "$state/munge/munged.seed" \
  2>>"$state/munge/munged.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || die "munged did not start (see $state/munge/munged.log)"
munge --socket "$socket" -n | unmunge --socket "$socket" >/dev/null || die "munge credential round trip failed"

host="$(hostname -s)"
hw="$(slurmd -C 2>/dev/null | head -1 || true)"
say "slurmd -C: ${hw:-unavailable}"
cpus="$(printf '%s\n' "$hw" | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p')"
[ -z "$cpus" ] || [ "$cpus" -ge 2 ] || die "slurmd -C reports $cpus CPUs; the test cluster needs 2"
export SLURM_CONF="$state/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=intrinsicdim
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${SLURMCTLD_PORT:-6917}
SlurmdPort=${SLURMD_PORT:-6918}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=3600
NodeName=localhost NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$state/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$state/slurmd.out" 2>&1 &
pids+=($!)
node=""
for _ in $(seq 120); do
  node="$(sinfo -h -N -n localhost -o '%T' 2>/dev/null || true)"
  [ "$node" = idle ] && break
  sleep 0.5
done
[ "$node" = idle ] || die "node localhost is '${node:-unreachable}', not idle, after 60 s (see $state/slurmctld.log, slurmd.log)"
say "cluster up: $(sinfo -h -o '%P %a %D %T %c CPUs' | head -1)"

# 3. Array jobs through submit.sh (1 CPU per task, so two shards run at once on the 2 CPUs).
cd "$state/work"
export INTRINSIC_DIM_BIN="$bin"
export SBATCH_EXTRA="--cpus-per-task=1"
sweep_opts=(--model fc --dataset "$repo/Tests/Fixtures/training/datasets/mnist_subset.npz" --d 20,60 --seeds 2
            --epochs 1 --lr 0.01 --wht fftw)
rank_opts=(--base "$repo/Tests/Fixtures/rank/f32_base.safetensors" --tuned "$repo/Tests/Fixtures/rank/f32_tuned.safetensors"
           --vectors 2)
submitted=$("$repo/scripts/slurm/submit.sh" sweep "$state/work/sweep" 3 -- "${sweep_opts[@]}")
say "$submitted"
jobs=($(printf '%s\n' "$submitted" | sed -n 's/.*array job \([0-9]*\).*merge job \([0-9]*\).*/\1 \2/p'))
submitted=$("$repo/scripts/slurm/submit.sh" rank "$state/work/rank" 3 -- "${rank_opts[@]}")
say "$submitted"
jobs+=($(printf '%s\n' "$submitted" | sed -n 's/.*array job \([0-9]*\).*merge job \([0-9]*\).*/\1 \2/p'))
[ ${#jobs[@]} = 4 ] || die "could not read the job ids from submit.sh's output"
ids="$(IFS=,; echo "${jobs[*]}")"

# One-machine runs of the same options meanwhile (they compete for the CPUs; results do not care).
"$bin" sweep "${sweep_opts[@]}" --threads 2 --out "$state/work/sweep-single" >"$state/work/sweep-single.log" 2>&1 \
  || die "the one-machine sweep failed (see $state/work/sweep-single.log)"
"$bin" rank "${rank_opts[@]}" --jobs 2 --out "$state/work/rank-single" >"$state/work/rank-single.log" 2>&1 \
  || die "the one-machine rank failed (see $state/work/rank-single.log)"

deadline=$(( $(date +%s) + ${TIMEOUT:-900} ))
while :; do
  queue="$(squeue -h -j "$ids" -o '%i %T %r' 2>/dev/null || true)"
  [ -z "$queue" ] && break
  if printf '%s\n' "$queue" | grep -q DependencyNeverSatisfied; then die "a merge job can never start: $queue"; fi
  [ "$(date +%s)" -lt $deadline ] || die "jobs still queued after ${TIMEOUT:-900} s: $queue"
  sleep 2
done
for id in "${jobs[@]}"; do
  bad="$(scontrol show job "$id" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | grep -v COMPLETED || true)"
  [ -z "$bad" ] || die "job $id ended $(echo $bad) (logs: $state/work/*.out)"
done
say "all jobs COMPLETED: $(scontrol show job "${jobs[0]}" | grep -c 'JobState=COMPLETED') sweep array tasks, $(scontrol show job "${jobs[2]}" | grep -c 'JobState=COMPLETED') rank array tasks, 2 merge jobs"

# 4. Merged results against the one-machine runs.
python3 - "$state/work" <<'PY'
import csv, json, os, sys
w = sys.argv[1]
checks = []
def rows(d):
    with open(os.path.join(d, "sweep.csv")) as f:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(f)]
def estimate(d):
    with open(os.path.join(d, "d_int90.json")) as f:
        j = json.load(f)
    return {k: j[k] for k in ("d_int90", "d_int90_absolute", "baseline_accuracy", "dimensions")}
sm, ss = os.path.join(w, "sweep/merged"), os.path.join(w, "sweep-single")
checks += [
    ("sweep: shard folders shard-1..3-of-3", sorted(x for x in os.listdir(os.path.join(w, "sweep")) if x.startswith("shard-"))
     == ["shard-1-of-3", "shard-2-of-3", "shard-3-of-3"]),
    (f"sweep: merged sweep.csv equals the one-machine run's ({len(rows(ss))} runs, wall times aside)", rows(sm) == rows(ss)),
    ("sweep: merged d_int90.json estimate equals the one-machine run's", estimate(sm) == estimate(ss)),
    ("sweep: every run folder merged", sorted(os.listdir(os.path.join(sm, "runs"))) == sorted(os.listdir(os.path.join(ss, "runs")))),
]
rm, rs = os.path.join(w, "rank/merged"), os.path.join(w, "rank-single")
def raw(d, f):
    with open(os.path.join(d, f), "rb") as h:
        return h.read()
def comparable(d):
    j = json.loads(raw(d, "rank_summary.json"))
    for k in ("arguments", "started_at", "seconds", "host", "processors"):
        j["provenance"].pop(k, None)
    j["provenance"]["options"].pop("jobs", None)
    for t in j["tensors"]:
        t.pop("seconds", None)
    return j
for f in ("rank_summary.csv", "spectra.csv", "vector_summary.csv", "vectors.safetensors"):
    checks.append((f"rank: merged {f} byte-identical to the one-machine run's", raw(rm, f) == raw(rs, f)))
checks.append(("rank: merged rank_summary.json equals the one-machine run's (command line, times, host aside)",
               comparable(rm) == comparable(rs)))
failed = 0
for name, ok in checks:
    print(f"slurm-integration: {'ok  ' if ok else 'FAIL'} {name}")
    failed += not ok
print(f"slurm-integration: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
say "passed in $(( $(date +%s) - started_at )) s"
