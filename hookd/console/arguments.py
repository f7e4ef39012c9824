"""Each command's own arguments; the settings flags every command gets are added by options.py.

cli.py builds the tree of commands (names, help, exit codes, handlers) and hands each
command's parser to its function here.
"""

from __future__ import annotations

import argparse


def add_config(parser: argparse.ArgumentParser) -> None:
    """`hookd config`: the output format."""
    parser.add_argument("--json", action="store_true", help="print one JSON object on one line")
    parser.add_argument(
        "--markdown", action="store_true", help="print the reference table of all settings (as in the docs)"
    )


def add_print_hook_command(parser: argparse.ArgumentParser) -> None:
    """`hookd print-hook-command`: the hook event to name."""
    parser.add_argument("event", nargs="?", metavar="EVENT", help="event name to pass as the first argument")


def add_status(parser: argparse.ArgumentParser) -> None:
    """`hookd status`: JSON, and watching."""
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on one line (with --watch, one per refresh)"
    )
    parser.add_argument(
        "--watch",
        nargs="?",
        type=float,
        const=2.0,
        metavar="SECONDS",
        help="refresh in place every SECONDS (default 2)",
    )


def add_replay(parser: argparse.ArgumentParser) -> None:
    """`hookd replay`: what to read or write, and a dry run."""
    source = parser.add_mutually_exclusive_group()
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
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing; with --file, read each host's mark from Redis and say how many would be added and skipped",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on one line")


def add_hooks_action(parser: argparse.ArgumentParser, action: str) -> None:
    """`hookd hooks ACTION`: which settings file, and what each action takes."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--scope",
        choices=("user", "project", "local"),
        help="~/.claude/settings.json, .claude/settings.json or "
        ".claude/settings.local.json" + (" (default: user)" if action != "status" else " (default: all three)"),
    )
    where.add_argument("--settings", metavar="PATH", help="this settings file instead")
    if action == "status":
        parser.add_argument("--json", action="store_true", help="print one JSON object on one line")
    else:
        parser.add_argument("--dry-run", action="store_true", help="print the change as a unified diff; write nothing")
    if action == "install":
        parser.add_argument(
            "--mode",
            choices=("command", "http"),
            default="command",
            help="command: run hook-send (default); http: post to hookd's HTTP "
            "listener (http_addr), command hooks where HTTP is not accepted",
        )
        parser.add_argument(
            "--events",
            metavar="LIST",
            help="comma-separated events (default: every documented event hookd can observe safely)",
        )


def add_tail(parser: argparse.ArgumentParser) -> None:
    """`hookd tail`: the filters, where to start, and the consumer group."""
    parser.add_argument("--session", metavar="ID", help="only this session (a prefix is enough)")
    parser.add_argument("--hook", metavar="LIST", help="only these hook events (comma-separated)")
    parser.add_argument("--tool", metavar="LIST", help="only these tools (comma-separated)")
    parser.add_argument(
        "--from-host",
        dest="host_filter",
        metavar="LIST",
        help="only events from these host identities (comma-separated; * wildcards)",
    )
    parser.add_argument(
        "--risk",
        choices=("low", "medium", "high"),
        help="only events at this risk or above (events without a risk are left out)",
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="start this far back (10m, 2h, 1d) or at this time (2026-11-21T13:10, 13:10); default: new events only",
    )
    parser.add_argument("--count", "-n", type=int, metavar="N", help="stop after N events")
    parser.add_argument(
        "--json", action="store_true", help="print each envelope as one JSON line (the format replay --file takes)"
    )
    parser.add_argument(
        "--group",
        metavar="NAME",
        help="read as a consumer of this consumer group (created if missing, at "
        "--since or else at new events), acknowledging each entry once shown: "
        "at least once, see the docs",
    )
    parser.add_argument(
        "--consumer",
        metavar="NAME",
        help="this consumer's name in the group; its unacknowledged entries are shown "
        "again when it restarts (default: the host identity)",
    )
    parser.add_argument(
        "--claim-idle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="take over entries another consumer of the group has left unacknowledged this long (default 60; 0: never)",
    )


def add_ui(parser: argparse.ArgumentParser) -> None:
    """`hookd ui`: where to listen, what to keep, the service file."""
    parser.add_argument("--addr", metavar="HOST:PORT", help="where to listen (default: ui_addr, 127.0.0.1:8790)")
    parser.add_argument(
        "--history",
        type=int,
        default=20_000,
        metavar="N",
        help="events kept in memory for the views (default 20000); older ones are read from Redis on demand",
    )
    parser.add_argument(
        "--url-file",
        metavar="PATH",
        help="also write the URL to open to this file (created 0600), as the user service does",
    )
    parser.add_argument(
        "--print-service",
        choices=("systemd", "launchd"),
        help="print the user service file that runs hookd ui beside hookd, and exit (see docs/ui.md)",
    )


def add_service(parser: argparse.ArgumentParser) -> None:
    """`hookd service`: the action, the service manager, what to write."""
    parser.add_argument("action", choices=("install", "uninstall", "status"))
    parser.add_argument(
        "--manager",
        choices=("auto", "systemd", "launchd"),
        default="auto",
        help="which service manager (default: launchd on macOS, else systemd)",
    )
    parser.add_argument(
        "--ui",
        action="store_true",
        help="the service of hookd ui (hookd-ui.service, com.hookd.ui.plist) instead of hookd's; see docs/ui.md",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="write and run nothing; print the files and the commands"
    )
    parser.add_argument(
        "--files-only",
        action="store_true",
        help="write (or remove) the files only; print the service manager's commands instead of running them",
    )


def add_completion(parser: argparse.ArgumentParser) -> None:
    """`hookd completion`: the shell."""
    parser.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SHELL", help="bash, zsh or fish")
