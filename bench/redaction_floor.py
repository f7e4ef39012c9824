#!/usr/bin/env python3
"""What a flood of a short literal costs Hyperscan however its pattern is written, and what the scanner's
chunk overlap costs: the figures behind the floods that stay under 100 MB/s (bench/README.md, "Worst case,
eighth pass").

floor: each probe is one expression compiled alone (beside one that never matches, flags 0, as the lead's
measurements), scanned over a 1 MiB flood in 8 KiB chunks with 2 KiB before each (as scan.py), best of 5
CPU times: ms per MiB, reports, and ns per occurrence of the flood's unit. A pattern rooted on a literal
pays at every occurrence even when the next character rules it out; the probes show that cost for the
shortest form of each rule's branch, and what a gate without that literal (a pure character-class
pattern) costs on every input instead.

overlap: the whole scanner (TriggerScan.scan) with its 2048-character overlap and with none, on the
typical payloads and the floods given: the most any smaller overlap could save. And the main database's
expressions whose matches may be longer than a smaller overlap (computed with the regex parser, which
reads these patterns as Hyperscan does for their widths): those that keep it at 2048.

Usage: python bench/redaction_floor.py [floor] [overlap] [flood ...]   (\\n in a flood stays two characters)
"""

from __future__ import annotations

import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from _cpu import best_cpu_ms  # noqa: E402

import hyperscan  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402
from hookd.redact import scan as scan_module  # noqa: E402
from hookd.redact.scan import CHUNK  # noqa: E402
from redaction_typical_compare import payloads  # noqa: E402

try:
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python before 3.11
    import sre_parse  # type: ignore[no-redef]

SIZE = 1 << 20
NEVER = rb"\x00\x01never\x02"
# (flood, what the probe is, the expression alone)
PROBES = [
    (" -p", "cli_secret_option's short option", r"\s-p[^\s\-]"),
    (" -p", "the same, one character class less", r"\s-p[a-z]"),
    ("curl -u ", "cli_password's -u option alone", r"""\s(?:-u|--user)\s{1,4}(?:\\?["'])?[^\s:"'\\]{1,128}:"""),
    ("oy2", "package_registry_token's oy2 branch", r"oy2[a-z0-9]{43}(?:[^A-Za-z0-9_-]|$)"),
    ("oy2", "the branch without its end", r"oy2[a-z0-9]{43}[^A-Za-z0-9_-]"),
    ("oy2", "at the data's end only", r"oy2[a-z0-9]{43}$"),
    ("cio", "saas_api_key's cio branch", r"cio[A-Za-z0-9]{32}(?:[^A-Za-z0-9_-]|$)"),
    ("key-", "mailgun_key", r"key-[0-9a-f]{32}(?:[^A-Za-z0-9_-]|$)"),
]
# A gate without the literal: what every input pays for it (the typical payloads, after the floods).
GATES = [
    ("a gate for oy2 tokens", r"[a-z0-9]{43}[^A-Za-z0-9_-]"),
    ("a gate for cio keys", r"[A-Za-z0-9]{32}[^A-Za-z0-9_-]"),
]


def flood(unit: str) -> bytes:
    return ((unit * (SIZE // len(unit) + 1))[:SIZE]).encode()


def alone(expression: str, data: bytes) -> tuple[float, int]:
    """CPU ms per MiB of the expression compiled alone over data, and its reports."""
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[expression.encode(), NEVER], ids=[0, 1], elements=2, flags=[0, 0])
    count = [0]

    def handler(*_: Any) -> None:
        count[0] += 1

    def scan() -> None:
        count[0] = 0
        for low in range(0, len(data), CHUNK):
            database.scan(data[max(0, low - 2048) : low + CHUNK], match_event_handler=handler)

    return best_cpu_ms(scan) * SIZE / len(data), count[0]


def floor() -> None:
    print("floor: one expression alone, CPU ms per MiB (reports), ns per occurrence of the flood's unit")
    for unit, what, expression in PROBES:
        ms, reports = alone(expression, flood(unit))
        print(
            f"  {unit!r:12} {ms:6.2f} ms ({reports:6d})  {ms * 1e6 / (SIZE / len(unit)):5.0f} ns  {what}: {expression}"
        )
    typical = [(name, text.encode()) for name, text in payloads()]
    for what, expression in GATES:
        cells = [f"{name[:24]} {alone(expression, data)[0]:.2f}" for name, data in typical]
        cells += [f"{unit!r} {alone(expression, flood(unit))[0]:.2f}" for unit in ("oy2", "cio")]
        print(f"  {what}: {expression}: " + ", ".join(cells) + " ms per MiB")


def overlap(units: list[str]) -> None:
    engine = build_redactor(True)
    scanner = engine._triggers
    print("overlap: the whole scanner, CPU ms per MiB, overlap 2048 -> 0")
    inputs = [(name, text) for name, text in payloads()] + [
        (repr(unit), (unit * (SIZE // len(unit) + 1))[:SIZE]) for unit in units
    ]
    for name, text in inputs:
        size = len(text.encode()) / SIZE
        cells = []
        for width in (2048, 0):
            scan_module.OVERLAP = width
            cells.append(best_cpu_ms(lambda: scanner.scan(text)) / size)
        scan_module.OVERLAP = 2048
        print(f"  {name[:32]:34} {cells[0]:6.2f} -> {cells[1]:6.2f} ({100 * (1 - cells[1] / cells[0]):4.1f}% less)")
    print("main-database triggers whose matches may be longer than 512 characters (max width):")
    for rule in engine.rules:
        if rule.trigger_parts:
            expressions = [part for part, group in rule.trigger_parts if not group]
        else:
            expressions = [rule.trigger] if rule.trigger and not rule.trigger_needs else []
        for expression in expressions:
            width = sre_parse.parse(expression).getwidth()[1]
            if width > 512:
                print(f"  {rule.name}: {'unbounded' if width >= sre_parse.MAXREPEAT else width}")


def main() -> None:
    args = sys.argv[1:]
    parts = [a for a in args if a in ("floor", "overlap")] or ["floor", "overlap"]
    units = [a for a in args if a not in ("floor", "overlap")] or [" -p", "oy2", "\\npassword ", "curl -u "]
    if "floor" in parts:
        floor()
    if "overlap" in parts:
        overlap(units)


if __name__ == "__main__":
    main()
