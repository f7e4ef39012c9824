"""Handler fields that change whether Claude Code runs a hook of hookd's, or what its failure does.

hookd writes its handlers without them (entries.py); one added by hand or by another tool is
found here, for ``hooks status``, ``hookd status`` and ``hookd run``'s check at start (hooks
reference, "Common fields"; Claude Code 2.1.295's ``onFailure``; docs/security.md, thirty-ninth
pass):

- ``if`` holds a permission rule, evaluated on the tool events only: on any other event a handler
  with it never runs, on a tool event only the calls it matches run it. Either way events of that
  kind never reach hookd.
- ``onFailure: "block"`` turns a hook that cannot start, runs past its timeout or exits abnormally
  from a non-blocking error into a block of the action: a missing interpreter or a listener that
  is down would stop the agent, which a hook of hookd's must never do. An async hook cannot block.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from hookd.hooks import merge
from hookd.hooks.reach import Finding, events_text, repair_command
from hookd.hooks.settings import SettingsFile, readable

# The events whose handlers Claude Code filters by ``if`` (hooks reference, "Common fields").
IF_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied"})


def _short(value: Any) -> str:
    """A value from a settings file as shown: quoted (control characters escaped) and bounded."""
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def problem(event: str, handler: dict[str, Any]) -> tuple[str, bool] | None:
    """What a field of hookd's ``handler`` for ``event`` does to it, and whether that can block the
    agent; None when nothing."""
    said = []
    rule = handler.get("if")
    if rule is not None:
        rule = _short(rule)
        if event in IF_EVENTS:
            said.append(f"carry if = {rule}: only the calls that rule matches reach hookd, the others' events are lost")
        else:
            said.append(
                f"carry if = {rule}, and Claude Code runs a hook with if on tool events only: "
                "these never run and every such event is lost"
            )
    failure = handler.get("onFailure")
    blocks = failure is not None and failure != "continue" and handler.get("async") is not True
    if blocks:
        said.append(
            f"carry onFailure = {_short(failure)}: when hook-send cannot start or runs past its timeout (or an "
            "HTTP hook's listener is down), Claude Code blocks what the event guards; hookd's hooks must "
            "never block the agent"
        )
    return ("; and ".join(said), blocks) if said else None


def problems(handlers: Mapping[str, list[dict[str, Any]]]) -> dict[tuple[str, bool], list[str]]:
    """Each problem of hookd's ``handlers`` (per event), with whether it blocks, and the events that have it."""
    found: dict[tuple[str, bool], list[str]] = {}
    for event, hs in handlers.items():
        for h in hs:
            if (what := problem(event, h)) is not None:
                found.setdefault(what, []).append(event)
    return found


_WITHOUT = "it writes hookd's hooks without these fields"


def text(what: str, events: list[str], path: str, repair: str | None, config_file: str | None = None) -> str:
    """One problem as ``hooks status`` says it; ``repair``: that of a file install does not write."""
    return f"hooks for {events_text(events)} {what}; repair: {_repair(path, repair, config_file)}"


def _repair(path: str, repair: str | None, config_file: str | None) -> str:
    return repair or f"{repair_command(path, config_file)} ({_WITHOUT})"


def findings(
    paths: Iterable[str | SettingsFile],
    url: str | None,
    config_file: str | None = None,
    repairs: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The problems of hookd's hooks (command and HTTP) in ``paths``, each with its repair."""
    found = []
    for settings in readable(paths):
        repair = _repair(settings.path, (repairs or {}).get(settings.path), config_file)
        for (what, blocks), events in problems(merge.found(settings.data, url)).items():
            found.append(Finding(settings.path, events, what, repair, blocks))
    return found
