"""``hookd hooks status``: what each settings file holds of hookd's, and what is wrong with it.

Each route a command hook sends to is checked end to end (this daemon's socket and inbox,
something of this user accepting there); what is shown comes from settings files, a
checkout's among them, so it is shown on one line without control characters.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any, Callable, TextIO

from hookd import port_holders
from hookd.child_read import Answers, NotAnswering
from hookd.config import Config
from hookd.hooks import entries, events, layers, merge
from hookd.hooks import (
    changeable,
    fields,
    http_policy,
    matchers,
    ports,
    probe,
    proxies,
    reach,
    sources,
    switches,
    workspace,
)
from hookd.hooks.command import Route, route
from hookd.hooks.settings import SettingsError, load
from hookd.units import plural
from hookd.terminal.text import visible


def describe(
    config: Config,
    path: str,
    ports_table: Callable[[], port_holders.Table | None] = port_holders.listening,
    merged: list[layers.Layer] | None = None,
    repair: str | None = None,
) -> dict[str, Any]:
    """What one settings file holds of hookd's, for ``hooks status``; ``ports_table`` gives the
    machine's listening sockets when the file has HTTP hooks (``status`` reads them once);
    ``merged``: the settings Claude Code merges with it (their ``env``), lowest first; ``repair``:
    the fix of a file ``hooks install`` does not write (sources.py)."""
    url = entries.http_url(config.http_addr) if config.http_addr else None
    info: dict[str, Any] = {"path": path, "exists": os.path.exists(path)}
    try:
        settings = load(path)
    except SettingsError as exc:
        return {**info, "error": str(exc)}
    every = merge.handlers(settings, url)
    handlers = merge.judged(every)  # each is parsed below: the rest is said (fields.beyond)
    answers = Answers()
    try:  # before any lookup below: on a mount that hung, each would hold the command
        answers.check(
            config.socket, config.state_dir, *(p for hs in handlers.values() for h in hs for p in _touched(h))
        )
    except NotAnswering as exc:
        return {**info, "error": f"hookd's hooks in it cannot be checked: {exc}"}
    modes = sorted({entries.mode_of(h) for hs in handlers.values() for h in hs})
    clients = {e: sorted({entries.client_of(h) for h in hs} - {"http"}) for e, hs in handlers.items()}
    missing = sorted({p for hs in handlers.values() for h in hs for p in entries.missing_paths(h)})
    urls = sorted({h["url"] for hs in handlers.values() for h in hs if h.get("type") == "http"})
    table = ports_table() if urls else None
    problems = ports.hook_url_problems(urls, config.http_token_file, table)
    problems += [f"names paths that no longer exist: {', '.join(missing)}"] if missing else []
    if urls and url not in urls:
        problems.append(
            f"posts to {', '.join(urls)}, but http_addr is {config.http_addr or 'not set (the listener is off)'}"
        )
    if urls and not os.environ.get(entries.TOKEN_VAR):
        problems.append(
            f"{entries.TOKEN_VAR} is not set in this environment; Claude Code started "
            "from here would send an empty token"
        )
    here = layers.Layer(os.path.abspath(path), settings.data, False)
    merged = merged if merged is not None else [here]
    problems += [p for u in urls if (p := proxies.problem(u, os.environ, merged))]
    routes = _routes(config, path, handlers, repair, answers)
    problems += [r["problem"] for r in routes if r["problem"]]
    where = os.path.abspath(path)
    problems += reach.settings_apart(where, handlers, config, repair)
    found = fields.problems(every)
    problems += [fields.text(what, names, where, repair) for (what, _), names in found.items()]
    killed = fields.killed_first(where, every, merged, repair)
    problems += [f"hooks for {reach.events_text(names)} {what}; fix: {fix}" for (what, fix), names in killed.items()]
    problems += [
        f"hooks for {reach.events_text(f.events)} {f.problem}; repair: {f.repair}"
        for f in matchers.findings(settings, url, repair)
    ]
    if (too_many := fields.beyond(where, every, repair)) is not None:
        problems.append(f"hookd's hooks {too_many.problem}; repair: {too_many.repair}")
    rewritable = changeable.others_can_change(path) if handlers else None
    if rewritable:
        problems.append(f"hookd's hooks are in a file another user can change: {rewritable}")
    judged: dict[str, str | None] = {}
    opened = {
        why: None for hs in handlers.values() for h in hs for why in changeable.programs_others_can_change(h, judged)
    }
    problems += [f"hookd's hooks run a file another user can change: {why}" for why in opened]
    notes: list[str] = []
    for others, names in merge.shared(settings.data, every).items():
        said = f"hooks for {reach.events_text(names)} run hook-send among other things ({', '.join(others)})"
        twice = [e for e in names if e in every]
        if twice:
            problems.append(
                f"{said}, and hookd's own hook for {reach.events_text(twice)} too: each such event reaches hookd "
                "twice; fix: take hook-send out of that command (hookd's own hook sends the event)"
            )
        else:
            notes.append(
                f"{said}: they are yours, not hookd's, so hooks install and uninstall leave them and hookd's "
                "checks do not judge them; to have hookd manage them, give the other commands a hook of their "
                "own and run hookd hooks install"
            )
    for why, names in merge.unsure(settings.data).items():
        notes.append(
            f"hooks for {reach.events_text(names)} name hook-send, but hookd {why}: they are yours, so hooks "
            "install and uninstall leave them; to have hookd manage them, write hook-send plainly in its own "
            "hook (or run hookd hooks install)"
        )
    doubled = [e for e, hs in handlers.items() if len(hs) > 1]
    if doubled:
        problems.append(f"more than one hookd entry for {', '.join(doubled)} (install again to fix)")
    return {
        **info,
        "events": list(handlers),
        "modes": modes,
        "urls": urls,
        "url_states": {u: ports.url_state(u, table) for u in urls},
        "routes": routes,
        "problems": problems,
        "clients": {e: c[0] if len(c) == 1 else "+".join(c) for e, c in clients.items() if c},
        "runs": {e: sorted({entries.command_line(h) or str(h.get("url")) for h in hs}) for e, hs in handlers.items()},
        **({"notes": notes} if notes else {}),
    }


def _touched(handler: dict[str, Any]) -> list[str]:
    return reach.touched(handler, route(entries.command_line(handler)) if handler.get("type") == "command" else None)


def _routes(
    config: Config,
    path: str,
    handlers: dict[str, list[dict[str, Any]]],
    repair: str | None = None,
    answers: Answers | None = None,
) -> list[dict[str, Any]]:
    """Where the command hooks send, each route checked end to end: is it this daemon's socket
    and inbox, and does a process of this user accept on the socket (nothing is sent)."""
    by_route: dict[Route, list[str]] = {}
    for event, hs in handlers.items():
        for h in hs:
            where = route(entries.command_line(h)) if h.get("type") == "command" else None
            if where is not None:
                by_route.setdefault(where, []).append(event)
    found = []
    for where, names in by_route.items():
        ours = reach.same_place(where, config.socket, config.state_dir)
        unreachable = probe.probe(where, answers=answers)
        if not ours:
            problem = (
                f"hooks for {reach.events_text(names)} send to {where.socket} and "
                f"{where.inbox}, not to {config.socket} and {config.inbox_dir} (this "
                "config's daemon): their events would miss it; repair: "
                f"{repair or reach.repair_command(os.path.abspath(path))}"
            )
        else:
            problem = None
        found.append(
            {
                "socket": where.socket,
                "inbox": where.inbox,
                "events": names,
                "this_daemon": ours,
                "reachable": unreachable is None,
                "problem": problem,
                "note": unreachable,
            }
        )
    return found


def status(
    config: Config, paths: list[str], as_json: bool, out: TextIO | None = None, unnamed: list[str] | None = None
) -> int:
    """0: installed somewhere and sound; 1: a problem found (``unnamed``: scopes whose file cannot
    be named, without a home); 3: installed nowhere."""
    out = out or sys.stdout
    files: list[dict[str, Any]] = [{"path": "(user settings)", "exists": False, "error": why} for why in unnamed or []]
    table = functools.cache(port_holders.listening)  # one reading of /proc/net/tcp for every file
    # The reader `hookd status` and `hookd run` use too: the files asked about, the managed ones
    # holding hookd's hooks, the plugins' hooks files; Claude Code merges all the scopes whichever is asked about.
    found = sources.read(paths, config.http_addr)
    merged = found.merged
    for h in found.files:
        shown = describe(config, h.path, table, merged, h.repair())
        shown.update({"plugin": h.plugin, "forced": h.forced} if h.plugin else {"managed": True} if h.managed else {})
        files.append(shown)
    files += [_unread(layer.path, layer.unread, "managed settings") for layer in merged if layer.unread]
    files += [_unread(u.path, u.why, f"plugin {u.plugin}" if u.plugin else "plugin list") for u in found.unread]
    for f in files:
        if f.get("events"):
            f["problems"] += switches.problems(f["path"], merged, bool(f.get("forced")), bool(f.get("plugin")))
            f["problems"] += [p for u in f["urls"] if (p := proxies.sandbox_problem(u, merged))]
            f["problems"] += [p for u in f["urls"] for p in http_policy.problems(u, merged)]
    _twice(files)
    _trust(files)
    if as_json:
        print(json.dumps({"files": files}), file=out)
    else:
        for f in files:
            print(_render(_shown(f)), file=out)
    if any(f.get("error") or f.get("problems") for f in files):
        return 1
    return 0 if any(f.get("events") for f in files) else 3


def _trust(files: list[dict[str, Any]]) -> None:
    """The project's files hold hooks for this folder: a note when Claude Code would ask to trust it
    before running any hook here (workspace.py); a note, not a problem: ``claude -p`` runs them."""
    here = workspace.project_files()
    mine = [f for f in files if f.get("events") and not f.get("plugin") and os.path.abspath(f["path"]) in here]
    why = workspace.untrusted(os.getcwd()) if mine else None
    for f in mine if why else []:
        f.setdefault("notes", []).append(why)


def _unread(path: str, why: str, what: str) -> dict[str, Any]:
    """A file Claude Code would read that could not be read: a note, not a problem of hookd's
    hooks (Claude Code, running as this user, cannot read it either), with the fix."""
    fix = (
        "fix: make it one JSON object this user can read, or remove it (whoever manages the machine's policy)"
        if what == "managed settings"
        else "fix: make it a JSON file this user can read, or reinstall the plugin"
    )
    note = f"not read: {why}; Claude Code gets no settings or hooks from it either; {fix}"
    return {"path": path, "exists": True, "what": what, "note": note}


def _twice(files: list[dict[str, Any]]) -> None:
    """Claude Code runs a handler that two settings files hold alike once, and another handler, or a
    plugin's copy of the same, besides (hooks reference, "Hook handler fields"): hookd's hooks for
    one event in two such places send each of its events to hookd twice."""
    first: dict[str, tuple[str, list[str]]] = {}  # event -> the settings file with it, what it runs there
    for f in (f for f in files if not f.get("plugin")):
        for event, runs in (f.get("runs") or {}).items():
            first.setdefault(event, (f["path"], runs))
    for f in files:
        twice = [e for e, runs in (f.get("runs") or {}).items() if e in first and first[e][0] != f["path"]]
        twice = [e for e in twice if f.get("plugin") or first[e][1] != f["runs"][e]]
        if twice:
            other = first[twice[0]][0]
            what = f"the plugin {f['plugin']}" if f.get("plugin") else f["path"]
            undo = (
                "disable the plugin (enabledPlugins)"
                if f.get("plugin")
                else f"hookd hooks uninstall --settings {f['path']}"
            )
            f["problems"].append(
                f"{what} has hookd's hooks for {reach.events_text(twice)}, as {other} has, "
                f"{'' if f.get('plugin') else 'running another command '}and Claude Code runs both: each "
                f"such event reaches hookd twice; fix: {undo}, or hookd hooks uninstall --settings {other}"
            )


def _shown(value: Any) -> Any:
    """Every text in ``value`` on one line without control characters: event names, commands
    and paths come from settings files, a checkout's among them, and are shown, never acted on."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {_shown(k): _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _render(f: dict[str, Any]) -> str:
    head = f["path"] + (
        f" (plugin {f['plugin']})" if f.get("plugin") else " (managed settings)" if f.get("managed") else ""
    )
    if f.get("note"):
        return f"{f['path']} ({f['what']})\n  note: {f['note']}"
    if f.get("error"):
        return f"{head}\n  ! {f['error']}"
    if not f["exists"]:
        return f"{head}\n  (no such file)"
    if not f["events"]:
        said = [f"  ! {p}" for p in f.get("problems", [])] + [f"  note: {n}" for n in f.get("notes", [])]
        return "\n".join([head, "  no hookd hooks", *said])
    lines = [head, f"  {' + '.join(f['modes'])} mode, {plural(len(f['events']), 'event')}: {', '.join(f['events'])}"]
    lines += [f"  url {u}: {f['url_states'][u]}" for u in f["urls"]]
    for r in f.get("routes", []):
        state = "a daemon accepts there" if r["reachable"] else r["note"]
        lines.append(f"  sends to {r['socket']} (inbox {r['inbox']}): {state}")
    by_client: dict[str, list[str]] = {}
    for event, client in f.get("clients", {}).items():
        by_client.setdefault(client, []).append(event)
    lines += [f"  {client} hook-send: {', '.join(names)}" for client, names in sorted(by_client.items())]
    left = [e for e in events.DEFAULT_EVENTS if e not in f["events"]]
    if left:
        lines.append(f"  not hooked: {', '.join(left)}")
    lines += [f"  ! {p}" for p in f["problems"]] or ["  paths ok"]
    lines += [f"  note: {n}" for n in f.get("notes", [])]
    return "\n".join(lines)
