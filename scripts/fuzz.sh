#!/usr/bin/env bash
# Run every fuzz target for RUNS executions (default 1,000,000), starting
# from the seeds in fuzz/seeds/ and the corpus kept in fuzz/corpus/.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#   scripts/fuzz.sh [RUNS] [TARGET...]
# The crate forbids `unsafe` (src/lib.rs), so what fuzzing can find is a panic, a hang or
# unbounded memory; AddressSanitizer adds nothing to that and costs a factor
# of 2-12 (the project target: 59 → 750 executions a second on its corpus).
# SANITIZER=address brings it back. NO_TRACE_COMPARES=1 builds without
# comparison tracing: for a structured target (expansion) that guides the
# mutator little and cost a third of the time (239 → 354 executions a second).
# The whole libFuzzer log of each target is kept in fuzz/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
runs="${1:-1000000}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(dotenv compose dockerfile project expansion)
sanitizer="${SANITIZER:-none}"
flags=()
[ "${NO_TRACE_COMPARES:-0}" = 1 ] && flags+=(--no-trace-compares)
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  dirs=("corpus/$t")
  [ -d "seeds/$t" ] && dirs+=("seeds/$t")
  echo "== $t: $runs runs (sanitizer: $sanitizer)"
  cargo +nightly fuzz run -O -s "$sanitizer" "${flags[@]}" "$t" "${dirs[@]}" -- \
    -runs="$runs" -max_len=8192 -timeout=30 -rss_limit_mb=512 -print_final_stats=1 \
    >"logs/$t.log" 2>&1 || true
  grep -E "^(stat::|Done|==|#[0-9]+ *DONE)|SUMMARY|panicked|ERROR" "logs/$t.log" || true
  echo "corpus/$t: $(ls "corpus/$t" | wc -l) inputs"
done
