"""What kind of thing a tool call does, from the tool's name: one table, and MCP names split."""

from __future__ import annotations

import re
from typing import NamedTuple

READ, WRITE, EXECUTE, NETWORK, AGENT, METADATA = ("read", "write", "execute", "network", "agent", "metadata")

# Claude Code's built-in tools (and their older names).
TOOL_OPERATIONS = {
    "Read": READ,
    "Glob": READ,
    "Grep": READ,
    "LS": READ,
    "NotebookRead": READ,
    "BashOutput": READ,
    "ReadMcpResourceTool": READ,
    "Write": WRITE,
    "Edit": WRITE,
    "MultiEdit": WRITE,
    "NotebookEdit": WRITE,
    "Bash": EXECUTE,
    "PowerShell": EXECUTE,
    "KillShell": EXECUTE,
    "KillBash": EXECUTE,
    "WebFetch": NETWORK,
    "WebSearch": NETWORK,
    "Task": AGENT,
    "Agent": AGENT,
    "Skill": AGENT,
    "SlashCommand": AGENT,
    "TodoWrite": METADATA,
    "ExitPlanMode": METADATA,
    "EnterPlanMode": METADATA,
    "AskUserQuestion": METADATA,
    "ListMcpResourcesTool": METADATA,
}

# An MCP tool's operation comes from the first verb in its name (create_issue,
# getFileContents); a name without a known verb talks to its server: network.
MCP_VERBS = {
    READ: (
        "get",
        "list",
        "read",
        "search",
        "find",
        "fetch",
        "query",
        "describe",
        "view",
        "show",
        "lookup",
        "count",
        "check",
        "download",
        "retrieve",
        "inspect",
        "status",
        "diff",
    ),
    WRITE: (
        "create",
        "update",
        "delete",
        "remove",
        "write",
        "edit",
        "add",
        "set",
        "put",
        "post",
        "push",
        "merge",
        "close",
        "comment",
        "upload",
        "send",
        "insert",
        "move",
        "rename",
        "commit",
        "publish",
        "patch",
        "modify",
        "assign",
        "approve",
        "reopen",
        "save",
        "upsert",
        "fork",
        "archive",
        "transfer",
    ),
    EXECUTE: (
        "run",
        "exec",
        "execute",
        "eval",
        "evaluate",
        "invoke",
        "start",
        "stop",
        "restart",
        "kill",
        "deploy",
        "trigger",
        "install",
    ),
}
_VERB_OPERATION = {verb: op for op, verbs in MCP_VERBS.items() for verb in verbs}
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
MCP_PREFIX = "mcp__"


class Operation(NamedTuple):
    operation: str | None
    mcp_server: str | None
    mcp_tool: str | None


NO_OPERATION = Operation(None, None, None)


def split_mcp_name(tool: str) -> tuple[str, str] | None:
    """``mcp__github__create_issue`` -> ("github", "create_issue"); None for another name."""
    if not tool.startswith(MCP_PREFIX):
        return None
    server, sep, name = tool[len(MCP_PREFIX) :].partition("__")
    if not sep or not server or not name:
        return None
    return server, name


def mcp_operation(name: str) -> str:
    for word in _WORDS.findall(name):
        op = _VERB_OPERATION.get(word.lower())
        if op is not None:
            return op
    return NETWORK


def classify(tool: str | None) -> Operation:
    """The operation of a tool call; all None for an event without a tool or an unknown tool."""
    if not tool:
        return NO_OPERATION
    found = _classified.get(tool)
    if found is None:
        if len(tool) > CACHED_NAME_CHARS:  # a name this long is no tool's; not worth its memory
            return _classify(tool)
        if len(_classified) >= CLASSIFIED_CAP:
            _classified.clear()
        found = _classified[tool] = _classify(tool)
    return found


def _classify(tool: str) -> Operation:
    op = TOOL_OPERATIONS.get(tool)
    if op is not None:
        return Operation(op, None, None)
    mcp = split_mcp_name(tool)
    if mcp is not None:
        return Operation(mcp_operation(mcp[1]), mcp[0], mcp[1])
    return NO_OPERATION


# A session uses a few dozen tool names; the cap only guards against a sender inventing more.
CLASSIFIED_CAP = 4096
CACHED_NAME_CHARS = 256
_classified: dict[str, Operation] = {}
