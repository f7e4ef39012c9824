"""Shared by the tests of an event's inbox copy that hookd already has (a hook-send killed, a sweep cut off)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from conftest import wait_for_entries


def frame_head(handoff: str, payload: bytes) -> bytes:
    """The first line hook-send writes before ``payload``, to the socket or the inbox file."""
    return b"HOOKD/1 %d sent=%d pid=1 ppid=1 id=%s hook=Stop\n" % (len(payload), time.time_ns(), handoff.encode())


def published_handoff(daemon, redis_db, payload: bytes) -> str:
    """A Stop of the session "before", then ``payload`` sent by hook-send, both in Redis: the hand-off id
    hook-send gave the second."""
    daemon.send_stop("before")
    done = daemon.send(payload, "Stop")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    entries = wait_for_entries(redis_db, 2)
    return json.loads(entries[-1][b"envelope"])["client"]["handoff_id"]


def write_inbox_file(path: Path, data: bytes) -> None:
    """An inbox file as hook-send makes it: new, private, written at once."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
