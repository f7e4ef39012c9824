"""What the state directory says of the spool's waiting events' redaction (the file REDACTED_BY):
the digest of the settings that redacted every waiting event (daemon/backlog.py compares this run's).

A digest that is not this run's is removed before this run serves events (``forget``) when it cannot
be replaced by this run's: the events this run spools are redacted by its settings, not by the
recorded ones, and a later start with the recorded settings would take them for its own and publish
them as they are. No record has the next start check the backlog again.
"""

from __future__ import annotations

import os

import structlog

from hookd.disk_full import DISK_FULL_ERRNOS
from hookd.paths import read_private, replace_private
from hookd.spool.failed_run import FailedRun

log = structlog.get_logger("hookd.daemon")

REDACTED_BY = "spool-redacted-by"


class BacklogRecord:
    def __init__(self, state_fd: int, digest: str) -> None:
        self.state_fd = state_fd
        self.digest = digest
        self.done_by: str | None = None  # the digest recorded as having redacted the whole backlog
        self.failures = FailedRun()  # a full disk said once, at the first of a run
        try:
            words = read_private(REDACTED_BY, 200, dir_fd=state_fd).decode("ascii", "replace").split()
        except FileNotFoundError:
            return
        if len(words) == 1:
            self.done_by = words[0]

    def done(self) -> bool:
        """Record this run's settings as those of every waiting event; False, said in the log, if the
        state directory cannot take it (the next start then reads the backlog again). From a thread."""
        try:
            replace_private(REDACTED_BY, self.digest.encode() + b"\n", True, self.state_fd)
        except OSError as exc:
            if not self.failures.failed(exc):
                return False
            log.error(
                "spool_redaction_record_failed",
                reason="disk_full" if exc.errno in DISK_FULL_ERRNOS else "write_failed",
                error=exc.strerror,
                hint="the state directory (state_dir) cannot take the record of the spool's redaction "
                "settings; the next start reads the backlog again to check it; free space there",
            )
            return False
        self.done_by = self.digest
        self.failures.ended()
        return True

    def forget(self) -> None:
        """Remove a record naming other settings than this run's (unlink needs no room on the disk).
        From a thread."""
        if self.done_by is None or self.done_by == self.digest:
            return
        try:
            os.unlink(REDACTED_BY, dir_fd=self.state_fd)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.error(
                "spool_redaction_record_stale",
                error=exc.strerror,
                hint="the state directory (state_dir) cannot take this run's redaction settings nor lose the "
                "record of others': a later start with those settings would publish the events this run "
                f"spools as they are; remove {REDACTED_BY} in state_dir before starting hookd with them",
            )
            return
        self.done_by = None
