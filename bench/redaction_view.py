#!/usr/bin/env python3
"""What the view (hookd/redact/view.py) costs on a flood of what it decodes, and how much of that is the
regex pass alone: the floor of a view found with Python's re (bench/README.md, "Worst case, ninth pass").

Per flood, as plain text and as a payload's stdout (1 MiB before JSON encoding), CPU ms per MiB, best of
5: the view's matches per MiB, `_EDIT.split` alone, the Python view (PyView, the reference), the same with
its map back built (as when a span is mapped), each also in ns per match; `str.split` on a backslash (a
C-level pass over the text); and the compiled view (_viewcore.c, when built), alone and with its map.

Usage: python bench/redaction_view.py [flood ...]   (\\u in a flood is taken as an escape only with
--decode; by default a flood is the characters given)
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from _cpu import best_cpu_ms  # noqa: E402

from hookd.redact import view, viewpattern  # noqa: E402

SIZE = 1 << 20
DEFAULT = ['ApiKey\\" ', "\\u0067", "\\u0041\\u0042", "\\u0022", "'a' + 'b' ", '\\"a\\" + \\"b\\" ', "a%3D", "token "]


def mapped(text: str, kind: type[view.PyView] = view.PyView) -> None:
    built = kind(text)
    if built.changed:
        built.span(0, 1)


def main() -> None:
    units = [a for a in sys.argv[1:] if a != "--decode"] or DEFAULT
    for unit in units:
        unit = unit.encode().decode("unicode_escape") if "--decode" in sys.argv else unit
        flood = (unit * (SIZE // len(unit) + 1))[:SIZE]
        payload = json.dumps(
            {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": flood}}
        )
        for form, text in (("text", flood), ("payload", payload)):
            mib = len(text.encode()) / SIZE
            matches = len(viewpattern.EDIT.split(text)) // view._STEP
            split = best_cpu_ms(lambda: viewpattern.EDIT.split(text)) / mib
            whole = best_cpu_ms(lambda: view.PyView(text)) / mib
            with_map = best_cpu_ms(lambda: mapped(text)) / mib
            c_split = best_cpu_ms(lambda: text.split("\\")) / mib
            compiled = ""
            if view.COMPILED:
                alone = best_cpu_ms(lambda: view.CompiledView(text)) / mib
                both = best_cpu_ms(lambda: mapped(text, view.CompiledView)) / mib
                compiled = f"  C view {alone:4.1f}  with map {both:4.1f}"
            per = (
                f"{split * 1e6 / (matches / mib):.0f} / {whole * 1e6 / (matches / mib):.0f} ns per match"
                if matches
                else ""
            )
            print(
                f"{json.dumps(unit):30} {form:7} matches/MiB {matches / mib:7.0f}  split {split:5.1f}  View {whole:5.1f}"
                f"  with map {with_map:5.1f}  str.split {c_split:4.1f}{compiled} ms/MiB  {per}",
                flush=True,
            )


if __name__ == "__main__":
    main()
