"""The ``hookd`` command line: the parser, and nothing else (each command is in console/handlers.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from hookd import __version__
from hookd.config_errors import SettingError
from hookd.console import exits, handlers, options
from hookd.console.reference import settings_reference  # noqa: F401 - scripts import it from here

STATUS_CODES = (
    f"{exits.OK} healthy, {exits.FAILURE} degraded (Redis down or breaker open while "
    "spooling, spool over 80%, events dropped, installed hooks that are broken or "
    "would miss this daemon), 2 not running, 3 could not tell (a bad setting too, named on stderr)"
)


def _command(
    commands: Any,
    name: str,
    help_text: str,
    handler: Any,
    description: str | None = None,
    codes: str | None = None,
    settings: bool = True,
    config_code: bool = True,
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=description or help_text[0].upper() + help_text[1:] + ".",
        epilog=exits.epilog(codes, config_code) if codes else exits.epilog(config=config_code),
    )
    if settings:
        options.add(parser, name)
    parser.set_defaults(handler=handler)
    return parser


_BOOLEAN_WORDS = {"yes", "no", "true", "false", "on", "off", "0", "1"}


class Parser(argparse.ArgumentParser):
    """argparse, with a hint for ``--redact no``: booleans are flags."""

    def error(self, message: str) -> NoReturn:
        words = message.removeprefix("unrecognized arguments: ").split()
        if message.startswith("unrecognized arguments:") and words and words[0].lower() in _BOOLEAN_WORDS:
            message += (
                " (a setting that is on or off is a flag without a value: --NAME "
                "turns it on, --no-NAME off, e.g. --redact / --no-redact)"
            )
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hookd",
        description="Claude Code hook events into a Redis Stream, fast and without loss.",
        epilog=exits.epilog() + " `hookd COMMAND --help` says more about each command.",
    )
    parser.add_argument("--version", action="version", version=f"hookd {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _command(commands, "run", "run the daemon in the foreground", handlers.cmd_run)

    config = _command(commands, "config", "print the effective settings, passwords masked", handlers.cmd_config)
    config.add_argument("--json", action="store_true", help="print one JSON object on one line")
    config.add_argument(
        "--markdown", action="store_true", help="print the reference table of all settings (as in the docs)"
    )

    hook = _command(
        commands,
        "print-hook-command",
        "print the command line to put in a Claude Code hook",
        handlers.cmd_print_hook_command,
        description="Prints the hook command that `hooks install` writes: this "
        "installation's Python running the client, with HOOKD_STATE_DIR and HOOKD_SOCKET "
        "set in front when the configured daemon's differ from hook-send's defaults.",
    )
    hook.add_argument("event", nargs="?", metavar="EVENT", help="event name to pass as the first argument")

    status = _command(
        commands,
        "status",
        "is hookd running, are events arriving, what is waiting",
        handlers.cmd_status,
        codes=STATUS_CODES,
        config_code=False,
        description="Asks the daemon over its control socket (or reads the disk when it is not "
        "running), and checks that the installed hooks reach it.",
    )
    status.add_argument(
        "--json", action="store_true", help="print one JSON object on one line (with --watch, one per refresh)"
    )
    status.add_argument(
        "--watch",
        nargs="?",
        type=float,
        const=2.0,
        metavar="SECONDS",
        help="refresh in place every SECONDS (default 2)",
    )

    _command(
        commands,
        "redact",
        "redact a JSON document from stdin to stdout, as the daemon would",
        handlers.cmd_redact,
        description="Reads one JSON document on stdin and writes it redacted on stdout, through "
        "the daemon's own code and the redaction settings (redact_disable, redact_allow, "
        "redact_rules); a summary of what was redacted goes to stderr.",
    )

    replay = _command(
        commands,
        "replay",
        "show what waits to be published; re-publish a file of envelopes",
        handlers.cmd_replay,
        description="Without options: show what waits in the spool (events, bytes, the oldest) "
        "and in the inbox. Only hookd run publishes the spool; this command only reads it. "
        "--export writes the waiting envelopes as JSONL; --file publishes such a file (or the "
        "output of `hookd tail --json`) through the same Lua script as the daemon, with each "
        "envelope's own host and seq. An event at or below its host's high-water mark is skipped "
        "(that is the dedupe): re-publishing what the stream has adds nothing, and a file can only "
        "add events newer than the mark. A progress bar shows on a terminal, never in a pipe.",
    )
    source = replay.add_mutually_exclusive_group()
    source.add_argument(
        "--file",
        metavar="PATH",
        help="publish this JSONL file of envelopes (one JSON object per line, "
        "as in the stream's envelope field; - for stdin); bad lines are "
        "reported and skipped",
    )
    source.add_argument(
        "--export",
        metavar="PATH",
        help="write the envelopes waiting in the spool to PATH as JSONL (- for "
        "stdout), the format --file takes; the spool keeps them",
    )
    replay.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing; with --file, read each host's mark from Redis and say how many would be added and skipped",
    )
    replay.add_argument("--json", action="store_true", help="print one JSON object on one line")

    hooks = commands.add_parser(
        "hooks",
        help="install, remove or check hookd's hooks in Claude Code settings",
        description="Install, remove or check hookd's hooks in Claude Code settings files.",
        epilog=exits.epilog(
            "0 success, 1 failure; hooks status: 0 installed and sound, 1 a problem found, 3 installed nowhere"
        ),
    )
    hook_actions = hooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text, codes in (
        ("install", "add hookd's hooks to a settings file (idempotent)", None),
        ("uninstall", "remove hookd's hooks, and nothing else, from a settings file", None),
        (
            "status",
            "which settings files hold hookd's hooks, do they reach this daemon",
            "0 installed somewhere and sound, 1 a problem found (broken, or would miss this "
            "daemon), 3 installed nowhere",
        ),
    ):
        sub = hook_actions.add_parser(
            action,
            help=text,
            description=text[0].upper() + text[1:] + ".",
            epilog=exits.epilog(codes) if codes else exits.epilog(),
        )
        where = sub.add_mutually_exclusive_group()
        where.add_argument(
            "--scope",
            choices=("user", "project", "local"),
            help="~/.claude/settings.json, .claude/settings.json or "
            ".claude/settings.local.json" + (" (default: user)" if action != "status" else " (default: all three)"),
        )
        where.add_argument("--settings", metavar="PATH", help="this settings file instead")
        if action == "status":
            sub.add_argument("--json", action="store_true", help="print one JSON object on one line")
        else:
            sub.add_argument("--dry-run", action="store_true", help="print the change as a unified diff; write nothing")
        if action == "install":
            sub.add_argument(
                "--mode",
                choices=("command", "http"),
                default="command",
                help="command: run hook-send (default); http: post to hookd's HTTP "
                "listener (http_addr), command hooks where HTTP is not accepted",
            )
            sub.add_argument(
                "--events",
                metavar="LIST",
                help="comma-separated events (default: every documented event hookd can observe safely)",
            )
        options.add(sub, "hooks")
        sub.set_defaults(handler=handlers.cmd_hooks, scope=None if action == "status" else "user")

    tail = _command(
        commands,
        "tail",
        "follow the event stream, one line per event",
        handlers.cmd_tail,
        codes="0 stopped after --count events, 1 Redis could not be reached",
        description="Reads the stream with XREAD BLOCK. Filters combine. Each line fits "
        "the terminal's width; --json prints one envelope per line, which `hookd "
        "replay --file` reads back.",
    )
    tail.add_argument("--session", metavar="ID", help="only this session (a prefix is enough)")
    tail.add_argument("--hook", metavar="LIST", help="only these hook events (comma-separated)")
    tail.add_argument("--tool", metavar="LIST", help="only these tools (comma-separated)")
    tail.add_argument(
        "--from-host",
        dest="host_filter",
        metavar="LIST",
        help="only events from these host identities (comma-separated; * wildcards)",
    )
    tail.add_argument(
        "--risk",
        choices=("low", "medium", "high"),
        help="only events at this risk or above (events without a risk are left out)",
    )
    tail.add_argument(
        "--since",
        metavar="WHEN",
        help="start this far back (10m, 2h, 1d) or at this time (2026-11-21T13:10, 13:10); default: new events only",
    )
    tail.add_argument("--count", "-n", type=int, metavar="N", help="stop after N events")
    tail.add_argument(
        "--json", action="store_true", help="print each envelope as one JSON line (the format replay --file takes)"
    )
    tail.add_argument(
        "--group",
        metavar="NAME",
        help="read as a consumer of this consumer group (created if missing, at "
        "--since or else at new events), acknowledging each entry once shown: "
        "at least once, see the docs",
    )
    tail.add_argument(
        "--consumer",
        metavar="NAME",
        help="this consumer's name in the group; its unacknowledged entries are shown "
        "again when it restarts (default: the host identity)",
    )
    tail.add_argument(
        "--claim-idle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="take over entries another consumer of the group has left unacknowledged this long (default 60; 0: never)",
    )

    ui = _command(
        commands,
        "ui",
        "watch every session live in a browser (sessions, tool calls, tokens, cost)",
        handlers.cmd_ui,
        codes="0 stopped (Ctrl-C or SIGTERM), 1 it could not listen or reach Redis",
        description="Serves a web app over the stream hookd writes (the same Redis and stream "
        "settings). The first line printed is the URL to open; its token is good for one "
        "browser (kill -USR1 the process for another). See docs/ui.md.",
    )
    ui.add_argument("--addr", metavar="HOST:PORT", help="where to listen (default: ui_addr, 127.0.0.1:8790)")
    ui.add_argument(
        "--history",
        type=int,
        default=20_000,
        metavar="N",
        help="events kept in memory for the views (default 20000); older ones are read from Redis on demand",
    )
    ui.add_argument(
        "--url-file",
        metavar="PATH",
        help="also write the URL to open to this file (created 0600), as the user service does",
    )
    ui.add_argument(
        "--print-service",
        choices=("systemd", "launchd"),
        help="print the user service file that runs hookd ui beside hookd, and exit (see docs/ui.md)",
    )

    service = _command(
        commands,
        "service",
        "install, remove or inspect hookd as a user service (systemd, launchd)",
        handlers.cmd_service,
        codes="0 success, 1 the service manager could not be reached (the files are written all the same)",
        description="install renders hookd.socket and hookd.service (systemd, into "
        "~/.config/systemd/user/) or com.hookd.agent.plist (launchd, into ~/Library/LaunchAgents/) "
        "with this installation's interpreter, sockets, state directory and config file, writes "
        "those that changed, and enables and starts them (systemctl --user / launchctl); safe to "
        "repeat. uninstall stops and removes them (the spool is kept). status compares the "
        "installed files with what this installation renders.",
    )
    service.add_argument("action", choices=("install", "uninstall", "status"))
    service.add_argument(
        "--manager",
        choices=("auto", "systemd", "launchd"),
        default="auto",
        help="which service manager (default: launchd on macOS, else systemd)",
    )
    service.add_argument(
        "--ui",
        action="store_true",
        help="the service of hookd ui (hookd-ui.service, com.hookd.ui.plist) instead of hookd's; see docs/ui.md",
    )
    service.add_argument(
        "--dry-run", action="store_true", help="write and run nothing; print the files and the commands"
    )
    service.add_argument(
        "--files-only",
        action="store_true",
        help="write (or remove) the files only; print the service manager's commands instead of running them",
    )

    completion = _command(
        commands,
        "completion",
        "print a shell completion script (bash, zsh, fish)",
        handlers.cmd_completion,
        settings=False,
        config_code=False,
        description="Prints the completion script for SHELL, generated from this parser. "
        "bash: `hookd completion bash > ~/.local/share/bash-completion/completions/hookd`; "
        "zsh: `hookd completion zsh > ~/.zfunc/_hookd` (with ~/.zfunc in fpath); "
        "fish: `hookd completion fish > ~/.config/fish/completions/hookd.fish`.",
    )
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SHELL", help="bash, zsh or fish")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.parser = parser  # the completion script is generated from it

    def run() -> int:
        try:
            code: int = args.handler(args)
            return code
        except SettingError as exc:
            print(f"hookd: {exc}", file=sys.stderr)
            return exits.CONFIG

    return exits.quietly(run)
