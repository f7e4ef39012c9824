"""The spool directory's files: segments, their count files, and the cursor."""

from __future__ import annotations

import os
from typing import NamedTuple

from hookd.paths import read_private, replace_private

SUFFIX = ".seg"


class Position(NamedTuple):
    segment: int
    offset: int


def list_segments(directory: str) -> list[int]:
    ids = []
    for name in os.listdir(directory):
        if name.endswith(SUFFIX) and name[: -len(SUFFIX)].isascii() and name[: -len(SUFFIX)].isdigit():
            ids.append(int(name[: -len(SUFFIX)]))
    return sorted(ids)


def segment_path(directory: str, segment: int) -> str:
    return os.path.join(directory, f"{segment:020d}{SUFFIX}")


def count_path(directory: str, segment: int) -> str:
    """A finished segment's record count, so that a start need not read it to count."""
    return os.path.join(directory, f"{segment:020d}.count")


def read_count(directory: str, segment: int) -> int | None:
    try:
        return int(read_private(count_path(directory, segment)))
    except (FileNotFoundError, ValueError):
        return None


def read_cursor(directory: str, segments: list[int]) -> Position:
    """Where publishing resumes: the committed position, or the oldest segment left after it."""
    try:
        seg, offset = (int(x) for x in read_private(os.path.join(directory, "cursor")).split())
    except (FileNotFoundError, ValueError):
        return Position(segments[0], 0)
    if seg not in segments:
        # Deleted after the cursor moved past it: resume at the oldest segment
        # left after it (or at the very oldest); any repeat is skipped in Redis.
        later = [s for s in segments if s >= seg]
        return Position(later[0] if later else segments[0], 0)
    return Position(seg, min(offset, os.path.getsize(segment_path(directory, seg))))


def write_cursor(directory: str, position: Position) -> None:
    """Replace the cursor file atomically: a crash leaves the old position or the new one."""
    replace_private(os.path.join(directory, "cursor"), b"%d %d\n" % position, fsync=False)
