"""Private directories: created 0700, refused when another user owns them."""

from __future__ import annotations

import os
import stat


class UnsafePathError(Exception):
    """A directory hookd must keep private is owned by someone else or open to others."""


def ensure_private_dir(path: str) -> str:
    """Create ``path`` (and parents) as 0700, or check that an existing one is ours and private.

    A directory open to other users is tightened to 0700; one owned by another
    user is refused, since they could swap the socket or read the spool.
    """
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(f"{path} is not a directory; remove it or choose another path")
    if info.st_uid != os.getuid():
        raise UnsafePathError(
            f"{path} belongs to uid {info.st_uid}, not to you (uid {os.getuid()}); "
            "another user may be squatting it: choose another path with --socket/--state-dir")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)
    return path
