"""The inbox's temporary files whose writer died before renaming them: taken if they hold a whole
frame, set aside in rejected/ if not (never read as an event), removed if their event is one hookd
already has (its hand-off id)."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Awaitable, Callable

import structlog

from hookd.ingest.inbox_files import ABANDONED_PREFIX, TMP_PREFIX, Source, claim_abandoned, remove_known_copy
from hookd.ingest.inbox_problems import ProblemFiles
from hookd.unjoined import OnDisk


log = structlog.get_logger("hookd.inbox")

# hook-send renames its temporary file within its deadline (250 ms by default), holding its lock
# until then: one it does not hold and this old belongs to a client killed before the rename.
ABANDONED_TMP_S = 60.0


async def salvage_abandoned(
    sources: list[Source],
    tmp_seen: dict[str, float],
    problems: ProblemFiles,
    known: Callable[[str], object],
    take: Callable[[str, int], Awaitable[bool | None]],
    on_disk: OnDisk,
) -> tuple[list[tuple[str, int]], dict[str, float]]:
    """The abandoned temporary files of ``sources`` taken into the pipeline by ``take`` (the caller
    deletes them), and when a sweep first saw each temporary file still there (``tmp_seen`` for the
    next); ``known`` tells the hand-off ids hookd already has."""
    taken = []
    now, seen = time.monotonic(), {}
    for directory, dir_fd in sources:
        for name in await on_disk(lambda: os.listdir(dir_fd)):
            if name.startswith(TMP_PREFIX):
                key = os.path.join(directory, name)
                seen[key] = tmp_seen.get(key, now)
                claimed = await on_disk(
                    functools.partial(claim_abandoned, name, dir_fd, ABANDONED_TMP_S, now - seen[key])
                )
            elif name.startswith(ABANDONED_PREFIX):  # moved away by a sweep that then stopped
                claimed = name
            else:
                continue
            if claimed is None:
                continue
            path = os.path.join(directory, claimed)
            if path in problems.not_set_aside:
                await on_disk(functools.partial(problems.set_aside, path, dir_fd))
                continue
            log.info("inbox_abandoned_tmp_file", file=path)
            if copy_of := await on_disk(functools.partial(remove_known_copy, path, dir_fd, known, problems.linked)):
                log.info("inbox_abandoned_copy_removed", file=path, handoff_id=copy_of)
            elif await take(path, dir_fd):
                taken.append((path, dir_fd))
    return taken, seen  # only those still there
