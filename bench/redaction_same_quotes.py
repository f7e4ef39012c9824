#!/usr/bin/env python3
"""Whether an older tree's single-quoted value reading is this checkout's: NESTED_STRING_END (jsonends.py) and
VALUE (patterns.py) compiled from both, and the whole engine of both, over random JSON-ish text with single-quoted
values (quotes raw and escaped 1-3 levels down, commas, colons, brackets, scalars, escaped spaces, line breaks),
drawn from random.Random seeds.

Per seed: one text; at every offset the two NESTED_STRING_END must both match or both not (it is only ever looked
ahead for), the two VALUE must match the same span with the same groups; then the text as a stdout 0-2 JSON levels
down, and tests/test_redact_recall_h143.py's json_text_with_quotes() documents, must redact to the same bytes.

Prints each failing seed and what differed (end, value, engine); exits 1 if any did.

Usage: python bench/redaction_same_quotes.py /tmp/old [--first N] [--count N]
  (/tmp/old: git archive <rev> hookd | tar -x -C /tmp/old)
"""

from __future__ import annotations

import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "redaction_corpus"))
if HERE not in sys.path:
    sys.path.append(HERE)

from _seeds import run_seeds  # noqa: E402
from redaction_compare import load  # noqa: E402
from test_redact_recall_h143 import json_text_with_quotes  # noqa: E402


def _tree(path: str):
    """The tree's engine and its compiled NESTED_STRING_END and VALUE."""
    engine = load(path)
    patterns = sys.modules["hookd.redact.patterns"]
    return engine, re.compile(patterns.NESTED_STRING_END), re.compile(patterns.VALUE)


if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
    sys.exit(__doc__)
OLD, NEW = _tree(sys.argv.pop(1)), _tree(ROOT)

_Q = ['\\"', '\\\\\\"', '\\\\\\\\\\\\\\"', '"']  # a nested string's quote 1, 2 and 3 levels down, and a raw one
_SPACE = [" ", "  ", "\t", "\\n", "\\t", "\\\\n", "\\r", ""]
_SCALAR = ["1", "-2", "3.5", "6e7", "-0.1E+2", "true", "false", "null", "nul", "tru"]
_WORD = ["abc", "Tr0ub4dor", "x y", "it's", "don't", "9", "é", "\\u0027", "\\\\", "\\x", "#"]
_OPEN = ["password='", "token: '", "secret = '", "PGPASSWORD='", "api_key='", "-p'", "'"]
_PUNCT = [",", ":", "[", "]", "{", "}", "'", ";", "\n", " -h db", "$"]


def _piece(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(_Q)
    if kind < 0.4:
        return rng.choice(_SPACE)
    if kind < 0.5:
        return rng.choice(_SCALAR)
    if kind < 0.7:
        return rng.choice(_WORD)
    if kind < 0.78:
        return rng.choice(_OPEN)
    return rng.choice(_PUNCT)


def _text(rng: random.Random) -> str:
    """A single-quoted value's opening, then JSON-ish pieces: what the value and the chains after it read."""
    return rng.choice(_OPEN) + "".join(_piece(rng) for _ in range(rng.randint(1, 40)))


def _nested(text: str, levels: int) -> str:
    for _ in range(levels):
        text = json.dumps({"content": text})
    return json.dumps({"hook_event_name": "PostToolUse", "tool_response": {"stdout": text}})


def _value(pattern: re.Pattern[str], text: str, at: int) -> tuple[int, int, dict[str, str | None]] | None:
    m = pattern.match(text, at)
    return None if m is None else (m.start(), m.end(), m.groupdict())


def check(rng: random.Random) -> str | None:
    text = _text(rng)
    for at in range(len(text) + 1):
        if bool(OLD[1].match(text, at)) != bool(NEW[1].match(text, at)):
            return f"end at {at}: {text!r}"
        if _value(OLD[2], text, at) != _value(NEW[2], text, at):
            return f"value at {at}: {text!r}"
    payloads = [_nested(text, levels) for levels in range(3)] + [json_text_with_quotes(rng)[0]]
    for payload in payloads:
        if OLD[0].redact(payload)[0] != NEW[0].redact(payload)[0]:
            return f"engine: {payload!r}"
    return None


if __name__ == "__main__":
    sys.exit(run_seeds(__doc__.splitlines()[0], 2000, check))
