"""Run the composite action of action.yml the way the GitHub Actions runner
runs it, for scripts/test-action.sh.

What the runner does and this does too, for each step in order:
- substitutes the `${{ ... }}` expressions in `run:`, `env:` and
  `working-directory:` (`inputs.*` from `with:` or the input's default,
  `github.action_path`, `github.workspace`, `runner.temp`,
  `steps.<id>.outputs.<name>`); any other expression is an error here, so the
  action cannot depend on something this emulation would get wrong;
- gives the step a fresh `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file, and
  `GITHUB_ACTION_PATH`, `GITHUB_WORKSPACE`, `RUNNER_TEMP`, `GITHUB_PATH`,
  `GITHUB_ENV`, `CI`, `GITHUB_ACTIONS`, in the workspace as current folder;
- runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail FILE`;
- reads the step's outputs (`name=value` and `name<<DELIMITER` forms), the
  lines added to GITHUB_PATH and GITHUB_ENV for the next steps, and stops at
  the first failing step with its exit status.

Two actions a step may use are emulated: `actions/cache/restore@v4`
(copies `path` back from `--cache-dir`/KEY when it is there, and sets the
`cache-hit` output) and `actions/cache/save@v4` (copies `path` there). A
step's `if:` may compare a step output with a quoted string (`==`, `!=`);
anything else is refused. `github.action_ref` is `--action-ref` (`local`
when not given), `runner.os` is `Linux`.

Composite actions do not get `INPUT_*` variables from the runner (only
JavaScript and Docker actions do): this sets none, and refuses an action that
reads them.

    python3 scripts/run_action.py ACTION_DIR --workspace DIR --runner-dir DIR \
        [--readme-workflow README.md] [--input NAME=VALUE]...

`--readme-workflow` takes the inputs from the `with:` of the step of the
README's tested workflow that uses this action. The exit status is the
action's; `--runner-dir` receives `summary.md` (every step's summary) and
`outputs.json` (the action's outputs).
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Unsupported(Exception):
    pass


def read_outputs(path: pathlib.Path) -> dict:
    """GITHUB_OUTPUT / GITHUB_ENV syntax: `name=value` or `name<<EOF`..`EOF`."""
    out = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            if i == len(lines):
                raise Unsupported(f"{path}: no closing {delimiter!r} for {name}")
            i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise Unsupported(f"{path}: invalid line {line!r}")
    return out


def inputs_from_readme(readme: pathlib.Path, action_name: str) -> dict:
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from readme_snippet import snippet

    workflow = yaml.safe_load(snippet(readme.read_text(), "test-action.sh"))
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            uses = step.get("uses", "")
            if re.fullmatch(rf"[^/]+/{re.escape(action_name)}@[^/]+", uses):
                return {k: str(v) for k, v in (step.get("with") or {}).items()}
    raise Unsupported(f"the README's workflow has no step using */{action_name}@...")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("action_dir", type=pathlib.Path)
    ap.add_argument("--workspace", type=pathlib.Path, required=True)
    ap.add_argument("--runner-dir", type=pathlib.Path, required=True)
    ap.add_argument("--readme-workflow", type=pathlib.Path)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--cache-dir", type=pathlib.Path)
    ap.add_argument("--action-ref", default="local")
    args = ap.parse_args()

    action_dir = args.action_dir.resolve()
    workspace = args.workspace.resolve()
    runner = args.runner_dir.resolve()
    text = (action_dir / "action.yml").read_text()
    if "INPUT_" in text:
        raise Unsupported("action.yml reads INPUT_* variables, which composite actions do not get")
    action = yaml.safe_load(text)
    if action["runs"]["using"] != "composite":
        raise Unsupported("only composite actions")

    given = {}
    if args.readme_workflow:
        given.update(inputs_from_readme(args.readme_workflow, action["name"]))
    for kv in args.input:
        name, value = kv.split("=", 1)
        given[name] = value
    declared = action.get("inputs") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise Unsupported(f"inputs the action does not declare: {unknown}")
    inputs = {}
    for name, spec in declared.items():
        if name in given:
            inputs[name] = given[name]
        elif spec.get("required") and "default" not in spec:
            raise Unsupported(f"required input {name} not given")
        else:
            inputs[name] = str(spec.get("default", ""))
    print(f"run_action: inputs {json.dumps(inputs)}", file=sys.stderr)

    temp = runner / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    github_path = runner / "path"
    github_env = runner / "env"
    github_path.touch()
    github_env.touch()
    steps: dict = {}

    def evaluate(s: str) -> str:
        def one(m: re.Match) -> str:
            expr = m.group(1)
            if expr.startswith("inputs."):
                name = expr[len("inputs."):]
                if name not in inputs:
                    raise Unsupported(f"undeclared input in ${{{{ {expr} }}}}")
                return inputs[name]
            if expr == "github.action_path":
                return str(action_dir)
            if expr == "github.workspace":
                return str(workspace)
            if expr == "runner.temp":
                return str(temp)
            if expr == "runner.os":
                return "Linux"
            if expr == "github.action_ref":
                return args.action_ref
            sm = re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr)
            if sm:
                return steps.get(sm.group(1), {}).get(sm.group(2), "")
            raise Unsupported(f"expression not emulated: ${{{{ {expr} }}}}")

        return EXPRESSION.sub(one, str(s))

    summary = runner / "summary.md"
    summary.write_text("")
    base_env = dict(os.environ)
    path_prefix: list = []
    extra_env: dict = {}
    status = 0
    cache_dir = (args.cache_dir or runner / "cache").resolve()

    def condition(expr: str) -> bool:
        m = re.fullmatch(
            r"\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*(==|!=)\s*'([^']*)'\s*", expr
        )
        if not m:
            raise Unsupported(f"`if: {expr}` is not emulated")
        value = steps.get(m.group(1), {}).get(m.group(2), "")
        return (value == m.group(4)) == (m.group(3) == "==")

    def cache(uses: str, step: dict) -> dict:
        with_ = {k: evaluate(v) for k, v in (step.get("with") or {}).items()}
        path, key = pathlib.Path(with_["path"]), with_["key"]
        if not re.fullmatch(r"[A-Za-z0-9._-]+", key):
            raise Unsupported(f"cache key {key!r}")
        stored = cache_dir / key
        if uses == "actions/cache/restore@v4":
            if stored.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                shutil.copytree(stored, path)
                print(f"run_action: cache restored from key {key}", file=sys.stderr)
                return {"cache-hit": "true", "cache-primary-key": key, "cache-matched-key": key}
            print(f"run_action: cache not found for key {key}", file=sys.stderr)
            return {"cache-hit": "false", "cache-primary-key": key}
        if uses == "actions/cache/save@v4":
            shutil.rmtree(stored, ignore_errors=True)
            shutil.copytree(path, stored)
            print(f"run_action: cache saved with key {key}", file=sys.stderr)
            return {}
        raise Unsupported(f"`uses: {uses}` is not emulated")

    for n, step in enumerate(action["runs"]["steps"]):
        if "continue-on-error" in step:
            raise Unsupported(f"step {n}: `continue-on-error:` is not emulated")
        name = step.get("name", f"step {n}")
        if "if" in step and not condition(step["if"]):
            print(f"run_action: ▷ {name} (skipped)", file=sys.stderr, flush=True)
            continue
        if "uses" in step:
            print(f"run_action: ▶ {name}", file=sys.stderr, flush=True)
            outputs = cache(step["uses"], step)
            if "id" in step:
                steps[step["id"]] = outputs
            continue
        if step.get("shell") != "bash":
            raise Unsupported(f"step {n}: only `shell: bash`")
        out_file = runner / f"output-{n}"
        summary_file = runner / f"summary-{n}.md"
        out_file.touch()
        summary_file.touch()
        env = dict(base_env)
        env.update(extra_env)
        env.update(
            CI="true",
            GITHUB_ACTIONS="true",
            GITHUB_ACTION_PATH=str(action_dir),
            GITHUB_WORKSPACE=str(workspace),
            RUNNER_TEMP=str(temp),
            GITHUB_OUTPUT=str(out_file),
            GITHUB_STEP_SUMMARY=str(summary_file),
            GITHUB_PATH=str(github_path),
            GITHUB_ENV=str(github_env),
        )
        if path_prefix:
            env["PATH"] = os.pathsep.join(path_prefix + [env.get("PATH", "")])
        for k, v in (step.get("env") or {}).items():
            env[k] = evaluate(v)
        script = runner / f"step-{n}.sh"
        script.write_text(evaluate(step["run"]))
        cwd = workspace / evaluate(step.get("working-directory", "."))
        print(f"run_action: ▶ {name}", file=sys.stderr, flush=True)
        status = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
        ).returncode
        if "id" in step:
            steps[step["id"]] = read_outputs(out_file)
        with summary.open("a") as f:
            f.write(summary_file.read_text())
        path_prefix = [p for p in reversed(github_path.read_text().splitlines()) if p]
        extra_env = read_outputs(github_env)
        if status != 0:
            print(f"run_action: step `{name}` failed with exit status {status}", file=sys.stderr)
            break

    outputs = {k: evaluate(v["value"]) for k, v in (action.get("outputs") or {}).items()}
    (runner / "outputs.json").write_text(json.dumps(outputs, indent=2) + "\n")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Unsupported as e:
        print(f"run_action: {e}", file=sys.stderr)
        sys.exit(3)
