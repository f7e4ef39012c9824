"""Do the installed hooks reach this daemon? Checked by `hookd run`, `hookd status`, `hooks status`.

Two ways a hook loses events without a word: its command names an interpreter or
client that is gone (an interpreter upgrade; Claude Code then sees exit 127 for
every event), or it sends to a socket and inbox that this daemon does not use
(its paths set in hookd's config file only). Each finding names the hooks, the
settings file and the one command that repairs them. A hook that sends to another socket
but this daemon's inbox loses nothing (the inbox is swept): it is said as late, not lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Iterable, Mapping

from hookd.hooks import entries, merge
from hookd.hooks.changeable import others_can_change, programs_others_can_change
from hookd.hooks.command import SETTING_VARS, Route, route, written_settings
from hookd.hooks.settings import SCOPES, SettingsFile, readable, scope_path
from hookd.child_read import Answers, NotAnswering
from hookd.units import plural


@dataclass
class Finding:
    path: str  # the settings file
    events: list[str]
    problem: str
    repair: str
    blocks: bool = False  # what it says can block the agent (fields.py), not only lose events
    late: bool = False  # the events still reach the daemon, through its inbox: nothing is lost
    untold: bool = False  # a mount that does not answer: whether they reach it cannot be told

    def text(self) -> str:
        return f"{self.path}: hooks for {events_text(self.events)} {self.problem}; repair: {self.repair}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "events": self.events, "problem": self.problem, "repair": self.repair}


@dataclass
class Reach:
    findings: list[Finding] = field(default_factory=list)
    hooked: int = 0  # command hooks seen

    @property
    def ok(self) -> bool:
        return not self.findings


def events_text(events: list[str]) -> str:
    return ", ".join(events) if len(events) <= 4 else f"{', '.join(events[:3])} and {len(events) - 3} more"


def _same(a: str, b: str) -> bool:
    if not a or not b:  # "": no such path (hook-send without a home)
        return False
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)  # a stat of each: its callers ask their mounts first (touched)
    except OSError:
        return False


def touched(handler: dict[str, Any], where: Route | None) -> list[str]:
    """What checking ``handler`` looks up (what it runs, where it sends): asked first (child_read.Answers)."""
    return [p for group in entries.code_paths(handler) for p in group] + (
        [where.socket, where.state_dir] if where else []
    )


def same_place(where: Route, socket_path: str, state_dir: str) -> bool:
    return _same(where.socket, socket_path) and _same(where.state_dir, state_dir)


def repair_command(path: str, config_file: str | None = None) -> str:
    extra = f" --config {config_file}" if config_file else ""
    return f"hookd hooks install --settings {path}{extra}"


def command_handlers(settings: SettingsFile) -> dict[str, list[dict[str, Any]]]:
    """hookd's command handlers per event in one settings file ({} when missing): the first JUDGED,
    as each is parsed (its route, the paths it runs, the settings written into it)."""
    return merge.judged(merge.commands(settings))


def check(
    paths: Iterable[str | SettingsFile],
    socket_path: str,
    state_dir: str,
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    repairs: Mapping[str, str] | None = None,
    answers: Answers | None = None,
) -> Reach:
    """What stops the hooks in ``paths`` from reaching the daemon at ``socket_path``/``state_dir``
    (``repairs``: the fix of a file ``hooks install`` does not write, sources.py; ``answers``: a
    command's, each hook's paths asked first; `hookd run`'s start, which waits on its mounts anyway, forks none)."""
    reach = Reach()
    judged: dict[str, str | None] = {}
    for settings in readable(paths):
        path = settings.path
        broken: dict[str, list[str]] = {}  # missing path -> events
        missing_daemon: dict[tuple[str, str], list[str]] = {}  # (socket, inbox) -> events
        handlers_of = command_handlers(settings)
        changeable = others_can_change(path) if handlers_of else None
        if changeable:
            problem = f"are in a file another user can change: {changeable}"
            reach.findings.append(Finding(path, sorted(handlers_of), problem, "as the fix says"))
        open_to_others: dict[str, list[str]] = {}  # why a program run can be changed -> events
        unanswered: dict[str, list[str]] = {}  # why a mount did not answer -> events
        for event, handlers in handlers_of.items():
            for handler in handlers:
                reach.hooked += 1
                where = route(entries.command_line(handler), environ)
                try:
                    if answers is not None:
                        answers.check(*touched(handler, where), socket_path, state_dir)
                except NotAnswering as exc:
                    unanswered.setdefault(str(exc), []).append(event)
                    continue
                for gone in entries.missing_paths(handler):
                    broken.setdefault(gone, []).append(event)
                for why in programs_others_can_change(handler, judged):
                    open_to_others.setdefault(why, []).append(event)
                if where is None:
                    continue
                if not same_place(where, socket_path, state_dir):
                    missing_daemon.setdefault((where.socket, where.inbox), []).append(event)
        repair = (repairs or {}).get(path) or repair_command(path, config_file)
        for why_not, events in unanswered.items():
            problem = f"cannot be checked (whether they run and reach this daemon): {why_not}"
            reach.findings.append(Finding(path, events, problem, "when that mount answers, ask again", untold=True))
        for gone, events in broken.items():
            reach.findings.append(
                Finding(
                    path,
                    events,
                    f"run {gone}, which no longer exists (an interpreter upgrade or a "
                    "moved checkout): Claude Code gets exit 127 and the events are lost",
                    repair,
                )
            )
        for why, events in open_to_others.items():
            reach.findings.append(
                Finding(path, events, f"run a file another user can change: {why}", "as the fix says")
            )
        for (sock, inbox), events in missing_daemon.items():
            if _same(os.path.dirname(inbox), state_dir):
                # Only the socket differs (most often XDG_RUNTIME_DIR set on one side and not the
                # other): the daemon sweeps that inbox, so the events arrive, late and at a cost.
                problem = (
                    f"send to {sock}, not to this daemon's {socket_path}: their events reach it only "
                    f"through the inbox {inbox} (up to inbox_poll_ms late, each hook paying a failed "
                    "connect and a write to disk; XDG_RUNTIME_DIR set for one and not the other does this)"
                )
                # --socket writes HOOKD_SOCKET into the commands (a plugin's or the managed file's
                # repair is someone else's to run: left as it is).
                fix = repair if (repairs or {}).get(path) else f"{repair} --socket {socket_path}"
                reach.findings.append(Finding(path, events, problem, fix, late=True))
                continue
            reach.findings.append(
                Finding(
                    path,
                    events,
                    f"send to {sock} and {inbox}, not to this daemon's "
                    f"{socket_path} and {os.path.join(state_dir, 'inbox')}: their events would miss it",
                    repair,
                )
            )
    return reach


def settings_apart(
    path: str, handlers: dict[str, list[dict[str, Any]]], config: Any, repair: str | None = None
) -> list[str]:
    """Settings written into the hook commands (HOOKD_MAX_EVENT_BYTES) that are not the daemon's:
    the hooks were installed before the setting changed. One line per value, naming the setting,
    what it costs and the fix."""
    apart: dict[tuple[str, int], list[str]] = {}
    for event, hs in handlers.items():
        for h in hs:
            written = written_settings(entries.command_line(h)) if h.get("type") == "command" else None
            for variable, value in (written or {}).items():
                if value != getattr(config, SETTING_VARS[variable]):
                    apart.setdefault((variable, value), []).append(event)
    lines = []
    for (variable, value), names in apart.items():
        setting = SETTING_VARS[variable]
        wanted = getattr(config, setting)
        cost = (
            f"events over {wanted} bytes and up to {value} reach hookd whole and it refuses them (too_large): lost"
            if value > wanted
            else f"events over {value} bytes reach hookd as too_large markers, their payload dropped"
        )
        lines.append(
            f"hooks for {events_text(names)} run hook-send with {variable}={value} (set in their command, "
            f"else hook-send's default), but this daemon's {setting} is {wanted}: {cost}; fix: "
            + (repair or f"{repair_command(path)} (writes the daemon's {setting} into the hook command)")
        )
    return lines


def annotate(
    code: int,
    status: dict[str, Any],
    config: Any,
    config_file: str | None = None,
    paths: Iterable[str | SettingsFile] | None = None,
    more: Iterable[Finding] = (),
    repairs: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """`hookd status` with the installed hooks checked against the daemon it found.

    The running daemon's own socket and state dir are the truth (another process may
    have been started with other settings than this command's); a healthy daemon
    with hooks that miss it or cannot run is degraded.
    """
    socket_path = status.get("socket") or config.socket
    state_dir = status.get("state_dir") or config.state_dir
    read = readable([scope_path(s) for s in SCOPES] if paths is None else paths)
    found = check(read, socket_path, state_dir, config_file, repairs=repairs, answers=Answers())
    found.findings += more  # the caller's (HTTP hooks the daemon does not serve: http_reach.py)
    # The running daemon's values of the settings hook commands carry (its status has them), else this config's.
    daemon = SimpleNamespace(**{s: status.get(s, getattr(config, s)) for s in SETTING_VARS.values()})
    fixes = repairs or {}
    apart = [
        line
        for settings in read
        for line in settings_apart(settings.path, command_handlers(settings), daemon, fixes.get(settings.path))
    ]
    status["hooks_problems"] = [f.text() for f in found.findings] + apart
    reasons = []
    late = [f for f in found.findings if f.late]
    unknown = [f for f in found.findings if f.untold]
    lost = [f for f in found.findings if not f.late and not f.untold]
    if lost:
        harm = "would lose events or block the agent" if any(f.blocks for f in lost) else "would lose events"
        reasons.append(f"{plural(len(lost), 'installed hook group')} {harm} (see hooks)")
    if late:
        reasons.append(
            f"{plural(len(late), 'installed hook group')} {'reaches' if len(late) == 1 else 'reach'} this daemon "
            "only through its inbox (see hooks)"
        )
    if unknown:
        reasons.append(f"{plural(len(unknown), 'installed hook group')} cannot be checked (see hooks)")
    if apart:
        reasons.append("installed hook commands carry settings apart from this daemon's (see hooks)")
    if reasons and status.get("running"):
        status.setdefault("reasons", []).extend(reasons)
        if code == 0:
            status["health"] = "degraded"
            code = 1
    return code, status
