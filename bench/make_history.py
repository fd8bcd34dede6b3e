#!/usr/bin/env python3
"""Writes a `git fast-import` stream for a synthetic history: N commits over files taken from a
source directory, each commit editing a few files, some adding or removing a fake credential.
Deterministic (fixed seed). Usage: make_history.py SRC_DIR N_COMMITS | git fast-import"""
import os
import random
import sys
import zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_6(n):
    out = []
    for _ in range(6):
        out.append(B62[n % 62])
        n //= 62
    return "".join(reversed(out))


def fake_github_token(rng):
    body = "".join(rng.choice(B62) for _ in range(30))
    return "ghp_" + body + base62_6(zlib.crc32(body.encode()))


def main():
    src, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(42)
    files = []
    for root, _, names in os.walk(src):
        for name in sorted(names):
            p = os.path.join(root, name)
            try:
                data = open(p, "rb").read()
            except OSError:
                continue
            if 0 < len(data) < 200_000 and b"\0" not in data[:8192]:
                files.append((os.path.relpath(p, src), data))
    files.sort()
    rng.shuffle(files)
    files = files[:600]
    state = {}
    out = sys.stdout.buffer
    mark = 0
    for i in range(n):
        edits = []
        for _ in range(3):
            path, data = rng.choice(files)
            cur = state.get(path, data)
            line = f"# edit {i} {rng.random():.6f}\n".encode()
            if i % 97 == 0:
                line += f"GITHUB_TOKEN={fake_github_token(rng)}\n".encode()
            cur = cur + line if len(cur) < 300_000 else data
            state[path] = cur
            edits.append((path, cur))
        mark += 1
        ts = 1_600_000_000 + i * 60
        msg = f"commit {i}\n".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"mark :{mark}\n".encode())
        out.write(f"author Bench <bench@example.org> {ts} +0000\n".encode())
        out.write(f"committer Bench <bench@example.org> {ts} +0000\n".encode())
        out.write(f"data {len(msg)}\n".encode() + msg)
        if mark > 1:
            out.write(f"from :{mark - 1}\n".encode())
        for path, content in edits:
            out.write(f"M 100644 inline {path}\n".encode())
            out.write(f"data {len(content)}\n".encode() + content + b"\n")
        out.write(b"\n")


if __name__ == "__main__":
    main()
