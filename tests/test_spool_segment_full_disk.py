"""A full disk at a segment's creation is said once per run of failures, not at every append.

When the spool's segment is full it rotates; on a filesystem with no room for a new file the
rotation fails and is tried again at the next append, and each try logged
``spool_segment_create_failed``: one error line per event for as long as the disk stayed full.
Now the first failure of a run says it, with reason ``disk_full`` and the fix, and the rotation
that succeeds again says how many failed. A real tmpfs whose inodes the test uses up.
"""

from __future__ import annotations

import errno
import os
import subprocess

import pytest
from structlog.testing import capture_logs

from hookd.spool import Spool
from hookd.spool.event import Event
from hookd.spool.segments import list_segments, segment_path

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")

APPENDS_WHILE_FULL = 8


def event(n: int) -> Event:
    return Event(n, "host", f"id-{n}", "Stop", "s", "", b'{"n": %d, "pad": "%s"}' % (n, b"x" * 4000))


def newest_segment(directory) -> str:
    return segment_path(str(directory), list_segments(str(directory))[-1])


def use_up_inodes(directory) -> list:
    made = []
    for n in range(100_000):
        path = directory / f"filler-{n}"
        try:
            path.touch()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
            return made
        made.append(path)
    raise AssertionError("the tmpfs never ran out of inodes")


def test_a_segment_that_cannot_be_created_on_a_full_disk_is_logged_once_per_run(tmp_path):
    fs = tmp_path / "fs"
    fs.mkdir(mode=0o700)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,nr_inodes=64,mode=0700", "tmpfs", str(fs)], check=True)
    try:
        spool = Spool(str(fs / "spool"), segment_bytes=64 << 10, fsync="never", retain_published_s=0)
        fillers = use_up_inodes(fs)
        segments = len(list_segments(str(fs / "spool")))
        n, tries = 0, 0
        with capture_logs() as full_logs:
            while tries < APPENDS_WHILE_FULL:  # each append past the segment's size tries a rotation
                spool.append(event(n))
                n += 1
                tries += os.path.getsize(newest_segment(fs / "spool")) >= spool.segment_bytes
        assert len(list_segments(str(fs / "spool"))) == segments, "no segment could be created"
        failed = [r for r in full_logs if r["event"] == "spool_segment_create_failed"]
        assert len(failed) == 1, full_logs
        assert failed[0]["reason"] == "disk_full" and "free space" in failed[0]["hint"], failed[0]

        fillers.pop().unlink()
        with capture_logs() as room_logs:
            spool.append(event(n))
        again = [r for r in room_logs if r["event"] == "spool_segment_created_again"]
        assert [r["failed_creates"] for r in again] == [APPENDS_WHILE_FULL], room_logs
        assert len(list_segments(str(fs / "spool"))) == segments + 1
        spool.close()
    finally:
        subprocess.run(["umount", "-l", str(fs)], check=False)
