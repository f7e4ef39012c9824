#!/usr/bin/env python3
"""How fast the built-in redaction rules go over large payloads, in MB/s.

Runs the daemon's own Redactor (built as `hookd run` builds it) over the
corpus's large files and over a secret-laden variant of each, repeatedly, and
prints the median rate. Goal (issue 6): at least 100 MB/s for the built-in
rules. For the daemon's throughput with redaction on and off, run
`bench/throughput.py` and `bench/throughput.py --set redact=false`.

Usage: python bench/redaction.py [--repeat N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from hookd.redact import build_redactor

HERE = os.path.dirname(os.path.abspath(__file__))
LARGE = ("post_tool_use_bash_huge.json", "post_tool_use_read_large.json")  # the goal is on these
FILES = ("post_tool_use_bash_huge.json", "post_tool_use_read_large.json", "post_tool_use_write.json")
SECRETS = ("ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "AKIAIOSFODNN7EXAMPL3",
           "postgres://app:hunter2@db:5432/shop", "Authorization: Bearer abcdef0123456789abcdef")


def with_secrets(text: str) -> str:
    """The same document with a few secrets spliced into its largest string."""
    doc = json.loads(text)
    response = doc.get("tool_response")
    if isinstance(response, dict):
        key = max((k for k, v in response.items() if isinstance(v, str)), key=lambda k: len(response[k]),
                  default=None)
        if key:
            value = response[key]
            step = max(1, len(value) // (len(SECRETS) + 1))
            parts = [value[i * step:(i + 1) * step] for i in range(len(SECRETS))]
            response[key] = "".join(p + " " + s + " " for p, s in zip(parts, SECRETS)) + value[len(SECRETS) * step:]
    return json.dumps(doc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "tests", "corpus"))
    args = ap.parse_args()
    redactor = build_redactor(True)
    print(f"{len(redactor.rules)} built-in rules; {os.cpu_count()} CPUs; median of {args.repeat} runs")
    print(f"{'payload':<44} {'size':>10} {'median':>9} {'rate':>11} {'redacted':>9}")
    rates = []
    for name in FILES:
        base = open(os.path.join(args.corpus, name), encoding="utf-8").read()
        for label, text in ((name, base), (name + " + secrets", with_secrets(base))):
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                _, counts = redactor.redact(text)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            rate = len(text.encode()) / median / 1e6
            if name in LARGE:
                rates.append(rate)
            print(f"{label:<44} {len(text.encode()):>10,} {median * 1000:>7.2f}ms {rate:>7.0f} MB/s "
                  f"{sum(counts.values()):>9}")
    worst = min(rates)
    print(f"goal >= 100 MB/s for the built-in rules on the large files: "
          f"{'MET' if worst >= 100 else 'NOT MET'} (slowest {worst:.0f} MB/s)")


if __name__ == "__main__":
    main()
