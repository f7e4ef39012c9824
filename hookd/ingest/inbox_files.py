"""The inbox's directories as a sweep holds them, and the frames read from them.

A sweep opens each directory it takes files from once (O_DIRECTORY, O_NOFOLLOW), takes it
only if it is still the user's own (one another user put in its place is passed over: the
directory watch names it in `hookd status`), and reads, and deletes, its files relative to
that descriptor, so that a directory swapped in during the sweep is not where the files come
from or go. Each file must be a regular file of the user's that no one else can write:
another user's, or one others could have rewritten, is refused (set aside, as a bad frame).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from hookd.paths import UnsafePathError, describe, open_private, others_can_write

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Source(NamedTuple):
    path: str
    fd: int


def open_sources(paths: list[str]) -> list[Source]:
    """Each of ``paths`` that exists and is a directory of the user's, held open for a sweep
    (close them with close_sources)."""
    held = []
    for path in paths:
        try:
            fd = os.open(path, _DIR_FLAGS)
        except OSError:
            continue  # absent (made again when needed), a link, not a directory: nothing to take
        if os.fstat(fd).st_uid != os.getuid():
            os.close(fd)  # another user's, put in place of ours: never read from
            continue
        held.append(Source(path, fd))
    return held


def close_sources(sources: list[Source]) -> None:
    for source in sources:
        os.close(source.fd)


def read_frame(path: str, dir_fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes of the inbox file ``path`` (its last part in ``dir_fd``): never
    through a link, only a regular file of the user's that no other user can write.
    FileNotFoundError if it is gone, UnsafePathError if refused, OSError if unreadable."""
    fd = open_private(path, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if others_can_write(info):
            raise UnsafePathError(
                f"{path} is writable by other users ({describe(info)}): another user could have "
                "written it; hook-send makes its files 0600, so check where it came from"
            )
        return fh.read(limit)


def remove(path: str, dir_fd: int) -> None:
    """Delete a taken file from the directory the sweep holds (FileNotFoundError if gone)."""
    os.unlink(os.path.basename(path), dir_fd=dir_fd)
