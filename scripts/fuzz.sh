#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ with the address sanitizer and runs each in turn.
#
#   scripts/fuzz.sh [TARGET...]     targets: safetensors npy npz idx adapter_config sweep_journal text_file tokenizer (default: all)
#
# Environment (defaults in brackets):
#   FUZZ_SECONDS [600]   time per target (-max_total_time)
#   FUZZ_RSS_MB  [2048]  memory limit per process (-rss_limit_mb; also the single-malloc limit)
#   FUZZ_TIMEOUT [10]    seconds one input may take before it counts as a hang (-timeout)
#   FUZZ_DIR     [.build-fuzz]  scratch path of the build; runs go to $FUZZ_DIR/runs/<target>/
#   FUZZ_BUILD   [1]     0 to reuse the binaries already built
#   FUZZ_BIN     [$FUZZ_DIR/release]  where the binaries are (a copy lets a long run go on while you rebuild)
#
# Each target starts from its committed seeds (Fuzz/corpus/<target>, read only) and
# the working corpus of earlier runs ($FUZZ_DIR/runs/<target>/corpus), with leak
# detection on. A crash, hang (timeout), leak or out-of-memory stops that target and
# leaves the input in $FUZZ_DIR/runs/<target>/; the script still runs the remaining
# targets, prints one summary line per target, and exits 1 if any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-600}
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-10}
DIR=${FUZZ_DIR:-.build-fuzz}
BIN=${FUZZ_BIN:-$DIR/release}
SWIFT=${SWIFT:-swift}
ALL=(safetensors npy npz idx adapter_config sweep_journal text_file tokenizer)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

product() {
    case "$1" in
        safetensors) echo FuzzSafetensors ;;
        npy) echo FuzzNPY ;;
        npz) echo FuzzNPZ ;;
        idx) echo FuzzIDX ;;
        adapter_config) echo FuzzAdapterConfig ;;
        sweep_journal) echo FuzzSweepJournal ;;
        text_file) echo FuzzTextFile ;;
        tokenizer) echo FuzzTokenizer ;;
        *) echo "fuzz.sh: unknown target '$1' (known: ${ALL[*]})" >&2; exit 64 ;;
    esac
}

# -sanitize=fuzzer instruments for coverage and links libFuzzer. SwiftPM makes the target's
# main.swift the program's main (--defsym main=<Target>_main), so libFuzzer's main never runs;
# -DFUZZING makes fuzzMain (Fuzz/_FuzzSupport) call libFuzzer's driver, LLVMFuzzerRunDriver.
FLAGS=(-c release --scratch-path "$DIR"
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -g -Xswiftc -DFUZZING)
if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    for t in "${TARGETS[@]}"; do
        p=$(product "$t")
        echo "== building $p"
        "$SWIFT" build "${FLAGS[@]}" --product "$p" 2>&1 | grep -v "Cannot export local symbol" | grep -E "error|warning: unre|Compiling|Build" || true
        [ -x "$DIR/release/$p" ] || { echo "fuzz.sh: $p was not built" >&2; exit 1; }
    done
fi

# The Swift runtime's own crash backtracer would intercept the fatal signals that libFuzzer
# reports (and wait on an interactive prompt); libFuzzer and ASan report instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:handle_abort=1:symbolize=1}
SYM=$(command -v llvm-symbolizer || true)
[ -n "$SYM" ] && export ASAN_SYMBOLIZER_PATH="$SYM"

failed=0
summary=()
for t in "${TARGETS[@]}"; do
    p=$(product "$t")
    run="$DIR/runs/$t"
    mkdir -p "$run/corpus"
    # Findings of an earlier run are kept, out of the way, in $run/previous/.
    for f in "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-* "$run"/slow-unit-*; do
        [ -e "$f" ] && mkdir -p "$run/previous" && mv "$f" "$run/previous/"
    done
    dict=()
    [ -f "Fuzz/dict/$t.dict" ] && dict=(-dict="Fuzz/dict/$t.dict")
    echo "== fuzzing $t for ${SECONDS_PER_TARGET}s (log: $run/fuzz.log)"
    set +e
    "$BIN/$p" "$run/corpus" "Fuzz/corpus/$t" "${dict[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
        -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$run/" > "$run/fuzz.log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/fuzz.log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$run/fuzz.log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$run/fuzz.log" | tail -1 || true)
    findings=$(ls "$run" | grep -E '^(crash|leak|timeout|oom)-' || true)
    if [ $rc -ne 0 ] || [ -n "$findings" ]; then
        failed=1
        line="$t: FAILED (exit $rc) after ${execs:-?} executions: ${findings:-see log}"
        grep -E "^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error:)" "$run/fuzz.log" | head -5 || true
    else
        line="$t: clean, ${secs:-?} s, ${execs:-?} executions, ${cov:-?}, $(ls "$run/corpus" | wc -l) units in the working corpus"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
