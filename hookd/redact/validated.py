"""Per rule, its validation's answers remembered for short values: a text that repeats one candidate (a
card number, a header) pays for its check once."""

from __future__ import annotations

from collections.abc import Callable

VALID_CACHE_SIZE = 4096  # per rule: validated values remembered (then forgotten all at once)
VALID_CACHE_VALUE = 256  # characters: longer values are validated every time


class Validated:
    """The remembered answers of each rule's ``validate``, by the rule's index in the table."""

    __slots__ = ("_caches",)

    def __init__(self, rules: int) -> None:
        self._caches: list[dict[str, bool]] = [{} for _ in range(rules)]

    def valid(self, index: int, validate: Callable[[str], bool], value: str) -> bool:
        """``validate(value)``, remembered for a value up to VALID_CACHE_VALUE characters."""
        if len(value) > VALID_CACHE_VALUE:
            return validate(value)
        cache = self._caches[index]
        ok = cache.get(value)
        if ok is None:
            if len(cache) >= VALID_CACHE_SIZE:
                cache.clear()
            ok = cache[value] = validate(value)
        return ok

    def forget(self) -> None:
        for cache in self._caches:
            cache.clear()
