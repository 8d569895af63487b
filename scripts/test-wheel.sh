#!/usr/bin/env bash
# The Python package, end to end: maturin (from PyPI, in a throwaway
# virtualenv) builds the wheel of pyproject.toml; a fresh virtualenv installs
# it with no index, and its `mppeep-lint` lints the fixtures.
#
#   bash scripts/test-wheel.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/mppeep-wheel.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# maturin builds into the same target folder as the tests.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

echo "wheel: installing maturin in a virtualenv"
new_venv "$tmp/build" 'maturin>=1.9,<2.0'
"$tmp/build/bin/maturin" --version

echo "wheel: maturin build --release"
(cd "$root" && "$tmp/build/bin/maturin" build --release --locked -o "$tmp/dist") >"$tmp/out" 2>&1 ||
  fail "maturin build"
wheel="$(find "$tmp/dist" -name 'mppeep_lint-*.whl')"
[ -n "$wheel" ] || fail "no wheel in $tmp/dist"
echo "wheel: $(basename "$wheel")"

echo "wheel: installing it in a fresh virtualenv"
new_venv "$tmp/user" --no-index "$wheel"
bin="$tmp/user/bin/mppeep-lint"
[ -x "$bin" ] || fail "the wheel installs no mppeep-lint script"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
[ "$("$bin" --version)" = "mppeep-lint $version" ] || fail "version: $("$bin" --version)"

cd "$root"
status=0
"$bin" check fixtures/mppeep-broken --format compact >"$tmp/out" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "exit status $status on the broken fixture, expected 1"
grep -q 'error\[quoted-value\]' "$tmp/out" || fail "no quoted-value finding"
! grep -q mppeep-db-password "$tmp/out" || fail "a secret in the output"

status=0
"$bin" check fixtures/mppeep --format compact >"$tmp/out" 2>&1 || status=$?
[ "$status" -eq 0 ] || fail "exit status $status on the fixed fixture, expected 0"

"$bin" man >"$tmp/out" && grep -q '^\.TH mppeep-lint 1' "$tmp/out" || fail "no man page"

echo "wheel: ok"
