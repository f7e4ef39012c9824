"""One rule of the command tables: a reason, a level, the keywords that wake it, a linear pattern.

Every rule's work is linear in the command, however many of its words the command
repeats (Python's ``re`` backtracks, and a match may start at every word): a pattern
never scans to a separator or the end of a line from each of many starts and then
fails there. What follows a command word to the separator is taken once (``REST``,
``finditer``'s matches do not overlap) and judged by a check, or by an optional group
at its end (``followed``); option lists before a command's verb are bounded
(``OPTIONS``); and no two quantifiers read the same run of spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

MEDIUM, HIGH = "medium", "high"

# The start of a command word: the start of the text or a shell separator before it.
W = r"(?:^|(?<=[\s;&|(`'\"{]))"
# The rest of one simple command: up to the next separator or the end of a line.
REST = r"([^;&|\n]*)"
# At most this many options before a command's verb: an option's argument can hold the
# command's own word (``git -C (git -C (git ...``), and each would start a scan of all the rest.
OPTIONS = "{0,8}"


class CommandRule(NamedTuple):
    reason: str
    level: str
    keywords: tuple[str, ...]  # lower case: the rule runs only when one is in the command
    pattern: re.Pattern[str]
    check: Callable[[Any], bool] | None = None  # on the pattern's first group (None if it did not take part)


def rule(
    reason: str,
    level: str,
    keywords: tuple[str, ...],
    pattern: str,
    check: Callable[[Any], bool] | None = None,
    flags: int = 0,
) -> CommandRule:
    return CommandRule(reason, level, keywords, re.compile(pattern, flags), check)


def options(args: str) -> list[str]:
    return [a for a in args.split() if a.startswith("-") and a != "-"]


def followed(rest: str | None) -> bool:
    """The pattern's optional last group matched: what the rule looks for follows the command."""
    return rest is not None
