"""The mark hook-send leaves when it kept an event in the inbox because it could not reach hookd's
socket (client/hook_send.py's mark_missed, the native client's too).

hook-send must stay silent and exit 0, so a hook whose socket is not the running daemon's (Claude
Code started with another XDG_RUNTIME_DIR than hookd's, a service installed from a shell without
one, another user's runtime directory after `su`) loses nothing but is never live: its events wait
for the next inbox sweep. `hookd status` reads the mark and says so with the repair; `hooks install`
removes it, since the hooks it writes are the repair.
"""

from __future__ import annotations

import functools
import os
import stat
import time
from dataclasses import dataclass
from typing import Any

from hookd.child_read import NotAnswering, read_within

MARK = "hook-send-missed"


@dataclass
class Missed:
    socket: str  # the socket hook-send tried
    why: str  # "unreachable (EACCES)", "refused", ...
    at: float  # when (the mark's mtime)


def read(state_dir: str) -> Missed | None:
    """The newest mark in ``state_dir``, or None (none, or not a private file of ours: not trusted)."""
    try:
        fd = os.open(os.path.join(state_dir, MARK), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            return None
        text = os.read(fd, 8192).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)
    # hook-send writes over the mark in place, padded with spaces: what follows the second line is
    # left from a longer one before.
    lines = text.split("\n")
    socket, why = lines[0], (lines[1].strip() if len(lines) > 1 else "")
    return Missed(socket, why or "unknown", info.st_mtime) if socket else None


def read_waited(state_dir: str) -> Missed | None:
    """read(), made in a child and waited a while (child_read.py): `hookd status` reads the mark, and a
    state directory on a mount that hung must not hold it. NotAnswering when it did not answer."""
    fields = read_within(functools.partial(_fields, state_dir), os.path.join(state_dir, MARK))
    return None if fields is None else Missed(*fields)


def _fields(state_dir: str) -> list[Any] | None:
    missed = read(state_dir)
    return None if missed is None else [missed.socket, missed.why, missed.at]


def clear(state_dir: str) -> None:
    try:
        os.unlink(os.path.join(state_dir, MARK))
    except OSError:  # none, or cannot be removed: status goes on saying it, not silent
        pass


def reason(status: dict[str, Any], config: Any, now: float | None = None) -> str | None:
    """What `hookd status` says of a mark left since the running daemon started, or None."""
    if not status.get("running"):
        return None  # a stopped hookd: "not running" and the inbox's count say it already
    socket_path = status.get("socket") or config.socket
    state_dir = status.get("state_dir") or config.state_dir
    try:
        missed = read_waited(state_dir)
    except (NotAnswering, OSError) as exc:
        return f"whether hook-send could reach this daemon cannot be told (its mark is not read): {exc}"
    now = time.time() if now is None else now
    started = now - float(status.get("uptime_s") or 0)
    if missed is None or missed.at < started:
        return None
    if missed.socket == socket_path:
        # This daemon's own socket, missed once: it was binding it, or too busy to answer within
        # hook-send's deadline. The event waits in the inbox, which status counts, and the log says
        # why; nothing to repair, and a hookd that answers again must not stay degraded for it.
        return None
    ago = max(0, int(now - missed.at))
    return (
        f"hook-send could not reach this daemon {ago}s ago: it tried {missed.socket} ({missed.why}), not "
        f"{socket_path}, and kept the event in the inbox, so events arrive only at the next inbox sweep "
        f"(inbox_poll_ms), not live: Claude Code's environment names another socket (XDG_RUNTIME_DIR "
        f"or HOOKD_SOCKET set for one and not the other); repair: hookd hooks install --socket "
        f"{socket_path} (the hooks then name this socket whatever Claude Code's environment; it clears "
        f"this mark)"
    )


def annotate(code: int, status: dict[str, Any], config: Any) -> tuple[int, dict[str, Any]]:
    """`hookd status` with the mark's reason: degraded (the events arrive, but late)."""
    said = reason(status, config)
    if said is None:
        return code, status
    status.setdefault("reasons", []).append(said)
    return (1 if code == 0 else code), status
