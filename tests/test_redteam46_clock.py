"""The wall clock stepped back after a hook-send died mid-hand-off: its inbox file waited for hours.

hook-send writes its inbox file under a temporary name and renames it when whole; one killed between
the two leaves the temporary file, which the sweep takes once its writer is gone (no lock on it) and it
is a minute old by its modification time. The age was ``time.time() - st_mtime``: after the wall clock
was stepped back (NTP correcting a clock that ran ahead, a VM restored from a snapshot), a file written
before the step has a modification time ahead of the clock, its age reads negative, and the sweep left
it until the clock caught up with it, hours later, while hookd said healthy. The age is now also how
long the sweeps have seen the file, on the monotonic clock: the minute still passes before the file is
taken (the socket copy of its event, if any, is spooled and known by then), but once, not for hours.

The files are written here as killed clients leave them, with the modification time they have after
a step back of three hours (the clock itself is not moved: that moves it for every process of the
machine); a real `hookd run` sweeps. The minute is ABANDONED_S here (tests/process_site,
HOOKD_TEST_ABANDONED_TMP_S): the files' modification times are still hours ahead of the clock, which
the age by modification time alone never caught up with.
"""

from __future__ import annotations

import fcntl
import os
import time

import pytest
from conftest import wait_for_entries, wait_until
from handoff_helpers import frame_head, write_inbox_file

pytestmark = pytest.mark.process

STEP_BACK_S = 3 * 3600
ABANDONED_S = 3


def _left_ahead(inbox, handoff: str, session: str):
    """A temporary inbox file as a killed hook-send leaves it, written before a step back of the clock."""
    payload = b'{"hook_event_name":"Stop","session_id":"%s"}' % session.encode()
    path = inbox / f".tmp-{handoff}"
    write_inbox_file(path, frame_head(handoff, payload) + payload)
    ahead = time.time() + STEP_BACK_S
    os.utime(path, (ahead, ahead))
    return path


def test_temporary_files_from_before_a_step_back_of_the_clock_are_taken_once_a_minute_has_passed(
    hookd_process_factory, redis_db
):
    daemon = hookd_process_factory(start=False)
    daemon.env["HOOKD_TEST_ABANDONED_TMP_S"] = f"{ABANDONED_S},{3 * ABANDONED_S}"
    daemon.start()
    inbox = daemon.state_dir / "inbox"
    left = _left_ahead(inbox, "00112233445566778899aabb", "writer-killed")
    held = _left_ahead(inbox, "ffeeddccbbaa998877665544", "writer-alive")
    with open(held, "rb+") as writer:
        # The guard: a writer still holds its file (a hook-send writing when the clock stepped
        # back): it is not taken from under it, however long it has been seen.
        fcntl.lockf(writer, fcntl.LOCK_EX)
        entries = wait_for_entries(redis_db, 1, timeout=150)
        assert [e[b"session"] for e in entries] == [b"writer-killed"]
        wait_until(lambda: not left.exists(), timeout=60, what="the taken file removed")
        assert held.exists()
    entries = wait_for_entries(redis_db, 2, timeout=30)
    assert [e[b"session"] for e in entries] == [b"writer-killed", b"writer-alive"]
    wait_until(lambda: not [p for p in inbox.iterdir() if p.name.startswith(".")], timeout=60, what="both removed")
