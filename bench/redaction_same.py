#!/usr/bin/env python3
"""Whether two redaction engines give the same output, byte for byte: the one in this checkout and an
older tree (``git archive <rev> hookd | tar -x -C /tmp/old``), both loaded in one process.

Inputs: the payloads of tests/corpus and ../shared/corpus (when there), the adversarial corpus's cases,
every flood of tests/redaction_corpus/floods.json (64 KiB and 1 MiB, as plain text and as a payload's
stdout), the standard library's Python source as Read results (80 files) and /usr/share/doc text as
a Bash result. Prints the count per kind and every input that differs; exits 1 if any does.

Usage: python bench/redaction_same.py /tmp/old
"""

from __future__ import annotations

import glob
import json
import os
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "redaction_corpus"))

from load import cases  # noqa: E402  (the corpus's loader, beside its files)
from redaction_compare import load  # noqa: E402


def flood_units(rules) -> list[str]:
    """Every flood redaction_compare.py times: per rule, its keyword floods (or its keywords and each
    with a space) and its candidate floods."""
    floods = json.load(open(os.path.join(ROOT, "tests", "redaction_corpus", "floods.json")))
    units: list[str] = []
    for rule in rules:
        units += floods["keywords"].get(rule.name) or [k + " " for k in rule.keywords] + list(rule.keywords)
        units += floods["candidates"].get(rule.name, [])
    return units


def inputs(rules):
    for pattern in ("tests/corpus/*.json", "../shared/corpus/*.json"):
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            yield "corpus", path, open(path, encoding="utf-8").read()
    for case in cases():
        yield "adversarial", case.id, case.payload
    units = flood_units(rules)
    for size in (1 << 16, 1 << 20):
        for unit in units:
            text = (unit * (size // len(unit) + 1))[:size]
            yield "flood", f"{unit!r} {size}", text
            payload = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": text}}
            yield "flood payload", f"{unit!r} {size}", json.dumps(payload)
    source = sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py")))[:80]
    for path in source:
        content = open(path, encoding="utf-8", errors="replace").read()
        payload = {"hook_event_name": "PostToolUse", "tool_name": "Read", "tool_response": {"content": content}}
        yield "stdlib", path, json.dumps(payload)
    docs = "".join(
        open(p, encoding="utf-8", errors="replace").read()
        for p in sorted(glob.glob("/usr/share/doc/*/copyright"))[:300]
    )
    yield "docs", "copyright files", json.dumps({"tool_response": {"stdout": docs}})


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    old, new = load(sys.argv[1]), load(ROOT)
    counts: dict[str, list[int]] = {}
    for kind, name, text in inputs(new.rules):
        same = old.redact(text)[0] == new.redact(text)[0]
        tally = counts.setdefault(kind, [0, 0])
        tally[0] += 1
        if not same:
            tally[1] += 1
            print(f"DIFFERS: {kind} {name}", flush=True)
    for kind, (total, differ) in counts.items():
        print(f"{kind}: {total} inputs, {differ} differ")
    sys.exit(1 if any(differ for _, differ in counts.values()) else 0)


if __name__ == "__main__":
    main()
