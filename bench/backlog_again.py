#!/usr/bin/env python3
"""A start with changed redaction settings and a spooled backlog: how long redacting it again takes,
and how many times its events are redacted (daemon/backlog.py).

A spool of EVENTS envelopes (each a Bash result of about SIZE bytes of build log), only the last few
holding an AWS key, so the read-only pass that looks for the first event the rules change reads the
whole backlog: the worst case for work done twice. Runs redact_backlog on it as the start does and
prints the seconds and the redactions per event.

    .venv/bin/python bench/backlog_again.py [--events 4000] [--size 4000] [--source DIR] [--on-publish]

``--source``: another tree's hookd (e.g. the base's, with its .so and _scanners), to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    parser.add_argument(
        "--on-publish", action="store_true", help="redact it as the publisher reads it (a disk too full for copies)"
    )
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.source))
    from hookd.daemon import backlog
    from hookd.redact import build_redactor
    from hookd.spool import Spool
    from hookd.spool.event import Event

    try:
        from hookd.daemon import backlog_copier as redacting  # since h130
    except ImportError:
        redacting = backlog

    calls = 0
    again = redacting.event_again

    def counted(redactor, event):
        nonlocal calls
        calls += 1
        return again(redactor, event)

    redacting.event_again = counted
    if args.on_publish:
        from hookd.daemon import backlog_publish

        backlog_publish.event_again = counted
    words = " ".join(f"line {i} of a long build log" for i in range(args.size // 28))
    with tempfile.TemporaryDirectory() as tmp:
        spool = Spool(os.path.join(tmp, "spool"), 1 << 30, "never")
        events = []
        for seq in range(1, args.events + 1):
            out = words + (f" key {AWS_KEY}" if seq > args.events - 3 else "")
            envelope = {
                "v": 1,
                "seq": seq,
                "event_id": f"e{seq}",
                "hook": "PostToolUse",
                "session_id": "s",
                "tool_name": "Bash",
                "tool_response": {"stdout": out},
            }
            events.append(Event(seq, "host", f"e{seq}", "PostToolUse", "s", "Bash", json.dumps(envelope).encode()))
        spool.append_many(events)
        redactor = build_redactor(True)
        state_fd = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
        start = time.perf_counter()
        if args.on_publish:
            asyncio.run(_on_publish(spool, redactor, state_fd))
        else:
            asyncio.run(backlog.redact_backlog(spool, redactor, "digest", state_fd, lambda *said: None))
        took = time.perf_counter() - start
        os.close(state_fd)
        spool.close()
    tree = os.path.realpath(os.path.join(backlog.__file__, "..", "..", ".."))
    how = "redacted as published" if args.on_publish else "redact_backlog"
    print(
        f"hookd from {tree}, {how}: {args.events} events of ~{args.size} B: {took:.2f} s, "
        f"{calls / args.events:.2f} redactions per event"
    )
    return 0


async def _on_publish(spool, redactor, state_fd) -> None:
    """Every waiting event read in the publisher's batches (256 events, 1 MiB) through RedactOnPublish."""
    from hookd.daemon.backlog_publish import RedactOnPublish
    from hookd.daemon.backlog_record import BacklogRecord

    on_publish = RedactOnPublish(spool, redactor, BacklogRecord(state_fd, "digest"), spool.pending_events, "bench")
    while spool.has_unread():
        batch = await on_publish(spool.read_batch(256, 1 << 20))
        spool.commit(batch)


if __name__ == "__main__":
    sys.exit(main())
