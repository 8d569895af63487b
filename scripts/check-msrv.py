#!/usr/bin/env python3
"""The `rust-version` of Cargo.toml is what the locked dependencies really
need: the highest `rust-version` among the packages a build of mppeep-lint
compiles (normal and build dependencies, from `cargo metadata`; the test and
bench dependencies do not count). Fails when ours is lower (a user on that
toolchain cannot build) or higher (we ask more than we need).

    python3 scripts/check-msrv.py
Clippy's `incompatible_msrv` lint (on by default) checks our own code
against the same version.
"""
import json
import subprocess
import sys


def version(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(
    subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--locked"], text=True
    )
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]
ours = packages[root]

# The packages a build compiles: from ours, through normal and build edges.
seen, stack = set(), [root]
while stack:
    node = nodes[stack.pop()]
    for dep in node["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if dep["pkg"] not in seen and kinds & {None, "build"}:
            seen.add(dep["pkg"])
            stack.append(dep["pkg"])

needed = max(
    (version(packages[p]["rust_version"]), packages[p]["name"])
    for p in seen
    if packages[p].get("rust_version")
)
declared = version(ours["rust_version"])
shown = ".".join(map(str, needed[0])).removesuffix(".0")
if declared != needed[0]:
    sys.exit(
        f"check-msrv: Cargo.toml says rust-version {ours['rust_version']}, "
        f"the locked dependencies need {shown} ({needed[1]})"
    )
print(f"check-msrv: rust-version {ours['rust_version']} (needed by {needed[1]})")
