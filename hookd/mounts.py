"""Which filesystem a path is on, and how a stall on one that stopped answering names it."""

from __future__ import annotations

import os


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
