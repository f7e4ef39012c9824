r"""The ``matcher`` of the group a hook of hookd's sits in: whether Claude Code runs it for every event.

Hooks reference, "Matcher patterns": ``"*"``, ``""`` or no ``matcher`` match every occurrence; a value
of only letters, digits, ``_``, ``-``, spaces, ``,`` and ``|`` (FileChanged and StopFailure: letters,
digits, ``_`` and ``|``) is an exact name or a list of them; any other is a JavaScript regular
expression, unanchored (one that fails to compile matches nothing).
Events without matcher support ignore it. hookd writes ``"*"`` (entries.group); a group narrowed by
hand, or hookd's handler moved into another tool's group, sends hookd only the events it matches.

The regex is read by an ECMAScript engine (``regress``, without flags, as ``new RegExp(matcher)``
reads it), not by Python's ``re``: the two differ (``[^]``, ``\e`` and ``\p{L}`` are JavaScript only,
``x{,3}`` is a quantifier in Python and text in JavaScript, ``(?i)`` and ``a*+`` Python only).
"""

from __future__ import annotations

import re
from typing import Any

import regress

from hookd.hooks import merge
from hookd.hooks.events import BY_HAND, BY_NAME
from hookd.hooks.reach import Finding, repair_command
from hookd.hooks.settings import SettingsFile
from hookd.hooks.settings import shown as _short

_NAMES = re.compile(r"[A-Za-z0-9_|, -]*\Z")
# FileChanged's and StopFailure's exact set is narrower: a hyphen, space or comma makes a regex.
_NARROW_NAMES = re.compile(r"[A-Za-z0-9_|]*\Z")
_NARROW_EVENTS = frozenset({"FileChanged", "StopFailure"})
# Zero-width tests that depend on where they are: without them, a pattern that matches the empty
# string matches it at the start of any string, so it matches every one.
_CONTEXT = re.compile(r"[$^]|\\[bBAZzG]|\(\?")
# An escape, or a character class (JavaScript's: ``[]`` and ``[^]`` are classes), whose ``^`` or ``$``
# anchors nothing: the classes are taken out before the search for anchors.
_ESCAPE_OR_CLASS = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]", re.DOTALL)
# A longer pattern is not compiled here (its compile is the file's author's cost, not status's).
_LONGEST = 1000
# A counted repeat ({n}, {n,}, {n,m}) runs at least n times even on the empty string when what it
# repeats can match nothing, nested ones n times each other's; the engine takes time and memory for
# each (it has no bound of its own), so a pattern that asks for more is not run, and said unjudged.
_REPEAT = re.compile(r"\{(\d+)(?:,\d*)?\}")
_MOST_REPEATS = 100_000


def matches_all(matcher: Any, event: str | None = None) -> bool:
    """Whether Claude Code runs a group with ``matcher`` for every occurrence of ``event``."""
    if matcher is None or matcher in ("", "*"):
        return True
    if not isinstance(matcher, str) or _names(matcher, event) or len(matcher) > _LONGEST:
        return False
    if compile_error(matcher) is not None or _CONTEXT.search(_ESCAPE_OR_CLASS.sub(_unless_escape, matcher)):
        return False
    return repeats(matcher) <= _MOST_REPEATS and regress.Regex(matcher).find("") is not None


def repeats(matcher: str) -> int:
    """How many times the counted repeats of ``matcher`` run at least, the nested ones multiplied."""
    text = _ESCAPE_OR_CLASS.sub("x", matcher)  # an escape or a class: one atom, its braces no repeat
    opened: list[int] = []
    count_of: dict[int, int] = {}  # a group's opening: the count of the repeat after its closing
    for at, char in enumerate(text):
        if char == "(":
            opened.append(at)
        elif char == ")" and opened:
            start = opened.pop()
            if found := _REPEAT.match(text, at + 1):
                count_of[start] = int(found.group(1))
    total, times = 0, [1]
    for at, char in enumerate(text):
        if char == "(":
            times.append(times[-1] * count_of.get(at, 1))
        elif char == ")" and len(times) > 1:
            times.pop()
        elif char == "{" and (found := _REPEAT.match(text, at)):
            total += times[-1] * int(found.group(1))
    return total


def _names(matcher: str, event: str | None) -> bool:
    """Whether Claude Code takes ``matcher`` as an exact name or a list of them, not as a regex."""
    return (_NARROW_NAMES if event in _NARROW_EVENTS else _NAMES).match(matcher) is not None


def _unless_escape(found: re.Match[str]) -> str:
    return found.group() if found.group().startswith("\\") else "[]"


def compile_error(matcher: str) -> str | None:
    """Why ``new RegExp(matcher)`` throws, so that the group matches nothing; None when it compiles."""
    try:
        regress.Regex(matcher)
    except regress.RegressError as exc:
        return str(exc) or "not a regular expression"
    return None


def narrowed(settings: SettingsFile, url: str | None) -> dict[str, list[str]]:
    """What a narrowing matcher over hookd's handlers in ``settings`` does -> the events it does it to."""
    mine = {id(h) for hs in merge.handlers(settings, url).values() for h in hs}
    hooks = settings.data.get("hooks") if mine else None
    found: dict[str, list[str]] = {}
    for event, groups in hooks.items() if isinstance(hooks, dict) else ():
        info = BY_NAME.get(event)
        if info is None or not info.matcher or event in BY_HAND or not isinstance(groups, list):
            continue  # BY_HAND: FileChanged's matcher is the files to watch, which only the user chooses
        for group in groups:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(handlers, list) or not any(id(h) in mine for h in handlers):
                continue
            matcher = group.get("matcher")
            if not matches_all(matcher, event):
                what = f"sit in a group with matcher = {_short(matcher)}: {_narrows(matcher, event)}"
                if event not in found.setdefault(what, []):
                    found[what].append(event)
    return found


def _narrows(matcher: Any, event: str) -> str:
    """What a matcher that does not match all does, as said."""
    error = None
    if isinstance(matcher, str) and not _names(matcher, event) and len(matcher) <= _LONGEST:
        error = compile_error(matcher)
        if error is None and (count := repeats(matcher)) > _MOST_REPEATS:
            error = f"its counted repeats run {count} times at least, over the {_MOST_REPEATS} hookd runs"
    if error is not None and ("nested" in error or "counted repeats" in error):  # not JavaScript's syntax
        return (
            f"hookd cannot judge it ({error}): Claude Code may run them only for the occurrences it matches, "
            "and hookd then gets no event of any other"
        )
    if error is not None:
        return (
            f"Claude Code cannot compile it as a JavaScript regular expression ({error}), so it matches "
            "nothing: these never run and every such event is lost"
        )
    return "Claude Code runs them only for the occurrences it matches, and hookd gets no event of any other"


def findings(
    settings: SettingsFile, url: str | None, repair: str | None, config_file: str | None = None
) -> list[Finding]:
    fix = repair or f'{repair_command(settings.path, config_file)} (it writes hookd\'s hooks with matcher "*")'
    return [Finding(settings.path, events, what, fix) for what, events in narrowed(settings, url).items()]
