"""`hookd service` and `hookd ui`: the user services (systemd or launchd) and the web UI (the parser is
in console/arguments.py)."""

from __future__ import annotations

import argparse
import os
import sys

from hookd.console import exits
from hookd.console.answering import refused
from hookd.console.command_settings import config_file_of, load


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
