"""What each ``hookd`` subcommand does with its parsed arguments (the parser is in cli.py;
``hookd run`` is in run.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from hookd.config import masked
from hookd.config_errors import SettingError
from hookd.console import exits
from hookd.console.answering import refused
from hookd.console.command_settings import config_file_of, load
from hookd.policies import HookMode
from hookd.units import plural


def cmd_config(args: argparse.Namespace) -> int:
    from hookd.console.reference import settings_reference

    if args.markdown:
        print(settings_reference())
        return exits.OK
    values = masked(load(args))
    if args.json:
        print(json.dumps(values))
    else:
        width = max(map(len, values))
        for name, value in values.items():
            print(f"{name:<{width}} = {json.dumps(value)}")
    return exits.OK


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


def cmd_replay(args: argparse.Namespace) -> int:
    from hookd import logs, replay

    config = load(args)
    if refused(config.state_dir, config.spool_dir, config.inbox_dir):
        return exits.FAILURE
    if (
        args.export not in (None, "-")
        and not args.dry_run
        and refused(args.export, verb="write to", unchanged=True, writes=True)
    ):
        return exits.FAILURE  # the export is a file made beside it, written, fsynced and renamed
    # What the publisher's parts log (a slot on the move, a script loaded again) goes to stderr: stdout
    # is the report, which --json makes one JSON document.
    logs.configure(config.log_format, config.log_level)
    return replay.run(config, file=args.file, export_to=args.export, dry_run=args.dry_run, as_json=args.json)


def cmd_status(args: argparse.Namespace) -> int:
    from hookd.control import status

    from hookd.control import verdict

    from hookd.console import elsewhere

    try:
        config = load(args)
    except SettingError as exc:
        # Exit 2 means "not running" to a monitoring script; a bad setting is "could not tell".
        print(f"hookd: {exc}", file=sys.stderr)
        return verdict.UNKNOWN
    from hookd.hooks import fields, http_reach, ports, sources
    from hookd.hooks import missed as missed_socket
    from hookd.hooks.reach import annotate
    from hookd.hooks.settings import scope_paths

    config_file = config_file_of(args)
    scopes, unnamed = scope_paths()  # without a home, the user's settings cannot be checked: said

    def check(code: int, found: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # Every file Claude Code takes hooks from, as `hookd hooks status` reads them (managed, plugins),
        # read again each round: --watch sees the files change.
        hooked = sources.read(scopes, config.http_addr)
        read, repairs = hooked.settings, hooked.repairs
        served = (found.get("http") or {}).get("addr")
        missed = http_reach.misses(read, served, config, repairs) if found.get("running") else []
        # Fields that stop or block hookd's hooks, and a hook-send deadline past a hook's timeout.
        missed += fields.findings(read, hooked.url, config_file, repairs, hooked.merged)
        missed += hooked.switched_off()  # settings that keep Claude Code from running them at all
        code, found = annotate(code, found, config, config_file, read, missed, repairs)
        found["hooks_problems"] = unnamed + found.get("hooks_problems", [])
        found["hooks_notes"] = [note] if (note := hooked.untrusted()) else []  # Claude Code's folder trust
        code, found = ports.annotate(code, found, config, read)
        code, found = missed_socket.annotate(code, found, config)
        if found.get("running") is False:
            held = elsewhere.held_elsewhere(config, found)
            if held is not None:  # not "not running": `hookd run` would fail on the state directory's lock
                return verdict.UNKNOWN, held
        if found.get("running") is None and found.get("error"):
            found["error"] += elsewhere.foreign_runtime_dir(found["error"])
        return code, found

    return status.run(config, as_json=args.json, watch_s=args.watch, check=check)


# The fix for a settings file or directory that cannot be written (a read-only home).
SETTINGS_FIX = (
    "; make it writable, or name a settings file Claude Code reads with --settings PATH "
    "(or move Claude Code's user settings with CLAUDE_CONFIG_DIR, for it and hookd alike)"
)


def cmd_redact(args: argparse.Namespace) -> int:
    """Redact one JSON document from stdin with the daemon's own code and settings."""
    from hookd.redact import build_redactor
    from hookd.redact.truncate import truncate_strings

    config = load(args)
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        print(f"hookd: stdin is not one UTF-8 JSON document: {exc}", file=sys.stderr)
        return exits.FAILURE
    redactor = build_redactor(True, config.redact_disable, config.redact_allow, config.redact_rules)
    assert redactor is not None  # enabled: always built
    redacted, counts = redactor.redact(text)
    redacted, truncated = truncate_strings(redacted, config.truncate_strings_at)
    sys.stdout.write(redacted)
    sys.stdout.flush()
    summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "nothing"
    cut = f"; cut {plural(truncated, 'string')} to {config.truncate_strings_at} characters" if truncated else ""
    print(f"hookd: redacted {summary}{cut}", file=sys.stderr)
    return exits.OK


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


def cmd_tail(args: argparse.Namespace) -> int:
    from hookd.tail.command import TailOptions, run

    options = TailOptions(
        session=args.session,
        hooks=args.hook,
        tools=args.tool,
        hosts=args.host_filter,
        risk=args.risk,
        since=args.since,
        count=args.count,
        as_json=args.json,
        group=args.group,
        consumer=args.consumer,
        claim_idle_s=args.claim_idle,
    )
    config = load(args)
    return run(config, options)


def cmd_service(args: argparse.Namespace) -> int:
    """Install, remove or inspect the user service (systemd or launchd) for this installation."""
    from hookd.paths import UnsafePathError
    from hookd.service import manager, managers, units

    config = load(args)
    try:
        installation = units.Installation.of(config, config_file_of(args))
    except units.UnitValueError as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return exits.CONFIG
    service = managers.manager_for(args.manager, installation, os.environ)
    if args.ui:  # hookd ui's own service, beside hookd's
        from hookd.service import ui_units

        service = ui_units.for_ui(service, os.environ)
    # both write the unit files; install makes the state directory and the sockets' directories (prepare)
    writing = [os.path.dirname(unit.path) for unit in service.files()] if args.action != "status" else []
    if args.action == "install":
        writing += [installation.state_dir, os.path.dirname(installation.socket)]
        writing.append(os.path.dirname(installation.control_socket))
    if writing and not args.dry_run and refused(*writing, verb="write to", unchanged=True, writes=True):
        return exits.FAILURE
    try:
        if args.action == "status":
            return manager.status(service)
        if args.action == "install":
            return manager.install(service, dry_run=args.dry_run, files_only=args.files_only, environ=os.environ)
        return manager.uninstall(service, dry_run=args.dry_run, files_only=args.files_only)
    except BrokenPipeError:
        raise
    except (OSError, UnsafePathError) as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return exits.FAILURE


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the web UI over the stream (docs/ui.md)."""
    from hookd import logs
    from hookd.ui import server

    config = load(args)
    if args.print_service:
        from hookd.service import ui_units, units

        try:
            installation = units.Installation.of(config, config_file_of(args))
        except units.UnitValueError as exc:
            print(f"hookd: {exc}", file=sys.stderr)
            return exits.CONFIG
        print(
            ui_units.systemd_unit(installation)
            if args.print_service == "systemd"
            else ui_units.launchd_plist(installation, os.path.expanduser("~")),
            end="",
        )
        return exits.OK
    if args.url_file and refused(os.path.abspath(args.url_file), verb="write to", writes=True):
        return exits.FAILURE
    logs.configure(config.log_format, config.log_level)
    return server.run(config, args.addr, args.history, url_file=args.url_file)


def cmd_completion(args: argparse.Namespace) -> int:
    from hookd.console.completion import script

    sys.stdout.write(script(args.parser, args.shell))
    return exits.OK
