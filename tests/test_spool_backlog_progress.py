"""A long redaction of the spool's backlog at start tells the service manager how far it has gone.

hookd redacts the spool's waiting events again at start when the redaction settings changed
(daemon/backlog.py), before it serves anything: with a full spool that takes minutes, and a start
that says nothing for longer than systemd's TimeoutStartSec (90 s by default) is killed and begun
again, with all of it to do again, for ever. So each batch tells start_progress.StartProgress (which sends
EXTEND_TIMEOUT_USEC=) how many of the waiting events are done, as the inbox's intake does.
"""

from __future__ import annotations

import asyncio
import json
import os

from hookd.daemon.backlog import BATCH_EVENTS, REDACTED_BY, redact_backlog
from hookd.redact import build_redactor
from hookd.spool import Spool
from hookd.spool.event import Event

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"


def _event(seq: int) -> Event:
    envelope = {"v": 1, "seq": seq, "event_id": f"e{seq}", "hook": "Stop", "session_id": "s", "note": f"k {AWS_KEY}"}
    return Event(seq, "host", f"e{seq}", "Stop", "s", "", json.dumps(envelope).encode())


def test_each_batch_of_the_backlog_redacted_again_is_told_to_the_start_progress(tmp_path):
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "never")
    waiting = 2 * BATCH_EVENTS + 7
    spool.append_many([_event(seq) for seq in range(1, waiting + 1)])
    state_fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    told: list[tuple[str, int, int]] = []
    try:
        asyncio.run(redact_backlog(spool, build_redactor(True), "digest", state_fd, lambda *said: told.append(said)))
    finally:
        os.close(state_fd)
    assert (tmp_path / REDACTED_BY).read_text().strip() == "digest"
    done = [n for what, n, total in told if "again" in what and "reading" not in what]
    assert done == [BATCH_EVENTS, 2 * BATCH_EVENTS, waiting]  # every batch, up to all of them
    assert all(total == waiting for _, _, total in told)
    batch = spool.read_batch(waiting, 1 << 30)
    assert batch.events and all(AWS_KEY.encode() not in event.envelope for event in batch.events)
