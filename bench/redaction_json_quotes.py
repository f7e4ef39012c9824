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

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "redaction_corpus"))
if HERE not in sys.path:  # imported by a test (tests/test_redact_recall_h148.py), not run: _seeds beside it
    sys.path.append(HERE)

from _seeds import run_seeds  # noqa: E402
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


def check(rng: random.Random) -> str | None:
    payload, levels = json_text_with_quotes(rng)
    what = failure(payload, levels)
    return None if what is None else f"{what} {payload}"


if __name__ == "__main__":
    sys.exit(run_seeds(__doc__.split("\n\n")[0], 10_000, check))
