"""Whether a quoted value after ``name:`` is a def parameter's annotation, not a value.

In a def's parameter list what follows ``name:`` is an annotation, never a value (the value is after
its ``=``): ``def f(backend, private_key: "_DSAPrivateKey" = None)`` holds a forward reference, which
the secret-named parameter would otherwise have redacted. Only on the def's own line, and only a
type's shape: an object's field, a default or a value with other characters stays a candidate. The
slices looked at are bounded, so the work per candidate is constant.
"""

from __future__ import annotations

import re

_DEF_PARAMETER = re.compile(r"\s+\w+\s*\((?:[^()]*,)?\s*[A-Za-z_]\w*\s*:")  # after the line's last "def"
_TYPE_SHAPE = re.compile(r"[A-Za-z_][\w.]{0,80}(?:\[[\w\[\]., |]{0,80}\])?")
_LINE_BREAK = re.compile(r"\\n|\n")
_SIGNATURE_REACH = 200


def quoted_annotation(match: re.Match[str]) -> bool:
    """The value ``match`` found after a colon annotates a parameter of a def on the same line."""
    text, start = match.string, match.start()
    if text[start - 1 : start] != ":" or not _TYPE_SHAPE.fullmatch(match.group("value")):
        return False
    if text[match.end() : match.end() + 4].lstrip(" ")[:1] not in (",", ")", "="):
        return False
    line = _LINE_BREAK.split(text[max(0, start - _SIGNATURE_REACH) : start])[-1]
    at = line.rfind("def")
    if at < 0 or line[at - 1 : at].isalnum() or line[at - 1 : at] in ("_", "."):
        return False
    return _DEF_PARAMETER.fullmatch(line, at + 3) is not None
