"""The ``hookd`` command: run the daemon, show the settings, print the hook command."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
from typing import Any

import msgspec

from hookd import __version__
from hookd.config import SECRET_SETTINGS, ConfigError, load, masked, setting_info


def _settings_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "settings", "each also reads HOOKD_<NAME> from the environment and <name> from the config file")
    group.add_argument("--config", metavar="PATH",
                       help="TOML config file (default $XDG_CONFIG_HOME/hookd/config.toml; HOOKD_CONFIG)")
    for field in setting_info():
        if field.name in SECRET_SETTINGS:  # a flag's value is visible to every user in ps
            group.add_argument(f"--{field.name.replace('_', '-')}", action=_RefusedSecretFlag,
                               help=argparse.SUPPRESS)  # so that no abbreviation of another matches
            continue
        default = "" if field.default in ("", msgspec.NODEFAULT) else f" (default: {field.default})"
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, metavar="VALUE",
                           help=f"{_description(field)}{default}")


class _RefusedSecretFlag(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string} is not accepted, as every user can read process arguments; "
                     f"set HOOKD_{self.dest.upper()} or {self.dest}_file instead")


def _settings_from(args: argparse.Namespace) -> dict[str, Any]:
    from hookd.publish.access import password_flag_warning

    names = {f.name for f in setting_info()} | {"config"}
    settings = {k: v for k, v in vars(args).items() if k in names and v is not None}
    warning = password_flag_warning(settings)
    if warning and args.handler is cmd_run:  # a daemon's arguments stay in the process list
        raise ConfigError(f"refusing to run: {warning}")
    if warning:
        print(f"hookd: warning: {warning}", file=sys.stderr)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    import uvloop

    from hookd import logs
    from hookd.daemon import Daemon, StateDirLocked
    from hookd.ingest.server import AlreadyRunning
    from hookd.paths import UnsafePathError
    from hookd.service.activation import ActivationError

    config = load(_settings_from(args))
    # A closed stderr must cost log lines, not the process: EPIPE is an error to handle
    # (hookd/logs.py), never a signal that kills.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    logs.configure(config.log_format, config.log_level, fallback_dir=config.state_dir,
                   take_stderr=True)
    try:
        code = uvloop.run(Daemon(config).serve())
    except (AlreadyRunning, StateDirLocked, UnsafePathError, ActivationError) as exc:
        logs.release_stderr()
        _say(f"hookd: {exc}")
        return 1
    finally:
        # Before any traceback is printed: the queued lines first, and stderr given back.
        logs.release_stderr()
    return code or 0


def _say(text: str) -> None:
    """A last line on stderr, which may be gone by now."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass


def settings_reference() -> str:
    """The settings as a Markdown table, for the README (a test keeps the two equal)."""
    rows = ["| setting | environment | flag | default | meaning |", "|---|---|---|---|---|"]
    for field in setting_info():
        value = field.default_factory() if field.default is msgspec.NODEFAULT else field.default
        default = json.dumps(msgspec.to_builtins(value)) if value != "" else "(see meaning)"
        flag = "(none)" if field.name in SECRET_SETTINGS else f"`--{field.name.replace('_', '-')}`"
        rows.append(f"| `{field.name}` | `HOOKD_{field.name.upper()}` | "
                    f"{flag} | `{default}` | {_description(field)} |")
    return "\n".join(rows)


def _description(field) -> str:
    return field.type.extra_json_schema["description"]


def cmd_config(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_reference())
        return 0
    values = masked(load(_settings_from(args)))
    if args.json:
        print(json.dumps(values, indent=2))
    else:
        width = max(map(len, values))
        for name, value in values.items():
            print(f"{name:<{width}} = {json.dumps(value)}")
    return 0


def hook_command(event: str | None = None) -> list[str]:
    """The fast form of the hook command.

    The real interpreter (not a venv or pyenv shim) with -I -S, importing the
    client by name from its directory: an import uses the cached bytecode, where
    running the file would compile it every time; and a missing client then
    exits 1, a non-blocking error for Claude Code, where a missing script file
    exits 2, which blocks the tool call.
    """
    from hookd_client import hook_send

    client_dir = os.path.dirname(os.path.realpath(hook_send.__file__))
    code = (f"import sys;sys.path[:0]=[{json.dumps(client_dir)}];"
            "import hook_send;hook_send.exit_after_main()")
    return [os.path.realpath(sys.executable), "-I", "-S", "-c", code] + ([event] if event else [])


def cmd_print_hook_command(args: argparse.Namespace) -> int:
    print(shlex.join(hook_command(args.event)))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from hookd import replay

    return replay.run(load(_settings_from(args)), file=args.file, export_to=args.export,
                      dry_run=args.dry_run, as_json=args.json)


def cmd_status(args: argparse.Namespace) -> int:
    from hookd.control import snapshot, status

    try:
        config = load(_settings_from(args))
    except ConfigError as exc:
        # Exit 2 means "not running" to a monitoring script; a bad setting is "could not tell".
        print(f"hookd: {exc}", file=sys.stderr)
        return snapshot.UNKNOWN
    return status.run(config, as_json=args.json, watch_s=args.watch)


def cmd_redact(args: argparse.Namespace) -> int:
    """Redact one JSON document from stdin with the daemon's own code and settings."""
    from hookd.redact import build_redactor
    from hookd.redact.truncate import truncate_strings

    config = load(_settings_from(args))
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        print(f"hookd: stdin is not one UTF-8 JSON document: {exc}", file=sys.stderr)
        return 1
    redactor = build_redactor(True, config.redact_disable, config.redact_allow, config.redact_rules)
    redacted, counts = redactor.redact(text)
    redacted, truncated = truncate_strings(redacted, config.truncate_strings_at)
    sys.stdout.write(redacted)
    summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "nothing"
    cut = f"; cut {truncated} strings to {config.truncate_strings_at} characters" if truncated else ""
    print(f"hookd: redacted {summary}{cut}", file=sys.stderr)
    return 0


def cmd_hooks(args: argparse.Namespace) -> int:
    from hookd.hooks import commands
    from hookd.hooks.settings import SettingsError

    config = load(_settings_from(args))
    paths = [args.settings] if getattr(args, "settings", None) else \
        [commands.scope_path(s) for s in ([args.scope] if getattr(args, "scope", None) else commands.SCOPES)]
    try:
        if args.action == "install":
            names = [n.strip() for n in args.events.split(",") if n.strip()] if args.events else None
            return commands.install(config, paths[0], args.mode, names, args.dry_run)
        if args.action == "uninstall":
            return commands.uninstall(config, paths[0], args.dry_run)
        return commands.status(config, paths, args.json)
    except (SettingsError, ValueError) as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"hookd: cannot write {exc.filename or paths[0]}: {exc.strerror}; nothing was changed",
              file=sys.stderr)
        return 1


def cmd_tail(args: argparse.Namespace) -> int:
    from hookd.tail import follow

    return follow.run(load(_settings_from(args)), args)


def cmd_service(args: argparse.Namespace) -> int:
    """Install, remove or inspect the user service (systemd or launchd) for this installation."""
    from hookd.config import default_config_path
    from hookd.paths import UnsafePathError
    from hookd.service import manager, units

    settings = _settings_from(args)
    config = load(settings)
    config_file = settings.get("config") or os.environ.get("HOOKD_CONFIG")
    if not config_file and os.path.exists(default_config_path(os.environ)):
        config_file = default_config_path(os.environ)
    installation = units.Installation.of(
        config, os.path.abspath(config_file) if config_file else None)
    service = manager.manager_for(args.manager, installation, os.environ)
    try:
        if args.action == "status":
            return manager.status(service)
        if args.action == "install":
            return manager.install(service, dry_run=args.dry_run, files_only=args.files_only,
                                   environ=os.environ)
        return manager.uninstall(service, dry_run=args.dry_run, files_only=args.files_only)
    except (OSError, UnsafePathError) as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hookd", description="Claude Code hook events into a Redis Stream, fast and without loss.")
    parser.add_argument("--version", action="version", version=f"hookd {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daemon in the foreground")
    _settings_flags(run)
    run.set_defaults(handler=cmd_run)

    config = commands.add_parser("config", help="print the effective settings, passwords masked")
    config.add_argument("--json", action="store_true", help="print JSON")
    config.add_argument("--markdown", action="store_true",
                        help="print the reference table of all settings (as in the README)")
    _settings_flags(config)
    config.set_defaults(handler=cmd_config)

    hook = commands.add_parser("print-hook-command",
                               help="print the command line to put in a Claude Code hook")
    hook.add_argument("event", nargs="?", help="event name to pass as the first argument")
    hook.set_defaults(handler=cmd_print_hook_command)

    status = commands.add_parser(
        "status", help="is hookd running, are events arriving, what is waiting",
        description="Exit codes: 0 healthy, 1 degraded (Redis down or breaker open while "
        "spooling, spool over 80%%, events dropped), 2 not running, 3 could not tell.")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.add_argument("--watch", nargs="?", type=float, const=2.0, metavar="SECONDS",
                        help="refresh in place every SECONDS (default 2)")
    _settings_flags(status)
    status.set_defaults(handler=cmd_status)

    redact = commands.add_parser(
        "redact", help="redact a JSON document from stdin to stdout, as the daemon would",
        description="Reads one JSON document on stdin and writes it redacted on stdout, through "
        "the daemon's own code and the redaction settings (redact_disable, redact_allow, "
        "redact_rules); a summary of what was redacted goes to stderr.")
    _settings_flags(redact)
    redact.set_defaults(handler=cmd_redact)

    replay = commands.add_parser(
        "replay", help="show what waits to be published; re-publish a file of envelopes",
        description="Without options: show what waits in the spool (events, bytes, the oldest) "
        "and in the inbox. Only hookd run publishes the spool; this command only reads it. "
        "--export writes the waiting envelopes as JSONL; --file publishes such a file through "
        "the same Lua script as the daemon, with each envelope's own host and seq. An event at "
        "or below its host's high-water mark is skipped (that is the dedupe): re-publishing "
        "what the stream has adds nothing, and a file can only add events newer than the mark.")
    source = replay.add_mutually_exclusive_group()
    source.add_argument("--file", metavar="PATH",
                        help="publish this JSONL file of envelopes (one JSON object per line, "
                             "as in the stream's envelope field; - for stdin); bad lines are "
                             "reported and skipped")
    source.add_argument("--export", metavar="PATH",
                        help="write the envelopes waiting in the spool to PATH as JSONL (- for "
                             "stdout), the format --file takes; the spool keeps them")
    replay.add_argument("--dry-run", action="store_true",
                        help="write nothing; with --file, read each host's mark from Redis and "
                             "say how many would be added and skipped")
    replay.add_argument("--json", action="store_true", help="print JSON")
    _settings_flags(replay)
    replay.set_defaults(handler=cmd_replay)

    hooks = commands.add_parser("hooks", help="install, remove or check hookd's hooks in Claude Code settings")
    hook_actions = hooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("install", "add hookd's hooks to a settings file (idempotent)"),
                         ("uninstall", "remove hookd's hooks, and nothing else, from a settings file"),
                         ("status", "which settings files hold hookd's hooks, and are they sound")):
        sub = hook_actions.add_parser(action, help=text)
        where = sub.add_mutually_exclusive_group()
        where.add_argument("--scope", choices=("user", "project", "local"),
                           help="~/.claude/settings.json, .claude/settings.json or "
                                ".claude/settings.local.json" + (" (default: user)" if action != "status"
                                                                 else " (default: all three)"))
        where.add_argument("--settings", metavar="PATH", help="this settings file instead")
        if action == "status":
            sub.add_argument("--json", action="store_true", help="print JSON")
        else:
            sub.add_argument("--dry-run", action="store_true",
                             help="print the change as a unified diff; write nothing")
        if action == "install":
            sub.add_argument("--mode", choices=("command", "http"), default="command",
                             help="command: run hook-send (default); http: post to hookd's HTTP "
                                  "listener (http_addr), command hooks where HTTP is not accepted")
            sub.add_argument("--events", metavar="LIST",
                             help="comma-separated events (default: every documented event hookd "
                                  "can observe safely)")
        _settings_flags(sub)
        sub.set_defaults(handler=cmd_hooks, scope=None if action == "status" else "user")

    tail = commands.add_parser("tail", help="follow the event stream, one line per event",
                               description="Reads the stream with XREAD BLOCK. Filters combine.")
    tail.add_argument("--session", metavar="ID", help="only this session (a prefix is enough)")
    tail.add_argument("--hook", metavar="LIST", help="only these hook events (comma-separated)")
    tail.add_argument("--tool", metavar="LIST", help="only these tools (comma-separated)")
    tail.add_argument("--from-host", dest="host_filter", metavar="LIST",
                      help="only events from these host identities (comma-separated; * wildcards)")
    tail.add_argument("--risk", choices=("low", "medium", "high"),
                      help="only events at this risk or above (events without a risk are left out)")
    tail.add_argument("--since", metavar="WHEN",
                      help="start this far back (10m, 2h, 1d) or at this time "
                           "(2026-11-21T13:10, 13:10); default: new events only")
    tail.add_argument("--count", "-n", type=int, metavar="N", help="stop after N events")
    tail.add_argument("--json", action="store_true", help="print each raw envelope as one JSON line")
    tail.add_argument("--group", metavar="NAME",
                      help="read as a consumer of this consumer group (created if missing, at "
                           "--since or else at new events), acknowledging each entry once shown: "
                           "at least once, see the README")
    tail.add_argument("--consumer", metavar="NAME",
                      help="this consumer's name in the group; its unacknowledged entries are shown "
                           "again when it restarts (default: the host identity)")
    tail.add_argument("--claim-idle", type=float, default=60.0, metavar="SECONDS",
                      help="take over entries another consumer of the group has left "
                           "unacknowledged this long (default 60; 0: never)")
    _settings_flags(tail)
    tail.set_defaults(handler=cmd_tail)


    service = commands.add_parser(
        "service", help="install, remove or inspect hookd as a user service (systemd, launchd)",
        description="install renders hookd.socket and hookd.service (systemd, into "
        "~/.config/systemd/user/) or com.hookd.agent.plist (launchd, into ~/Library/LaunchAgents/) "
        "with this installation's interpreter, sockets, state directory and config file, writes "
        "those that changed, and enables and starts them (systemctl --user / launchctl); safe to "
        "repeat. uninstall stops and removes them (the spool is kept). status compares the "
        "installed files with what this installation renders. Exit status 1 when the service "
        "manager cannot be reached (the files are written all the same).")
    service.add_argument("action", choices=("install", "uninstall", "status"))
    service.add_argument("--manager", choices=("auto", "systemd", "launchd"), default="auto",
                         help="which service manager (default: launchd on macOS, else systemd)")
    service.add_argument("--dry-run", action="store_true",
                         help="write and run nothing; print the files and the commands")
    service.add_argument("--files-only", action="store_true",
                         help="write (or remove) the files only; print the service manager's "
                              "commands instead of running them")
    _settings_flags(service)
    service.set_defaults(handler=cmd_service)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"hookd: {exc}", file=sys.stderr)
        return 2
