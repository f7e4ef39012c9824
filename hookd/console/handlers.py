"""What each ``hookd`` subcommand does with its parsed arguments (the parser is in cli.py): these,
and `hookd hooks` in hook_commands.py, `hookd service` and `hookd ui` in service_commands.py,
``hookd run`` in run.py."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hookd.config import masked
from hookd.config_errors import SettingError
from hookd.console import exits
from hookd.console.answering import refused
from hookd.console.command_settings import config_file_of, load
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


def cmd_completion(args: argparse.Namespace) -> int:
    from hookd.console.completion import script

    sys.stdout.write(script(args.parser, args.shell))
    return exits.OK
