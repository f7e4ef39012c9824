"""The Claude Code hook events hookd installs itself for, and what each accepts.

Source: the Claude Code hooks reference, https://code.claude.com/docs/en/hooks
(as fetched 2026-10-08): the event table under "Hook lifecycle", the matcher
table under "Matcher patterns", and the hook types per event under
"Prompt-based hooks" ("SessionStart and Setup support command and mcp_tool
hooks. They don't support http, prompt, or agent hooks.").
"""

from __future__ import annotations

from dataclasses import dataclass

from hookd.hook_names import KNOWN_HOOKS


@dataclass(frozen=True)
class HookEvent:
    name: str
    matcher: bool = True  # the event filters on a matcher; "*" is written so that it fires on all
    http: bool = True  # the event accepts type "http" handlers


# Events without a matcher, and those that take no http handlers ("SessionStart and Setup support
# command and mcp_tool hooks. They don't support http, prompt, or agent hooks.").
_NO_MATCHER = frozenset(
    {
        "UserPromptSubmit",
        "PostToolBatch",
        "MessageDisplay",
        "TaskCreated",
        "TaskCompleted",
        "Stop",
        "TeammateIdle",
        "CwdChanged",
        "WorktreeCreate",
        "WorktreeRemove",
    }
)
_NO_HTTP = frozenset({"SessionStart", "Setup"})
EVENTS: tuple[HookEvent, ...] = tuple(
    HookEvent(name, matcher=name not in _NO_MATCHER, http=name not in _NO_HTTP) for name in KNOWN_HOOKS
)
BY_NAME = {event.name: event for event in EVENTS}

# Events where a hook that only observes would change what Claude Code does (hooks reference,
# "WorktreeCreate" and "WorktreeRemove": without a WorktreeRemove hook Claude Code "falls back to
# git worktree remove --force"; with one that exits 0 "the worktree counts as removed").
NEVER = {
    "WorktreeCreate": "a WorktreeCreate hook replaces git's worktree creation and must print the "
    "new worktree's path; hook-send prints nothing, so creation would fail",
    "FileChanged": "a FileChanged hook's matcher is the list of files Claude Code watches; hookd "
    "has no files to choose (add such a hook by hand if you want one)",
    "WorktreeRemove": "it fires only for a worktree a WorktreeCreate hook made, and a WorktreeRemove "
    "hook replaces Claude Code's own removal of it (git worktree remove --force): one that exits 0 "
    "counts the worktree removed, and hook-send deletes nothing, so the worktree would stay on disk",
}
# Of those, the events whose hook of hookd's the user may add by hand (NEVER says so): install keeps
# it where it is, uninstall still removes it.
BY_HAND = frozenset({"FileChanged"})
# Documented events left out unless asked for by name (--events).
NOT_BY_DEFAULT = {
    "MessageDisplay": "it runs for every batch of streamed lines and Claude Code holds the "
    "display until the hook returns; the same text is in the transcript",
}
# Events that keep the command hook in --mode http although they accept http hooks: there a failed
# hook changes what Claude Code does (hooks reference, "Timeouts"), and hook-send, which exits 0 within
# its own deadline whatever happens, never fails; an HTTP hook fails whenever hookd's listener is
# down, refuses the event or does not answer in time.
COMMAND_IN_HTTP_MODE = {
    "PreModelSwitch": "Claude Code blocks the model switch when the hook is cancelled at its timeout, as an "
    "HTTP hook is when hookd's listener accepts and does not answer (hung, or another program on its port)",
}
DEFAULT_EVENTS = tuple(e.name for e in EVENTS if e.name not in NEVER and e.name not in NOT_BY_DEFAULT)

# Claude Code before 2.1.101 rejects a whole settings file that names a hook event it does not
# know ("Invalid key in record ... Files with errors are skipped entirely"); these nine are the
# events every version with matcher-group hooks knows.
TOLERANT_SINCE = (2, 1, 101)
BASE_EVENTS = (
    "PreToolUse",
    "PostToolUse",
    "Notification",
    "UserPromptSubmit",
    "Stop",
    "SubagentStop",
    "PreCompact",
    "SessionStart",
    "SessionEnd",
)


def choose(names: list[str] | None, claude_version: tuple[int, ...] | None) -> tuple[list[str], str | None]:
    """The events to install, and a note for the user when the choice was narrowed.

    Raises ValueError, naming the event, for an unknown or never-installed name.
    """
    if names:
        for name in names:
            if name in NEVER:
                raise ValueError(f"hookd does not install a {name} hook: {NEVER[name]}")
            if name not in BY_NAME:
                raise ValueError(
                    f"{name} is not a Claude Code hook event this hookd knows (known: {', '.join(BY_NAME)})"
                )
        return list(dict.fromkeys(names)), None
    if claude_version is not None and claude_version < TOLERANT_SINCE:
        version = ".".join(map(str, claude_version))
        return list(BASE_EVENTS), (
            f"Claude Code {version} rejects a whole settings file that names an event it does not "
            f"know, so only its {len(BASE_EVENTS)} base events are installed; update Claude Code "
            f"(2.1.101 or later) and install again for all {len(DEFAULT_EVENTS)}"
        )
    return list(DEFAULT_EVENTS), None
