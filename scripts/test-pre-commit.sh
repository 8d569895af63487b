#!/usr/bin/env bash
# The pre-commit hook, end to end, as a user meets it: pre-commit (from PyPI,
# in a throwaway virtualenv) builds the hook of .pre-commit-hooks.yaml with
# cargo and runs it in a throwaway git repository holding a fixture.
#
# try-repo clones a commit, not the working tree: the hook repository used
# here is a temporary commit of this working tree (tracked and untracked,
# non-ignored files), so what is tested is what is on disk.
#
#   bash scripts/test-pre-commit.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/mppeep-pre-commit.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# pre-commit's `cargo install` builds into the same target folder as the
# tests, so the release build is done once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PRE_COMMIT_HOME="$tmp/pre-commit-home"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@localhost
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@localhost
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset NO_COLOR

expect_not_in_out() { for s in "$@"; do ! grep -qF -- "$s" "$tmp/out" || fail "\`$s\` in the output"; done; }

echo "pre-commit: installing pre-commit in a virtualenv"
new_venv "$tmp/venv" pre-commit
pre_commit="$tmp/venv/bin/pre-commit"
"$pre_commit" --version

echo "pre-commit: committing the working tree to a temporary hook repository"
hook_repo="$tmp/hook-repo"
mkdir "$hook_repo"
(
  cd "$root"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      if [ -f "$f" ]; then printf '%s\0' "$f"; fi
    done |
    tar --null -T - -cf -
) | tar -xf - -C "$hook_repo"
git -C "$hook_repo" init -q
git -C "$hook_repo" add -A
git -C "$hook_repo" commit -q -m "working tree under test"
rev="$(git -C "$hook_repo" rev-parse HEAD)"

# A project repository holding one fixture at its root.
project="$tmp/project"
use_fixture() {
  rm -rf "$project"
  mkdir -p "$project"
  cp -R "$root/fixtures/$1/." "$project/"
  git -C "$project" init -q
  git -C "$project" add -A
  git -C "$project" commit -q -m "$1"
}

echo "pre-commit: try-repo on the broken fixture (expect failure)"
use_fixture mppeep-broken
if (cd "$project" && "$pre_commit" try-repo "$hook_repo" mppeep-lint --all-files) >"$tmp/out" 2>&1; then
  fail "try-repo passed on the broken fixture"
fi
expect_in_out "mppeep-lint" "Failed" \
  "localhost-in-container" "missing-secret" "quoted-value" "root-user" "no-healthcheck" \
  ".env:5:57" "docker-compose.prod.yml:46:18" "Dockerfile.prod:23:1"
expect_not_in_out "mppeep-db-password"

echo "pre-commit: try-repo on the fixed fixture (expect success)"
use_fixture mppeep
if ! (cd "$project" && "$pre_commit" try-repo "$hook_repo" mppeep-lint --all-files) >"$tmp/out" 2>&1; then
  fail "try-repo failed on the fixed fixture"
fi
expect_in_out "mppeep-lint" "Passed"

echo "pre-commit: the README's .pre-commit-config.yaml, on a changed .env only"
use_fixture mppeep-broken
python3 "$root/scripts/readme_snippet.py" test-pre-commit.sh |
  sed -e "s#^\(  - repo: \).*#\1$hook_repo#" -e "s#^\(    rev: \).*#\1$rev#" \
    >"$project/.pre-commit-config.yaml"
grep -q "id: mppeep-lint$" "$project/.pre-commit-config.yaml" || fail "the README's snippet has no hook mppeep-lint"
grep -q "repo: $hook_repo$" "$project/.pre-commit-config.yaml" || fail "the README's snippet has no repo line"
git -C "$project" add .pre-commit-config.yaml
git -C "$project" commit -q -m "pre-commit configuration"
# What a commit touching only .env runs: the hook gets .env alone, lints it
# with the compose file it feeds, and reports what concerns .env.
echo "# changed" >>"$project/.env"
git -C "$project" add .env
if (cd "$project" && "$pre_commit" run) >"$tmp/out" 2>&1; then
  fail "the hook passed on a changed .env of the broken fixture"
fi
expect_in_out "Failed" ".env:5:57" "localhost-in-container" "missing-secret" "docker-compose.prod.yml:44:20"
expect_not_in_out "quoted-value" "root-user" "mppeep-db-password"
sed 's/^/  | /' "$tmp/out"

echo "pre-commit: a changed file the hook does not take is skipped"
echo "# changed" >>"$project/requirements.txt"
git -C "$project" commit -q -a -m "commit the broken .env" --no-verify
echo "# changed again" >>"$project/requirements.txt"
git -C "$project" add requirements.txt
if ! (cd "$project" && "$pre_commit" run) >"$tmp/out" 2>&1; then
  fail "the hook ran on requirements.txt"
fi
expect_in_out "(no files to check)Skipped"

echo "pre-commit: ok"
