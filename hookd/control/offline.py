"""What `hookd status` reads from the disk when no daemon answers: the spool, the inbox, the mark
of a failed fsync (spool/unsure.py) that the last run left, and which hookd holds the state
directory's lock (one that answers on other sockets: console/elsewhere.py).

Those reads are made in a child process, and waited for WAIT_S. On a mount that hung (the state
directory on a network filesystem that stopped answering) a read does not return until the mount
does, and the kernel does not end a process while one of its threads waits in such a call: in the
command itself, or in a thread of it, the read held `hookd status` as long. A part not read by then
is said as not answering, naming the mount it is on, and status exits 3 (it cannot tell what waits);
the child ends when its filesystem answers, and is not waited for. One child at a time: `--watch`
asks again while one hangs, and each ask would leave another behind.
"""

from __future__ import annotations

import json
import os
import select
import time
from typing import Any

from hookd.child_read import only_the_pipe
from hookd.config import Config
from hookd.control import snapshot
from hookd.mounts import not_answering_at
from hookd.paths import UnsafePathError
from hookd.spool.inspect import summarize
from hookd.spool.unsure_file import read_unsure
from hookd.statedir import LOCK_FILE, daemon_pid

WAIT_S = 2.0


def offline(config: Config, why: str) -> tuple[bool, dict[str, Any]]:
    """(whether the disk answered, what can be read from it) when no daemon answers."""
    global _child
    if _child is None:
        _child = _Child(config)
    child = _child
    answered = child.read_until(time.monotonic() + WAIT_S)
    if answered:
        child.reap()
        _child = None
    waited = time.monotonic() - child.started
    parts = child.parts
    inbox = parts.get("inbox") or {"events": 0, "error": _not_read(config.inbox_dir, waited)}
    if config.spare_inbox:
        spare = parts.get("spare") or {"events": 0, "error": _not_read(config.spare_inbox, waited)}
        inbox |= {"spare": config.spare_inbox, "spare_events": spare["events"], "spare_error": spare.get("error")}
    return answered, {
        "running": False,
        "error": why,
        "socket": config.socket,
        "control_socket": config.control_socket,
        "state_dir": config.state_dir,
        "spool": parts.get("spool") or {"error": _not_read(config.spool_dir, waited)},
        "inbox": inbox,
        "lock": parts.get("lock") or {"error": _not_read(os.path.join(config.state_dir, LOCK_FILE), waited)},
    }


def _not_read(path: str, waited: float) -> str:
    return f"cannot read {path} (waited {waited:.1f}s): {not_answering_at(path)}; check that mount"


class _Child:
    """The reads, in a child process that writes each part as a line of JSON once it is read."""

    def __init__(self, config: Config) -> None:
        self.started = time.monotonic()
        self.parts: dict[str, Any] = {}
        self.buffer = b""
        self.fd, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            _read_parts(config, write)
        os.close(write)

    def read_until(self, deadline: float) -> bool:
        """Take in the parts written by ``deadline``; True once the child has written them all."""
        while (left := deadline - time.monotonic()) > 0 and select.select([self.fd], [], [], left)[0]:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return True
            *lines, self.buffer = (self.buffer + chunk).split(b"\n")
            for line in lines:
                name, value = json.loads(line)
                self.parts[name] = value
        return False

    def reap(self) -> None:
        os.close(self.fd)
        os.waitpid(self.pid, 0)


_child: _Child | None = None  # the reads under way (a `--watch` that asks again while they hang)


def _read_parts(config: Config, write: int) -> None:
    write = only_the_pipe(write)
    try:
        with os.fdopen(write, "w") as out:
            reads = [("spool", _spool), ("inbox", lambda c: snapshot.inbox_count(c.inbox_dir))]
            if config.spare_inbox:
                reads.append(("spare", lambda c: snapshot.inbox_count(c.spare_inbox)))
            reads.append(("lock", lambda c: {"holder": daemon_pid(c.state_dir)}))
            for name, read in reads:
                try:
                    value = read(config)
                except Exception as exc:  # said in its part, as the command said a traceback before
                    value = {"events": 0, "error": f"cannot read it: {exc}"}
                out.write(json.dumps([name, value]) + "\n")
                out.flush()
    finally:
        os._exit(0)


def _spool(config: Config) -> dict[str, Any]:
    try:
        spool = summarize(config.spool_dir)
    except OSError as exc:
        return {"error": f"cannot read {config.spool_dir}: {exc.strerror}"}
    info: dict[str, Any] = {
        "events": spool.events,
        "bytes": spool.bytes,
        "oldest_received_at": spool.oldest_received_at,
    }
    if spool.events:
        info["unsure"] = _unsure_mark(config.spool_dir)
    return info


def _unsure_mark(spool_dir: str) -> dict[str, Any] | None:
    """The failed fsync a run left marked (spool/unsure.py): its events may not be on the disk."""
    try:
        unsure = read_unsure(spool_dir)
    except (OSError, UnsafePathError):
        return None
    return None if unsure is None else {"errno": unsure.errno, "error": unsure.error}
