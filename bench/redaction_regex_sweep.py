#!/usr/bin/env python3
"""Every Python regular expression of hookd/redact, tried on strings built to make it backtrack.

The patterns: each ``re.Pattern`` in the globals of the hookd.redact modules and each rule's compiled
regex. Per pattern, from its own parse tree: its literal runs and, per character class, a few characters
of it (a letter, a digit, punctuation, a space); the strings are one class's character repeated, pairs
of pieces repeated, and both after the pattern's first literal run, each ended by a character that fails
(``\\x01``, a space). Each is timed with search() and fullmatch() at 8 to 32 characters (over 10 ms
there: exponential, not tried longer), then at 1, 2, 4 and 8 KiB (a call over
half a second ends the series); where the 8 KiB time is over 12 times the 1 KiB time (linear: 8) and
long enough to mean something, it is timed again (best of 3) and printed if it still grows faster than
the length. A pattern the code only calls fullmatch() on is quadratic under search() by nature when it
has an unbounded repeat: those lines say how the code calls it.

Wall time per call, not CPU: one call is too short for the process clock. Python's re has no step count
to assert on instead, so this stays a benchmark, not a test (findings: bench/README.md).

Usage: python bench/redaction_regex_sweep.py [--module NAME ...] [--pieces 10]
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import time
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

import hookd.redact

SIZES = (1 << 10, 2 << 10, 4 << 10, 8 << 10)
# Before those, short strings: a pattern that backtracks exponentially never returns at 1 KiB, and shows
# at a few dozen characters already (each step here doubles at most a doubling's time).
SHORT = (8, 12, 16, 20, 24, 28, 32)
SHORT_S = 0.01  # a call this long on a string this short grows exponentially
FAILS = ("\x01", " ")
RATIO = 12.0  # 8 KiB / 1 KiB: linear is 8
FLOOR_S = 200e-6  # an 8 KiB time under this is noise, whatever the ratio
SLOW_S = 0.5  # one call this long is a finding already
ALPHABET = [chr(c) for c in range(32, 127)] + ["\t", "\n", "é"]
_CATEGORIES = {
    C.CATEGORY_DIGIT: re.compile(r"\d"),
    C.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    C.CATEGORY_WORD: re.compile(r"\w"),
    C.CATEGORY_NOT_WORD: re.compile(r"\W"),
    C.CATEGORY_SPACE: re.compile(r"\s"),
    C.CATEGORY_NOT_SPACE: re.compile(r"\S"),
}
_KINDS = (str.islower, str.isupper, str.isdigit, str.isspace, lambda c: not c.isalnum() and not c.isspace())


def patterns(only: list[str]) -> list[tuple[str, re.Pattern[str]]]:
    """Each pattern, labelled with where it is and how the code calls it (search() on a pattern the
    code only calls fullmatch() on is no finding)."""
    found: dict[tuple[str, int], str] = {}
    for info in pkgutil.iter_modules(hookd.redact.__path__):
        if only and info.name not in only:
            continue
        module = importlib.import_module(f"hookd.redact.{info.name}")
        path = module.__file__ or ""
        source = open(path, encoding="utf-8").read() if path.endswith(".py") else ""
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                calls = sorted(set(re.findall(rf"\b{re.escape(name)}\.(\w+)\(", source)))
                found.setdefault((value.pattern, value.flags), f"{info.name}.{name} (called: {','.join(calls)})")
    if not only or "rules" in only:
        from hookd.redact.rules import BUILTIN_RULES

        for rule in BUILTIN_RULES:
            calls = "match" if rule.anchored else "finditer"
            found.setdefault((rule.compiled.pattern, rule.compiled.flags), f"rule {rule.name} (called: {calls})")
    return [(label, re.compile(p, f)) for (p, f), label in found.items()]


def _members(items, flags: int) -> list[str]:
    """The characters of ALPHABET in a class (an IN node's items)."""
    negate = False
    tests = []
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            tests.append(lambda c, av=av: ord(c) == av)
        elif op is C.RANGE:
            tests.append(lambda c, av=av: av[0] <= ord(c) <= av[1])
        elif op is C.CATEGORY:
            tests.append(lambda c, av=av: bool(_CATEGORIES[av].match(c)))
    caseless = bool(flags & re.I)
    out = []
    for c in ALPHABET:
        hit = any(t(c) or (caseless and (t(c.lower()) or t(c.upper()))) for t in tests)
        if hit != negate:
            out.append(c)
    return out


def pieces(pattern: re.Pattern[str]) -> tuple[list[str], str]:
    """Its literal runs and a few characters of each class; and its first literal run."""
    runs: list[str] = []
    chars: list[str] = []

    def walk(seq) -> None:
        run = ""
        for op, av in seq:
            if op is C.LITERAL:
                run += chr(av)
                continue
            if run:
                runs.append(run)
                run = ""
            if op is C.IN:
                members = _members(av, pattern.flags)
                chars.extend(next((c for c in members if kind(c)), "") for kind in _KINDS)
            elif op is C.NOT_LITERAL:
                chars.append("a" if av != ord("a") else "b")
            elif op is C.ANY:
                chars.append("a")
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                walk(av[2])
            elif op is C.SUBPATTERN:
                walk(av[3])
            elif op in (C.ATOMIC_GROUP,):
                walk(av)
            elif op in (C.ASSERT, C.ASSERT_NOT):
                walk(av[1])
            elif op is C.BRANCH:
                for branch in av[1]:
                    walk(branch)
            elif op is C.GROUPREF_EXISTS:
                walk(av[1])
                if av[2]:
                    walk(av[2])
        if run:
            runs.append(run)

    walk(_parser.parse(pattern.pattern, pattern.flags))
    first = runs[0] if runs else ""
    unique = list(dict.fromkeys([r for r in runs if len(r) <= 40] + [c for c in chars if c]))
    return unique, first


def strings(found: list[str], first: str, limit: int):
    """(label, maker) where maker(size) builds the string of about ``size`` characters."""
    chosen = found[:limit]
    for fail in FAILS:
        for a in chosen:
            for b in chosen:
                unit = a + b
                for head in ("", first) if first else ("",):
                    yield (
                        f"{head!r}+({unit!r})*+{fail!r}",
                        lambda n, h=head, u=unit, f=fail: h + u * max(1, (n - len(h)) // len(u)) + f,
                    )


def once(method, text: str) -> float:
    started = time.perf_counter()
    method(text)
    return time.perf_counter() - started


def best(method, text: str, times: int = 3) -> float:
    return min(once(method, text) for _ in range(times))


def _series(method, make, timer) -> list[float]:
    """The times at SIZES, in order; a call over SLOW_S ends the series (it grows too fast to wait for)."""
    times: list[float] = []
    for n in SIZES:
        times.append(timer(method, make(n)))
        if times[-1] > SLOW_S:
            break
    return times


def sweep(label: str, pattern: re.Pattern[str], limit: int) -> list[str]:
    """One line per method that grows faster than the length: the first string found that shows it."""
    found, first = pieces(pattern)
    flagged = []
    done: set[str] = set()
    for what, make in strings(found, first, limit):
        for method_name in ("search", "fullmatch"):
            if method_name in done:
                continue
            method = getattr(pattern, method_name)
            short = []
            for n in SHORT:
                short.append(once(method, make(n)))
                if short[-1] > SHORT_S:
                    break
            if short[-1] > SHORT_S:
                shown = " ".join(f"{t * 1e3:.2f}" for t in short)
                sizes = "/".join(str(n) for n in SHORT[: len(short)])
                flagged.append(f"{label} {method_name} {what}: {shown} ms at {sizes} characters: exponential")
                done.add(method_name)
                continue
            times = _series(method, make, once)
            if times[-1] <= SLOW_S and (times[-1] < FLOOR_S or times[-1] < RATIO * times[0]):
                continue
            if times[-1] <= SLOW_S:
                times = _series(method, make, best)  # again, best of 3, to rule out noise
            if times[-1] > SLOW_S or times[-1] >= FLOOR_S and times[-1] > RATIO * times[0]:
                shown = " ".join(f"{t * 1e3:.2f}" for t in times)
                sizes = "/".join(str(n >> 10) for n in SIZES[: len(times)])
                flagged.append(f"{label} {method_name} {what}: {shown} ms at {sizes} KiB")
                done.add(method_name)
    return flagged


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--pieces", type=int, default=10)
    args = ap.parse_args()
    found = patterns(args.module)
    print(f"{len(found)} patterns", file=sys.stderr)
    started = time.monotonic()
    flagged = 0
    for label, pattern in found:
        print(f"{label} ...", file=sys.stderr, flush=True)
        for line in sweep(label, pattern, args.pieces):
            print(line, flush=True)
            flagged += 1
    print(f"{flagged} flagged, {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
