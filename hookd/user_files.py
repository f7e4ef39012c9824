"""Reading a file of the user's that hookd does not keep: a settings file, a unit file, a config file.

hookd's own files are opened by paths.py (never through a link, ours alone). The commands also read
files the user keeps elsewhere, where a link is the user's choice (a dotfile manager's) and is
followed; what is refused there is what would hold a command or let another user decide for this
one: a FIFO or a device (O_NONBLOCK, so one swapped in after a check does not hold the open), a file
past a size no such file reaches, and a file another user owns (root's is taken: /etc is root's).
Each refusal is a UserFileError naming the file, what it is and the fix.
"""

from __future__ import annotations

import os
import stat

from hookd.trust import ours_or_roots

_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class UserFileError(OSError):
    """A file of the user's that a command will not read; the message names it and the fix."""


def kind(mode: int) -> str:
    kinds = {stat.S_IFDIR: "directory", stat.S_IFIFO: "FIFO", stat.S_IFCHR: "character device"}
    kinds |= {stat.S_IFBLK: "block device", stat.S_IFSOCK: "socket", stat.S_IFLNK: "symbolic link"}
    return kinds.get(stat.S_IFMT(mode), "special file")


def refusal(path: str, info: os.stat_result, limit: int, fix: str) -> str | None:
    """Why the file (its stat) is not one a command reads or replaces, or None."""
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file (a {kind(info.st_mode)}): {fix}"
    if not ours_or_roots(info):
        return (
            f"{path} belongs to uid {info.st_uid}, not to you (uid {os.getuid()}): hookd neither takes "
            f"what another user wrote nor changes their file: {fix}"
        )
    if info.st_size > limit:
        return f"{path} is too large ({info.st_size} bytes, over {limit}) to be what hookd reads there: {fix}"
    return None


def read(path: str, limit: int, fix: str) -> tuple[bytes, os.stat_result]:
    """The bytes (at most ``limit``) and fstat of the regular file of ours (or root's) at ``path``,
    through links. FileNotFoundError for a missing one; UserFileError (naming the file and ``fix``)
    for a refused one, and for one that cannot be opened."""
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UserFileError(f"cannot open {path}: {exc.strerror or exc}; {fix}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        why = refusal(path, info, limit, fix)
        if why:
            raise UserFileError(why)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UserFileError(f"{path} grew past {limit} bytes while it was read: {fix}")
    return data, info
