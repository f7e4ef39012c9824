"""The text as the rules should read it: escapes decoded, nested quotes flattened, pieces joined.

A secret written as ``\\u0067hp_...`` in the JSON text, split in code as
``"sk-" + "proj-..."``, or sitting in JSON inside JSON inside a string
(``\\\\\\"password\\\\\\": ...``) does not look like itself to a pattern. The
view decodes ``\\uXXXX`` escapes of printable ASCII, writes every quote of a
JSON text nested in a string as ``\\"`` (the form the rules know, one level
down), turns ``%3D`` after a name into ``=`` and ``%26`` before one into
``&`` (a URL-encoded query), and drops the ``" + "`` between two quoted
pieces. It reads at most MAX_LEVEL levels of JSON: the payload and three
levels of JSON text inside its strings; what is deeper is read as it is.
Every character of the view comes from a known stretch of the original, so
a span found in the view maps back to whole escapes and whole joints there:
the original is redacted, and everything outside the secrets stays byte for
byte.

A decoded character is never ``"`` or ``\\`` alone (a quote is decoded to
the pair ``\\"``), so the view is valid JSON, and what the rules guarantee
(a marker never splits an escape or ends a string) holds in the original as
well. The view costs one regex pass over the text, built only when the
scanner saw something to decode (VIEW_TRIGGERS).
"""

from __future__ import annotations

import bisect
import re

MAX_LEVEL = 4  # the payload's JSON and three levels of JSON text nested in its strings
# At level k (1: the payload's own strings) an escape is written with 2**(k-1) backslashes
# (\u0067, \\u0067, \\\\u0067...), and a quote that ends a string of level k+1 as
# 2**k - 1 backslashes and a quote (\", \\\", \\\\\\\") or as level k's \u0022.
# Every alternative starts with a plain character (\\, ' or %) and looks behind only after it, so
# the regex skips at C speed from one of those characters to the next.
_JOINT = r"(?:[ \t]|\\[nt]){0,8}\+(?:[ \t]|\\[nt]){0,8}"
_EDIT = re.compile(
    r"\\(?<!\\\\)(?:(?P<run>\\*)u00(?P<hex>[2-7][0-9A-Fa-f])|(?P<quote>\\{6}|\\{2})\"|\"" + _JOINT + r"\\\")"
    r"|'(?<!\\')" + _JOINT + "'"
    r"|%(?<=[A-Za-z0-9_]%)3[Dd]|%(?<=[A-Za-z0-9_.~-]%)26(?=[A-Za-z_])"
)
_PERCENT = {"%3D": "=", "%3d": "=", "%26": "&"}
# Hyperscan patterns, in the redactor's single pass: the text holds something the view decodes.
# A nested quote or an encoded = is worth a view only right after a name that may say secret.
_NAME_WORD = r"(?i:pass|pwd|secret|token|key|auth|cookie|credential|session)[A-Za-z0-9_.-]{0,40}"
VIEW_TRIGGERS = (
    r"\\u00[2-7]",
    r"""(?:\\"|')(?:[ \t]|\\[nt]){0,8}\+""",
    _NAME_WORD + r"""(?:\\\\\\|\\\\\\\\\\\\\\)\"""",
    _NAME_WORD + "%3[Dd]",
)


def _edit(m: re.Match[str]) -> tuple[int, str] | None:
    """Where the edit starts in the original, and what the view has there instead; None: no edit."""
    if m.group("hex"):
        run = 1 + len(m.group("run"))
        level_escape = run & -run  # the backslashes of the escape itself; those before are literal
        if level_escape > 2 ** (MAX_LEVEL - 1):
            return None
        code = int(m.group("hex"), 16)
        if code == 0x22:  # a quote: the rules read it as \" whatever its level, if nothing precedes it
            return (m.start(), '\\"') if run == level_escape else None
        if code in (0x5C, 0x7F):
            return None
        return m.start() + run - level_escape, chr(code)
    if m.group("quote"):
        return m.start(), '\\"'
    if m.group()[0] == "%":
        return m.start(), _PERCENT[m.group()]
    return m.start(), ""  # a joint


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
            edit = _edit(m)
            if edit is None:
                continue
            start, replacement = edit
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
