#!/usr/bin/env python3
"""Two redaction engines (this checkout's and an older tree's, both loaded in one process) on floods of the
units given: each unit repeated to 1 MiB (dense) and once per 256 characters of plain words (sparse), as plain
text and as a Bash payload's stdout. CPU time, best of 3; MB/s before | after ("d": it went dense).

Usage: git archive <rev> hookd | tar -x -C /tmp/old && python bench/redaction_units.py /tmp/old 'mkdir -p x ' ...
"""

from __future__ import annotations

import os
import sys

sys.argv.append("--cpu")  # redaction_compare reads its clock from the arguments
from redaction_compare import forms, load, timed  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = "the build ran on every commit of the branch and wrote its report to the log "


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--cpu"]
    if len(args) < 2:
        sys.exit(__doc__)
    old, new = load(args[0]), load(os.path.join(HERE, ".."))
    print("| unit | kind | text: before | after | payload: before | after |\n|---|---|---|---|---|---|")
    for unit in args[1:]:
        filler = (WORDS * (256 // len(WORDS) + 1))[: max(0, 256 - len(unit))]
        for kind, piece in (("dense", unit), ("sparse", unit + filler)):
            text, payload = forms(piece)
            cells = [timed(old, text), timed(new, text), timed(old, payload), timed(new, payload)]
            shown = repr(unit) if len(unit) <= 40 else f"{unit[:30]!r}... ({len(unit)} characters)"
            print(f"| `{shown}` | {kind} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
