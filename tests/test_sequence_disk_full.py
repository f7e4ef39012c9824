"""A full disk at the sequence file's reservation is a DiskFullError (hookd/paths.py), the type the
pipeline refuses as `disk_full` by its one builder (pipeline/failures.py: cannot_keep), whichever way
the event came: the socket's (counted) or the inbox's (not counted: the file stays and is tried again).
It reached the pipeline as a bare OSError, which each of its three handlers told from a bug by errno.
A real SequenceAllocator and Pipeline on a real tmpfs (root, as in CI).
"""

from __future__ import annotations

import asyncio
import errno
import json
import os

import pytest
from pipeline_replies import take
from test_disk_full import fill, mounts  # noqa: F401 (mounts: the fixture)

from hookd.envelope import EnvelopeBuilder
from hookd.ingest.protocol import Header
from hookd.disk_full import DiskFullError
from hookd.pipeline import Pipeline
from hookd.refusals import Reason, Rejected
from hookd.sequence import SequenceAllocator
from hookd.spool import Spool
from hookd.spool.flusher import Flusher
from hookd.state import DaemonState

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")

BODY = json.dumps({"hook_event_name": "Stop", "session_id": "s"}).encode()


def test_a_full_disk_at_the_sequence_reservation_is_refused_as_disk_full_naming_the_file(tmp_path, mounts):
    fs = tmp_path / "fs"
    mounts(fs, "1m")
    sequence = SequenceAllocator(str(fs / "sequence"), block=1)  # each number reserves again
    spool = Spool(str(tmp_path / "spool"), 1 << 20, "never", reserve_bytes=0)  # room for the events
    state = DaemonState()
    pipeline = Pipeline(EnvelopeBuilder("h", sequence), spool, Flusher(spool, "never", 60), state)
    sequence.next()  # the number reserved at start: the next one is reserved on a full disk
    filler = fill(fs)

    with pytest.raises(DiskFullError) as caught:
        sequence.next()
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(fs / "sequence")

    (refused,) = pipeline.take_all([(Header(), BODY)]).replies
    assert refused.startswith(b"ERR disk_full disk full: writing " + str(fs / "sequence").encode()), refused
    assert refused.endswith(b"; keep the event and resend it\n") and state.rejected["disk_full"] == 1
    assert spool.disk_full  # status says DISK FULL
    with pytest.raises(Rejected) as inbox:
        asyncio.run(pipeline.take_async(Header(), BODY))
    assert inbox.value.reason is Reason.DISK_FULL and state.rejected["disk_full"] == 1  # not counted

    filler.unlink()
    (taken,), _ = asyncio.run(take(pipeline, [(Header(), BODY)]))
    assert taken.startswith(b"OK") and spool.appended == 1  # numbered again
    spool.close()
