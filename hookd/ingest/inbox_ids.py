"""What waits in the inbox, as a sweep holds its directories: the files' paths in the order they are
taken, and the hand-off ids their headers carry (read at start, to know an inbox copy of an event the
spool already has)."""

from __future__ import annotations

import os
from collections.abc import Callable

from hookd.ingest.inbox_files import ABANDONED_PREFIX, TMP_PREFIX, Source, read_frame
from hookd.ingest.protocol import INBOX_SUFFIX, MAX_HEADER_BYTES, Rejected, parse_header
from hookd.paths import UnsafePathError

# Told how far a long pass has gone: (what it does, files done, files in all).
Progress = Callable[[str, int, int], None]

# Files between two reports of progress (and, in the sweep, two turns of the event loop).
FILES_PER_TURN = 64


def pending_paths(sources: list[Source]) -> list[tuple[str, int]]:
    """Every waiting file of the inbox and the spare inbox (as this sweep holds them), in one
    order: by name (send time); each with the descriptor of its directory."""
    named = []
    for directory, dir_fd in sources:
        named += [
            (n, directory, dir_fd) for n in os.listdir(dir_fd) if n.endswith(INBOX_SUFFIX) and not n.startswith(".")
        ]
    return [(os.path.join(directory, name), dir_fd) for name, directory, dir_fd in sorted(named)]


def waiting_handoff_ids(sources: list[Source], progress: Progress | None = None) -> set[str]:
    """Hand-off ids of the frames waiting in ``sources``, read from their headers: the renamed files,
    and those a killed hook-send (or a sweep cut off) left under a temporary name, which a later
    sweep takes too."""
    ids = set()
    paths = pending_paths(sources) + [
        (os.path.join(directory, name), dir_fd)
        for directory, dir_fd in sources
        for name in os.listdir(dir_fd)
        if name.startswith((TMP_PREFIX, ABANDONED_PREFIX))
    ]
    for index, (path, dir_fd) in enumerate(paths):
        if progress is not None and index % FILES_PER_TURN == 0:
            progress("reading the inbox's hand-off ids", index, len(paths))
        try:
            line = read_frame(path, dir_fd, MAX_HEADER_BYTES + 1).split(b"\n", 1)[0]
            handoff_id = parse_header(line).handoff_id
        except (OSError, UnsafePathError, Rejected):
            continue
        if handoff_id:
            ids.add(handoff_id)
    return ids
