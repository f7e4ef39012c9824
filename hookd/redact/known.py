"""hookd's own secrets, redacted by their value wherever a payload holds them.

The HTTP token is random text no rule can tell from any other word, and the advice for HTTP
hooks puts it in Claude Code's environment: a tool that prints it (``printenv
HOOKD_HTTP_TOKEN``, ``cat http.token``) would hand it, through the stream, to whoever reads
the stream, and with it the right to post events as the user. The Redis and sentinel passwords
hookd logs in with are the same (``cat`` of redis_password_file), when long enough not to be
ordinary text. hookd knows the values, so it looks for the values themselves, after the rules.

Only inside the text's JSON strings, as JSON writes the value there (a quote or a backslash in it
escaped), and never where the match would begin inside an escape (``\\n`` before a value starting
with ``n``): the text stays valid JSON whatever surrounds the value.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable

HTTP_TOKEN = "hookd_http_token"
REDIS_PASSWORD = "hookd_redis_password"
# A shorter password could be an ordinary word, replaced everywhere it is written.
SHORTEST_PASSWORD = 8

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


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
    for value, name in known:
        if not value or value not in text:
            continue
        marker, found = f"[REDACTED:{name}]", [0]
        text = _STRING.sub(lambda string: _in_string(string.group(), value, marker, found), text)
        if found[0]:
            counts = Counter(counts)
            counts[name] += found[0]
    return text, counts


def _in_string(string: str, value: str, marker: str, found: list[int]) -> str:
    """One JSON string (quotes included) with ``value`` replaced where it is not inside an escape."""
    at = string.find(value)
    if at < 0:
        return string
    pieces, start = [], 0
    while at >= 0:
        before = at
        while string[before - 1] == "\\":  # the string's opening quote ends the walk
            before -= 1
        if (at - before) % 2:  # an odd run of backslashes: the match starts inside an escape
            at = string.find(value, at + 1)
            continue
        pieces += [string[start:at], marker]
        start = at + len(value)
        found[0] += 1
        at = string.find(value, start)
    return "".join(pieces) + string[start:]
