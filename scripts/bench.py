#!/usr/bin/env python3
"""Whole-process benchmarks: mppeep-lint against the tools users run today,
in one run on the same files, on this machine.

  scripts/bench.py [--quick] [--markdown FILE]

Inputs: (a) the seed fixture, (b) ../shared/corpus/projects when present,
(c) a generated monorepo of 10,000 files (scripts/gen-monorepo.py).
Tools (found on PATH or in the folders scripts/bench.sh installs them to):
mppeep-lint, hadolint (Dockerfiles), dotenv-linter (.env files), dclint
(compose files), docker-compose config (one run per compose project).
Each tool is timed on the files of its kind; mppeep-lint reads all three kinds
and runs every rule, the flow rules included. Wall time is the median of N
runs (minimum also shown), by hyperfine when it is installed (`-N`, no
shell, warm-up runs), else by Python around each process; memory is the peak resident set of one more run,
measured by GNU time (`/usr/bin/time -f %M`), for docker-compose the largest
of its first runs.

--quick runs each command once (CI checks that the benchmarks run; timing
is not tested).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = "--quick" in sys.argv
MD = sys.argv[sys.argv.index("--markdown") + 1] if "--markdown" in sys.argv else None


def find(tool, *extra):
    for d in extra:
        p = os.path.join(d, tool)
        if os.path.exists(p):
            return p
    return shutil.which(tool)


MPPEEP = os.environ.get("MPPEEP_LINT") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release", "mppeep-lint")
HADOLINT = find("hadolint", "/tmp/bench-tools/venv/bin")
DOTENV_LINTER = find("dotenv-linter", "/tmp/bench-tools/cargo/bin")
DCLINT = find("dclint", "/tmp/bench-tools/npm/node_modules/.bin")
COMPOSE = find("docker-compose", "/tmp/bench-tools/venv/bin")


def run_once(argv, cwd=None):
    """(wall seconds, peak RSS KiB, exit code) of one run."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env={**os.environ, "NO_COLOR": "1"})
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


GNU_TIME = shutil.which("time") if os.path.exists("/usr/bin/time") else None


def peak_rss_kib(argv):
    """Peak resident set of one run. GNU time measures it from a small
    parent; a child forked from Python starts with Python's own high-water
    mark (Linux keeps it across exec), so wait4 is only the fallback."""
    if GNU_TIME:
        with tempfile.NamedTemporaryFile("r") as out:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name, *argv],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return int(out.read().strip().splitlines()[-1])
    return run_once(argv)[1]


HYPERFINE = shutil.which("hyperfine")


def hyperfine(argv, runs):
    """(median, min) seconds by hyperfine: no shell, warm-up runs, and none
    of Python's own cost of starting a process in the figures."""
    import json
    import shlex
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        subprocess.run([HYPERFINE, "-N", "-i", "--style", "none", "--warmup", str(min(runs, 5)),
                        "--runs", str(max(runs, 2)), "--export-json", out.name, shlex.join(argv)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = json.load(open(out.name))["results"][0]
        return r["median"], r["min"]


def measure(commands, runs):
    """`commands`: argv lists run one after the other as one measurement."""
    if HYPERFINE and len(commands) == 1 and not QUICK:
        med, mn = hyperfine(commands[0], runs)
        return med, mn, peak_rss_kib(commands[0])
    walls = []
    for _ in range(runs):
        total = 0.0
        for argv in commands:
            w, _, code = run_once(argv)
            if code not in (0, 1):
                raise SystemExit(f"{argv[0]} exited {code}: {' '.join(argv)[:200]}")
            total += w
        walls.append(total)
    peak = max(peak_rss_kib(argv) for argv in commands[:5])
    return statistics.median(walls), min(walls), peak


def files_of(root):
    out = {"dockerfile": [], "compose": [], "dotenv": [], "compose_dirs": set()}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in (".git", "node_modules", "target")]
        for f in files:
            p = os.path.join(d, f)
            low = f.lower()
            if low.startswith("dockerfile") or low.endswith(".dockerfile") or low.startswith("containerfile"):
                out["dockerfile"].append(p)
            elif "compose" in low and low.endswith((".yml", ".yaml")):
                out["compose"].append(p)
                out["compose_dirs"].add(d)
            elif low == ".env" or low.startswith(".env.") or low.endswith(".env"):
                out["dotenv"].append(p)
    return out


def compose_projects(root):
    """One `docker-compose config` per compose file (as a user checks them)."""
    return sorted(files_of(root)["compose"])


def bench(name, root, runs):
    f = files_of(root)
    rows = []
    ours = measure([[MPPEEP, "check", root, "--no-config", "--no-shell-env", "--format", "json"]], runs)
    rows.append(("mppeep-lint", "all three kinds + flow rules", len(f["dockerfile"]) + len(f["compose"]) + len(f["dotenv"]), ours))
    if HADOLINT and f["dockerfile"]:
        rows.append(("hadolint", "Dockerfiles", len(f["dockerfile"]),
                     measure([[HADOLINT, "--no-fail", "-f", "json", *f["dockerfile"]]], runs)))
    if DOTENV_LINTER and f["dotenv"]:
        rows.append(("dotenv-linter", ".env files", len(f["dotenv"]),
                     measure([[DOTENV_LINTER, "check", *f["dotenv"]]], runs)))
    if DCLINT and f["compose"]:
        rows.append(("dclint", "compose files", len(f["compose"]),
                     measure([[DCLINT, "--color", "false", *f["compose"]]], runs)))
    if COMPOSE and f["compose"]:
        cmds = [[COMPOSE, "-f", c, "config", "--format", "json"] for c in compose_projects(root)]
        # A project per compose file: on a large tree, a sample keeps the run short.
        sample = cmds if len(cmds) <= 50 or QUICK else cmds[:: max(1, len(cmds) // 50)]
        med, mn, peak = measure(sample if not QUICK else sample[:3], 1 if len(cmds) > 50 else runs)
        scale = len(cmds) / len(sample if not QUICK else sample[:3])
        rows.append(("docker compose config", "compose projects, one process each", len(cmds),
                     (med * scale, mn * scale, peak)))
    return name, rows


def main():
    if not os.path.exists(MPPEEP):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    results = []
    results.append(bench("seed fixture (fixtures/mppeep-broken)", os.path.join(ROOT, "fixtures", "mppeep-broken"), 1 if QUICK else 30))
    corpus = os.path.join(ROOT, "..", "shared", "corpus", "projects")
    if os.path.isdir(corpus):
        results.append(bench("corpus (../shared/corpus/projects)", os.path.abspath(corpus), 1 if QUICK else 5))
    with tempfile.TemporaryDirectory() as tmp:
        mono = os.path.join(tmp, "mono")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen-monorepo.py"), mono,
                        "2000" if QUICK else "10000"], check=True, stdout=subprocess.DEVNULL)
        results.append(bench("generated monorepo (%s files)" % ("2,000" if QUICK else "10,000"), mono, 1 if QUICK else 5))

    lines = []
    for name, rows in results:
        ours = rows[0][3][0]
        lines.append(f"\n### {name}\n")
        lines.append("| tool | checks | files | median | min | peak RSS | time vs mppeep-lint |")
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        for tool, what, n, (med, mn, peak) in rows:
            ratio = "1×" if tool == "mppeep-lint" else f"{med / ours:.1f}× slower" if med >= ours else f"{ours / med:.1f}× faster"
            lines.append(f"| {tool} | {what} | {n} | {med * 1000:.1f} ms | {mn * 1000:.1f} ms | {peak / 1024:.1f} MiB | {ratio} |")
    seed_ours = results[0][1][0][3]
    mono_ours = results[-1][1][0][3]
    lines.append("\n### Targets\n")
    lines.append(f"- seed project, all three kinds and the flow rules: {seed_ours[0] * 1000:.2f} ms wall (target ≤ 3 ms), "
                 f"{seed_ours[2] / 1024:.1f} MiB peak (target ≤ 15 MiB)")
    lines.append(f"- generated monorepo: {mono_ours[0] * 1000:.0f} ms wall (target < 1 s)")
    text = "\n".join(lines) + "\n"
    print(text)
    if MD:
        with open(MD, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
