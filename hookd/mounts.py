"""Which filesystem a path is on, and how a stall on one that stopped answering names it."""

from __future__ import annotations

import os
import re


def mount_of(path: str) -> str:
    """The mount point ``path`` is on (looked up at start, while its filesystem answers)."""
    path = os.path.realpath(path)
    while not os.path.ismount(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def not_answering(mount: str) -> str:
    """How a stall on a filesystem that stopped answering names it (``mount``: mount_of's, looked up at start)."""
    return f"its filesystem, mounted at {mount}, does not answer (a disk or a network mount that hung?)"


def listed_mount(path: str) -> str | None:
    """The mount point ``path`` lies under, by name in /proc/self/mountinfo: no call is made on its own
    filesystem (mount_of's stats wait on one that hung, as would the caller). None where that is not
    readable (not Linux)."""
    path = os.path.normpath(os.path.abspath(path))
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            # The fifth field, its spaces and backslashes written as octal escapes (proc(5)).
            points = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[4]) for line in f]
    except (OSError, IndexError):
        return None
    under = [point for point in points if path == point or path.startswith(point.rstrip("/") + "/")]
    return max(under, key=len, default=None)


def not_answering_at(path: str) -> str:
    """not_answering of the mount ``path`` lies under, by name (listed_mount): for a path whose mount was not
    looked up while it answered."""
    mount = listed_mount(path)
    return (
        "its filesystem does not answer (a disk or a network mount that hung?)"
        if mount is None
        else not_answering(mount)
    )
