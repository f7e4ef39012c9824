"""What the pipeline says when an event's own work fails: a full disk, or a bug.

Neither is the sender's fault, so both keep the event with the sender (hook-send puts it
in its inbox) rather than refuse it for good.
"""

from __future__ import annotations

import structlog

from hookd.disk_full import DiskFullError
from hookd.pipeline.refusal_counts import RefusalCounts
from hookd.refusals import Header, Reason, Rejected
from hookd.spool import Spool, SpoolFull

log = structlog.get_logger("hookd.pipeline")

KEEP = "keep the event and resend it"


def cannot_keep(spool: Spool, exc: DiskFullError | SpoolFull) -> tuple[Reason, str]:
    """The refusal of events hookd cannot keep now, each way a write can fail for them: hookd's state
    (the sequence file, the spool's cursor) on a full filesystem, status saying disk full meanwhile;
    or the spool's own (its filesystem and reserve full, its bound, any other write error)."""
    if isinstance(exc, DiskFullError):
        spool.note_disk_full()
        where = exc.filename or spool.directory
        return Reason.DISK_FULL, (
            f"disk full: writing {where} failed ({exc.strerror}); free space on the filesystem of "
            f"hookd's state directory (state_dir); {KEEP}"
        )
    return (Reason.DISK_FULL if exc.disk_full else Reason.UNAVAILABLE), f"{exc}; {KEEP}"


def internal_failure(refusals: RefusalCounts, exc: Exception, header: Header, size: int) -> Rejected:
    """A bug: the log has the traceback, and the refusal (counted) asks the sender to resend."""
    log.exception("event_failed_internally", sender_pid=header.pid, bytes=size)
    rejected = refusals.refuse(
        Reason.UNAVAILABLE, f"internal error ({type(exc).__name__}); keep the event and resend it", header, size
    )
    rejected.internal = True
    return rejected
