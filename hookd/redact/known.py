"""hookd's own secrets, redacted by their value wherever a payload holds them.

The HTTP token is random text no rule can tell from any other word, and the advice for HTTP
hooks puts it in Claude Code's environment: a tool that prints it (``printenv
HOOKD_HTTP_TOKEN``, ``cat http.token``) would hand it, through the stream, to whoever reads
the stream, and with it the right to post events as the user. The Redis and sentinel passwords
hookd logs in with are the same (``cat`` of redis_password_file), when long enough not to be
ordinary text. hookd knows the values, so it looks for the values themselves, after the rules.

Only inside the text's JSON strings, as JSON writes the value there (a quote or a backslash in it
escaped), and never where the match would begin inside an escape (``\\n`` before a value starting
with ``n``): the text stays valid JSON whatever surrounds the value. An encoder that escapes more than
it must (a character as ``\\u0061``, a slash as ``\\/``), at any level of JSON inside a string, writes
the same value: in a text with such an escape, the value is also looked for in the redactor's view
(view.py: escapes decoded, nested quotes flattened) and its whole escapes replaced.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Iterable

from hookd.redact.view import PyView, View

HTTP_TOKEN = "hookd_http_token"
REDIS_PASSWORD = "hookd_redis_password"
# A shorter password could be an ordinary word, replaced everywhere it is written.
SHORTEST_PASSWORD = 8

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
# What an encoder writes that it need not, and the view reads as its character.
_NEEDLESS = ("\\u", "\\/")


def own_secrets(http_token: str | None, redis_passwords: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(value as JSON writes it, rule name) of each secret of hookd's own, longest first (one inside
    another is then not left half)."""
    found = [(http_token, HTTP_TOKEN)] if http_token else []
    found += [(p, REDIS_PASSWORD) for p in redis_passwords if len(p) >= SHORTEST_PASSWORD]
    written = {json.dumps(value, ensure_ascii=False)[1:-1]: name for value, name in found}
    return tuple(sorted(written.items(), key=lambda item: -len(item[0])))


def replaced(text: str, counts: Counter[str], known: tuple[tuple[str, str], ...]) -> tuple[str, Counter[str]]:
    """``text`` with each known value replaced by its marker, and ``counts`` with them added (a new
    Counter when one is found: the redactor's NOTHING is shared)."""
    view: PyView | None = None
    for value, name in known:
        if not value:
            continue
        marker, found = f"[REDACTED:{name}]", [0]
        if value in text:
            text = _STRING.sub(lambda string: _in_string(string.group(), value, marker, found), text)
        if any(needless in text for needless in _NEEDLESS):
            view = view if view is not None and view.original is text else View(text)
            text = _escaped(view, value, marker, found)
        if found[0]:
            counts = Counter(counts)
            counts[name] += found[0]
    return text, counts


def _escaped(view: PyView, value: str, marker: str, found: list[int]) -> str:
    """The view's original with ``value`` replaced where the view reads it and the original writes it
    with escapes: the original's stretch is whole escapes (view.py), replaced only inside one JSON string."""
    text = view.original
    if not view.changed or value not in view.text:
        return text
    spans, at = [], view.text.find(value)
    while at >= 0:
        spans.append(view.span(at, at + len(value)))
        at = view.text.find(value, at + len(value))
    strings = [m.span() for m in _STRING.finditer(text)]
    pieces, start = [], 0
    for begin, end in spans:
        i = bisect.bisect_right(strings, (begin, len(text))) - 1
        if begin < start or i < 0 or not strings[i][0] < begin <= end < strings[i][1] or _inside_escape(text, begin):
            continue
        pieces += [text[start:begin], marker]
        start = end
        found[0] += 1
    return "".join(pieces) + text[start:]


def _in_string(string: str, value: str, marker: str, found: list[int]) -> str:
    """One JSON string (quotes included) with ``value`` replaced where it is not inside an escape."""
    at = string.find(value)
    if at < 0:
        return string
    pieces, start = [], 0
    while at >= 0:
        if _inside_escape(string, at):
            at = string.find(value, at + 1)
            continue
        pieces += [string[start:at], marker]
        start = at + len(value)
        found[0] += 1
        at = string.find(value, start)
    return "".join(pieces) + string[start:]


def _inside_escape(text: str, at: int) -> bool:
    """Whether ``at`` is inside an escape of JSON ``text`` (after its backslash: ``\\n``'s letter, or
    one of ``\\u0031``'s digits), where a value beginning there would take the escape apart."""
    last = text.rfind("\\", max(0, at - 6), at)
    if last < 0:
        return False
    run = last
    while text[run - 1] == "\\":  # a JSON string's opening quote ends the walk
        run -= 1
    if (last - run) % 2:  # the last backslash is itself escaped
        return False
    return at < last + (6 if text[last + 1] == "u" else 2)
