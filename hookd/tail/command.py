"""``hookd tail``'s options, and the reader they choose: the stream itself, or a consumer group.

The options are plain values: console/handlers.py turns the command line into them, and
anything else (a test, another command) can build them directly.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from hookd.config import Config
from hookd.hooks.events import BY_NAME
from hookd.tail.follow import KNOWN_HOOKS, Filters, Tail, parse_since
from hookd.tail.group import GroupTail

DEFAULT_CLAIM_IDLE_S = 60.0


@dataclass(frozen=True)
class TailOptions:
    """What to show and how; the lists are comma-separated, as typed after --hook and the like."""

    session: str | None = None
    hooks: str | None = None
    tools: str | None = None
    hosts: str | None = None
    risk: str | None = None
    since: str | None = None
    count: int | None = None
    as_json: bool = False
    group: str | None = None  # read as one consumer of this group
    consumer: str | None = None  # the consumer's name; the host's by default
    claim_idle_s: float = DEFAULT_CLAIM_IDLE_S


def names(text: str | None) -> list[str]:
    return [n.strip().lower() for n in (text or "").split(",") if n.strip()]


def run(config: Config, options: TailOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        since = parse_since(options.since) if options.since else None
    except ValueError as exc:
        print(f"hookd tail: {exc}", file=err)
        return 2
    if not options.group and (options.consumer or options.claim_idle_s != DEFAULT_CLAIM_IDLE_S):
        print("hookd tail: --consumer and --claim-idle go with --group NAME", file=err)
        return 2
    filters = Filters(
        session=options.session,
        hooks=names(options.hooks),
        tools=names(options.tools),
        hosts=names(options.hosts),
        risk=options.risk,
        since=since,
    )
    unknown = [h for h in filters.hooks if h not in KNOWN_HOOKS and not any(c in h for c in "*?[")]
    if unknown:  # a warning only: a newer Claude Code may send events hookd does not know
        print(
            f"hookd tail: --hook {', '.join(unknown)}: not a hook event hookd knows (a typo?); "
            f"the known ones are {', '.join(sorted(BY_NAME))}",
            file=err,
        )
    if options.group:
        tail: Tail = GroupTail(
            config,
            filters,
            options.as_json,
            out,
            err,
            options.group,
            options.consumer or config.host,
            options.claim_idle_s,
            options.count,
        )
    else:
        tail = Tail(config, filters, options.as_json, out, err, options.count)
    try:
        return tail.run()  # Ctrl-C (130) and a closed pipe (141) end it in exits.quietly
    finally:
        tail.client.close()
