"""hookd's own secrets, redacted by their value wherever a payload holds them.

The HTTP token is random text no rule can tell from any other word, and the advice for HTTP
hooks puts it in Claude Code's environment: a tool that prints it (``printenv
HOOKD_HTTP_TOKEN``, ``cat http.token``) would hand it, through the stream, to whoever reads
the stream, and with it the right to post events as the user. hookd knows the value, so it
looks for the value itself, after the rules, in the JSON text as sent (a token's characters
need no escaping in JSON).
"""

from __future__ import annotations

from collections import Counter

HTTP_TOKEN = "hookd_http_token"


def replaced(text: str, counts: Counter[str], known: tuple[tuple[str, str], ...]) -> tuple[str, Counter[str]]:
    """``text`` with each known value replaced by its marker, and ``counts`` with them added (a new
    Counter when one is found: the redactor's NOTHING is shared)."""
    for value, name in known:
        found = text.count(value) if value else 0
        if found:
            text = text.replace(value, f"[REDACTED:{name}]")
            counts = Counter(counts)
            counts[name] += found
    return text, counts
