"""`hookd hooks` (install, uninstall, status) and `hookd print-hook-command`: hookd's hooks in Claude
Code's settings files (the parser is in console/arguments.py)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from hookd.console import exits
from hookd.console.answering import refused
from hookd.console.command_settings import config_file_of, load
from hookd.policies import HookMode


def cmd_print_hook_command(args: argparse.Namespace) -> int:
    """The command `hookd hooks install` would write: the same client (hook_client), built if need be."""
    from hookd.hooks.command import hook_command_line
    from hookd.hooks.commands import chosen_client
    from hookd.hooks.settings import SettingsError

    config = load(args)
    if refused(config.state_dir, verb="use", writes=True):  # the native client is built, or found, there
        return exits.FAILURE
    try:
        native, _ = chosen_client(config, dry_run=False)
    except SettingsError as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return exits.FAILURE
    command = hook_command_line(
        args.event, config.socket, config.state_dir, native=native, max_event_bytes=config.max_event_bytes
    )
    print(command)
    return exits.OK


# The fix for a settings file or directory that cannot be written (a read-only home).
SETTINGS_FIX = (
    "; make it writable, or name a settings file Claude Code reads with --settings PATH "
    "(or move Claude Code's user settings with CLAUDE_CONFIG_DIR, for it and hookd alike)"
)


def _say_whether_hookd_serves_http(config: Any) -> None:
    """After an http install: whether the daemon serves the URL the hooks now post to. http_addr
    written into the config file reaches a running hookd only when it restarts, and until then
    every event posted is lost, with nothing said at the moment of the mistake (h136)."""
    from hookd.control import status

    _, found = status.gather(config)
    served = (found.get("http") or {}).get("addr")
    if served == config.http_addr:
        return
    lost = "until then the events these hooks post are lost (an HTTP hook has no inbox)"
    if found.get("running") is None:
        print(f"note: could not ask hookd whether it serves http_addr ({found.get('error')}); `hookd status` says")
    elif found.get("running"):
        has = f"serves {served}" if served else "has no HTTP listener"
        print(
            f"note: the running hookd (pid {found.get('pid')}) {has}: restart it to read http_addr = "
            f"{config.http_addr!r}; {lost}"
        )
    else:
        print(f"note: hookd is not running: start it (hookd run, or hookd service install); {lost}")


def cmd_hooks(args: argparse.Namespace) -> int:
    from hookd.hooks import commands, status
    from hookd.hooks.settings import SCOPES, SettingsError, scope_path, scope_paths

    config = load(args)
    unnamed: list[str] = []
    if getattr(args, "settings", None):
        paths = [args.settings]
    elif getattr(args, "scope", None) or args.action != "status":
        paths = [scope_path(args.scope or SCOPES[0])]  # a file to change: no home, no change (SettingError)
    else:  # status of every scope: those without a home are named as such, the others checked
        paths, unnamed = scope_paths()
    writes = args.action != "status" and not args.dry_run  # a dry run reads the files only
    if args.action != "status" and refused(config.state_dir, paths[0], verb="write to", unchanged=True, writes=writes):
        return exits.FAILURE  # before the first write: none is left half done
    try:
        if args.action == "install":
            names = [n.strip() for n in args.events.split(",") if n.strip()] if args.events else None
            from hookd.home import default_config_path

            config_file = config_file_of(args) or default_config_path(os.environ)
            pin = bool(getattr(args, "socket", None))  # named here: written into the hooks as given
            code = commands.install(
                config, paths[0], args.mode, names, args.dry_run, config_file=config_file, pin_socket=pin
            )
            if code == exits.OK and HookMode(args.mode) is HookMode.HTTP and not args.dry_run:
                _say_whether_hookd_serves_http(config)
            return code
        if args.action == "uninstall":
            return commands.uninstall(config, paths[0], args.dry_run)
        return status.status(config, paths, args.json, unnamed=unnamed)
    except (SettingsError, ValueError) as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return exits.FAILURE
    except BrokenPipeError:
        raise  # the reader went away: not a file hookd failed to write
    except OSError as exc:
        if args.action == "status":
            print(f"hookd: cannot read {exc.filename or ', '.join(paths)}: {exc.strerror}", file=sys.stderr)
        else:
            where = exc.filename or paths[0]
            print(
                f"hookd: cannot write {where}: {exc.strerror}; nothing was changed{SETTINGS_FIX}",
                file=sys.stderr,
            )
        return exits.FAILURE
