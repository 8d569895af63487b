#!/usr/bin/env python3
"""The language server's memory: resident size of `mppeep-lint server` (the
release binary) while projects are opened, typed in and closed. Each
project is the generated 200-service project of benches/server.rs (a
`.env` of 400 variables, 20 Dockerfiles); the server keeps a project's
model and parses while one of its files is open, and gives them back when
the last closes. Usage: scripts/server-memory.py [BINARY] [PROJECTS]
Prints one line per phase: VmRSS and VmHWM (peak) in MiB. Linux only."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/mppeep-lint"
PROJECTS = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def generate(root):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, ".env"), "w") as f:
        for i in range(400):
            f.write(f"VAR_{i}=value-{i}\n")
    for d in range(20):
        os.makedirs(os.path.join(root, f"svc{d}"), exist_ok=True)
        with open(os.path.join(root, f"svc{d}", "Dockerfile"), "w") as f:
            f.write(
                f"FROM python:3.12-slim AS base\nARG VERSION=1.{d}\nENV APP_VERSION=$VERSION\n"
                'WORKDIR /app\nCOPY . .\nUSER 1000\nHEALTHCHECK CMD ["python", "-c", "print(1)"]\n'
                'CMD ["python", "main.py"]\n'
            )
    lines = ["services:"]
    for s in range(200):
        lines += [f"  service{s}:", "    build:", f"      context: ./svc{s % 20}", "    environment:"]
        lines += [f"      KEY_{k}: ${{VAR_{(s * 5 + k) % 400}}}" for k in range(5)]
        if s > 0:
            lines += ["    depends_on:", f"      service{s - 1}:", "        condition: service_healthy"]
        lines += ["    healthcheck:", '      test: ["CMD", "true"]']
    with open(os.path.join(root, "compose.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


class Server:
    def __init__(self, roots):
        self.p = subprocess.Popen([BIN, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next = 1
        folders = [{"uri": "file://" + r, "name": os.path.basename(r)} for r in roots]
        self.request("initialize", {"capabilities": {}, "workspaceFolders": folders})
        self.notify("initialized", {})

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            header += self.p.stdout.read(1)
        n = int(re.search(rb"Content-Length: (\d+)", header).group(1))
        return json.loads(self.p.stdout.read(n))

    def request(self, method, params):
        self.next += 1
        self.send({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next and "method" not in m:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def sync(self, path):
        # A request that reads the model lints what is pending first.
        self.request("textDocument/hover", {"textDocument": {"uri": "file://" + path},
                                            "position": {"line": 0, "character": 0}})

    def memory(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            status = f.read()
        mib = lambda k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) / 1024
        return mib("VmRSS"), mib("VmHWM")

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.p.wait(timeout=10)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        roots = [os.path.join(tmp, f"p{i}") for i in range(PROJECTS)]
        for r in roots:
            generate(r)
        s = Server(roots)
        show = lambda phase: print("%-44s VmRSS %6.1f MiB  VmHWM %6.1f MiB" % ((phase,) + s.memory()))
        show("started")
        for i, r in enumerate(roots):
            env = os.path.join(r, ".env")
            s.notify("textDocument/didOpen", {"textDocument": {
                "uri": "file://" + env, "languageId": "dotenv", "version": 1, "text": open(env).read()}})
            s.sync(env)
            show(f"{i + 1} project(s) open")
        env = os.path.join(roots[0], ".env")
        text = open(env).read()
        start = time.time()
        for v in range(2, 202):
            text = text.replace("value-7\n", "value-7x\n") if v % 2 else text.replace("value-7x\n", "value-7\n")
            s.notify("textDocument/didChange", {"textDocument": {"uri": "file://" + env, "version": v},
                                                "contentChanges": [{"text": text}]})
            s.sync(env)
        elapsed = time.time() - start
        show("200 changes in project 1 (%.1f ms each, round trip)" % (elapsed * 1000 / 200))
        for cycle in (1, 2, 3):
            for r in roots:
                s.notify("textDocument/didClose", {"textDocument": {"uri": "file://" + os.path.join(r, ".env")}})
            s.request("textDocument/hover", {"textDocument": {"uri": "file://" + env},
                                             "position": {"line": 0, "character": 0}})
            show(f"all closed ({cycle})")
            if cycle == 3:
                break
            # Opened and closed again: the memory given back is used again,
            # not added to.
            for r in roots:
                path = os.path.join(r, ".env")
                s.notify("textDocument/didOpen", {"textDocument": {
                    "uri": "file://" + path, "languageId": "dotenv", "version": 1, "text": open(path).read()}})
                s.sync(path)
            show(f"{len(roots)} project(s) open again ({cycle})")
        s.stop()


if __name__ == "__main__":
    main()
