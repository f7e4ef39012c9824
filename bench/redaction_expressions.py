#!/usr/bin/env python3
"""Which expressions of the main Hyperscan database a flood keeps busy, and what each costs per occurrence.

Per flood (1 MiB, scanned in the scanner's chunks with their overlap): the main database's CPU ms per
MiB, then each of its expressions compiled alone (with a second expression that never matches, as the
scanner's databases always have several), in ms per MiB and in ns per repetition of the flood's unit,
the dearest first (those under --min ms are left out). An expression that costs the same ns per
repetition whatever comes after its literal is at Hyperscan's per-occurrence floor for that literal: the
flood's repetitions times the sum of those floors is what the database cannot go under with those
expressions in it.

Usage: python bench/redaction_expressions.py [--min MS] FLOOD...   (\\n, \\u00a0 in a flood are taken as
escapes only with \\u in it, as in redaction_where.py; pass raw newlines with $'...')
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import hyperscan  # noqa: E402

import hookd.redact.scan as scan  # noqa: E402
import hookd.redact.scanner_cache as scanner_cache  # noqa: E402

SIZE = 1 << 20
NEVER = b"\\x00never\\x00matches\\x00"
_main: list[tuple[list[bytes], list[int], list[int]]] = []
_compiled = scanner_cache.compiled


def _capture(expressions: list[bytes], flags: list[int], cache_dir: str | None, ids: Any = None, *rest: Any) -> Any:
    if (rest[0] if rest else scanner_cache.PREFIX) == scanner_cache.PREFIX:  # the main database, not its twin
        _main.append((list(expressions), list(flags), list(ids if ids is not None else range(len(expressions)))))
    return _compiled(expressions, flags, None, ids, *rest)


def database(expressions: list[bytes], flags: list[int]) -> Any:
    built = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    count = len(expressions) + 1
    built.compile(expressions=[*expressions, NEVER], ids=list(range(count)), elements=count, flags=[*flags, 0])
    return built


def cpu_ms(built: Any, data: bytes, times: int = 3) -> float:
    fastest = float("inf")
    for _ in range(times):
        started = time.process_time()
        for low in range(0, len(data), scan.CHUNK):
            piece = data[max(0, low - scan.OVERLAP) : low + scan.CHUNK]
            built.scan(piece, match_event_handler=lambda *_: None)
        fastest = min(fastest, time.process_time() - started)
    return fastest * 1e3


def main() -> None:
    args = sys.argv[1:]
    least = 1.0
    if args[:1] == ["--min"]:
        least, args = float(args[1]), args[2:]
    scanner_cache.compiled = _capture  # type: ignore[assignment]  # to see the main database's expressions
    from hookd.redact import build_redactor

    engine = build_redactor(True)
    scanner = engine._triggers
    expressions, flags, ids = _main[0]
    names = ["view" if scanner._rule_of[i] < 0 else engine.rules[scanner._rule_of[i]].name + f"#{i}" for i in ids]
    for unit in args:
        unit = unit.encode().decode("unicode_escape") if "\\u" in unit else unit
        data = (unit * (SIZE // len(unit) + 1))[:SIZE].encode()
        repeats = SIZE / len(unit.encode())
        whole = cpu_ms(database(expressions, flags), data)
        costs = sorted(
            ((cpu_ms(database([e], [f]), data), name) for e, f, name in zip(expressions, flags, names)), reverse=True
        )
        shown = ", ".join(f"{name} {ms:.1f} ({ms * 1e6 / repeats:.0f} ns)" for ms, name in costs if ms >= least)
        print(f"{unit!r}: {repeats:.0f} per MiB; main db {whole:.1f} ms per MiB; alone: {shown}", flush=True)


if __name__ == "__main__":
    main()
