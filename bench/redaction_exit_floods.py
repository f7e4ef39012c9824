#!/usr/bin/env python3
"""Floods of h270's three exits (issue 16, h278): checks.is_type_or_reference's relative path, values.is_placeholder's
ellipsis, prose_secret's my/our/your key trigger; each unit repeated, its near-misses that reach the deepest check,
and mixes with other rules' floods. Per flood: CPU ms at 1, 2, 4 and 8 MiB as text (best of --times; "d": went dense)
and the ratio of 8 MiB's to 1 MiB's (8 or less: linear). tests/test_redact_flood_exits.py holds the same units to
their chunks' reports and the characters the rules' regexes are handed.

Usage: python bench/redaction_exit_floods.py [--times N] [--sizes MiB,...] [name ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from hookd.redact import build_redactor  # noqa: E402
from test_redact_flood_exits import EXIT_FLOODS  # noqa: E402


def cpu_ms(redactor, text: str, times: int) -> tuple[float, bool]:
    best, dense = float("inf"), False
    for _ in range(times):
        redactor.forget()
        started = time.process_time()
        _, counts = redactor.redact(text)
        best = min(best, time.process_time() - started)
        dense = "dense" in counts
    return best * 1e3, dense


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--times", type=int, default=2)
    ap.add_argument("--sizes", default="1,2,4,8")
    ap.add_argument("names", nargs="*", default=list(EXIT_FLOODS))
    args = ap.parse_args()
    redactor = build_redactor(True)
    sizes = [int(size) for size in args.sizes.split(",")]
    print("| flood | " + " | ".join(f"{size} MiB" for size in sizes) + " | ratio |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for name in args.names:
        unit, cells, first = EXIT_FLOODS[name], [], 0.0
        for size in sizes:
            text = (unit * ((size << 20) // len(unit) + 1))[: size << 20]
            ms, dense = cpu_ms(redactor, text, args.times)
            first = first or ms
            cells.append(f"{ms:.0f}{' d' if dense else ''}")
        print(f"| {name} | " + " | ".join(cells) + f" | {ms / first:.1f} |", flush=True)


if __name__ == "__main__":
    main()
