"""Text from payloads made safe to print on a terminal: one line, no control characters."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# C0 and C1 controls, the line and paragraph separators, the bidirectional marks, overrides
# and isolates (which reorder what is shown), and the invisible format characters: zero-width
# spaces and joiners, the word joiner and invisible operators, the byte order mark, the soft
# hyphen and the other default-ignorable ones, the tag characters and the variation selectors
# (which show nothing, and so hide text, or a message to a model, in plain sight: one selector
# per byte spells any message after a single letter). One emoji selector (U+FE0E, U+FE0F) after
# the character it styles is left as it is (``_styles``).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u034f\u061c\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028\u2029"
    "\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff0-\ufff8\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_EMOJI_SELECTORS = "\ufe0e\ufe0f"
_KEYCAPS = "0123456789#*"


def _styles(text: str, at: int) -> bool:
    """Is the emoji selector at ``at`` one that styles the character before it (one that is not
    ASCII and not itself hidden, or a keycap's digit, # or *)?"""
    if at == 0:
        return False
    before = text[at - 1]
    return before in _KEYCAPS if before.isascii() else _CONTROL.match(before) is None


def _sub(escape: Callable[[str], str], text: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = match.group()
        return char if char in _EMOJI_SELECTORS and _styles(text, match.start()) else escape(char)

    return _CONTROL.sub(one, text)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """Text on one line: a newline shown as ⏎, any other control or invisible character as
    \\xNN, \\uNNNN or \\UNNNNNNNN."""
    text = text.strip().replace("\r\n", "\n").replace("\n", " ⏎ ").replace("\t", " ")
    return _sub(_escape, text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a JSON escape is UTF-16: a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_visible(text: str) -> str:
    """A JSON text with those characters spelled as \\u escapes: the same JSON value, and
    nothing a terminal acts on or hides (valid JSON has no raw C0 control, so those left are
    C1 and the like, which can only be inside strings)."""
    return _sub(_json_escape, text)


def escaped(text: str) -> str:
    """Text with every character that is not printable (C0 and C1 controls, DEL, line and
    paragraph separators, bidirectional overrides and other format characters) written as its
    Python escape (\\n, \\x1b, \\u2028): what is left is one line that shows what it holds."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Shown:
    """A log value as it is to be printed (already escaped): the console renderer prints its
    repr, which is that text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


BLOCKS = ("exception", "stack")  # printed under the line, indented, one escaped line each


def one_line_fields(logger: object, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor for the console format: every key and value printable on one line,
    so that a value from the network (a hook name, a path) cannot start a line of its own or
    send an escape sequence to the terminal. A string that needs it is shown as its repr (quoted,
    escaped), any other value as its repr escaped. A traceback keeps its lines, each indented
    (no line of it starts where a log line does) and escaped."""
    out: dict[str, Any] = {}
    for key, value in event_dict.items():
        if key in BLOCKS and isinstance(value, str):
            out[key] = "\n".join("    " + escaped(line) for line in value.split("\n"))
            continue
        if not isinstance(key, str) or not key.isprintable():
            key = escaped(str(key))
        if isinstance(value, str):
            out[key] = value if value.isprintable() else Shown(repr(value))
        else:
            out[key] = Shown(escaped(repr(value)))
    return out
