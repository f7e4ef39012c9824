"""The ``hookd`` command line: the parser, and nothing else (each command's own arguments are in
console/arguments.py, what it does in console/handlers.py, hook_commands.py and service_commands.py
and, for ``hookd run``, console/run.py)."""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any, NoReturn

from hookd import __version__, core_files
from hookd.config_errors import SettingError
from hookd.console import arguments, exits, handlers, hook_commands, options, service_commands
from hookd.console.reference import settings_reference  # noqa: F401 - scripts import it from here
from hookd.console.run import cmd_run
from hookd.control import verdict
from hookd.uid_namespace import unmapped_uid_problem

STATUS_CODES = (
    f"{exits.OK} healthy, {exits.FAILURE} degraded (Redis down or breaker open while "
    "spooling, spool over 80%, events dropped, installed hooks that are broken or "
    "would miss this daemon), 2 not running, 3 could not tell (a bad setting too, named on stderr; or a hookd holding the state directory answers elsewhere)"
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
        if message.startswith("unrecognized arguments:"):
            message = _unrecognized(self, message.removeprefix("unrecognized arguments:").split())
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hookd",
        description="Claude Code hook events into a Redis Stream, fast and without loss.",
        epilog=exits.epilog() + " `hookd COMMAND --help` says more about each command.",
    )
    parser.add_argument("--version", action="version", version=f"hookd {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _command(commands, "run", "run the daemon in the foreground", cmd_run)

    config = _command(commands, "config", "print the effective settings, passwords masked", handlers.cmd_config)
    arguments.add_config(config)

    hook = _command(
        commands,
        "print-hook-command",
        "print the command line to put in a Claude Code hook",
        hook_commands.cmd_print_hook_command,
        description="Prints the hook command `hooks install` writes: the client hook_client chooses "
        "(auto: the native hook-send, built into state_dir/bin if need be, else this installation's "
        "Python running the client; --hook-client python for the Python one), with HOOKD_STATE_DIR "
        "and HOOKD_SOCKET set in front when the configured daemon's differ from hook-send's defaults.",
    )
    arguments.add_print_hook_command(hook)

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
    arguments.add_status(status)

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
    arguments.add_replay(replay)

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
        arguments.add_hooks_action(sub, action)
        options.add(sub, "hooks")
        sub.set_defaults(handler=hook_commands.cmd_hooks, scope=None if action == "status" else "user")

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
    arguments.add_tail(tail)

    ui = _command(
        commands,
        "ui",
        "watch every session live in a browser (sessions, tool calls, tokens, cost)",
        service_commands.cmd_ui,
        codes="0 stopped (Ctrl-C or SIGTERM), 1 it could not listen or reach Redis",
        description="Serves a web app over the stream hookd writes (the same Redis and stream "
        "settings). The first line printed is the URL to open; its token is good for one "
        "browser (kill -USR1 the process for another). See docs/ui.md.",
    )
    arguments.add_ui(ui)

    service = _command(
        commands,
        "service",
        "install, remove or inspect hookd as a user service (systemd, launchd)",
        service_commands.cmd_service,
        codes="0 success, 1 the service manager could not be reached (the files are written all the same)",
        description="install renders hookd.socket and hookd.service (systemd, into "
        "~/.config/systemd/user/) or com.hookd.agent.plist (launchd, into ~/Library/LaunchAgents/) "
        "with this installation's interpreter, sockets, state directory and config file, writes "
        "those that changed, and enables and starts them (systemctl --user / launchctl); safe to "
        "repeat. uninstall stops and removes them (the spool is kept). status compares the "
        "installed files with what this installation renders.",
    )
    arguments.add_service(service)

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
    arguments.add_completion(completion)
    return parser


def _chosen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)command's own parser that the arguments went to: ``hookd hooks install``'s for those."""
    for name in ("command", "action"):
        choices = next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if not isinstance(choices, dict) or getattr(args, name, None) not in choices:
            break
        parser = choices[getattr(args, name)]
    return parser


def _unrecognized(parser: argparse.ArgumentParser, extra: list[str]) -> str:
    """argparse's message for arguments no parser took, and what was meant: a boolean setting takes
    no value (``--redact no``); a mistyped flag is named with the nearest of the command's own."""
    message = "unrecognized arguments: " + " ".join(extra)
    if extra and extra[0].lower() in _BOOLEAN_WORDS:
        return message + (
            " (a setting that is on or off is a flag without a value: --NAME "
            "turns it on, --no-NAME off, e.g. --redact / --no-redact)"
        )
    flags = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    for word in extra:
        near = difflib.get_close_matches(word.partition("=")[0], flags, n=1) if word.startswith("--") else []
        if near:
            return f"{message}; did you mean {near[0]}? (`{parser.prog} --help` lists its flags)"
    return f"{message} (`{parser.prog} --help` lists what it takes)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named against the command's own flags; its usage would fill the screen above the line
        chosen = _chosen(parser, args)
        chosen.exit(exits.USAGE, f"{chosen.prog}: error: {_unrecognized(chosen, extra)}\n")
    args.parser = parser  # the completion script is generated from it

    def run() -> int:
        # Before any command reads a setting: every one may hold the Redis password (config,
        # status, replay), raw text (redact), or the user's settings files (hooks).
        core_files.turn_off()
        problem = unmapped_uid_problem() if args.command != "completion" else None  # it reads no file
        if problem:  # before any check that compares uids; hook-send refuses likewise
            print(f"hookd: {problem}", file=sys.stderr)
            return verdict.UNKNOWN if args.command == "status" else exits.FAILURE
        try:
            code: int = args.handler(args)
            return code
        except SettingError as exc:
            print(f"hookd: {exc}", file=sys.stderr)
            return exits.CONFIG

    return exits.quietly(run)
