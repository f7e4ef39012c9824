"""What Claude Code does with an HTTP hook of hookd's that a command hook would not have to fear.

- Its ``timeout`` (600 s without one; 30 s on UserPromptSubmit and the model switches, 10 s on
  MessageDisplay: session_end.LOWER_DEFAULT_S) past the
  longest hook-send ever waits: Claude Code waits for the listener's answer that long, so a
  listener that accepts and does not answer (stopped, hung, another program on its port) holds
  the agent that long at every event.
- On an event that runs no HTTP hook (SessionStart and Setup run command and mcp_tool hooks only;
  hooks reference, "Prompt-based hooks"; events.py): it never runs, and every such event is lost.
  ``hookd hooks install`` writes a command hook there in either mode.
- On an event where a failed hook changes what Claude Code does (PreModelSwitch: cancelled at its timeout,
  it blocks the switch; events.COMMAND_IN_HTTP_MODE): a listener that accepts and does not answer makes the
  hook fail, which hook-send never does. ``hookd hooks install`` writes a command hook there in either mode.
- On SessionEnd, its wait is the shorter of its ``timeout`` and the budget SessionEnd hooks share
  (session_end.py): past 60 s only when ``CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS`` sets the budget so.
"""

from __future__ import annotations

from typing import Any

from hookd.hooks import entries, session_end
from hookd.hooks.events import BY_NAME, COMMAND_IN_HTTP_MODE
from hookd.hooks.settings import shown as _short


def problems(event: str, handler: dict[str, Any]) -> list[str]:
    """What being an HTTP hook for ``event`` does to hookd's ``handler`` (module docstring)."""
    if handler.get("type") != "http":
        return []
    info = BY_NAME.get(event)
    if info is not None and not info.http:
        return [
            f"carry type = 'http': Claude Code runs only command and mcp_tool hooks for {event}, so these never "
            "run and every such event is lost"
        ]
    return _stalls(event, handler)


def fails_the_action(event: str, handler: dict[str, Any]) -> str | None:
    """What an HTTP hook of hookd's on an event whose failed hooks change what Claude Code does
    (module docstring) makes of hookd's listener being down or hung; None when not such a hook."""
    if handler.get("type") != "http" or event not in COMMAND_IN_HTTP_MODE:
        return None
    return f"are HTTP hooks: {COMMAND_IN_HTTP_MODE[event]}; hook-send exits 0 within its own deadline whatever happens"


# The longest hook-send waits, whatever its environment asks (client/hook_send.py's send_timeout_ms).
LONGEST_WAIT_S = 60


def _stalls(event: str, handler: dict[str, Any]) -> list[str]:
    """An HTTP hook of hookd's that lets Claude Code wait past the longest hook-send ever does: Claude
    Code waits for the listener's answer up to the hook's timeout (600 s without one), so a listener
    that accepts and does not answer (stopped, hung, or another program on its port) holds the agent
    that long at every event. SessionEnd's are ended by their budget (session_end.py)."""
    if handler.get("type") != "http" or event == "SessionEnd":
        return []
    timeout = handler.get("timeout")
    if timeout is None:
        if (default := session_end.default_s(event)) <= LONGEST_WAIT_S:
            return []  # the event's own, shorter default (session_end.LOWER_DEFAULT_S)
        waits = f"carry no timeout, so Claude Code waits up to {_short(int(default))} s (its default)"
    elif (seconds := session_end.positive_seconds(timeout)) is not None and seconds > LONGEST_WAIT_S:
        waits = f"carry timeout = {_short(timeout)} s, so Claude Code waits up to that"
    else:
        return []  # within it, or not a positive number (_losses says it)
    return [
        f"{waits} for hookd's listener: one that accepts and does not answer holds the agent that long at every "
        f"event, where hook-send never waits more than {LONGEST_WAIT_S} s ({entries.HTTP_TIMEOUT_S} s is written)"
    ]


def session_end_waits(handler: dict[str, Any], shared: session_end.Budget, place: str) -> str | None:
    """How long Claude Code waits for hookd's listener at a SessionEnd HTTP ``handler`` when that is past
    the longest hook-send waits: only a budget set by its variable goes past 60 s, and the hook runs for the
    shorter of it and its own timeout (600 s without one); ``place``: where the variable is set, as said.
    None when within, or not an HTTP hook."""
    if handler.get("type") != "http" or shared.given is None:
        return None
    timeout = handler.get("timeout")
    own = session_end.positive_seconds(timeout)
    if timeout is not None and own is None:
        return None  # not a positive number (fields._losses says it)
    ends_s = session_end.ends_after(handler, shared)
    if ends_s <= LONGEST_WAIT_S:
        return None
    said = "no timeout" if timeout is None else f"timeout = {_short(timeout)} s"
    return (
        f"carry {said}, and {session_end.BUDGET_VAR}={shared.given} from {place} gives SessionEnd hooks "
        f"{_short(session_end.whole(shared.seconds))} s, so Claude Code waits up to {_short(session_end.whole(ends_s))} s for hookd's "
        "listener at the session's end (exit, /clear, /resume): one that accepts and does not answer holds it that "
        f"long, where hook-send never waits more than {LONGEST_WAIT_S} s"
    )
