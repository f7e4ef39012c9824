"""What the state directory says of the spool's waiting events' redaction (the file REDACTED_BY):
the digest of the settings that redacted every waiting event (daemon/backlog.py compares this run's).
"""

from __future__ import annotations

import structlog

from hookd.paths import DISK_FULL_ERRNOS, read_private, replace_private
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
