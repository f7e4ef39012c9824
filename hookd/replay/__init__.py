"""``hookd replay``: what waits to be published, and re-publishing exported envelopes.

- With no file, it reports what waits: the events in the spool (count, bytes,
  oldest) and the frames in the inbox. It only reads them.
- ``--export PATH`` writes the spool's waiting envelopes as JSONL, one per line.
- ``--file PATH`` sends such a file (or envelopes taken from the stream's
  ``envelope`` field) through the daemon's own Lua script (see from_file.py
  and republish.py).
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from hookd.config import Config
from hookd.replay.errors import ReplayError
from hookd.replay.from_file import replay_file
from hookd.replay.waiting import export, inbox_frames, print_waiting, waiting
from hookd.terminal.text import visible
from hookd.units import format_bytes, plural


def run(
    config: Config,
    file: str | None = None,
    export_to: str | None = None,
    dry_run: bool = False,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The ``hookd replay`` command; returns the exit status."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        if file is not None:
            return replay_file(config, file, dry_run, as_json, out, err)
        if export_to is not None:
            return _run_export(config, export_to, dry_run, as_json, out, err)
        info = waiting(config)
        if as_json:
            print(json.dumps(info), file=out)
        else:
            print_waiting(info, out)
        return 0
    except ReplayError as exc:
        print(f"hookd: {visible(str(exc))}", file=err)  # may quote Redis, which may quote a key
        return 1
    except BrokenPipeError:
        raise  # the reader of our output went away: the command ends quietly (141)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(
            f"hookd: cannot read{where}: {exc.strerror or exc}; check --state-dir and the "
            "permissions of the state directory",
            file=err,
        )
        return 1


def _run_export(config: Config, path: str, dry_run: bool, as_json: bool, out: TextIO, err: TextIO) -> int:
    count, size = export(config, path, dry_run, err)
    frames = inbox_frames(config)
    report = {
        "file": path,
        "dry_run": dry_run,
        "events": count,
        "bytes": size,
        "inbox_frames_not_included": frames,
        "spool_dir": config.spool_dir,
    }
    # With --export -, stdout carries the envelopes: the report goes to stderr.
    stream = err if path == "-" and not dry_run else out
    if as_json:
        print(json.dumps(report), file=stream)
        return 0
    verb = "would export" if dry_run else "exported"
    target = "stdout" if path == "-" else path
    print(
        f"{verb} {plural(count, 'event')} waiting in {config.spool_dir} to {target}, "
        f"{format_bytes(size)}" + ("; nothing was written" if dry_run else ""),
        file=stream,
    )
    if frames:
        print(
            f"not included: {plural(frames, 'frame')} in the inbox {config.inbox_dir} "
            "(hookd run takes them into the spool first)",
            file=stream,
        )
    if count and not dry_run:
        print(
            f"the spool still holds them. To publish them to another Redis: "
            f"hookd replay --file {target if path != '-' else 'FILE'} --redis-url URL",
            file=stream,
        )
    return 0
