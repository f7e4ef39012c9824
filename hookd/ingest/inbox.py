"""Inbox pick-up: the events hook-send left on disk when hookd could not take them in time.

Each file holds one frame exactly as it would have been sent. Files are taken
in the order they were sent (their names start with the send time), through
the same pipeline as socket events, and deleted only once spooled. A frame
the pipeline refuses for good is moved to ``inbox/rejected/`` rather than
deleted, so that nothing handed over disappears without a trace.
"""

from __future__ import annotations

import asyncio
import os
import time

import structlog

from hookd.ingest.protocol import MAX_HEADER_BYTES, Reason, Rejected, parse_header, split_frame
from hookd.paths import UnsafePathError, ensure_private_dir, open_private, read_private
from hookd.pipeline import Pipeline

log = structlog.get_logger("hookd.inbox")

SUFFIX = ".hookd"
TMP_PREFIX = ".tmp-"
# hook-send renames its temporary file within its deadline (250 ms by default);
# one this old belongs to a client that was killed before the rename.
ABANDONED_TMP_S = 60.0


class Inbox:
    def __init__(self, directory: str, pipeline: Pipeline, max_body: int = 8 << 20) -> None:
        self.directory = ensure_private_dir(directory)
        self.max_body = max_body  # max_event_bytes, as on the socket
        self.rejected_dir = os.path.join(directory, "rejected")
        self.pipeline = pipeline
        self.taken = 0
        self.waiting = 0
        self.swept_at = time.monotonic()  # the last sweep that ran to its end (for liveness)

    def handoff_ids(self) -> set[str]:
        """Hand-off ids of the frames waiting here, read from their headers."""
        ids = set()
        for name in self._pending_names():
            try:
                with os.fdopen(open_private(os.path.join(self.directory, name)), "rb") as fh:
                    line = fh.readline(MAX_HEADER_BYTES + 1).rstrip(b"\n")
                handoff_id = parse_header(line).handoff_id
            except (OSError, UnsafePathError, Rejected):
                continue
            if handoff_id:
                ids.add(handoff_id)
        return ids

    def _pending_names(self) -> list[str]:
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if n.endswith(SUFFIX) and not n.startswith("."))

    def sweep(self) -> int:
        """Take every waiting frame into the spool, oldest first; return how many were taken."""
        names = self._pending_names()
        done: list[str] = []
        self.waiting = 0
        for index, name in enumerate(names):
            path = os.path.join(self.directory, name)
            outcome = self._take_file(path)
            if outcome is None:
                # The pipeline cannot take events now (spool full, shutting down):
                # stop here, so that order is kept, and try again on the next sweep.
                self.waiting = len(names) - index
                break
            if outcome:
                done.append(path)
        if not self.waiting:
            done += self._salvage_abandoned_tmp_files()
        if done:
            # The client fsynced its file; the spool must hold the event as firmly
            # before the file goes.
            if self.pipeline.spool.fsync_policy != "never":
                self.pipeline.spool.sync()
            for path in done:
                os.unlink(path)
        self.taken += len(done)
        return len(done)

    def _take_file(self, path: str) -> bool | None:
        """True if spooled (the caller deletes the file), False if set aside or gone, None to wait."""
        try:
            # Never through a link (its target would be published); never more than a frame can
            # hold (a sparse file of gigabytes would be read whole, on the event loop).
            data = read_private(path, MAX_HEADER_BYTES + 2 + self.max_body)
        except FileNotFoundError:
            return False
        except UnsafePathError as exc:
            self.pipeline.refuse(Reason.BAD_HEADER, f"inbox file {os.path.basename(path)}: {exc}")
            self._set_aside(path)
            return False
        if len(data.partition(b"\n")[2]) > self.max_body:
            self.pipeline.refuse(Reason.TOO_LARGE, f"inbox file {os.path.basename(path)}: the body is "
                                 f"over the limit of {self.max_body} bytes (max_event_bytes)")
            self._set_aside(path)
            return False
        try:
            header, body = split_frame(data)
        except Rejected as exc:
            self.pipeline.refuse(exc.reason, f"inbox file {os.path.basename(path)}: {exc.message}")
            self._set_aside(path)
            return False
        try:
            self.pipeline.take(header, body)
        except Rejected as exc:
            if exc.reason is Reason.UNAVAILABLE and not exc.internal:
                return None
            self._set_aside(path)
            return False
        return True

    def _set_aside(self, path: str) -> None:
        ensure_private_dir(self.rejected_dir)
        target = os.path.join(self.rejected_dir, os.path.basename(path).lstrip("."))
        os.replace(path, target)
        log.warning("inbox_file_set_aside", file=target,
                    hint="hookd refused this frame (see the event_rejected line before); "
                         "it is kept for inspection and can be deleted")

    def _salvage_abandoned_tmp_files(self) -> list[str]:
        """Take temporary files whose writer died before renaming them, if they hold a whole frame."""
        taken = []
        now = time.time()
        for name in os.listdir(self.directory):
            if not name.startswith(TMP_PREFIX):
                continue
            path = os.path.join(self.directory, name)
            try:
                if now - os.stat(path).st_mtime < ABANDONED_TMP_S:
                    continue
            except FileNotFoundError:
                continue
            log.info("inbox_abandoned_tmp_file", file=path)
            if self._take_file(path):
                taken.append(path)
        return taken

    async def run(self, interval_s: float) -> None:
        """Sweep every ``interval_s`` until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            self.pipeline.handoffs.trim()
            try:
                self.sweep()
                self.swept_at = time.monotonic()
            except OSError as exc:
                log.error("inbox_sweep_failed", directory=self.directory, error=str(exc))
