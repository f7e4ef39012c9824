"""Hook event names as Claude Code spells them, whatever case or separators a sender used."""

from __future__ import annotations

import re

# Every event of the Claude Code hooks reference (https://code.claude.com/docs/en/hooks, as fetched
# 2026-10-08; its lifecycle list read again 2026-12-05: the same 33), in its lifecycle order;
# hooks/events.py says which of them hookd installs itself for.
KNOWN_HOOKS = (
    "SessionStart",
    "Setup",
    "UserPromptSubmit",
    "UserPromptExpansion",
    "PreToolUse",
    "PermissionRequest",
    "PermissionDenied",
    "PostToolUse",
    "PostToolUseFailure",
    "PostToolBatch",
    "Notification",
    "MessageDisplay",
    "SubagentStart",
    "SubagentStop",
    "TaskCreated",
    "TaskCompleted",
    "Stop",
    "StopFailure",
    "TeammateIdle",
    "InstructionsLoaded",
    "ConfigChange",
    "CwdChanged",
    "DirectoryAdded",
    "FileChanged",
    "WorktreeCreate",
    "WorktreeRemove",
    "PreCompact",
    "PostCompact",
    "PreModelSwitch",
    "PostModelSwitch",
    "Elicitation",
    "ElicitationResult",
    "SessionEnd",
)


def _folded(name: str) -> str:
    return name.replace("_", "").replace("-", "").replace(" ", "").lower()


_BY_FOLDED = {_folded(name): name for name in KNOWN_HOOKS}


def normalise_hook(name: str) -> str:
    """A known event name in its canonical spelling (``pre_tool_use`` -> ``PreToolUse``).

    Names no version of this table knows pass through unchanged: a new event
    must reach the stream under the name it was sent with.
    """
    if name in _BY_FOLDED.values():
        return name
    return _BY_FOLDED.get(_folded(name.strip()), name)


# The shape of a hook event name: Claude Code's are CamelCase words, which a sender may also spell
# snake_case or kebab-case. A name taken from outside the payload (an HTTP hook's path, a frame's
# hook=, which carries hook-send's argument) must have it, so that dot segments, separators,
# control characters and the like never become an event's name; a name no table knows yet passes.
_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")
HOOK_NAME_SHAPE = "a letter, then up to 63 letters, digits, _ or -"


def is_hook_name(name: str) -> bool:
    return _SHAPE.match(name) is not None
