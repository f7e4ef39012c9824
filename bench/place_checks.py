"""What a command pays to ask a place before it uses it (hookd/child_read.py's Answers): a statvfs in a child, and
for a command that writes, the write probe besides (hookd/place_probe.py: create, write, fsync, rename, directory
fsync, unlink), per path asked.

    .venv/bin/python bench/place_checks.py [--rounds 20] [--dir PATH]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from hookd.child_read import Answers


def per_path_ms(directory: str, writes: bool, rounds: int) -> list[float]:
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        Answers("write to" if writes else "read", writes=writes).check(directory)
        took.append((time.perf_counter() - started) * 1000)
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--dir", default=None, help="the directory asked (default: a new one under $TMPDIR)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as made:
        directory = args.dir or made
        for writes in (False, True):
            took = per_path_ms(directory, writes, args.rounds)
            kind = "statvfs + write probe" if writes else "statvfs only"
            print(
                f"{kind:<22} median {statistics.median(took):.2f} ms, max {max(took):.2f} ms "
                f"({args.rounds} rounds, {directory})"
            )


if __name__ == "__main__":
    main()
