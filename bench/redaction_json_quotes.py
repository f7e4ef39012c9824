#!/usr/bin/env python3
"""JSON text whose strings open single-quoted values, drawn from random.Random seeds: tests/test_redact_recall_h143.py's
json_text_with_quotes() (a secret's or prose's apostrophe beside quotes, commas and braces; compact or indented; a
stdout 0-2 JSON levels down). Per seed: one payload; redacted once, every level must still be JSON (the inner
document too), a second pass must change nothing, and the reference and the engine must agree.

Prints each failing seed and what failed (json: a level no longer parses; idem: a second pass changed the output;
engine: the engine differs from the reference); exits 1 if any failed.

Usage: python bench/redaction_json_quotes.py [--first N] [--count N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "redaction_corpus"))

from recall_helpers import ENGINE, REFERENCE  # noqa: E402
from test_redact_recall_h143 import json_text_with_quotes  # noqa: E402


def failure(payload: str, levels: int) -> str | None:
    out = REFERENCE.redact(payload)[0]
    if ENGINE.redact(payload)[0] != out:
        return "engine"
    try:
        text = json.loads(out)["tool_response"]["stdout"]
        for _ in range(levels):
            text = json.loads(text)["content"]
        json.loads(text)
    except (ValueError, KeyError, TypeError):
        return "json"
    return "idem" if REFERENCE.redact(out)[0] != out else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    started, failed = time.monotonic(), 0
    for seed in range(args.first, args.first + args.count):
        payload, levels = json_text_with_quotes(random.Random(seed))
        what = failure(payload, levels)
        if what is not None:
            failed += 1
            print(f"seed {seed} {what} {payload}", flush=True)
    took = time.monotonic() - started
    print(f"seeds {args.first}-{args.first + args.count - 1}: {args.count} payloads, {failed} failed, {took:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
