#!/usr/bin/env bash
# Run every fuzz target for RUNS executions (default 1,000,000), starting
# from the seeds in fuzz/seeds/ and the corpus kept in fuzz/corpus/.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#   scripts/fuzz.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
runs="${1:-1000000}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(dotenv compose dockerfile project)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t: $runs runs"
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
    -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=512 -print_final_stats=1 2>&1 \
    | grep -E "^(stat::|Done|==|#[0-9]+ *DONE)|SUMMARY|panicked|ERROR" || true
  echo "corpus/$t: $(ls "corpus/$t" | wc -l) inputs"
done
