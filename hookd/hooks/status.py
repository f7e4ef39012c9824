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
from hookd.config import Config
from hookd.hooks import entries, events, merge
from hookd.hooks import ports, proxies, reach, switches
from hookd.hooks.command import Route, route
from hookd.hooks.settings import SettingsError, load
from hookd.terminal.text import visible


def describe(
    config: Config, path: str, ports_table: Callable[[], port_holders.Table | None] = port_holders.listening
) -> dict[str, Any]:
    """What one settings file holds of hookd's, for ``hooks status``; ``ports_table`` gives the
    machine's listening sockets when the file has HTTP hooks (``status`` reads them once)."""
    url = entries.http_url(config.http_addr) if config.http_addr else None
    info: dict[str, Any] = {"path": path, "exists": os.path.exists(path)}
    try:
        settings = load(path)
    except SettingsError as exc:
        return {**info, "error": str(exc)}
    handlers = merge.found(settings.data, url)
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
    problems += [p for u in urls if (p := proxies.problem(u, os.environ, settings.data, path))]
    routes = _routes(config, path, handlers)
    problems += [r["problem"] for r in routes if r["problem"]]
    problems += reach.settings_apart(os.path.abspath(path), handlers, config)
    changeable = reach.others_can_change(path) if handlers else None
    if changeable:
        problems.append(f"hookd's hooks are in a file another user can change: {changeable}")
    judged: dict[str, str | None] = {}
    opened = {why: None for hs in handlers.values() for h in hs for why in reach.programs_others_can_change(h, judged)}
    problems += [f"hookd's hooks run a file another user can change: {why}" for why in opened]
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
    }


def _routes(config: Config, path: str, handlers: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Where the command hooks send, each route checked end to end: is it this daemon's socket
    and inbox, and does a process of this user accept on the socket (nothing is sent)."""
    by_route: dict[Route, list[str]] = {}
    for event, hs in handlers.items():
        for h in hs:
            where = route(h.get("command", "")) if h.get("type") == "command" else None
            if where is not None:
                by_route.setdefault(where, []).append(event)
    found = []
    for where, names in by_route.items():
        ours = reach.same_place(where, config.socket, config.state_dir)
        unreachable = reach.probe(where)
        if not ours:
            problem = (
                f"hooks for {reach.events_text(names)} send to {where.socket} and "
                f"{where.inbox}, not to {config.socket} and {config.inbox_dir} (this "
                "config's daemon): their events would miss it; repair: "
                f"{reach.repair_command(os.path.abspath(path))}"
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
    files += [describe(config, p, table) for p in paths]
    merged = {p: switches.read(p) for p in (*switches.MANAGED_SETTINGS, *paths)}
    for f in files:
        if f.get("events"):
            f["problems"] += switches.problems(f["path"], paths)
            f["problems"] += [p for u in f["urls"] if (p := proxies.sandbox_problem(u, merged))]
    if as_json:
        print(json.dumps({"files": files}), file=out)
    else:
        for f in files:
            print(_render(_shown(f)), file=out)
    if any(f.get("error") or f.get("problems") for f in files):
        return 1
    return 0 if any(f.get("events") for f in files) else 3


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
    head = f["path"]
    if f.get("error"):
        return f"{head}\n  ! {f['error']}"
    if not f["exists"]:
        return f"{head}\n  (no such file)"
    if not f["events"]:
        return f"{head}\n  no hookd hooks"
    lines = [head, f"  {' + '.join(f['modes'])} mode, {len(f['events'])} events: {', '.join(f['events'])}"]
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
    return "\n".join(lines)
