"""Seeded fuzzing (issue 17): real files from sample_projects/ and tests/corpus, mutated the
ways hostile or broken input arrives (truncation, byte flips, coding cookies, BOMs, CRLF and
CR line ends, Unicode line separators, deep nesting, huge literals), scanned by the real
command. Whatever the input: exit 0 or 1, no traceback, and every file analysed or listed
under `errors`. Deterministic (fixed seeds); about 40 s on a 2-core machine."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import REPO

REVIEWER = REPO / ".venv" / "bin" / "reviewer"
SOURCES = sorted(
    path
    for folder in (REPO / "sample_projects", REPO / "tests" / "corpus")
    for path in folder.rglob("*")
    if path.suffix in (".py", ".sql") and path.is_file()
)
FILES_PER_RUN = 48
COOKIES = ["undefined", "punycode", "latin-1", "utf-16", "rot13", "no-such-codec", "utf-8-sig", "idna", "cp1252"]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data or b" ")
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _cookie(data: bytes, rng: random.Random) -> bytes:
    return f"# -*- coding: {rng.choice(COOKIES)} -*-\n".encode() + data


def _bom(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data


def _line_ends(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\r"]))


def _separators(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 5)):
        index = rng.randrange(len(lines))
        lines[index] += rng.choice(["\u2028", "\u2029", "\x0c", "\x0b", "\x85", "\x1c"]).encode()
    return b"\n".join(lines)


def _deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.randint(50, 700)
    shapes = [
        "x = " + "(" * min(depth, 180) + "1" + ")" * min(depth, 180),
        "x = " + "[" * depth + "]" * depth,
        "x = " + " and ".join(["a"] * depth),
        "x = " + " + ".join(["'s'"] * depth),
        "x = a" + ".b()" * depth,
        "x = (" + " ".join(['"a"'] * depth) + ")",
        "if a:\n    pass\n" + "".join(f"elif a == {n}:\n    pass\n" for n in range(depth)),
        "SELECT " + "(" * depth + "1" + ")" * depth + ";",
    ]
    return data + b"\n" + rng.choice(shapes).encode() + b"\n"


def _huge_literal(data: bytes, rng: random.Random) -> bytes:
    size = rng.randint(20_000, 200_000)
    shapes = ["x = '" + "a" * size + "'", "x = [" + ", ".join(["1"] * (size // 3)) + "]", "-- " + "z" * size]
    return data + b"\n" + rng.choice(shapes).encode() + b"\n"


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _truncate, _flip_bytes, _cookie, _bom, _line_ends, _separators, _deep_nesting, _huge_literal,
]


def _mutated_tree(root: Path, seed: int) -> list[str]:
    rng = random.Random(seed)
    written = []
    for number in range(FILES_PER_RUN):
        source = rng.choice(SOURCES)
        data = source.read_bytes()
        for mutation in rng.sample(MUTATIONS, rng.randint(1, 3)):
            data = mutation(data, rng)
        rel = f"m{number:02}/{source.name}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        written.append(rel)
    return written


@pytest.mark.parametrize("seed,jobs", [(17, "2"), (1017, "1")])
def test_mutated_real_files_never_break_a_scan(tmp_path: Path, seed: int, jobs: str) -> None:
    root = tmp_path / "tree"
    written = _mutated_tree(root, seed)
    done = subprocess.run(
        [str(REVIEWER), "scan", str(root), "--format", "json", "--no-cache", "--quiet", "--jobs", jobs],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["summary"]["files"] == len(written)
    assert {error["path"] for error in report["errors"]} <= set(written) | {"."}
    unexpected = [e for e in report["errors"] if e["kind"] in ("internal-error", "crash")]
    assert unexpected == []
