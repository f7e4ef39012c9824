"""The state directory's lock: one hookd per state directory, and who holds it.

The daemon holds an exclusive flock on ``hookd.lock`` for its life, with its pid
written in the file; commands that must not run beside a daemon (replay) and
tests ask who holds it without creating the file.
"""

from __future__ import annotations

import fcntl
import os

from hookd.paths import UnsafePathError, ensure_private_dir, open_private

LOCK_FILE = "hookd.lock"


class StateDirLocked(Exception):
    """Another hookd uses this state directory."""


def lock_state_dir(state_dir: str, dir_fd: int | None = None) -> int:
    """Hold an exclusive lock on the state directory for the life of the process (with
    ``dir_fd``: the state directory as the daemon holds it open)."""
    if dir_fd is None:
        ensure_private_dir(state_dir)
    path = os.path.join(state_dir, LOCK_FILE)
    fd = open_private(path, os.O_RDWR, create=True, dir_fd=dir_fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StateDirLocked(
            f"another hookd (pid {owner}) is using the state directory "
            f"{state_dir}; stop it first or pass another --state-dir"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def daemon_pid(state_dir: str) -> int | None:
    """The pid of the hookd holding the state directory's lock, or None if none holds it.

    The probe takes a shared lock without blocking and drops it at once; it
    never creates the lock file.
    """
    path = os.path.join(state_dir, LOCK_FILE)
    try:
        fd = open_private(path)
    except (OSError, UnsafePathError):
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isascii() and text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
