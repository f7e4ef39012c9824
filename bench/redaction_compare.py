#!/usr/bin/env python3
"""Two redaction engines side by side on the worst input per rule: the one in this checkout and an
older tree, both loaded in one process, each input timed on both (best of 3, 1 MiB each).

The floods are bench/redaction.py's (tests/redaction_corpus/floods.json). Prints one Markdown row
per rule: the slowest keyword flood before and after (with the input), the slowest candidate flood
before and after, in MB/s.

With --json each flood is the stdout of a JSON payload (as a hook sends it) rather than plain text;
with --cpu the time is the process's CPU time (on a shared machine, wall time measures the others too).
With --each: one row per flood instead of per rule, the flood as plain text and as a payload, before
and after ("d": it went dense), every flood listed.

Usage: git archive <rev> hookd | tar -x -C /tmp/old && python bench/redaction_compare.py [--json] [--cpu] [--each] /tmp/old [rule ...]
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 1 << 20
JSON = "--json" in sys.argv
CLOCK = time.process_time if "--cpu" in sys.argv else time.perf_counter
EACH = "--each" in sys.argv
ARGS = [a for a in sys.argv[1:] if a not in ("--json", "--cpu", "--each")]


def load(path: str):
    for name in [k for k in sys.modules if k == "hookd" or k.startswith("hookd.")]:
        del sys.modules[name]
    sys.path.insert(0, path)
    try:
        return importlib.import_module("hookd.redact").build_redactor(True)
    finally:
        sys.path.remove(path)


def fresh(redactor) -> None:
    """The redactor's remembered answers dropped before a timed run (an older tree's: its caches)."""
    if hasattr(redactor, "forget"):
        redactor.forget()
        return
    for cache in getattr(redactor, "_validated", []) + getattr(redactor, "_unwrapped", []):
        cache.clear()


def rate(redactor, unit: str) -> float:
    text = (unit * (SIZE // len(unit) + 1))[:SIZE]
    if JSON:
        text = json.dumps({"hook_event_name": "PostToolUse", "tool_response": {"stdout": text}})
    best = float("inf")
    for _ in range(3):
        fresh(redactor)
        started = CLOCK()
        redactor.redact(text)
        best = min(best, CLOCK() - started)
    return len(text.encode()) / best / 1e6


def forms(unit: str) -> list[str]:
    text = (unit * (SIZE // len(unit) + 1))[:SIZE]
    return [
        text,
        json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": text}}),
    ]


def timed(redactor, text: str) -> str:
    best = float("inf")
    for _ in range(3):
        fresh(redactor)
        started = CLOCK()
        _, counts = redactor.redact(text)
        best = min(best, CLOCK() - started)
    return f"{len(text.encode()) / best / 1e6:.0f}{' d' if 'dense' in counts else ''}"


def each(old, new, floods) -> None:
    print("| rule | flood | input | text: before | after | payload: before | after |\n|---|---|---|---|---|---|---|")
    for rule in new.rules:
        if ARGS[1:] and rule.name not in ARGS[1:]:
            continue
        units = floods["keywords"].get(rule.name) or [k + " " for k in rule.keywords] + list(rule.keywords)
        for kind, unit in [("keyword", u) for u in units] + [
            ("candidate", u) for u in floods["candidates"].get(rule.name, ())
        ]:
            text, payload = forms(unit)
            cells = [timed(old, text), timed(new, text), timed(old, payload), timed(new, payload)]
            print(f"| `{rule.name}` | {kind} | `{json.dumps(unit)[1:-1]}` | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    if not ARGS:
        sys.exit(__doc__)
    old, new = load(ARGS[0]), load(os.path.join(HERE, ".."))
    floods = json.load(open(os.path.join(HERE, "..", "tests", "redaction_corpus", "floods.json")))
    if EACH:
        each(old, new, floods)
        return
    print("| rule | keyword flood before | after | candidate flood before | after |\n|---|---|---|---|---|")
    for rule in new.rules:
        if ARGS[1:] and rule.name not in ARGS[1:]:
            continue
        units = floods["keywords"].get(rule.name) or [k + " " for k in rule.keywords] + list(rule.keywords)
        keyword = [(rate(old, u), rate(new, u), u) for u in units]
        before, after = min(keyword), min(keyword, key=lambda r: r[1])
        candidate = [(rate(old, u), rate(new, u)) for u in floods["candidates"].get(rule.name, ())]
        cells = f"{min(c[0] for c in candidate):.1f} | {min(c[1] for c in candidate):.1f}" if candidate else "- | -"
        print(
            f"| `{rule.name}` | {before[0]:.1f} (`{json.dumps(before[2])[1:-1]}`) | "
            f"{after[1]:.1f} (`{json.dumps(after[2])[1:-1]}`) | {cells} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
