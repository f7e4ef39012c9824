"""Does anything of this user accept on the socket a hook sends to? Asked by `hooks status` (status.py), as
hook-send would connect, sending nothing."""

from __future__ import annotations

import functools
import os
import socket
import struct

from hookd.child_read import Answers, NotAnswering, read_within
from hookd.hooks.command import Route
from hookd.statedir import LOCK_FILE, daemon_pid


def probe(where: Route, timeout_s: float = 1.0, answers: Answers | None = None) -> str | None:
    """Connect to the socket a hook would use, as hook-send would, and send nothing.

    None when a process of this user accepts there; else why not. A connection closed before its first
    byte is not an event. The socket's place is asked first (``answers``): no timeout bounds a lookup.
    """
    try:
        (answers or Answers()).check(where.socket)
    except NotAnswering as exc:
        return f"whether anything accepts on {where.socket} cannot be told: {exc}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(where.socket)
        except OSError as exc:
            lock = os.path.join(where.state_dir, LOCK_FILE)
            try:  # in a child, waited a while: a state directory on a mount that hung must not hold the command
                pid = read_within(functools.partial(daemon_pid, where.state_dir), lock)
            except (NotAnswering, OSError) as unread:
                return (
                    f"nothing accepts on {where.socket} ({exc.strerror}): events go to {where.inbox}; whether a "
                    f"hookd runs on that state directory cannot be told: {unread}"
                )
            if pid is not None:  # it sweeps the inbox: the events arrive, late
                who = f"hookd (pid {pid})" if pid > 0 else "the hookd"
                return (
                    f"nothing accepts on {where.socket} ({exc.strerror}): events go to {where.inbox}, "
                    f"which {who} running on that state directory takes every inbox_poll_ms (it listens elsewhere)"
                )
            return (
                f"nothing accepts on {where.socket} ({exc.strerror}): events wait in "
                f"{where.inbox} until a hookd reading that state directory runs"
            )
        peer_uid = _peer_uid(sock)
        if peer_uid is not None and peer_uid != os.getuid():
            return (
                f"{where.socket} is served by uid {peer_uid}, not by you: hook-send "
                "refuses it and keeps events in the inbox"
            )
    return None


def _peer_uid(sock: socket.socket) -> int | None:
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        uid: int = struct.unpack("3i", creds)[1]
        return uid
    except (AttributeError, OSError):
        return None  # not Linux: hook-send checks it itself
