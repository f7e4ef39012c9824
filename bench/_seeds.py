"""The driver the seed hunts share: one payload per random.Random seed, each failure printed with its seed."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable


def run_seeds(description: str, default_count: int, check: Callable[[random.Random], str | None]) -> int:
    """Run ``check`` on each seed of ``--first``/``--count``; it returns None, or the failure's line (what failed and
    the payload). Prints each failing seed and a summary; 1 if any failed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=default_count)
    args = parser.parse_args()
    started, failed = time.monotonic(), 0
    for seed in range(args.first, args.first + args.count):
        said = check(random.Random(seed))
        if said is not None:
            failed += 1
            print(f"seed {seed} {said}", flush=True)
    took = time.monotonic() - started
    print(f"seeds {args.first}-{args.first + args.count - 1}: {args.count} payloads, {failed} failed, {took:.0f} s")
    return 1 if failed else 0
