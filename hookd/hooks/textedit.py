"""Change a JSON text as little as possible: only the members and elements that changed.

The settings file is the user's: its layout (one line, inline arrays, odd spacing)
stays as written wherever hookd has nothing to change, so that an install followed
by an uninstall gives back the same bytes. A value hookd adds is written in the
file's style (on one line in a one-line file, indented by the file's unit
otherwise). Anything this cannot do raises ``Unsupported``; the caller then
renders the whole file.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_SPACE = re.compile(r"[ \t\r\n]*")


def _skip(text: str, i: int) -> int:
    """Where the white space from ``i`` ends (the pattern matches the empty string too)."""
    match = _SPACE.match(text, i)
    assert match is not None
    return match.end()


def _key_end(text: str, start: int) -> int:
    """Where the key that ``_value`` parsed at ``start`` ends."""
    match = _STRING.match(text, start)
    assert match is not None
    return match.end()


class Unsupported(Exception):
    """The edit cannot be made in place."""


@dataclass
class Node:
    start: int
    end: int
    # object: (key text start, key, value node); array: (element start, None, node)
    members: list[tuple[int, Any, Node]] = field(default_factory=list)
    kind: str = "scalar"


def _value(text: str, i: int) -> Node:
    i = _skip(text, i)
    char = text[i : i + 1]
    if char in "{[":
        closing = "}" if char == "{" else "]"
        node = Node(i, i, kind="object" if char == "{" else "array")
        j = _skip(text, i + 1)
        if text[j : j + 1] == closing:
            node.end = j + 1
            return node
        while True:
            j = _skip(text, j)
            start = j
            key = None
            if node.kind == "object":
                match = _STRING.match(text, j)
                if not match:
                    raise Unsupported("a key is expected")
                key = json.loads(match.group())
                j = _skip(text, match.end())
                if text[j : j + 1] != ":":
                    raise Unsupported("a colon is expected")
                j += 1
            child = _value(text, j)
            node.members.append((start, key, child))
            j = _skip(text, child.end)
            if text[j : j + 1] == ",":
                j += 1
                continue
            if text[j : j + 1] != closing:
                raise Unsupported(f"{closing} is expected")
            node.end = j + 1
            return node
    match = _STRING.match(text, i) or _SCALAR.match(text, i)
    if not match:
        raise Unsupported("a value is expected")
    return Node(i, match.end())


@dataclass
class Style:
    unit: str | None  # None: everything on one line
    ascii: bool


def _render(value: Any, style: Style, level: int) -> str:
    if style.unit is None:
        return json.dumps(value, ensure_ascii=style.ascii)
    text = json.dumps(value, indent=style.unit, ensure_ascii=style.ascii)
    return text.replace("\n", "\n" + style.unit * level)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _patch(text: str, node: Node, old: Any, new: Any, style: Style, level: int) -> str:
    original = text[node.start : node.end]
    if _canonical(old) == _canonical(new) and type(old) is type(new):
        return original
    if node.kind == "object" and isinstance(old, dict) and isinstance(new, dict):
        return _patch_object(text, node, old, new, style, level)
    if node.kind == "array" and isinstance(old, list) and isinstance(new, list):
        return _patch_array(text, node, old, new, style, level)
    return _render(new, style, level)


def _join(text: str, node: Node, items: list[tuple[int | None, str]], style: Style, level: int) -> str:
    """The container again: its kept members with their original separators, new ones in style."""
    opening, closing = ("{", "}") if node.kind == "object" else ("[", "]")
    members = node.members
    if not items:
        return opening + closing
    if members:
        first_start = members[0][0]
        head = text[node.start : first_start]
        tail = text[members[-1][2].end : node.end]
        seps = [text[members[k - 1][2].end : members[k][0]] for k in range(1, len(members))]
        default_sep = seps[-1] if seps else ("," + head[1:] if "\n" in head else ", ")
    elif style.unit is None:
        head, tail, seps, default_sep = opening, closing, [], ", "
    else:
        inner = "\n" + style.unit * (level + 1)
        head, tail, seps, default_sep = opening + inner, "\n" + style.unit * level + closing, [], "," + inner
    out = [head]
    for n, (index, piece) in enumerate(items):
        if n:
            previous = items[n - 1][0]
            if index is not None and previous is not None and index == previous + 1:
                out.append(seps[index - 1])
            elif index is not None and index > 0:
                out.append(seps[index - 1])
            else:
                out.append(default_sep)
        out.append(piece)
    out.append(tail)
    return "".join(out)


def _patch_object(text: str, node: Node, old: dict[str, Any], new: dict[str, Any], style: Style, level: int) -> str:
    kept = [k for k in old if k in new]
    if list(new)[: len(kept)] != kept:
        raise Unsupported("the keys moved")
    items: list[tuple[int | None, str]] = []
    colon = ": "
    for index, (start, key, child) in enumerate(node.members):
        key_end = _key_end(text, start)
        colon = text[key_end : child.start]
        if key not in new:
            continue
        value = _patch(text, child, old[key], new[key], style, level + 1)
        items.append((index, text[start : child.start] + value))
    for key in list(new)[len(kept) :]:
        items.append((None, json.dumps(key, ensure_ascii=style.ascii) + colon + _render(new[key], style, level + 1)))
    return _join(text, node, items, style, level)


def _patch_array(text: str, node: Node, old: list[Any], new: list[Any], style: Style, level: int) -> str:
    a, b = [_canonical(v) for v in old], [_canonical(v) for v in new]
    items: list[tuple[int | None, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            items += [(i, text[node.members[i][2].start : node.members[i][2].end]) for i in range(i1, i2)]
        elif tag == "replace" and i2 - i1 == j2 - j1:
            items += [
                (i, _patch(text, node.members[i][2], old[i], new[j], style, level + 1))
                for i, j in zip(range(i1, i2), range(j1, j2))
            ]
        elif tag in ("insert", "replace"):
            items += [(None, _render(new[j], style, level + 1)) for j in range(j1, j2)]
    return _join(text, node, items, style, level)


def edit(text: str, old: Any, new: Any, unit: str | int, ascii_only: bool) -> str:
    """``text`` (the JSON of ``old``) changed to hold ``new``, touching only what differs."""
    root = _value(text, 0)
    if _skip(text, root.end) != len(text):
        raise Unsupported("text after the value")
    one_line = "\n" not in text[root.start : root.end]
    style = Style(None if one_line else (" " * unit if isinstance(unit, int) else unit), ascii_only)
    result = text[: root.start] + _patch(text, root, old, new, style, 0) + text[root.end :]
    if json.loads(result) != new:
        raise Unsupported("the edit does not give the new value")
    return result
