"""Text from payloads made safe to print on a terminal: one line, no control characters."""

from __future__ import annotations

import re

# C0 and C1 controls, and the bidirectional overrides and isolates (which reorder what is shown).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text on one line: a newline shown as ⏎, any other control character as \\xNN or \\uNNNN."""
    text = text.strip().replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
