#!/usr/bin/env python3
"""Where a flood's redaction time goes: the whole redactor, the scanner's pass (both in CPU ms per MiB),
the main Hyperscan database alone over the same chunks, and each gated database (its rule, its time if
it scanned every chunk, and how many chunks the needs actually let it scan).

A flood whose whole time is the main database's is Hyperscan-bound: some expression starts an engine at
every repetition (compile that expression alone to find which). One whose gated databases scan its
chunks pays for the trigger it needs; one whose redactor time exceeds the scan's is bound by the Python
follow-up (regexes, checks, bulk redaction).

Usage: python bench/redaction_where.py [flood ...]   (\\n, \\u00a0 in a flood are taken as escapes)
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from _cpu import best_cpu_ms  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402
from hookd.redact.scan import CHUNK, OVERLAP  # noqa: E402

SIZE = 1 << 20
DEFAULT = ["PRIVATE KEY ", "curl ", "curl -u ", "--password ", "secret_", "dapi", '"token": "', "\\npassword "]


def raw(database: Any, data: bytes) -> float:
    def scan() -> None:
        for low in range(0, len(data), CHUNK):
            database.scan(data[max(0, low - OVERLAP) : low + CHUNK], match_event_handler=lambda *_: None)

    return best_cpu_ms(scan)


def main() -> None:
    engine = build_redactor(True)
    scanner = engine._triggers
    opened: dict[int, int] = {}

    class Counting:
        def __init__(self, at: int, database: Any) -> None:
            self.at, self.database = at, database

        def scan(self, piece: bytes, **kwargs: Any) -> None:
            opened[self.at] = opened.get(self.at, 0) + 1
            self.database.scan(piece, **kwargs)

    gated = list(scanner._gated)
    scanner._gated = [(groups, Counting(at, database), rule) for at, (groups, database, rule) in enumerate(gated)]
    for unit in sys.argv[1:] or DEFAULT:
        unit = unit.encode().decode("unicode_escape") if "\\u" in unit else unit
        text = (unit * (SIZE // len(unit) + 1))[:SIZE]
        data = text.encode()
        total = best_cpu_ms(lambda: engine.redact(text))
        scan = best_cpu_ms(lambda: scanner.scan(text))
        opened.clear()
        scanner.scan(text)
        parts = [
            f"{engine.rules[rule].name}#{at} {raw(database, data):.1f} ({opened.get(at, 0)} chunks)"
            for at, (_, database, rule) in enumerate(gated)
            if opened.get(at)
        ]
        print(
            f"{json.dumps(unit):36} redact {total:6.1f}  scan {scan:6.1f}  main db {raw(scanner._main.first, data):6.1f}"
            f"  gated: {', '.join(parts) or 'none opened'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
