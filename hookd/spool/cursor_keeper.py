"""Keeping the spool's cursor file (how far Redis has the spool) on the disk, off the event loop.

Its calls are made in threads hookd's exit does not wait for (unjoined.py): in the loop's default
executor, a write on a disk that stopped answering held the exit after `hookd_stopped` (the
interpreter joins those workers).

The cursor is saved after each commit but at most every CURSOR_SAVE_INTERVAL_S, and the
segments it has passed are deleted; on a full disk the published segments are freed and the
reserve taken back once there is room again (reserve.py).
"""

from __future__ import annotations

import asyncio
import functools

import structlog

from hookd.disk_full import DISK_FULL_ERRNOS
from hookd.spool.failed_run import FailedRun
from hookd.spool.spool import Spool
from hookd.unjoined import off_loop

log = structlog.get_logger("hookd.spool")

# A crash loses at most this much of the cursor's progress; what it costs is a resend
# that the high-water mark in Redis skips.
CURSOR_SAVE_INTERVAL_S = 0.1


# How often the spool's reserve is topped up when the disk has room again (spool/reserve.py).
RESERVE_CHECK_S = 1.0


async def _free_published(spool: Spool) -> None:
    """On a full disk, delete every segment Redis has now. Published segments are kept a while
    (RETAIN_PUBLISHED_S) only to recognise inbox copies after a crash; on a full disk they hold
    every new event out, and with no event taken the cursor never moves again to delete them:
    hookd refused events until restarted (docs/security.md, eleventh pass). Deleted even past
    the cursor file, which a disk that full could not take; written afterwards if it can be. Not while
    the start's late hand-off ids are still looked for in them (Cursor.held), and by the spool's write
    thread: a deletion the disk does not answer must not hold the event loop."""
    await spool.delete_committed()
    try:
        await off_loop(functools.partial(spool.write_cursor_file, spool.cursor), "hookd-spool-cursor")
    except OSError:
        pass  # tried again in RESERVE_CHECK_S while the disk is full, and when the cursor next moves


async def keep_cursor(spool: Spool, interval_s: float = CURSOR_SAVE_INTERVAL_S) -> None:
    """Write the spool's committed position to the disk from a worker thread, after each
    commit but at most every ``interval_s``, and delete the segments it has passed; and
    take back the reserve space a full disk cost once there is room again.
    Cancel to stop; Spool.close writes the last position."""
    unsaved = FailedRun()
    while True:
        # Not asyncio.wait_for: on Python 3.11 it can swallow the cancellation that stops
        # this task (CPython gh-86296), and the shutdown would wait for it for ever.
        waiter = asyncio.ensure_future(spool.cursor_moved.wait())
        try:
            await asyncio.wait({waiter}, timeout=RESERVE_CHECK_S)
        finally:
            waiter.cancel()
        if spool.disk_full:
            await _free_published(spool)
        if spool.reserve.size < spool.reserve.target or spool.disk_full:
            await off_loop(spool.refill_reserve, "hookd-spool-reserve")
        if not spool.cursor_moved.is_set():
            continue
        spool.cursor_moved.clear()
        try:
            await off_loop(functools.partial(spool.write_cursor_file, spool.cursor), "hookd-spool-cursor")
            await spool.delete_published()
        except OSError as exc:
            full = exc.errno in DISK_FULL_ERRNOS
            if full:
                spool.note_disk_full()
            if unsaved.failed(exc):
                log.error(
                    "spool_cursor_save_failed",
                    reason="disk_full" if full else "write_failed",
                    error=exc.strerror,
                    directory=spool.directory,
                    hint=(
                        "the filesystem is full: free space there; until then events already in Redis stay "
                        "in the spool and would be sent again after a restart (Redis skips them)"
                        if full
                        else "events already in Redis will be sent again after a restart (Redis skips them)"
                    ),
                )
        else:
            if failed := unsaved.ended():
                log.info("spool_cursor_saved_again", failed_saves=failed, directory=spool.directory)
        await asyncio.sleep(interval_s)
