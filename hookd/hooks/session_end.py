"""When Claude Code ends a SessionEnd hook: its own ``timeout``, or the budget all of them share.

SessionEnd hooks run at exit, ``/clear`` and an interactive ``/resume`` under one budget (hooks
reference, "SessionEnd"; ``getSessionEndHookTimeoutMs``): ``CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS``
in milliseconds when it is set (read as ``parseInt``: a number's leading digits, taken when above
0), else 1.5 s raised to the longest ``timeout`` a settings file gives a SessionEnd hook, at most
60 s; a plugin's hooks do not raise it. Each hook is also ended at its own ``timeout`` (600 s
without one), so it runs for the shorter of the two (docs/security.md, fifty-ninth pass).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from hookd.hooks.layers import Layer

BUDGET_VAR = "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS"
DEFAULT_S = 1.5
# The most the settings files' timeouts raise the budget to; the variable alone goes past it.
RAISED_AT_MOST_S = 60.0
# A hook without ``timeout`` (hooks reference: "Default: 600" for command and http hooks).
HOOK_DEFAULT_S = 600.0
# The events that lower that default for command, http and mcp_tool hooks (hooks reference, "Common
# fields", which lists the model switches since its copy of 2026-10-08; the ninetieth pass read them
# from Claude Code's bundle first).
LOWER_DEFAULT_S = {"UserPromptSubmit": 30.0, "MessageDisplay": 10.0, "PreModelSwitch": 30.0, "PostModelSwitch": 30.0}

_LEADING_INT = re.compile(r"[ \t\n\r\f\v]*([+-]?[0-9]+)")


@dataclass(frozen=True)
class Budget:
    seconds: float
    given: str | None = None  # the variable's value when it set the budget


def parse_int(raw: str) -> float | None:
    """JavaScript's ``parseInt(raw, 10)`` for ASCII digits: the leading integer as the Number it is (a
    double: too many digits are infinite, not refused as int() refuses them past 4300), None for NaN."""
    match = _LEADING_INT.match(raw)
    return float(match.group(1)) if match else None


def positive_seconds(value: Any) -> float | None:
    """A handler's ``timeout`` when it is a positive number of seconds, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    try:
        return float(value)
    except OverflowError:  # an int past 1e308, which JSON.parse reads as Infinity
        return math.inf


def _timeouts(layers: Iterable[Layer]) -> Iterable[float]:
    for layer in layers:
        hooks = layer.data.get("hooks")
        groups = hooks.get("SessionEnd") if isinstance(hooks, dict) else None
        for group in groups if isinstance(groups, list) else ():
            handlers = group.get("hooks") if isinstance(group, dict) else None
            for handler in handlers if isinstance(handlers, list) else ():
                if isinstance(handler, dict) and (seconds := positive_seconds(handler.get("timeout"))) is not None:
                    yield seconds


def budget(env: Mapping[str, str], layers: Iterable[Layer]) -> Budget:
    """The shared budget of a Claude Code with environment ``env`` merging the settings ``layers``."""
    raw = env.get(BUDGET_VAR)
    given = parse_int(raw) if raw else None
    if given is not None and given > 0:
        return Budget(given / 1000, raw)
    longest = max(_timeouts(layers), default=0.0)
    return Budget(max(DEFAULT_S, min(longest, RAISED_AT_MOST_S)))


def default_s(event: str) -> float:
    """When Claude Code ends a command or HTTP hook of ``event`` that carries no ``timeout``."""
    return LOWER_DEFAULT_S.get(event, HOOK_DEFAULT_S)


def whole(seconds: float) -> float | int:
    """``seconds`` as said: 2 rather than 2.0."""
    return int(seconds) if seconds == int(seconds) else seconds


def ends_after(handler: Mapping[str, Any], shared: Budget) -> float:
    """When Claude Code ends ``handler``, a SessionEnd hook, in seconds."""
    own = positive_seconds(handler.get("timeout"))
    return min(own if own is not None else HOOK_DEFAULT_S, shared.seconds)
