"""The rules' regexes are compiled at every start of every hookd process (sre parses their text: no cache
crosses a process), so their text is start-up work. One lookahead written into many rules grows it many times
over: h206's chains made NESTED_STRING_END four times longer and it stood 164 times in 41 regexes (2.3 MB of
text, 2 s of CPU at every start; bench/README.md, "Start-up CPU"). The bound is today's text and a margin."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re

import hookd.redact
from hookd.redact import jsonends, patterns

REGEX_TEXT_BOUND = 750_000  # characters; 564k at the time of writing
NESTED_STRING_END_COPIES_BOUND = 100  # 82 at the time of writing


def compiled_regexes() -> list[re.Pattern]:
    """Every compiled regex that hookd.redact's modules hold (module names, rule objects, their lists)."""
    found: dict[int, re.Pattern] = {}

    def visit(obj: object, depth: int) -> None:
        if isinstance(obj, re.Pattern):
            found[id(obj)] = obj
        elif depth < 3 and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for field in dataclasses.fields(obj):
                visit(getattr(obj, field.name), depth + 1)
        elif depth < 3 and isinstance(obj, list | tuple):
            for item in obj:
                visit(item, depth + 1)

    for module in pkgutil.iter_modules(hookd.redact.__path__):
        for value in vars(importlib.import_module(f"hookd.redact.{module.name}")).values():
            visit(value, 0)
    return list(found.values())


def test_the_rules_regex_text_compiled_at_every_start_stays_bounded():
    regexes = compiled_regexes()
    assert len(regexes) > 300  # the walk finds the rules' regexes, not an empty list
    total = sum(len(r.pattern) for r in regexes)
    assert total < REGEX_TEXT_BOUND, f"{total:,} characters of regex text in {len(regexes)} regexes"


def test_the_nested_string_end_lookahead_is_not_copied_into_the_rules_beyond_its_bound():
    copies = sum(r.pattern.count(jsonends.NESTED_STRING_END) for r in compiled_regexes())
    assert 0 < copies < NESTED_STRING_END_COPIES_BOUND, copies
    assert patterns.VALUE.count(jsonends.NESTED_STRING_END) == 2  # run() writes its items twice, VALUE one run
