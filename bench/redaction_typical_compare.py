#!/usr/bin/env python3
"""Two redaction engines on typical payloads: this checkout's and an older tree's, both loaded in one
process, timed alternately (CPU time, best of 5 per round, several rounds), so that a change's effect on
ordinary traffic can be told from the machine's noise.

Inputs: the two large payloads of tests/corpus, 2 MB of the standard library's Python source as a Read
result, 1.2 MB of /usr/share/doc text as a Bash result (MB/s); and every payload under 10 kB of
tests/corpus and ../shared/corpus, 300 times each (us per event).

Usage: git archive <rev> hookd | tar -x -C /tmp/old && python bench/redaction_typical_compare.py /tmp/old [rounds]
"""

from __future__ import annotations

import glob
import json
import os
import sys
import sysconfig
import time

from _cpu import best_cpu_ms
from redaction_compare import load

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")


def payloads() -> list[tuple[str, str]]:
    found = []
    for name in ("post_tool_use_bash_huge.json", "post_tool_use_read_large.json"):
        found.append((name, open(os.path.join(ROOT, "tests", "corpus", name), encoding="utf-8").read()))
    source, size = [], 0
    for path in sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py"))):
        source.append(open(path, encoding="utf-8", errors="replace").read())
        size += len(source[-1])
        if size > 2_000_000:
            break
    read = {"hook_event_name": "PostToolUse", "tool_name": "Read", "tool_response": {"content": "".join(source)}}
    found.append(("stdlib source as Read", json.dumps(read)))
    docs, size = [], 0
    for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
        docs.append(open(path, encoding="utf-8", errors="replace").read())
        size += len(docs[-1])
        if size > 1_200_000:
            break
    bash = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": "".join(docs)}}
    found.append(("/usr/share/doc as Bash", json.dumps(bash)))
    return found


def small() -> list[str]:
    paths = glob.glob(os.path.join(ROOT, "tests", "corpus", "*.json")) + glob.glob(
        os.path.join(ROOT, "..", "shared", "corpus", "*.json")
    )
    return [text for text in (open(p, encoding="utf-8").read() for p in sorted(paths)) if len(text) < 10_000]


def small_us(redactor, events: list[str]) -> float:
    fastest = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(300):
            for text in events:
                redactor.redact(text)
        fastest = min(fastest, time.process_time() - started)
    return fastest / (300 * len(events)) * 1e6


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    old, new = load(sys.argv[1]), load(ROOT)
    inputs, events = payloads(), small()
    print(f"load average {os.getloadavg()[0]:.1f}")
    for name, text in inputs:
        size = len(text.encode())
        cells = []
        for _ in range(rounds):
            cells.append(
                (
                    size / (best_cpu_ms(lambda: old.redact(text)) / 1e3) / 1e6,
                    size / (best_cpu_ms(lambda: new.redact(text)) / 1e3) / 1e6,
                )
            )
        print(f"{name}: " + ", ".join(f"{a:.0f} -> {b:.0f}" for a, b in cells) + " MB/s", flush=True)
    cells = [(small_us(old, events), small_us(new, events)) for _ in range(rounds)]
    print(f"{len(events)} small events: " + ", ".join(f"{a:.2f} -> {b:.2f}" for a, b in cells) + " us per event")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
