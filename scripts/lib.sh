# shellcheck shell=bash
# What the packaging tests (test-wheel.sh, test-action.sh,
# test-pre-commit.sh) share, sourced once they have made their temporary
# folder $tmp:
#
#   . "$(dirname "$0")/lib.sh"
#
# Each keeps the output of the command under test in $tmp/out, which a
# failure shows.
: "${tmp:?lib.sh: set tmp before sourcing it}"

# fail MESSAGE...: the message, then $tmp/out if there is one, on stderr;
# exit 1.
fail() {
  echo "FAIL: $*" >&2
  if [ -f "$tmp/out" ]; then sed 's/^/  | /' "$tmp/out" >&2; fi
  exit 1
}

# expect_in_out STRING...: fail unless $tmp/out holds each STRING.
expect_in_out() { for s in "$@"; do grep -qF -- "$s" "$tmp/out" || fail "no \`$s\` in the output"; done; }

# new_venv DIR PIP-ARGUMENT...: a new virtualenv in DIR (python3 -m venv), then
# `pip install PIP-ARGUMENT...` in it, quietly: what each test takes from
# PyPI (or a wheel it built), apart from the machine's Python.
new_venv() {
  python3 -m venv "$1"
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check "${@:2}"
}
