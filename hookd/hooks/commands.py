"""``hookd hooks install`` and ``uninstall``: which file, which events, what to tell the user.

``hookd hooks status`` is status.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import Any, Callable, TextIO

from hookd.config import Config
from hookd.policies import HookClient, HookMode
from hookd.units import plural
from hookd.hooks import created, entries, events, merge
from hookd.hooks import changeable, http_policy, layers, missed, ports, proxies, switches
from hookd.hooks.command import hook_command, route_env
from hookd.hooks.settings import SettingsError, SettingsFile, load, scope_paths
from hookd.hooks.settings_write import refuse_creating_through_a_link, write


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


def _config_file_text(path: str | None) -> str:
    """The config file named where a message asks for a setting in it: a newcomer has none yet."""
    if not path:
        return "the config file"
    return f"the config file, {path}" + ("" if os.path.exists(path) else " (not there yet: create it)")


def _handler_factory(
    mode: HookMode,
    config: Config,
    native_client: str | None = None,
    config_file: str | None = None,
    pin_socket: bool = False,
) -> tuple[Callable[[str], dict[str, Any]], str | None]:
    def command(event: str) -> dict[str, Any]:
        return entries.command_handler(
            hook_command(
                event,
                config.socket,
                config.state_dir,
                native=native_client,
                max_event_bytes=config.max_event_bytes,
                pin_socket=pin_socket,
            )
        )

    if mode is HookMode.COMMAND:
        return command, None
    if not config.http_addr:
        raise SettingsError(
            "--mode http needs hookd's HTTP listener: set http_addr (for example "
            f'http_addr = "127.0.0.1:8787" in {_config_file_text(config_file)}, or --http-addr), '
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


def chosen_client(config: Config, dry_run: bool) -> tuple[str | None, str]:
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


def _apply(settings: SettingsFile, new: dict[str, Any], dry_run: bool, out: TextIO, state_dir: str) -> str | None:
    text = settings.render(new)
    refuse_creating_through_a_link(settings.path)  # a dry run says so too
    if dry_run:
        out.write(settings.diff(text))
        return None
    return write(settings, text, state_dir)


def install(
    config: Config,
    path: str,
    mode: HookMode | str,
    names: list[str] | None,
    dry_run: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
    config_file: str | None = None,
    pin_socket: bool = False,
) -> int:
    """``config_file``: the file this command's settings are read from (named in its messages);
    ``pin_socket``: the socket was named (--socket), so the hooks carry it whatever the default."""
    out, err = out or sys.stdout, err or sys.stderr
    settings = load(path)
    chosen, note = events.choose(names, None if names else claude_version())
    native_client, client_note = chosen_client(config, dry_run)
    mode = HookMode(mode)
    handler_for, url = _handler_factory(mode, config, native_client, config_file, pin_socket)
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
    if not dry_run:  # the hooks now written are the repair it names; a hook that still misses marks again
        missed.clear(config.state_dir)
    print(f"hookd: {client_note}", file=err if dry_run else out)
    for problem in changeable.programs_others_can_change(handler_for(chosen[0])) if chosen else []:
        print(
            f"hookd: warning: the hook command runs code another user can change: {problem}; "
            "install hookd where only you or root can write (a virtualenv of your own, pipx) and run "
            "hookd hooks install again",
            file=err,
        )
    if not changed:
        print(
            f"hookd's hooks are already installed in {path} ({mode} mode, {plural(len(chosen), 'event')}); nothing to change",
            file=err if dry_run else out,
        )
        return 0
    backup = _apply(settings, new, dry_run, out, config.state_dir)
    if dry_run:
        return 0
    print(
        f"installed hookd's hooks in {path}: {mode} mode, {plural(len(chosen), 'event')}"
        + (f" (backup: {backup})" if backup else ""),
        file=out,
    )
    carried = route_env(config.socket, config.state_dir, max_event_bytes=config.max_event_bytes, pin_socket=pin_socket)
    if carried:
        print(
            "the hook command sets "
            + " ".join(f"{k}={v}" for k, v in carried.items())
            + (
                ": --socket named it, so the hooks reach it whatever Claude Code's environment"
                if pin_socket and set(carried) == {"HOOKD_SOCKET"}
                else ": this daemon's paths or max_event_bytes are not the ones hook-send finds by itself"
            ),
            file=out,
        )
    if mode is HookMode.COMMAND and "HOOKD_SOCKET" not in carried and not _runtime_dir():
        print(f"hookd: note: {_socket_follows_the_environment(config.socket)}", file=err)
    if mode is HookMode.HTTP:
        print(_token_advice(config), file=out)
        merged = _merged_with(path, new)
        proxied = proxies.problem(url, os.environ, merged) if url else None
        blocked = http_policy.problems(url, merged) if url else []
        for warning in ([proxied] if proxied else []) + blocked:
            print(f"hookd: warning: {warning}", file=err)
    print(
        "running Claude Code sessions pick the change up (they watch their settings files); "
        "restart one that does not (an older Claude Code reads hooks only at start).",
        file=out,
    )
    return 0


def _runtime_dir() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return runtime if runtime.startswith("/") else ""  # hook-send ignores a relative one


def _socket_follows_the_environment(socket: str) -> str:
    """Hooks without HOOKD_SOCKET installed from a shell without XDG_RUNTIME_DIR (su, sudo, cron, a
    service installed from one) find hookd's socket by it; Claude Code's environment often has one."""
    return (
        f"this shell has no XDG_RUNTIME_DIR, so the hooks were left to find hookd's socket as hook-send "
        f"does without one, {socket}; a Claude Code started where XDG_RUNTIME_DIR is set (a desktop or "
        f"ssh login session) sends to $XDG_RUNTIME_DIR/hookd/hookd.sock instead, and its events reach "
        f"hookd only at its inbox sweeps; to name this socket in the hooks whatever the environment: "
        f"hookd hooks install --socket {socket}"
    )


def _merged_with(path: str, data: dict[str, Any]) -> list[layers.Layer]:
    """The settings Claude Code merges, the file just written as it now is among them."""
    here = os.path.abspath(path)
    merged = layers.stack(scope_paths()[0], [path], switches.MANAGED_SETTINGS)
    return [layers.Layer(here, data, False) if layer.path == here else layer for layer in merged]


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
    count = merge.count(merge.found(settings.data, url))
    target = os.path.realpath(path)
    made = None if os.path.islink(path) else created.matches(config.state_dir, target, settings.raw())
    if made and not new:  # hookd made the file and nobody else ever wrote it: it goes, as it came
        if dry_run:
            out.write(settings.diff_to_nothing())
            return 0
        if created.remove_if_unchanged(config.state_dir, target):
            print(f"removed {count} hookd hook entries from {path}, and the file, which hookd created", file=out)
            return 0
        print(f"hookd: {path} changed while uninstall ran; nothing was changed: run uninstall again", file=err)
        return 1
    backup = _apply(settings, new, dry_run, out, config.state_dir)
    if not dry_run:
        print(f"removed {count} hookd hook entries from {path} (backup: {backup})", file=out)
        if made is False:
            print(
                f"{path} was created by hookd's install but has been changed since, so it stays; "
                "remove it yourself if nothing in it is yours",
                file=out,
            )
    return 0
