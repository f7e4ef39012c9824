"""The spool directory's files: segments, their count files, and the cursor.

``dir_fd`` is the spool directory hookd holds open (Spool): every file is made, read,
renamed and removed relative to it, so that a spool moved aside and replaced while hookd
runs never receives hookd's files, nor has its own read. ``directory`` still names them in
messages. Without one (the read-only views of a stopped daemon's spool), by path.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from hookd.paths import read_private, replace_private

SUFFIX = ".seg"
CURSOR = "cursor"


class Position(NamedTuple):
    segment: int
    offset: int


def list_segments(directory: str, dir_fd: int | None = None) -> list[int]:
    ids = []
    for name in os.listdir(directory if dir_fd is None else dir_fd):
        if name.endswith(SUFFIX) and name[: -len(SUFFIX)].isascii() and name[: -len(SUFFIX)].isdigit():
            ids.append(int(name[: -len(SUFFIX)]))
    return sorted(ids)


def segment_path(directory: str, segment: int) -> str:
    return os.path.join(directory, f"{segment:020d}{SUFFIX}")


def count_path(directory: str, segment: int) -> str:
    """A finished segment's record count, so that a start need not read it to count."""
    return os.path.join(directory, f"{segment:020d}.count")


def read_count(directory: str, segment: int, dir_fd: int | None = None) -> int | str | None:
    """The count file's number, None without one, or what is wrong with it: hookd writes it whole
    (digits and a newline, by rename), so one cut short or damaged is not taken for a count."""
    try:
        data = read_private(count_path(directory, segment), 64, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    if data[-1:] != b"\n" or not data[:-1].isdigit() or not data[:-1].isascii():
        return f"not a count: {data[:32]!r}"
    return int(data)


def file_size(path: str, dir_fd: int | None = None) -> int:
    """The size of ``path`` (with ``dir_fd``: of its last part in that directory), not through a link."""
    name = path if dir_fd is None else os.path.basename(path)
    return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_size


def read_cursor(directory: str, segments: list[int], dir_fd: int | None = None) -> Position:
    """Where publishing resumes: the committed position, or the oldest segment left after it."""
    path = os.path.join(directory, CURSOR)
    try:
        seg, offset = (int(x) for x in read_private(path, dir_fd=dir_fd).split())
        if seg < 0 or offset < 0:
            raise ValueError(f"a negative number ({seg} {offset})")
    except FileNotFoundError:
        return Position(segments[0], 0)
    except ValueError as exc:
        # hookd writes it by rename, so only a damaged disk or a hand leaves this: a read at a
        # negative offset failed the start on each try. From the oldest segment, Redis skips repeats.
        # structlog here only: `hookd status` reads the cursor too and starts without it.
        import structlog

        structlog.get_logger("hookd.spool").warning(
            "spool_cursor_unreadable",
            cursor=path,
            error=str(exc),
            hint="the spool's events are sent again from its oldest segment; Redis skips those it has",
        )
        return Position(segments[0], 0)
    if seg not in segments:
        # Deleted after the cursor moved past it: resume at the oldest segment
        # left after it (or at the very oldest); any repeat is skipped in Redis.
        later = [s for s in segments if s >= seg]
        return Position(later[0] if later else segments[0], 0)
    return Position(seg, min(offset, file_size(segment_path(directory, seg), dir_fd)))


def write_cursor(directory: str, position: Position, dir_fd: int | None = None) -> None:
    """Replace the cursor file atomically: a crash leaves the old position or the new one."""
    replace_private(os.path.join(directory, CURSOR), b"%d %d\n" % position, fsync=False, dir_fd=dir_fd)
