"""One redaction at a time in the process: Hyperscan's scratch space takes one scan at a time.

Events are redacted on the event loop's thread, and the backlog is redacted again in a thread of its
own when the rules changed since it was spooled (daemon/backlog*.py). Two scans at once on the same
scratch fail (ScratchInUseError): an event refused as unavailable and left to hook-send's inbox, or a
backlog batch failed. A fork (worker.py's child for large events) waits for a scan under way, so the
child never holds a copy of a scratch caught mid-scan, nor of this lock taken.
"""

from __future__ import annotations

import os
import threading

ONE_AT_A_TIME = threading.RLock()  # re-entered: a redaction may redact a string inside it

if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=ONE_AT_A_TIME.acquire,
        after_in_parent=ONE_AT_A_TIME.release,
        after_in_child=ONE_AT_A_TIME.release,
    )
