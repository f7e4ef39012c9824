"""What Claude Code does with an HTTP hook of hookd's that a command hook would not have to fear.

- Its ``timeout`` (600 s without one) past the longest hook-send ever waits: Claude Code waits for
  the listener's answer that long, so a listener that accepts and does not answer (stopped, hung,
  another program on its port) holds the agent that long at every event.
- On an event that runs no HTTP hook (SessionStart and Setup run command and mcp_tool hooks only;
  hooks reference, "Prompt-based hooks"; events.py): it never runs, and every such event is lost.
  ``hookd hooks install`` writes a command hook there in either mode.
"""

from __future__ import annotations

from typing import Any

from hookd.hooks import entries, session_end
from hookd.hooks.events import BY_NAME
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
        waits = (
            f"carry no timeout, so Claude Code waits up to {_short(int(session_end.HOOK_DEFAULT_S))} s (its default)"
        )
    elif (seconds := session_end.positive_seconds(timeout)) is not None and seconds > LONGEST_WAIT_S:
        waits = f"carry timeout = {_short(timeout)} s, so Claude Code waits up to that"
    else:
        return []  # within it, or not a positive number (_losses says it)
    return [
        f"{waits} for hookd's listener: one that accepts and does not answer holds the agent that long at every "
        f"event, where hook-send never waits more than {LONGEST_WAIT_S} s ({entries.HTTP_TIMEOUT_S} s is written)"
    ]
