"""One inbox file into the pipeline: read it (never through a link, only a regular file of the
user's that no one else can write), check its frame's size and shape, hand it over; a file refused
for good is set aside in rejected/, one that cannot be read now is kept for the next sweep."""

from __future__ import annotations

import functools
import os

from hookd.ingest.inbox_files import read_frame
from hookd.ingest.inbox_problems import ProblemFiles
from hookd.ingest.protocol import MAX_HEADER_BYTES, Reason, Rejected, split_frame
from hookd.paths import UnsafePathError
from hookd.unjoined import OnDisk
from hookd.pipeline import Pipeline


async def take_file(
    pipeline: Pipeline, problems: ProblemFiles, max_body: int, path: str, dir_fd: int, on_disk: OnDisk
) -> bool | None:
    """True if spooled (the caller deletes the file), False if set aside or gone, None to wait. The
    file is read, and set aside, by ``on_disk``: off the loop, which a filesystem that stopped
    answering would otherwise hold (and every connection with it) for as long."""
    set_aside = functools.partial(problems.set_aside, path, dir_fd)
    # A frame is a header line (at most MAX_HEADER_BYTES and its newline) and a body:
    # reading one byte past the largest possible frame tells a file that is too large.
    limit = max_body + MAX_HEADER_BYTES + 1
    try:
        # Never through a link (its target would be published), only a regular file of ours
        # that no one else can write, in the directory this sweep holds.
        data = await on_disk(functools.partial(read_frame, path, dir_fd, limit + 1))
    except FileNotFoundError:
        return False
    except UnsafePathError as exc:
        pipeline.refuse(Reason.BAD_HEADER, f"inbox file {os.path.basename(path)}: {exc}")
        await on_disk(set_aside)
        return False
    except OSError as exc:
        # Not the frame's fault (a failing disk): kept, and tried again on the next sweep.
        problems.unreadable_file(path, exc)
        return False
    problems.readable(path)
    try:
        if len(data) > limit:
            raise Rejected(Reason.TOO_LARGE, f"the body is over the limit of {max_body} bytes (max_event_bytes)")
        header, body = split_frame(data)
        if len(body) > max_body:
            raise Rejected(
                Reason.TOO_LARGE,
                f"the body is {len(body)} bytes, over the limit of {max_body} (max_event_bytes)",
            )
    except Rejected as exc:
        pipeline.refuse(exc.reason, f"inbox file {os.path.basename(path)}: {exc.message}", size=len(data))
        await on_disk(set_aside)
        return False
    del data
    try:
        await pipeline.take_async(header, body)
    except Rejected as exc:
        if exc.reason.passing and not exc.internal:
            return None
        await on_disk(set_aside)
        return False
    return True
