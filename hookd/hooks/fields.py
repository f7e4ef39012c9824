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
- ``shell`` other than ``"bash"`` runs a shell-form command through PowerShell (``pwsh``): hookd's
  line is POSIX shell (its ``VAR=value`` prefix, its quoting), so the hook fails and the event is
  lost. Exec form (``args``) takes no shell and ignores it.
- ``async`` or ``asyncRewake`` (which implies it): Claude Code does not wait for the hook and
  cancels one still running when the session ends, so the session's last events can be lost.
- On WorktreeCreate, any hook of hookd's: it replaces git's worktree creation and must return the
  new worktree's path (a command hook on stdout, an HTTP hook as ``worktreePath``); hook-send prints
  nothing and the listener answers ``{}``, so every worktree creation fails (events.NEVER).
- On WorktreeRemove, any hook of hookd's: it replaces Claude Code's removal of a worktree a
  WorktreeCreate hook made, and deletes nothing, so the worktree stays on disk (events.NEVER).
- ``timeout`` (seconds) below what hook-send needs to start and finish within its own deadline,
  or not a positive number (the settings schema refuses it): Claude Code kills the hook first.
- No ``timeout`` on UserPromptSubmit, PreModelSwitch, PostModelSwitch (30 s) or MessageDisplay (10 s), or a ``timeout`` under
  hook-send's own deadline, raised by ``HOOKD_SEND_TIMEOUT_MS`` in the command,
  a settings file's ``env`` or the environment (``killed_first``): Claude Code ends hook-send at
  the timeout (SIGTERM), and an event it has not yet handed over is lost; SessionEnd's end at the
  shorter of their timeout and the budget they share, which ``CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS``
  can set under what hook-send needs at all (session_end.py).
- An HTTP hook's ``timeout`` past the longest hook-send waits, or none (600 s): a listener that
  accepts and does not answer holds the agent that long at every event; an HTTP hook on an event
  that runs none (SessionStart, Setup): every such event is lost; one on PreModelSwitch blocks the
  switch when the listener does not answer (http_fields.py).

Harmless, left alone: ``once`` (honoured in a skill's frontmatter only, ignored in settings files;
hooks reference, "Common fields"), ``statusMessage`` (a spinner's text), ``continueOnBlock`` (prompt hooks' only;
it changes what a block does, and hook-send never asks for one), a longer ``timeout`` (hook-send
ends within its own deadline whatever Claude Code allows; docs/hooks.md), an HTTP one's up to 60 s.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

from hookd.hooks import entries, http_fields, matchers, merge, session_end
from hookd.hooks.command import client_env
from hookd.hooks.layers import Layer, claude_env
from hookd.hooks.reach import Finding, events_text, repair_command
from hookd.hooks.settings import SettingsFile, readable
from hookd.hooks.settings import shown as _short

# The events whose handlers Claude Code filters by ``if`` (hooks reference, "Common fields").
IF_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied"})


# The events whose hook replaces what Claude Code does (events.NEVER), with when it runs (hooks reference,
# "WorktreeCreate"; "Decision control": "Hook failure or missing path fails creation").
WORKTREE_CREATE = {"WorktreeCreate": "claude --worktree, a subagent with isolation: worktree, a background session"}

# The least timeout a hook of hookd's may carry: hookd writes 1 s at the least (SessionEnd's), over
# hook-send's 250 ms deadline and an interpreter's start.
LEAST_TIMEOUT_S = 1


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
    if event in WORKTREE_CREATE:
        blocks = True
        said.append(
            f"replace git's worktree creation ({WORKTREE_CREATE[event]}), and Claude Code takes the new worktree's path "
            "from them (a command hook's stdout, an HTTP hook's hookSpecificOutput.worktreePath): hook-send prints "
            "nothing and hookd's listener answers {}, so every worktree creation fails"
        )
    if (fails := http_fields.fails_the_action(event, handler)) is not None:
        blocks = True
        said.append(fails)
    if event == "WorktreeRemove":
        said.append(
            "replace Claude Code's removal of the worktrees a WorktreeCreate hook made (without one it runs git "
            "worktree remove --force): it counts such a worktree removed when the hooks exit 0, and hookd's "
            "delete nothing, so unless another WorktreeRemove hook deletes them, those worktrees stay on disk"
        )
    said += _losses(handler)
    said += http_fields.problems(event, handler)
    return ("; and ".join(said), blocks) if said else None


def _losses(handler: dict[str, Any]) -> list[str]:
    """What ``shell``, ``async`` and ``timeout`` on ``handler`` lose (module docstring)."""
    said = []
    shell = handler.get("shell")
    if (
        handler.get("type") == "command"
        and shell is not None
        and shell != "bash"
        and not isinstance(handler.get("args"), list)
    ):
        said.append(
            f"carry shell = {_short(shell)}: Claude Code runs the command through PowerShell, which cannot run "
            "hookd's POSIX shell line (or refuses the value), and every such event is lost"
        )
    waits = [key for key in ("async", "asyncRewake") if handler.get(key) is True]
    if handler.get("type") == "command" and waits:
        said.append(
            f"carry {' and '.join(f'{key} = true' for key in waits)}: Claude Code does not wait for hook-send "
            "and cancels it when the session ends (claude -p, exit), so the session's last events can be lost"
        )
    timeout = handler.get("timeout")
    if timeout is not None and (not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0):
        said.append(
            f"carry timeout = {_short(timeout)}, not a positive number of seconds: Claude Code's settings "
            "schema refuses it, and their events can be lost"
        )
    elif timeout is not None and timeout < LEAST_TIMEOUT_S:
        said.append(
            f"carry timeout = {_short(timeout)} s, under the {LEAST_TIMEOUT_S} s hook-send needs to start and "
            "hand an event over within its own deadline: Claude Code kills it first and the event can be lost"
        )
    return said


def problems(handlers: Mapping[str, list[dict[str, Any]]]) -> dict[tuple[str, bool], list[str]]:
    """Each problem of hookd's ``handlers`` (per event, all of a file's), with whether it blocks, and
    the events that have it: of the first JUDGED (``beyond`` says the rest)."""
    found: dict[tuple[str, bool], list[str]] = {}
    for event, hs in merge.judged(handlers).items():
        for h in hs:
            if (what := problem(event, h)) is not None:
                found.setdefault(what, []).append(event)
    return found


_WITHOUT = "it writes hookd's hooks without these fields"
_ONE = "it writes one handler an event"


def text(what: str, events: list[str], path: str, repair: str | None, config_file: str | None = None) -> str:
    """One problem as ``hooks status`` says it; ``repair``: that of a file install does not write."""
    return f"hooks for {events_text(events)} {what}; repair: {_repair(path, repair, config_file, events, what)}"


def _repair(path: str, repair: str | None, config_file: str | None, events: Iterable[str] = (), what: str = "") -> str:
    events = set(events)
    replaced = events and events <= {*WORKTREE_CREATE, "WorktreeRemove"}
    why = f"it writes no {events_text(sorted(events))} hook" if replaced else _WITHOUT
    if what.startswith("are HTTP hooks"):  # http_fields.fails_the_action
        why = f"it writes a command hook for {events_text(sorted(events))} in either mode"
    return repair or f"{repair_command(path, config_file)} ({why})"


def beyond(
    path: str, every: Mapping[str, list[dict[str, Any]]], repair: str | None, config_file: str | None = None
) -> Finding | None:
    """What to say when a file holds more of hookd's handlers (``every``) than the checks judge; None when not."""
    total = merge.count(every)
    if total <= merge.JUDGED:
        return None
    said = (
        f"are {total} handlers of hookd's, each run for every event they match (one an event is enough): "
        f"too many to judge, only the first {merge.JUDGED} were checked"
    )
    return Finding(path, list(every), said, repair or f"{repair_command(path, config_file)} ({_ONE})")


# What hook-send reads its deadline from (client/hook_send.py's send_timeout_ms).
SEND_TIMEOUT_VAR = "HOOKD_SEND_TIMEOUT_MS"


def killed_first(
    path: str,
    handlers: Mapping[str, list[dict[str, Any]]],
    layers: list[Layer],
    repair: str | None,
    config_file: str | None = None,
) -> dict[tuple[str, str], list[str]]:
    """hookd's command hooks whose ``timeout`` Claude Code reaches before hook-send's own deadline,
    raised by HOOKD_SEND_TIMEOUT_MS in their command, the env of a settings file Claude Code merges
    (``layers``) or this environment (standing in for Claude Code's): Claude Code ends hook-send
    first (SIGTERM), and an event not yet handed over is lost. SessionEnd's are ended by the shorter
    of their timeout and the budget they share (session_end.py), which its variable can set under
    what hook-send needs at all. -> (what, fix): events."""
    from hookd_client import hook_send

    env, where = claude_env(os.environ, layers)
    shared = session_end.budget(env, layers)
    found: dict[tuple[str, str], list[str]] = {}
    for event, hs in merge.judged(handlers).items():
        for h in hs:
            timeout = h.get("timeout")
            own = session_end.positive_seconds(timeout)
            budget_at = _place(where, session_end.BUDGET_VAR)
            if event == "SessionEnd" and (waits := http_fields.session_end_waits(h, shared, budget_at)) is not None:
                fix = f"{_repair(path, repair, config_file)}, or lower {session_end.BUDGET_VAR} in {budget_at} to 60000 or less"
                found.setdefault((waits, fix), []).append(event)
            if h.get("type") != "command" or (timeout is not None and own is None):
                continue  # an HTTP hook, or a timeout the schema refuses (_losses says it)
            if event == "SessionEnd" and shared.given is not None and shared.seconds < LEAST_TIMEOUT_S:
                found.setdefault(_short_budget(shared, _place(where, session_end.BUDGET_VAR)), []).append(event)
                continue
            if event != "SessionEnd" and own is None and session_end.default_s(event) > http_fields.LONGEST_WAIT_S:
                continue  # 600 s, past the longest deadline hook-send takes
            line = entries.command_line(h)
            variables: dict[str, str] = {}
            if SEND_TIMEOUT_VAR in line:  # a plain find first: most commands set none
                variables = (client_env(line) or ({}, ""))[0]
            place = "their command" if SEND_TIMEOUT_VAR in variables else _place(where, SEND_TIMEOUT_VAR)
            deadline = hook_send.send_timeout_ms({**env, **variables})
            ends_s = (
                session_end.ends_after(h, shared) if event == "SessionEnd" else (own or session_end.default_s(event))
            )
            if deadline < ends_s * 1000 or SEND_TIMEOUT_VAR not in {**env, **variables}:
                continue
            budget = event == "SessionEnd" and (own is None or shared.seconds < own)
            said = "no timeout" if timeout is None else f"timeout = {_short(timeout)} s"
            if timeout is None and event != "SessionEnd":
                said += f" ({event}'s default is {_short(session_end.whole(ends_s))} s)"
            what = (
                f"carry {said}, but hook-send takes {SEND_TIMEOUT_VAR}={deadline} from {place}: Claude Code "
                f"ends it after {_short(session_end.whole(ends_s))} s{', the budget SessionEnd hooks share' if budget else ''}, "
                "before its own deadline, and an event not yet handed over is lost"
            )
            longer = (
                f"raise {session_end.BUDGET_VAR} in {_place(where, session_end.BUDGET_VAR)} past it"
                if budget and shared.given is not None
                else f"raise these hooks' timeout in {path} past it"
            )
            fix = (
                _repair(path, repair, config_file)
                if place == "their command"
                else f"lower {SEND_TIMEOUT_VAR} in {place} to under {_short(int(ends_s * 1000))}, or {longer}"
            )
            found.setdefault((what, fix), []).append(event)
    return found


def _place(where: Mapping[str, str], name: str) -> str:
    """Where Claude Code's value of the variable ``name`` comes from, as said."""
    return f"the env of {where[name]}" if name in where else "this environment"


def _short_budget(shared: session_end.Budget, place: str) -> tuple[str, str]:
    what = (
        f"are ended after {_short(session_end.whole(shared.seconds))} s, the budget {session_end.BUDGET_VAR}={shared.given} "
        f"from {place} gives all SessionEnd hooks: under the {LEAST_TIMEOUT_S} s "
        "hook-send needs to start and hand an event over within its own deadline, so the session's last event "
        "can be lost"
    )
    fix = f"raise {session_end.BUDGET_VAR} in {place} to {LEAST_TIMEOUT_S * 1000} or more, or unset it"
    return what, fix


def findings(
    paths: Iterable[str | SettingsFile],
    url: str | None,
    config_file: str | None = None,
    repairs: Mapping[str, str] | None = None,
    layers: list[Layer] | None = None,
) -> list[Finding]:
    """The problems of hookd's hooks (command and HTTP) in ``paths``, each with its repair (``layers``:
    the settings Claude Code merges, lowest first, for their env)."""
    found = []
    for settings in readable(paths):
        every = merge.handlers(settings, url)
        given = (repairs or {}).get(settings.path)
        for (what, blocks), events in problems(every).items():
            found.append(
                Finding(settings.path, events, what, _repair(settings.path, given, config_file, events, what), blocks)
            )
        for (what, fix), events in killed_first(settings.path, every, layers or [], given, config_file).items():
            found.append(Finding(settings.path, events, what, fix))
        found += matchers.findings(settings, url, given, config_file)
        if (too_many := beyond(settings.path, every, given, config_file)) is not None:
            found.append(too_many)
    return found
