"""A secret a context rule found, redacted wherever else the same text holds it.

A context rule knows a secret by what stands before it (``password = '...'``, ``-p...``,
``.pgpass`` lines); the same value elsewhere in the event has no such context: a test's assertion
(``assert 'Xk9v...' == x``), a traceback's locals, a log line that echoes it, a second file. The
value is known by then, so every other place it stands in is redacted as well, under the rule that
found it.

Only values that read as machine-made (prose.random_looking: 8 or more characters, letters and
digits, mixed case, a symbol or 20 characters) are carried: a value a rule took for a secret that is
also a word (``password=postgres``) is not spread over every ``postgres`` of the text. Shape rules
(provider tokens) find every copy themselves and are skipped. At most MOST_VALUES values, each
found with ``str.find`` over the text: linear, a few passes of C per event at most.
"""

from __future__ import annotations

from collections.abc import Collection

from hookd.redact.escapes import whole_escapes
from hookd.redact.prose import random_looking

MOST_VALUES = 16
_LONGEST = 1024  # characters: a longer span is a block (a key, a dense stretch), not a value to look for


def repeated(text: str, spans: list[tuple[int, int, str]], carried: Collection[str]) -> list[tuple[int, int, str]]:
    """``spans`` (sorted, apart, whole escapes) and every other place the value of one found by a rule in
    ``carried`` stands in ``text``: sorted, apart, whole escapes."""
    values: dict[str, str] = {}
    for start, end, name in spans:
        if name not in carried or not 8 <= end - start <= _LONGEST:
            continue
        value = text[start:end]
        if value not in values and random_looking(value):
            values[value] = name
            if len(values) == MOST_VALUES:
                break
    if not values:
        return spans
    taken = {start for start, _, _ in spans}
    extra: list[tuple[int, int, str]] = []
    for value, name in values.items():
        at = text.find(value)
        while at >= 0:
            if at not in taken:
                extra.append((at, at + len(value), name))
            at = text.find(value, at + len(value))
    if not extra:
        return spans
    return whole_escapes(text, sorted(spans + extra))  # overlapping ones merged, named by the earlier
