"""One readable line per envelope: time, session, hook, tool, operation, what it was about,
how long the call took, risk.

Payload text is shown, never interpreted: control characters (a newline in a
command, an escape sequence in a file name) are made visible, so that an
event cannot rewrite the terminal it is shown on.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any

from wcwidth import wcswidth, wcwidth

from hookd.terminal.text import visible

RESET, DIM, BOLD = "\x1b[0m", "\x1b[2m", "\x1b[1m"
RISK_COLOURS = {"high": "\x1b[1;31m", "medium": "\x1b[33m", "low": "\x1b[32m"}
HOOK_COLOUR = "\x1b[36m"

# The tool_input field that says what a call is about, by tool.
TOOL_FIELDS = {
    "Bash": ("command",),
    "PowerShell": ("command",),
    "Read": ("file_path",),
    "Write": ("file_path",),
    "Edit": ("file_path",),
    "MultiEdit": ("file_path",),
    "NotebookEdit": ("notebook_path",),
    "NotebookRead": ("notebook_path",),
    "Grep": ("pattern", "path"),
    "Glob": ("pattern", "path"),
    "WebFetch": ("url",),
    "WebSearch": ("query",),
    "Task": ("description", "subagent_type"),
    "Agent": ("description", "subagent_type"),
    "Skill": ("skill", "command"),
    "SlashCommand": ("command",),
}
GENERIC_FIELDS = ("file_path", "path", "url", "command", "query", "pattern", "description", "prompt")
# The payload field that says what a non-tool event is about.
EVENT_FIELDS = {
    "UserPromptSubmit": ("prompt",),
    "UserPromptExpansion": ("command_name", "prompt"),
    "Notification": ("message",),
    "SessionStart": ("source", "model"),
    "SessionEnd": ("reason",),
    "Setup": ("trigger",),
    "PreCompact": ("trigger",),
    "PostCompact": ("trigger",),
    "SubagentStart": ("agent_type",),
    "SubagentStop": ("agent_type",),
    "StopFailure": ("error_type", "error"),
    "Stop": ("last_assistant_message",),
    "InstructionsLoaded": ("file_path", "load_reason"),
    "ConfigChange": ("source", "file_path"),
    "CwdChanged": ("new_cwd",),
    "DirectoryAdded": ("directory", "source"),
    "FileChanged": ("file_path", "event"),
    "MessageDisplay": ("delta",),
    "WorktreeCreate": ("name",),
    "WorktreeRemove": ("worktree_path",),
    "PreModelSwitch": ("to_model",),
    "PostModelSwitch": ("to_model",),
    "Elicitation": ("mcp_server_name", "message"),
    "ElicitationResult": ("mcp_server_name", "action"),
    "TaskCreated": ("task_subject", "task_title", "task_id"),
    "TaskCompleted": ("task_subject", "task_title", "task_id"),
    "TeammateIdle": ("teammate_name",),
}


def _first(source: dict[str, Any], fields: tuple[str, ...]) -> str:
    parts = [source[f] for f in fields if isinstance(source.get(f), (str, int, float)) and source.get(f) != ""]
    return " ".join(str(p) for p in parts[:2])


# A batch names at most this many of its calls' tools: the line is one line, whatever the batch.
BATCH_NAMES = 4


def _batch(calls: list[Any]) -> str:
    """PostToolBatch's calls: how many, and the tools of the first few (``2 calls: Edit, Write``)."""
    names = [_name(call.get("tool_name")) or "?" for call in calls[:BATCH_NAMES] if isinstance(call, dict)]
    more = ", …" if len(calls) > BATCH_NAMES else ""
    return f"{len(calls)} call{'s' if len(calls) != 1 else ''}: {', '.join(names)}{more}" if calls else "0 calls"


def _name(value: Any) -> str:
    """A hook or tool name as hookd writes one (a string); anything else in its place, as none."""
    return value if isinstance(value, str) else ""


def summary(envelope: dict[str, Any]) -> str:
    given = envelope.get("payload")
    payload: dict[str, Any] = given if isinstance(given, dict) else {}
    hook = _name(envelope.get("hook")) or _name(payload.get("hook_event_name"))
    tool = _name(envelope.get("tool_name")) or _name(payload.get("tool_name"))
    text = ""
    tool_input = payload.get("tool_input")
    if tool and isinstance(tool_input, dict):
        if tool == "TodoWrite" and isinstance(tool_input.get("todos"), list):
            text = f"{len(tool_input['todos'])} todos"
        else:
            text = _first(tool_input, TOOL_FIELDS.get(tool, GENERIC_FIELDS))
            if tool == "Grep" and tool_input.get("path"):
                text = f"{tool_input.get('pattern', '')} in {tool_input['path']}"
            if not text and tool_input:
                text = json.dumps(tool_input, ensure_ascii=False, separators=(",", ":"))
    elif hook == "PostToolBatch" and isinstance(payload.get("tool_calls"), list):
        text = _batch(payload["tool_calls"])
    elif hook in EVENT_FIELDS:
        text = _first(payload, EVENT_FIELDS[hook])
    if hook == "PostToolUseFailure" and isinstance(payload.get("error"), str):
        text = f"{text} ✗ {payload['error']}" if text else f"✗ {payload['error']}"
    return visible(text)


def local_time(received_at: Any, today: datetime.date | None = None) -> str:
    try:
        when = datetime.datetime.fromisoformat(str(received_at).replace("Z", "+00:00")).astimezone()
    except (ValueError, OverflowError):  # not a time, or one the local zone cannot hold (year 9999)
        return "??:??:??.???"
    clock = when.strftime("%H:%M:%S.") + f"{when.microsecond // 1000:03d}"
    return clock if when.date() == (today or datetime.date.today()) else when.strftime("%m-%d ") + clock


def duration(ms: Any) -> str:
    """A tool call's duration_ms, short: 340ms, 4.2s, 3m07s; empty when unknown."""
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not math.isfinite(ms) or ms < 0:
        return ""
    if ms < 1000:
        return f"{int(ms)}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    return f"{int(ms) // 60_000}m{int(ms) // 1000 % 60:02d}s"


# wcwidth's wcswidth counts, at each regional indicator (the halves of a flag), those before it
# back to the start of their run: a run's cost is its length squared (bench/README.md).
_FLAG_RUN = re.compile("[\U0001f1e6-\U0001f1ff]{8,}")


def _short_flag_runs(text: str) -> tuple[str, int]:
    """The text with the middle of each long run of regional indicators cut out (an even number
    of them: four stay before the cut and two or three after it, so what precedes and follows
    is measured as before), and the columns of those cut: an indicator pairs with the one before
    it when an odd number precede it in the run, and one of each pair is measured."""
    extra = 0

    def cut(match: re.Match[str]) -> str:
        nonlocal extra
        run = match.group()
        end = len(run) - 2 - len(run) % 2
        extra += sum(wcwidth(c) for c in run[4:end:2])
        return run[:4] + run[end:]

    return _FLAG_RUN.sub(cut, text), extra


def columns(text: str) -> int:
    """The text's width on a terminal: a wide (CJK, emoji) character takes two columns."""
    short, extra = _short_flag_runs(text)
    width = wcswidth(short)
    return width + extra if width >= 0 else sum(max(wcwidth(c), 0) for c in text)


def fit(text: str, room: int) -> str:
    """The text cut to at most ``room`` columns, ending in … when cut: the longest start of it
    that ``columns`` puts within ``room - 1``, so that a flag (two regional indicators) counts as
    the two columns it takes, not each half as two. The starts tried double from ``room``
    characters until one is too wide, then halve the gap: the work follows the part kept, not
    the whole text."""
    if columns(text) <= room:
        return text
    if room <= 0:
        return ""
    lo, hi = 0, room  # text[:lo] fits; text[:hi] does not, once the doubling stops

    def fits(end: int) -> bool:
        return columns(text[:end]) <= room - 1

    while hi < len(text) and fits(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, len(text))
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if fits(middle):
            lo = middle
        else:
            hi = middle
    return text[:lo] + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - columns(text))


def line(envelope: dict[str, Any], colour: bool, width: int | None = None) -> str:
    """The event as one line; ``width`` (terminal columns) cuts the summary so the line fits."""
    session = visible(str(envelope.get("session_id") or "-"))[:8]
    hook = visible(str(envelope.get("hook") or "?"))
    tool = visible(str(envelope.get("tool_name") or ""))
    operation = visible(str(envelope.get("operation") or ""))[:8]
    took = duration(envelope.get("duration_ms"))
    took_text = f"  ({took})" if took else ""
    given_risk = envelope.get("risk")
    risk: str = given_risk if isinstance(given_risk, str) and given_risk in RISK_COLOURS else ""
    reasons = envelope.get("risk_reasons")
    risk_text = risk
    if risk and isinstance(reasons, list) and reasons and risk != "low":
        risk_text = f"{risk} ({visible(', '.join(str(r) for r in reasons))})"
    when = local_time(envelope.get("received_at"))
    cells = (when, _pad(session, 8), _pad(hook, 18), _pad(tool, 10), _pad(operation, 8))
    head = "  ".join(cells)
    text = summary(envelope)
    risk_part = f"  [{risk_text}]" if risk_text else ""
    if width is None:
        text = fit(text, 200)
    else:
        room = width - columns(head) - 2 - columns(took_text) - columns(risk_part)
        if room < 10 and risk_text != risk:  # the reasons go first, the level stays
            risk_text = risk
            risk_part = f"  [{risk_text}]"
            room = width - columns(head) - 2 - columns(took_text) - columns(risk_part)
        if room < 10:  # a narrow terminal: the plain line, cut at its edge
            return fit(f"{head}  {text}{took_text}{risk_part}".rstrip(), width)
        text = fit(text, room)
    if not colour:
        return f"{head}  {text}{took_text}{risk_part}".rstrip()
    head = (
        f"{DIM}{when}{RESET}  {cells[1]}  {HOOK_COLOUR}{cells[2]}{RESET}  "
        f"{BOLD}{cells[3]}{RESET}  {DIM}{cells[4]}{RESET}"
    )
    took_text = f"  {DIM}({took}){RESET}" if took else ""
    tail = f"  {RISK_COLOURS[risk]}[{risk_text}]{RESET}" if risk_text else ""
    return f"{head}  {text}{took_text}{tail}"
