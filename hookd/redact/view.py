"""The text as the rules should read it: escapes decoded and concatenated string pieces joined.

A secret written as ``\\u0067hp_...`` in the JSON text, or split in code as
``"sk-" + "proj-..."``, does not look like itself to a pattern. The view
decodes ``\\uXXXX`` escapes of printable ASCII (at the payload's level and
one level of JSON inside a string) and drops the ``" + "`` between two
quoted pieces. Every character of the view comes from a known stretch of the
original, so a span found in the view maps back to whole escapes and whole
joints there: the original is redacted, and everything outside the secrets
stays byte for byte.

Decoded characters are never ``"`` or ``\\``, so the view is JSON of the
same meaning, and what the rules guarantee (a marker never splits an escape
or ends a string) holds in the original as well.
"""

from __future__ import annotations

import bisect
import re

# A backslash run before u00XX or a quote-plus-quote joint. Which escape level a run
# belongs to is its length: odd, the payload's own; 2 mod 4, a JSON string inside a string.
_EDIT = re.compile(
    r"(?<!\\)(?P<run>\\+)u00(?P<hex>[2-7][0-9A-Fa-f])"
    r"|(?<!\\)(?P<q>\\\"|')(?:[ \t]|\\[nt]){0,8}\+(?:[ \t]|\\[nt]){0,8}(?P=q)"
)
# Hyperscan patterns, in the redactor's single pass: the text holds something the view decodes.
VIEW_TRIGGERS = (r"\\u00[2-7]", r"""(?:\\"|')(?:[ \t]|\\[nt]){0,8}\+""")


class View:
    """The decoded text, and the map from its characters back to the original's."""

    def __init__(self, text: str) -> None:
        self.original = text
        pieces: list[str] = []
        # Per edit: where it starts in the view and the original, how long it is in each.
        self._view_at: list[int] = []
        self._orig_at: list[int] = []
        self._orig_len: list[int] = []
        self._view_len: list[int] = []
        last = view_pos = 0
        for m in _EDIT.finditer(text):
            if m.group("run"):
                run = len(m.group("run"))
                code = int(m.group("hex"), 16)
                drop = 1 if run % 2 else (2 if run % 4 == 2 else 0)
                if code in (0x22, 0x5C, 0x7F) or not drop:
                    continue
                start = m.start() + run - drop
                replacement = chr(code)
            else:
                start = m.start()
                replacement = ""
            pieces.append(text[last:start])
            view_pos += start - last
            self._view_at.append(view_pos)
            self._orig_at.append(start)
            self._orig_len.append(m.end() - start)
            self._view_len.append(len(replacement))
            pieces.append(replacement)
            view_pos += len(replacement)
            last = m.end()
        pieces.append(text[last:])
        self.text = "".join(pieces)
        self.changed = bool(self._view_at)

    def _char(self, x: int) -> tuple[int, int]:
        """The original stretch that view character ``x`` comes from."""
        i = bisect.bisect_right(self._view_at, x) - 1
        # Skip the joints (no view characters) sitting exactly at x: the character follows them.
        if i >= 0 and self._view_len[i] and x < self._view_at[i] + self._view_len[i]:
            return self._orig_at[i], self._orig_at[i] + self._orig_len[i]
        if i < 0:
            return x, x + 1
        base_view = self._view_at[i] + self._view_len[i]
        base_orig = self._orig_at[i] + self._orig_len[i]
        at = base_orig + (x - base_view)
        return at, at + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span for the view span [start, end): whole escapes and joints."""
        return self._char(start)[0], self._char(end - 1)[1]
