"""A stall of the event loop itself, said from a thread of its own.

The `stalls` task (stalls.py) runs on the event loop: when the loop's own thread is held in a call
that does not return (the spool's write to a disk or a network mount that stopped answering),
no task runs, no status is answered and nothing is logged, for as long as the mount hangs. A
daemon thread watches a beat the loop gives; once it has not come for ``stall_after_s``, the thread
logs `hookd_stalled` naming where the loop waits (the spool and the mount it is on, when the loop
is held in the spool's code), and `hookd_stall_over` when the beat comes again.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import sys
import threading
import time

import structlog

from hookd.mounts import mount_of, not_answering

log = structlog.get_logger("hookd.liveness")

BEAT_EVERY_S = 0.5
SPOOL_CODE = os.path.join("hookd", "spool") + os.sep


def where_held(thread_id: int) -> tuple[str, str] | None:
    """The innermost hookd function the thread is in, and its file, or None."""
    frame = sys._current_frames().get(thread_id)
    while frame is not None:
        name = frame.f_code.co_filename
        if os.sep + "hookd" + os.sep in name:
            return frame.f_code.co_qualname, name
        frame = frame.f_back
    return None


def reason(held_s: float, where: tuple[str, str] | None, spool_dir: str, mount: str) -> str:
    if where is not None and SPOOL_CODE in where[1]:
        return (
            f"the event loop has waited {held_s:.1f}s in the spool's {where[0]} on {spool_dir}: "
            f"{not_answering(mount)}; check that mount"
        )
    place = f" in {where[0]}" if where is not None else ""
    return f"the event loop has not run for {held_s:.1f}s{place}"


async def watch_loop(stall_after_s: float, spool_dir: str) -> None:
    """Beat on the loop; a daemon thread says when the beat stops for ``stall_after_s``."""
    beat = [time.monotonic()]
    loop_thread = threading.get_ident()
    mount = await asyncio.to_thread(mount_of, spool_dir)
    stop = threading.Event()

    def watch() -> None:
        since: float | None = None
        last = resumed = time.monotonic()
        while not stop.wait(BEAT_EVERY_S):
            now = time.monotonic()
            if now - last > 2 * BEAT_EVERY_S + 1:
                # This thread was held too: the whole process was stopped (SIGSTOP), which the
                # monotonic clock counts; the loop is judged from when both run again (as LoopLag does).
                resumed = now
            last = now
            held_s = now - max(beat[0], resumed)
            if held_s > stall_after_s and since is None:
                since = beat[0]
                log.error(
                    "hookd_stalled",
                    reasons=[reason(held_s, where_held(loop_thread), spool_dir, mount)],
                    hint="events wait and nothing moves them; hook-send keeps them in its inbox meanwhile",
                )
            elif held_s <= stall_after_s and since is not None:
                log.info("hookd_stall_over", stalled_for_s=round(time.monotonic() - since, 1))
                since = None

    # The thread logs where the loop's context routes lines (logs.routed_to).
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(watch,), name="hookd-loop-watch", daemon=True).start()
    try:
        while True:
            beat[0] = time.monotonic()
            await asyncio.sleep(BEAT_EVERY_S)
    finally:
        stop.set()
