#!/usr/bin/env python3
"""The idempotence property's hostile payloads (tests/test_redact_idempotent.py's hostile()) drawn from
random.Random seeds, about a thousand a second on one core, some hundred times Hypothesis's rate: what a
fresh Hypothesis seed in CI may draw is found here first. Per seed: one payload; redacted once, it must be
JSON, a second pass must change nothing, and no secret that stands apart (a space either side) is kept.

Prints each failing seed, what failed (idem: a second pass changed the output; apart: a secret apart was
kept) and the payload's parts; exits 1 if any failed.

Usage: python bench/redaction_fresh_seeds.py [--first N] [--count N]
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
from test_redact_idempotent import GLUABLE, HOSTILE, REDACTOR  # noqa: E402
from test_redact_properties import SECRETS  # noqa: E402


def hostile(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """The payload, the secrets in it that stand apart and its parts: hostile()'s draws, one for one."""
    apart: list[str] = []
    parts: list[str] = []
    for _ in range(rng.randint(1, 16)):
        kind = rng.randint(0, 5)
        if kind == 0:
            parts.append("".join(rng.choice(GLUABLE) for _ in range(rng.randint(2, 3))))
        elif kind == 1:
            before = rng.choice(["password=", "token: ", "password: "])
            parts.append(before + rng.choice(["\x1b", "\x07", "\b", "\x00"]) + rng.choice(SECRETS))
        elif kind == 2:
            parts.append(rng.choice(["token: ", "=", "password: "]) + "Authorization: ")
            parts.append(rng.choice(["", "\x00\x00\b", '"']) + rng.choice(SECRETS))
        elif kind == 3:
            secret = rng.choice(SECRETS)
            apart.append(secret)
            parts.append(f" {secret} ")
        else:
            parts.append(rng.choice(HOSTILE))
            continue
        parts.append("\n")
    text = "".join(parts)
    for _ in range(rng.randint(0, 2)):
        text = json.dumps({"content": text})
    payload = json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=rng.random() < 0.5)
    return payload, apart, parts


def failure(payload: str, apart: list[str]) -> str | None:
    """What the payload breaks: idem, apart, or None."""
    out, _ = REDACTOR.redact(payload)
    json.loads(out)
    if REDACTOR.redact(out)[0] != out:
        return "idem"
    return "apart" if any(f" {secret} " in out for secret in apart) else None


def check(rng: random.Random) -> str | None:
    payload, apart, parts = hostile(rng)
    what = failure(payload, apart)
    return None if what is None else f"{what} {json.dumps(parts)}"


if __name__ == "__main__":
    sys.exit(run_seeds(__doc__.split("\n\n")[0], 100_000, check))
