"""Text with a lone surrogate, sent to the page as it was sent to hookd.

The standard library reads a JSON ``\\udc80`` without its other half (a JavaScript writer's half an
emoji) as a lone surrogate, which UTF-8 cannot hold: msgspec refuses to encode it. The page is sent
it as the same JSON escape, which JSON.parse reads back as the lone surrogate, and the page shows
as its escape (dom.js ``inert``): what was sent, never raw into the DOM, and told from the six
characters ``\\udc80`` (shown with their backslash doubled).
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()
_SURROGATE = re.compile("[\ud800-\udfff]")


def utf8(text: str) -> str:
    """A lone surrogate as U+FFFD: for names the UI groups and filters by, and keys it looks up."""
    return text if text.isascii() else text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def faithful_json(value: Any) -> bytes:
    """``value`` (JSON types only) as JSON, a lone surrogate in its strings as its ``\\u`` escape."""
    try:
        return _encoder.encode(value)
    except UnicodeEncodeError:
        # A surrogate is in a string: json.dumps escapes the string's backslashes and quotes first, so
        # each surrogate left is a character of a string's text, and its escape is read back as it.
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode()
