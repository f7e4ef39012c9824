"""How risky a tool call looks: low, medium or high, with the reasons that raised it.

Two tables: ``COMMAND_RULES`` (commands.py) for Bash commands, and
``PATH_RULES`` below for the paths that file tools read and write. Reasons are
the tables' own short strings; no text of the payload is ever copied into them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from hookd.enrich import paths
from hookd.enrich.commands import HIGH, MEDIUM, command_reasons
from hookd.enrich.payload import ToolInput

LOW = "low"
_RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}

WRITE_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
READ_TOOLS = frozenset({"Read", "NotebookRead", "Grep", "Glob", "LS"})
COMMAND_TOOLS = frozenset({"Bash", "PowerShell"})


class PathRule(NamedTuple):
    reason: str
    level: str
    tools: frozenset[str]
    applies: Callable[[str, str | None], bool]  # (resolved path, the session's cwd)


def _outside_cwd(path: str, cwd: str | None) -> bool:
    base = paths.absolute_dir(cwd)
    if base is None:
        return False  # no cwd to judge against
    return path.startswith("~") or not paths.is_inside(path, base)


PATH_RULES: tuple[PathRule, ...] = (
    PathRule("reads credential file", HIGH, READ_TOOLS, lambda p, cwd: paths.is_credential_path(p)),
    PathRule(
        "writes credential file",
        HIGH,
        WRITE_TOOLS,
        lambda p, cwd: paths.is_credential_path(p) or paths.in_credential_dir(p),
    ),
    PathRule("writes system file", HIGH, WRITE_TOOLS, lambda p, cwd: paths.is_system_path(p)),
    PathRule("writes shell startup file", HIGH, WRITE_TOOLS, lambda p, cwd: paths.is_shell_startup_file(p)),
    PathRule(
        "writes agent settings",
        MEDIUM,
        WRITE_TOOLS,
        lambda p, cwd: "/.claude/settings" in p or p.startswith("~/.claude/settings"),
    ),
    PathRule("writes git hook", MEDIUM, WRITE_TOOLS, lambda p, cwd: "/.git/hooks/" in p),
    PathRule("write outside cwd", MEDIUM, WRITE_TOOLS, _outside_cwd),
)


class Risk(NamedTuple):
    level: str | None  # None for an event without a tool
    reasons: tuple[str, ...]


NOT_ASSESSED = Risk(None, ())
NO_RISK = Risk(LOW, ())


def tool_paths(tool: str, tool_input: ToolInput, cwd: str | None) -> list[str]:
    """The paths a file tool touches, resolved lexically against the cwd."""
    found = []
    for value in (tool_input.file_path, tool_input.notebook_path, tool_input.path):
        if isinstance(value, str) and value:
            found.append(value)
    if tool == "Glob" and isinstance(tool_input.pattern, str) and tool_input.pattern:
        base = tool_input.path if isinstance(tool_input.path, str) and tool_input.path else ""
        found.append(f"{base.rstrip('/')}/{tool_input.pattern}" if base else tool_input.pattern)
    resolved = []
    for path in found:
        r = paths.resolve(path, cwd)
        resolved.append(r if r is not None else path)
    return resolved


def assess(tool: str | None, tool_input: ToolInput, cwd: str | None) -> Risk:
    """The risk of one tool call; NOT_ASSESSED when the event has no tool."""
    if not tool:
        return NOT_ASSESSED
    found: list[tuple[str, str]] = []
    if tool in COMMAND_TOOLS:
        if isinstance(tool_input.command, str):
            found = command_reasons(tool_input.command)
    elif tool in WRITE_TOOLS or tool in READ_TOOLS:
        cwd = cwd if isinstance(cwd, str) else None
        for path in tool_paths(tool, tool_input, cwd):
            for rule in PATH_RULES:
                if tool in rule.tools and rule.applies(path, cwd):
                    found.append((rule.reason, rule.level))
    if not found:
        return NO_RISK
    level = max((lvl for _, lvl in found), key=_RANK.__getitem__)
    reasons = tuple(dict.fromkeys(reason for reason, _ in found))
    return Risk(level, reasons)
