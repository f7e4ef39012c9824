#!/usr/bin/env python3
"""How fast redaction goes, on typical payloads and on the worst input per rule; and how well it does.

Three reports, with the daemon's own Redactor (built as `hookd run` builds it):

* typical: the corpus's large payloads (tests/corpus), as they are and with a few
  secrets spliced in (median of --repeat runs);
* worst case per rule: for each built-in rule, its keywords repeated
  (tests/redaction_corpus/floods.json, "keywords") and whole secret shapes
  repeated ("candidates"), --size bytes each; the slowest input is reported;
* quality: recall and benign survival on tests/redaction_corpus.

Goal (issue 16): at least 100 MB/s on typical payloads and on the worst input.

The worst-case floods are timed as plain text and as the stdout of a JSON payload (as a hook sends
them); --cpu times with the process's CPU time (on a shared machine, wall time measures the others too).
A flood's row says "dense" when the redactor redacted it in bulk (docs/redaction.md, "Dense text").

Usage: python bench/redaction.py [--repeat N] [--size BYTES] [--corpus DIR] [--only typical|worst|quality] [--cpu]
"""

from __future__ import annotations

import argparse
import binascii
import json
import os
import statistics
import sys
import time

from hookd.redact import build_redactor
from hookd.redact.checksums import base62

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS_TESTS = os.path.join(HERE, "..", "tests", "redaction_corpus")
LARGE = ("post_tool_use_bash_huge.json", "post_tool_use_read_large.json")  # the goal is on these
FILES = ("post_tool_use_bash_huge.json", "post_tool_use_read_large.json", "post_tool_use_write.json")
_BODY = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5"
SECRETS = (
    "gh" + "p_" + _BODY + base62(binascii.crc32(_BODY.encode()), 6),
    "AKIAIOSFODNN7EXAMPL3",
    "postgres://app:hunter2@db:5432/shop",
    "Authorization: Bearer abcdef0123456789abcdef",
)


def with_secrets(text: str) -> str:
    """The same document with a few secrets spliced into its largest string."""
    doc = json.loads(text)
    response = doc.get("tool_response")
    if isinstance(response, dict):
        key = max((k for k, v in response.items() if isinstance(v, str)), key=lambda k: len(response[k]), default=None)
        if key:
            value = response[key]
            step = max(1, len(value) // (len(SECRETS) + 1))
            parts = [value[i * step : (i + 1) * step] for i in range(len(SECRETS))]
            response[key] = "".join(p + " " + s + " " for p, s in zip(parts, SECRETS)) + value[len(SECRETS) * step :]
    return json.dumps(doc)


CLOCK = time.perf_counter


def rate(redactor, text: str, repeat: int) -> tuple[float, int]:
    times = []
    counts = {}
    for _ in range(repeat):
        started = CLOCK()
        _, counts = redactor.redact(text)
        times.append(CLOCK() - started)
    return len(text.encode()) / statistics.median(times) / 1e6, sum(counts.values())


def as_payload(text: str) -> str:
    """The text as a hook would send it: the stdout of a tool, inside a JSON payload."""
    return json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": text}})


def flood_rate(redactor, unit: str, size: int, repeat: int) -> tuple[float, bool]:
    """The slower of the flood as plain text and as a payload, and whether either went dense."""
    text = (unit * (size // len(unit) + 1))[:size]
    rates, dense = [], False
    for form in (text, as_payload(text)):
        rates.append(rate(redactor, form, repeat)[0])
        dense = dense or "dense" in redactor.redact(form)[1]
    return min(rates), dense


def typical(redactor, corpus: str, repeat: int) -> None:
    print(f"{'payload':<44} {'size':>10} {'rate':>11} {'redacted':>9}")
    rates = []
    for name in FILES:
        base = open(os.path.join(corpus, name), encoding="utf-8").read()
        for label, text in ((name, base), (name + " + secrets", with_secrets(base))):
            mbs, redacted = rate(redactor, text, repeat)
            if name in LARGE:
                rates.append(mbs)
            print(f"{label:<44} {len(text.encode()):>10,} {mbs:>6.0f} MB/s {redacted:>9}")
    print(
        f"typical: slowest large payload {min(rates):.0f} MB/s (goal >= 100: {'MET' if min(rates) >= 100 else 'NOT MET'})"
    )


def worst(redactor, size: int, repeat: int) -> None:
    floods = json.load(open(os.path.join(CORPUS_TESTS, "floods.json")))
    print(f"{'rule':<26} {'keyword floods':>15} {'(slowest input)':<28} {'candidate floods':>17}  examined/len")
    worst_keyword = worst_candidate = float("inf")
    for rule in redactor.rules:
        units = floods["keywords"].get(rule.name) or [k + " " for k in rule.keywords] + list(rule.keywords)
        slowest = (float("inf"), False, "")
        ratio = 0.0
        for unit in units:
            text = (unit * (size // len(unit) + 1))[:size]
            redactor.examined.clear()
            rate(redactor, text, 1)
            ratio = max(ratio, max(redactor.examined.values(), default=0) / len(text))
            slowest = min(slowest, (*flood_rate(redactor, unit, size, repeat), unit))
        candidates = [flood_rate(redactor, u, size, repeat) for u in floods["candidates"].get(rule.name, ())]
        candidate = min(candidates, default=None)
        worst_keyword = min(worst_keyword, slowest[0])
        if candidate is not None:
            worst_candidate = min(worst_candidate, candidate[0])
        shown = json.dumps(slowest[2])[:26]
        dense = " dense" if slowest[1] else ""
        cand = f"{candidate[0]:>12.1f} MB/s{' dense' if candidate[1] else ''}" if candidate else f"{'-':>17}"
        print(f"{rule.name:<26} {slowest[0]:>10.1f} MB/s {shown:<28}{dense} {cand}  {ratio:.2f}")
    print(
        f"worst keyword flood {worst_keyword:.1f} MB/s; worst candidate flood {worst_candidate:.1f} MB/s "
        f"(goal >= 100 on the worst input: {'MET' if min(worst_keyword, worst_candidate) >= 100 else 'NOT MET'})"
    )


def quality(redactor) -> None:
    sys.path.insert(0, CORPUS_TESTS)
    from load import score

    result = score(redactor)
    print(
        f"corpus: recall {result['recall']:.1%} of {result['secrets']} secret cases "
        f"(goal >= 98%), benign kept {result['benign_kept']:.1%} of {result['benign']} (goal >= 99%)"
    )
    for missed in result["missed"]:
        print("  missed:", *missed)
    for harmed in result["harmed"]:
        print("  harmed:", *harmed[:2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--size", type=int, default=1 << 20, help="bytes of each worst-case input")
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "tests", "corpus"))
    ap.add_argument("--only", choices=("typical", "worst", "quality"))
    ap.add_argument("--cpu", action="store_true", help="time with the process's CPU time")
    args = ap.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    redactor = build_redactor(True)
    print(f"{len(redactor.rules)} built-in rules; {os.cpu_count()} CPUs")
    if args.only in (None, "typical"):
        typical(redactor, args.corpus, args.repeat)
    if args.only in (None, "worst"):
        worst(redactor, args.size, max(1, args.repeat // 10))
    if args.only in (None, "quality"):
        quality(redactor)


if __name__ == "__main__":
    main()
