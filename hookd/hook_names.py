"""Hook event names as Claude Code spells them, whatever case or separators a sender used."""

from __future__ import annotations

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
