"""The ``hookd hooks`` subcommands: which file, which events, what to tell the user."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any, Callable, TextIO

from hookd import port_holders
from hookd.config import Config
from hookd.policies import HookClient, HookMode
from hookd.hooks import entries, events, merge
from hookd.hooks import ports, reach
from hookd.hooks.command import Route, hook_command, route, route_env
from hookd.hooks.settings import SettingsError, SettingsFile, load
from hookd.hooks.settings_write import refuse_creating_through_a_link, write
from hookd.terminal.text import visible


def claude_version() -> tuple[int, ...] | None:
    """The installed Claude Code's version, from ``claude --version``; None if it cannot be told."""
    claude = shutil.which("claude")
    if claude is None:
        return None
    try:
        out = subprocess.run([claude, "--version"], capture_output=True, text=True, timeout=15).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(n) for n in match.groups()) if match else None


def _handler_factory(
    mode: HookMode, config: Config, native_client: str | None = None
) -> tuple[Callable[[str], dict[str, Any]], str | None]:
    def command(event: str) -> dict[str, Any]:
        return entries.command_handler(
            hook_command(
                event, config.socket, config.state_dir, native=native_client, max_event_bytes=config.max_event_bytes
            )
        )

    if mode is HookMode.COMMAND:
        return command, None
    if not config.http_addr:
        raise SettingsError(
            "--mode http needs hookd's HTTP listener: set http_addr (for example "
            'http_addr = "127.0.0.1:8787" in the config file, or --http-addr), '
            "restart hookd run, then install again (nothing was changed)"
        )
    url = entries.http_url(config.http_addr)
    taken = ports.hook_url_problems([url], config.http_token_file)
    if taken:
        raise SettingsError(f"{taken[0]} (nothing was changed)")

    def handler(event: str) -> dict[str, Any]:
        if events.BY_NAME[event].http and event not in events.COMMAND_IN_HTTP_MODE:
            return entries.http_handler(url)
        return command(event)

    return handler, url


def _client(config: Config, dry_run: bool) -> tuple[str | None, str]:
    """The native client's path (None: the Python client) and a line saying which, and why."""
    from hookd.hooks import native

    build = native.for_hooks(config.hook_client, config.state_dir, dry_run)
    if build.path:
        return build.path, f"hook client: {build.reason}"
    if config.hook_client is HookClient.NATIVE:
        raise SettingsError(
            f"hook_client = native, but the native hook-send is not available: {build.reason}; "
            "install a C compiler or set hook_client = python (nothing was changed)"
        )
    return None, f"hook client: Python ({build.reason})"


def _apply(settings: SettingsFile, new: dict[str, Any], dry_run: bool, out: TextIO) -> str | None:
    text = settings.render(new)
    refuse_creating_through_a_link(settings.path)  # a dry run says so too
    if dry_run:
        out.write(settings.diff(text))
        return None
    return write(settings, text)


def install(
    config: Config,
    path: str,
    mode: HookMode | str,
    names: list[str] | None,
    dry_run: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings = load(path)
    chosen, note = events.choose(names, None if names else claude_version())
    native_client, client_note = _client(config, dry_run)
    mode = HookMode(mode)
    handler_for, url = _handler_factory(mode, config, native_client)
    if note:
        print(f"hookd: {note}", file=err)
    if not names and not shutil.which("claude"):
        print(
            "hookd: note: `claude` is not on PATH, so its version was not checked; Claude Code "
            "older than 2.1.101 rejects a settings file that names an event it does not know "
            "(use --events to name fewer)",
            file=err,
        )
    new, changed = merge.install(settings.data, path, chosen, handler_for, url)
    print(f"hookd: {client_note}", file=err if dry_run else out)
    if not changed:
        print(
            f"hookd's hooks are already installed in {path} ({mode} mode, {len(chosen)} events); nothing to change",
            file=err if dry_run else out,
        )
        return 0
    backup = _apply(settings, new, dry_run, out)
    if dry_run:
        return 0
    print(
        f"installed hookd's hooks in {path}: {mode} mode, {len(chosen)} events"
        + (f" (backup: {backup})" if backup else ""),
        file=out,
    )
    carried = route_env(config.socket, config.state_dir, max_event_bytes=config.max_event_bytes)
    if carried:
        print(
            "the hook command sets "
            + " ".join(f"{k}={v}" for k, v in carried.items())
            + ": this daemon's paths or max_event_bytes are not the ones hook-send finds by itself",
            file=out,
        )
    if mode is HookMode.HTTP:
        print(_token_advice(config), file=out)
    print(
        "Claude Code reads hooks when a session starts: restart running sessions (or review them in /hooks).", file=out
    )
    return 0


def _token_advice(config: Config) -> str:
    return (
        "HTTP hooks send the header `Authorization: Bearer $HOOKD_HTTP_TOKEN`; Claude Code "
        "fills it from its environment, so start Claude Code with the variable set, e.g. in "
        "your shell profile:\n"
        f'    export {entries.TOKEN_VAR}="$(cat {config.http_token_file})"\n'
        f"(the token file is created by hookd run when its HTTP listener starts). "
        "SessionStart and Setup take no HTTP hooks, and a PreModelSwitch hook that times out "
        "blocks the switch, so these keep the command hook.\n"
        f"Note: HTTP hooks post to whatever listens on {config.http_addr}. While hookd does not (stopped, "
        "restarting, before it starts), another local user may listen there and receive the events "
        "unredacted, and the token; `hookd status` and `hookd hooks status` name such a listener. "
        "Command hooks (the default mode) talk to hookd's own socket, which checks who is at the other end."
    )


def uninstall(config: Config, path: str, dry_run: bool, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings = load(path)
    url = entries.http_url(config.http_addr) if config.http_addr else None
    if not settings.exists:
        print(f"{path} does not exist; nothing to remove", file=err if dry_run else out)
        return 0
    new, changed = merge.uninstall(settings.data, path, url)
    if not changed:
        print(f"no hookd hooks in {path}; nothing to remove", file=err if dry_run else out)
        return 0
    count = sum(len(h) for h in merge.found(settings.data, url).values())
    backup = _apply(settings, new, dry_run, out)
    if not dry_run:
        print(f"removed {count} hookd hook entries from {path} (backup: {backup})", file=out)
    return 0


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
    problems = ports.hook_url_problems(urls, config.http_token_file, ports_table() if urls else None)
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
    files = [{"path": "(user settings)", "exists": False, "error": why} for why in unnamed or []]
    table = functools.cache(port_holders.listening)  # one reading of /proc/net/tcp for every file
    files += [describe(config, p, table) for p in paths]
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
    lines += [f"  url {u}" for u in f["urls"]]
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
