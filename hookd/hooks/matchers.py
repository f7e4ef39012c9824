"""The ``matcher`` of the group a hook of hookd's sits in: whether Claude Code runs it for every event.

Hooks reference, "Matcher patterns": ``"*"``, ``""`` or no ``matcher`` match every occurrence; a value
of only letters, digits, ``_``, ``-``, spaces, ``,`` and ``|`` is an exact name or a list of them; any
other is a JavaScript regular expression, unanchored (one that fails to compile matches nothing).
Events without matcher support ignore it. hookd writes ``"*"`` (entries.group); a group narrowed by
hand, or hookd's handler moved into another tool's group, sends hookd only the events it matches.
"""

from __future__ import annotations

import re
from typing import Any

from hookd.hooks import merge
from hookd.hooks.events import BY_NAME
from hookd.hooks.reach import Finding, repair_command
from hookd.hooks.settings import SettingsFile
from hookd.hooks.settings import shown as _short

_NAMES = re.compile(r"[A-Za-z0-9_|, -]*\Z")
# Zero-width tests that depend on where they are: without them, a pattern that matches the empty
# string matches it at the start of any string, so it matches every one.
_CONTEXT = re.compile(r"[$^]|\\[bBAZzG]|\(\?")
# A longer pattern is not compiled here (its compile is the file's author's cost, not status's).
_LONGEST = 1000


def matches_all(matcher: Any) -> bool:
    """Whether Claude Code runs a group with ``matcher`` for every occurrence of its event."""
    if matcher is None or matcher in ("", "*"):
        return True
    if not isinstance(matcher, str) or _NAMES.match(matcher) or len(matcher) > _LONGEST:
        return False
    if _CONTEXT.search(matcher):
        return False
    try:
        return re.search(matcher, "") is not None
    except (re.error, RecursionError, OverflowError):
        return False


def narrowed(settings: SettingsFile, url: str | None) -> dict[str, list[str]]:
    """What a narrowing matcher over hookd's handlers in ``settings`` does -> the events it does it to."""
    mine = {id(h) for hs in merge.handlers(settings, url).values() for h in hs}
    hooks = settings.data.get("hooks") if mine else None
    found: dict[str, list[str]] = {}
    for event, groups in hooks.items() if isinstance(hooks, dict) else ():
        info = BY_NAME.get(event)
        if info is None or not info.matcher or not isinstance(groups, list):
            continue
        for group in groups:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(handlers, list) or not any(id(h) in mine for h in handlers):
                continue
            matcher = group.get("matcher")
            if not matches_all(matcher):
                what = (
                    f"sit in a group with matcher = {_short(matcher)}: Claude Code runs them only for the "
                    "occurrences it matches, and hookd gets no event of any other"
                )
                if event not in found.setdefault(what, []):
                    found[what].append(event)
    return found


def findings(
    settings: SettingsFile, url: str | None, repair: str | None, config_file: str | None = None
) -> list[Finding]:
    fix = repair or f'{repair_command(settings.path, config_file)} (it writes hookd\'s hooks with matcher "*")'
    return [Finding(settings.path, events, what, fix) for what, events in narrowed(settings, url).items()]
