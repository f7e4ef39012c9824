#!/usr/bin/env python3
"""Where the worst inputs' redaction time goes, per rule (issue 16: "the benchmark reports worst-case MB/s
per rule"; bench/redaction.py --only worst gives each rule's own floods, this the hunted worst inputs).

Each input (the hunted worst of bench/README.md, rebuilt as redaction_hunt.py genomes and rendered by it to
--size characters, seed 7) is timed whole: MB/s as plain text and as a payload's stdout, CPU time, best of
--times ("d": went dense). Then one instrumented run of the text: per rule, its candidates (matches its
regex yielded), the CPU ms per MiB its reads took (the value's regex where an anchored trigger ends, or
finditer over its stretches, with the budget's spend), its checks (validate and check, run once the
budget is settled) and a decoding rule's inner redactions; and that rule's MB/s were it the only cost
(size / its reads, checks and decodings). "rest" is the run's time outside the rules' reads and checks:
the Hyperscan scan and its reports, the view, settling, merging, whole escapes, the output. The timers
cost ~0.3 us each, so the instrumented figures are a little above the plain run's.

--same DIR: instead, whether this checkout's outputs on the inputs (seeds 7 and 8, text and payload, at
--size) are byte for byte those of an older tree's hookd; exits 1 if any differs.

Usage: python bench/redaction_worst_rules.py [--size BYTES] [--times N] [--tree DIR] [--same DIR] [name ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from redaction_hunt import as_payload, load, render, timed  # noqa: E402


def _lit(text: str) -> list:
    return ["lit", text]


def _val(shape: str, length: int = 0) -> list:
    return ["val", shape, length]


# The worst inputs known (bench/README.md: h76's seed 5, h103's table, the floor's flood, h103's last hunt).
INPUTS: dict[str, dict[str, Any]] = {
    "h76-seed5": {
        "pieces": [
            _lit("password = "),
            _val("b64", 128),
            _lit("<<<41534941"),
            _val("b64", 128),
            _lit("password = "),
            _val("digits", 40),
            _lit("name: DB_PASSWORD\n value: "),
            _val("b64", 4),
            _lit("<<<"),
        ],
        "per": None,
    },
    "never-dense": {"pieces": [_lit("password = "), _val("b64", 164), _lit("\n")], "per": None},
    "seed11": {
        "pieces": [
            _val("b64", 4),
            _val("digits", 64),
            _val("path", 24),
            _lit("\nchpasswd "),
            _val("hex", 24),
            _lit("visa"),
            _val("alnum", 128),
            _lit('ApiKey\\" 6b3a2f2f'),
            _val("word"),
            _lit("chpasswd "),
        ],
        "per": None,
    },
    "seed12": {
        "pieces": [
            _val("path", 40),
            _lit("rabbitmqadmin -p "),
            _val("b64", 32),
            _val("path", 32),
            _lit('rman targetApiKey\\" =FLSU'),
            _val("digits", 24),
            _val("b64", 128),
            _val("path", 8),
            _lit("Cookie: a=b1234567; "),
        ],
        "per": 64,
    },
    "seed13": {
        "pieces": [
            _lit("password=/mOi8vmOi8v\n"),
            _val("b64", 4),
            _val("hex", 64),
            _lit("czovL-EAAAczovL"),
            _val("digits", 8),
            _val("hex", 32),
        ],
        "per": None,
    },
}


class _Clock:
    """Per rule: candidates, and CPU seconds in its reads, checks and inner redactions (outermost only)."""

    def __init__(self) -> None:
        self.candidates: Counter[str] = Counter()
        self.reads: Counter[str] = Counter()
        self.checks: Counter[str] = Counter()
        self.decodes: Counter[str] = Counter()
        self.depth = 0

    def reading(self, name: str, matches: Iterator[Any]) -> Iterator[Any]:
        while True:
            started = time.process_time()
            try:
                match = next(matches)
            except StopIteration:
                if not self.depth:
                    self.reads[name] += time.process_time() - started
                return
            if not self.depth:
                self.reads[name] += time.process_time() - started
                self.candidates[name] += 1
            yield match


def instrumented(redactor: Any, text: str) -> tuple[_Clock, float]:
    """One run of ``text`` with each rule's reads, checks and decodings timed; its CPU seconds."""
    module = sys.modules[type(redactor).__module__]
    clock = _Clock()
    saved = {name: getattr(module, name) for name in ("AnchoredReads", "read_stretch")}
    reads_class, read_stretch = saved["AnchoredReads"], saved["read_stretch"]
    confirmed, wraps = redactor._confirmed, redactor._unwrapper.wraps_secret

    class Reads(reads_class):  # type: ignore[misc, valid-type]
        def __iter__(self) -> Iterator[Any]:
            return clock.reading(self.rule.name, super().__iter__())

    def stretch(rule: Any, *args: Any) -> Iterator[Any]:
        return clock.reading(rule.name, read_stretch(rule, *args))

    def timed_confirmed(index: int, *args: Any) -> bool:
        started = time.process_time()
        try:
            return confirmed(index, *args)
        finally:
            if not clock.depth:
                clock.checks[redactor.rules[index].name] += time.process_time() - started

    def timed_wraps(index: int, rule: Any, *args: Any) -> bool:
        started = time.process_time()
        clock.depth += 1
        try:
            return wraps(index, rule, *args)
        finally:
            clock.depth -= 1
            if not clock.depth:
                clock.decodes[rule.name] += time.process_time() - started

    module.AnchoredReads, module.read_stretch = Reads, stretch
    redactor._confirmed, redactor._unwrapper.wraps_secret = timed_confirmed, timed_wraps
    try:
        redactor.forget()
        started = time.process_time()
        redactor.redact(text)
        return clock, time.process_time() - started
    finally:
        module.AnchoredReads, module.read_stretch = saved["AnchoredReads"], saved["read_stretch"]
        del redactor._confirmed, redactor._unwrapper.wraps_secret


def same(redactor: Any, older: Any, names: list[str], size: int) -> int:
    """How many of the inputs' renderings the two redactors redact differently (each printed)."""
    differ = 0
    for name in names:
        for seed in (7, 8):
            text = render(INPUTS[name], size, seed)
            for form, given in (("text", text), ("payload", as_payload(text))):
                if redactor.redact(given) != older.redact(given):
                    differ += 1
                    print(f"differs: {name} seed {seed} {form}")
    print(f"{4 * len(names)} inputs, {differ} differ")
    return 1 if differ else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1 << 20)
    ap.add_argument("--times", type=int, default=3)
    ap.add_argument("--tree", help="an older checkout's hookd (as bench/redaction_compare.py loads it)")
    ap.add_argument("--same", help="an older checkout's hookd whose outputs this one's must equal")
    ap.add_argument("names", nargs="*", default=list(INPUTS))
    args = ap.parse_args()
    redactor = load(args.tree)
    if args.same:
        sys.exit(same(redactor, load(args.same), args.names, args.size))
    mib = args.size / (1 << 20)
    for name in args.names:
        text = render(INPUTS[name], args.size, 7)
        (rate, dense), (payload_rate, payload_dense) = (
            timed(redactor, text, args.times),
            timed(redactor, as_payload(text), args.times),
        )
        print(f"\n{name}: {rate:.1f}{' d' if dense else ''} | {payload_rate:.1f}{' d' if payload_dense else ''} MB/s")
        clock, total = instrumented(redactor, text)
        rows = sorted(
            clock.reads.keys() | clock.checks.keys() | clock.decodes.keys(),
            key=lambda rule: -(clock.reads[rule] + clock.checks[rule] + clock.decodes[rule]),
        )
        print(f"{'rule':<26} {'candidates':>10} {'reads':>8} {'checks':>8} {'decodes':>8} {'MB/s alone':>10}")
        spent = 0.0
        for rule in rows:
            cost = clock.reads[rule] + clock.checks[rule] + clock.decodes[rule]
            spent += cost
            alone = args.size / 1e6 / cost if cost else float("inf")
            print(
                f"{rule:<26} {clock.candidates[rule] / mib:>10.0f} {clock.reads[rule] * 1e3 / mib:>8.1f} "
                f"{clock.checks[rule] * 1e3 / mib:>8.1f} {clock.decodes[rule] * 1e3 / mib:>8.1f} {alone:>10.1f}"
            )
        print(
            f"{'rest':<26} {'':>10} {(total - spent) * 1e3 / mib:>8.1f}  (instrumented run {total * 1e3 / mib:.1f} ms/MiB)"
        )


if __name__ == "__main__":
    main()
