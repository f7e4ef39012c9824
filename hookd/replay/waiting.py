"""What waits to be published: the spool and the inbox, read-only; and exporting the spool as JSONL.

The spool is published by ``hookd run`` and by nothing else: two publishers on
one spool would race over its cursor.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from typing import Any, BinaryIO, TextIO

from hookd.config import Config, mask_url
from hookd.statedir import daemon_pid
from hookd.ingest.protocol import INBOX_SUFFIX
from hookd.terminal.progress import Progress
from hookd.jsonl import one_line
from hookd.terminal.text import json_visible
from hookd.replay.errors import ReplayError
from hookd.units import format_age, format_bytes, plural
from hookd.spool.inspect import SpoolSummary, summarize, waiting_events


def inbox_frames(config: Config) -> int:
    try:
        names = os.listdir(config.inbox_dir)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    return sum(1 for n in names if n.endswith(INBOX_SUFFIX) and not n.startswith("."))


def _summarize(directory: str) -> SpoolSummary:
    # A running daemon may delete a segment between listing and reading it; look again.
    for attempt in range(3):
        try:
            return summarize(directory)
        except FileNotFoundError:
            if attempt == 2:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _age_s(received_at: str | None, now: float) -> float | None:
    if not received_at:
        return None
    try:
        then = datetime.datetime.fromisoformat(received_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, now - then.timestamp())


def waiting(config: Config, now: float | None = None) -> dict[str, Any]:
    """What waits to be published, as a plain dict (the ``--json`` output)."""
    now = time.time() if now is None else now
    spool = _summarize(config.spool_dir)
    pid = daemon_pid(config.state_dir)
    age = _age_s(spool.oldest_received_at, now)
    return {
        "state_dir": config.state_dir,
        "spool": {
            "directory": config.spool_dir,
            "events": spool.events,
            "bytes": spool.bytes,
            "segments": spool.segments,
            "oldest_received_at": spool.oldest_received_at,
            "oldest_age_s": None if age is None else round(age, 3),
        },
        "inbox": {"directory": config.inbox_dir, "frames": inbox_frames(config)},
        "daemon": {"running": pid is not None, "pid": pid if pid and pid > 0 else None},
        "redis_url": mask_url(config.redis_url),
        "stream": config.stream,
    }


def print_waiting(info: dict[str, Any], out: TextIO) -> None:
    spool, inbox, daemon = info["spool"], info["inbox"], info["daemon"]
    if spool["events"] == 0 and inbox["frames"] == 0:
        print(
            f"nothing waits: no events in the spool ({spool['directory']}) "
            f"and no frames in the inbox ({inbox['directory']})",
            file=out,
        )
        return
    print(
        f"spool:  {plural(spool['events'], 'event')}, {format_bytes(spool['bytes'])}, "
        f"in {plural(spool['segments'], 'segment file')} ({spool['directory']})",
        file=out,
    )
    if spool["oldest_received_at"]:
        age = spool["oldest_age_s"]
        ago = "" if age is None else f"{format_age(age)} ago, "
        print(f"oldest: {ago}received {spool['oldest_received_at']}", file=out)
    print(f"inbox:  {plural(inbox['frames'], 'frame')} ({inbox['directory']})", file=out)
    if daemon["running"]:
        who = f"pid {daemon['pid']}" if daemon["pid"] else "pid unknown"
        print(f"daemon: hookd is running on this state directory ({who})", file=out)
    else:
        print("daemon: no hookd is running on this state directory; start `hookd run` to publish what waits", file=out)
    print(
        f"hookd run publishes these to {info['stream']} at {info['redis_url']} when Redis is "
        "reachable (inbox frames go into the spool first);",
        file=out,
    )
    print(
        "hookd replay never publishes the spool itself. To send what waits to another Redis: "
        "hookd replay --export FILE, then hookd replay --file FILE --redis-url URL",
        file=out,
    )


# -- export -----------------------------------------------------------------


def export(config: Config, path: str, dry_run: bool = False, err: TextIO | None = None) -> tuple[int, int]:
    """Write the spool's waiting envelopes to ``path`` (``-``: stdout); (events, bytes).

    A progress bar on ``err`` when it is a terminal."""
    if not dry_run:
        try:
            total = _summarize(config.spool_dir).events
        except OSError:
            total = None
        with Progress("exporting", total, stream=err) as progress:
            return _export(config, path, progress)
    count = size = 0
    for event in waiting_events(config.spool_dir):
        count += 1
        size += len(event.envelope) + 1
    return count, size


def _write_waiting(spool_dir: str, out: BinaryIO, progress: Progress) -> tuple[int, int]:
    """Every envelope waiting in the spool into ``out``, one a line: how many, and their bytes."""
    count = size = 0
    for event in waiting_events(spool_dir):
        # The payload is embedded as its sender wrote it: C1 controls, U+2028 and bidi overrides
        # raw. Spelled as \u escapes (the same JSON value), they reach no terminal as controls.
        text = one_line(event.envelope).decode("utf-8", "surrogateescape")
        line = json_visible(text).encode("utf-8", "surrogateescape") + b"\n"
        out.write(line)
        count, size = count + 1, size + len(line)
        progress.update(count)
    return count, size


def _export(config: Config, path: str, progress: Progress) -> tuple[int, int]:
    if path == "-":
        count, size = _write_waiting(config.spool_dir, sys.stdout.buffer, progress)
        sys.stdout.buffer.flush()
        return count, size
    target = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.tmp-{os.getpid()}")
    try:
        # The payloads are whatever the agent saw: keep the file as private as the spool.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with open(fd, "wb") as fh:
            count, size = _write_waiting(config.spool_dir, fh, progress)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ReplayError(
            f"cannot write {path}: {exc.strerror or exc}; choose a path in a directory you can write to"
        ) from None
    return count, size


# -- reading a file of envelopes ------------------------------------------------
