"""What the pipeline says when an event's own work fails: a full disk, or a bug.

Neither is the sender's fault, so both keep the event with the sender (hook-send puts it
in its inbox) rather than refuse it for good.
"""

from __future__ import annotations

import structlog

from hookd.pipeline.refusal_counts import RefusalCounts
from hookd.refusals import Header, Reason, Rejected
from hookd.spool import Spool

log = structlog.get_logger("hookd.pipeline")

KEEP = "keep the event and resend it"


def disk_full_words(spool: Spool, exc: OSError) -> str:
    """The refusal's words for a write of the event's state (the sequence file, the spool's
    cursor) that met a full filesystem; status says disk full meanwhile."""
    spool.note_disk_full()
    where = exc.filename or spool.directory
    return (
        f"disk full: writing {where} failed ({exc.strerror}); free space on the filesystem of "
        "hookd's state directory (state_dir)"
    )


def internal_failure(refusals: RefusalCounts, exc: Exception, header: Header, size: int) -> Rejected:
    """A bug: the log has the traceback, and the refusal (counted) asks the sender to resend."""
    log.exception("event_failed_internally", sender_pid=header.pid, bytes=size)
    rejected = refusals.refuse(
        Reason.UNAVAILABLE, f"internal error ({type(exc).__name__}); keep the event and resend it", header, size
    )
    rejected.internal = True
    return rejected
