"""Answers of pure checks on short strings, remembered.

A flood that repeats one candidate (the same line of grep output, a config's 80 apiKey references, a
name before each of a thousand values) pays for each such check once. Only checks whose answer depends
on nothing but their arguments are remembered (a value's shape, a name's words), never one that reads
the text around a match. Bounded like the redactor's cache of validated values: at most SIZE answers
per check, for arguments of at most LONGEST characters, forgotten all at once when full.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

SIZE = 4096
LONGEST = 256
_CACHES: list[dict[str, bool]] = []


def remembered(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """``check`` with its answers for short strings remembered."""
    cache: dict[str, bool] = {}
    _CACHES.append(cache)

    @functools.wraps(check)
    def remembered_check(value: str) -> bool:
        ok = cache.get(value)
        if ok is None:
            ok = check(value)
            if len(value) <= LONGEST:
                if len(cache) >= SIZE:
                    cache.clear()
                cache[value] = ok
        return ok

    return remembered_check


def forget() -> None:
    """Every remembered answer dropped (a benchmark's fresh start)."""
    for cache in _CACHES:
        cache.clear()
