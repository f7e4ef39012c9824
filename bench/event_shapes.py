#!/usr/bin/env python3
"""Work per event by the shape of its one big field, at 1, 4 and 16 MiB: is each step linear?

Each shape fills one field of a PreToolUse Bash event (or the object itself) to the size; the
daemon's own preparation (envelope.Preparer: JSON check, redaction with the shipped rules, string
cutting at the default truncate_strings_at, the command-risk rules) and the loop's part
(EnvelopeBuilder.finish) run in this process, timed in CPU time. Linear work shows as a ratio near
4 from one size to the next; a superlinear step as one well above it.

    .venv/bin/python bench/event_shapes.py [--sizes 1,4,16] [--only SHAPE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from _harness import REPO

sys.path.insert(0, REPO)

from hookd.config import Config  # noqa: E402
from hookd.envelope.builder import EnvelopeBuilder  # noqa: E402
from hookd.envelope.payload import Preparer  # noqa: E402
from hookd.ingest.protocol import parse_header  # noqa: E402
from hookd.redact import build_redactor  # noqa: E402
from hookd.sequence import SequenceAllocator  # noqa: E402

MIB = 1 << 20


def command(text: str) -> dict:
    return {"hook_event_name": "PreToolUse", "session_id": "s", "tool_name": "Bash", "tool_input": {"command": text}}


def fill(unit: str, size: int) -> str:
    return unit * (size // len(unit))


SHAPES = {
    "plain": lambda n: json.dumps(command(fill("a", n))),
    "words": lambda n: json.dumps(command(fill("lorem ipsum ", n))),
    "newlines": lambda n: json.dumps(command(fill("x\n", n // 2))),
    "quotes": lambda n: json.dumps(command(fill('"', n // 2))),
    "u0000": lambda n: json.dumps(command(fill("\x00", n // 6))),
    "surrogates": lambda n: (
        '{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"' + fill("\\ud83d", n) + '"}}'
    ),
    "emoji": lambda n: json.dumps(command(fill("\U0001f600", n // 4)), ensure_ascii=False),
    "pipes": lambda n: json.dumps(command(fill("a|", n))),
    "semicolons": lambda n: json.dumps(command(fill("; rm -rf /x", n))),
    "subshells": lambda n: json.dumps(command(fill("$(", n))),
    "backticks": lambda n: json.dumps(command(fill("`a", n))),
    "heredoc": lambda n: json.dumps(command(fill("<<E\n", n))),
    "b64ish": lambda n: json.dumps(command(fill("QUtJQUlPU0ZPRE5ON0VYQU1QTEU", n))),
    "equals": lambda n: json.dumps(command(fill("A=", n))),
    "many_keys": lambda n: json.dumps({**command("ls"), "extra": {f"k{i}": i for i in range(n // 12)}}),
    "many_strings": lambda n: json.dumps({**command("ls"), "extra": ["ab"] * (n // 6)}),
    "numbers": lambda n: json.dumps({**command("ls"), "extra": [1234567] * (n // 8)}),
    "long_number": lambda n: '{"hook_event_name":"PreToolUse","tool_name":"Bash","n":' + "9" * n + "}",
    "long_key": lambda n: json.dumps({**command("ls"), fill("k", n): 1}),
    "nested_900": lambda n: (
        '{"hook_event_name":"PreToolUse","x":' + "[" * 900 + json.dumps(fill("a", n)) + "]" * 900 + "}"
    ),
    "whitespace": lambda n: '{"hook_event_name":"PreToolUse","tool_name":"Bash"' + " " * n + "}",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,4,16")
    parser.add_argument("--only", default="")
    parser.add_argument("--truncate", type=int, default=Config().truncate_strings_at, help="truncate_strings_at")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    preparer = Preparer(build_redactor(True), truncate_at=args.truncate)
    sequence = SequenceAllocator(os.path.join(tempfile.mkdtemp(prefix="hookd-bench-"), "sequence"))
    builder = EnvelopeBuilder("bench", sequence, build_redactor(True))
    header = parse_header(b"HOOKD/1 1 sent=1 pid=1 ppid=1 hook=PreToolUse")
    print(f"{'shape':<14}" + "".join(f"{s:>9} MiB" for s in sizes) + "   ratios")
    for name, make in SHAPES.items():
        if args.only and name != args.only:
            continue
        row = []
        for size in sizes:
            body = make(size * MIB).encode()
            started = time.process_time()
            try:
                builder.finish(header, preparer.prepare(body))
            except Exception as exc:  # a refusal is an answer too; its cost is what is measured
                if type(exc).__name__ != "Rejected":
                    raise
            row.append(time.process_time() - started)
        ratios = [b / a if a > 0.001 else float("nan") for a, b in zip(row, row[1:])]
        print(
            f"{name:<14}" + "".join(f"{t * 1e3:>10.0f}ms" for t in row) + "   " + " ".join(f"{r:.1f}" for r in ratios),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
