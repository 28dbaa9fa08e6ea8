#!/usr/bin/env bash
# R2: runs every cargo-fuzz target of this directory, one at a time, for N seconds each
# (default 600), from its corpus (fuzz/corpus/<target>, kept between runs), its seeds
# (fuzz/seeds/<target>) and its regression inputs (fuzz/regressions/<target>), then prints one
# summary line per target: runs, crashes (a crash, timeout or out-of-memory input stops that
# target; libFuzzer writes it to fuzz/artifacts/<target>/).
#
#   fuzz/run-all.sh [-s SECONDS] [TARGET...]      (FUZZ_SECONDS works too)
#
# Not in CI. Never beside a bench or the soak: both measure time and memory, so this script
# refuses to start while one runs. It installs nothing: it says what is missing.
# Exit status: 0 when every target ran its time without a crash, 1 on a crash, 2 on a refusal.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${FUZZ_SECONDS:-600}"
if [[ "${1:-}" == "-s" ]]; then
    seconds="${2:?-s needs a number of seconds}"
    shift 2
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds == 0 )); then
    echo "run-all.sh: the time per target must be a positive number of seconds, not '$seconds'" >&2
    exit 2
fi

# Nothing is installed silently: say how to get what is missing.
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "run-all.sh: a nightly toolchain is needed (cargo-fuzz builds with sanitizers):" >&2
    echo "    rustup toolchain install nightly --profile minimal" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "run-all.sh: cargo-fuzz is needed:" >&2
    echo "    cargo install cargo-fuzz --locked" >&2
    exit 2
fi

# Never beside a bench or the soak (their figures would be wrong, and so would ours).
busy="$(pgrep -a -x '(soak|restpoint-bench)' 2>/dev/null; pgrep -a -f 'xtask(\.exe)? bench' 2>/dev/null)"
if [[ -n "$busy" ]]; then
    echo "run-all.sh: a soak or bench process is running; not starting beside it:" >&2
    echo "$busy" | sed 's/^/    /' >&2
    exit 2
fi

cd "$here" || exit 2
if (( $# > 0 )); then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
if (( ${#targets[@]} == 0 )); then
    echo "run-all.sh: no fuzz target found" >&2
    exit 2
fi

echo "run-all.sh: ${#targets[@]} targets x ${seconds} s, one at a time; building them first"
cargo +nightly fuzz build || exit 2

logs="$here/artifacts/logs"
mkdir -p "$logs"
summary=()
failed=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    dirs=("corpus/$target")
    [[ -d "seeds/$target" ]] && dirs+=("seeds/$target")
    [[ -d "regressions/$target" ]] && dirs+=("regressions/$target")
    log="$logs/$target.log"
    before=$(find "artifacts/$target" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    echo "run-all.sh: $target for ${seconds} s from ${dirs[*]} (log: $log)"
    started=$(date +%s)
    cargo +nightly fuzz run "$target" "${dirs[@]}" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1
    status=$?
    took=$(( $(date +%s) - started ))
    after=$(find "artifacts/$target" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    crashes=$(( after - before ))
    if (( status != 0 && crashes == 0 )); then
        crashes=1 # libFuzzer stopped on a finding it did not write, or the build failed
    fi
    runs=$(grep -oE '^Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+')
    [[ -z "$runs" ]] && runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    [[ -z "$runs" ]] && runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    line="$(printf '%-22s runs %12s  crashes %d  %4d s' "$target" "${runs:-?}" "$crashes" "$took")"
    if (( crashes > 0 )); then
        line+="  FAILED: see $log and $here/artifacts/$target/"
        failed=1
    fi
    echo "run-all.sh: $line"
    summary+=("$line")
done

echo
echo "summary (${seconds} s per target):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
