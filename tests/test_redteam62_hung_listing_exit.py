"""Sixty-second red-team pass: hookd stops while a listing of a hung inbox has not returned.

The inbox sweep and `hookd status`'s count list the inboxes in threads (the fifty-seventh pass), so
a spare inbox on a mount that stopped answering holds neither the loop nor the status. Those were
threads of the loop's default executor, which the end of ``hookd run`` joins (asyncio's runner shuts
the executor down, and the interpreter joins its workers): after its drain and `hookd_stopped`, the
process waited in that join as long as the mount did not answer, where its exit would have ended
the calls a network mount lets a dying process leave (NFS waits killably).

Here the mount is a FUSE filesystem whose listing of the spare inbox is answered ten minutes late;
the kernel holds a FUSE request already handed to the filesystem even from an exiting process, so
what is checked is that hookd's own process ends (its main thread exits, left a zombie until the
mount lets its last thread go), and its exit status once the mount is gone.
"""

from __future__ import annotations

import signal
from pathlib import Path

import faultfs
import pytest
from conftest import wait_until
from faultfs import FaultFS

from hookd.control.client import request

pytestmark = pytest.mark.process


@pytest.fixture
def hung_spare(tmp_path):
    if why := faultfs.available():
        pytest.skip(why)
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    (tmp_path / "mnt" / "spare").mkdir(mode=0o700)
    try:
        yield tmp_path / "mnt" / "spare", fs
    finally:
        fs.set_rules([])
        fs.unmount()


def main_thread_ended(pid: int) -> bool:
    """The process's main thread has exited (its state Z), or the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_hookd_stops_while_a_listing_of_its_spare_inbox_hangs(hookd_factory, redis_db, hung_spare):
    spare, fs = hung_spare
    daemon = hookd_factory(spare_inbox=str(spare))
    fs.set_rules([{"op": "readdir", "path": "/spare", "delay_s": 600}])
    request(str(daemon.socket.parent / "control.sock"), "status", timeout_s=10)  # its count's listing hangs
    wait_until(lambda: any(f["op"] == "readdir" for f in fs.faults()), timeout=20, what="a listing of the spare inbox")
    daemon.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: main_thread_ended(daemon.proc.pid), timeout=60, what="hookd's main thread to exit")
    assert "hookd_stopped" in daemon.log_text()
    fs.unmount()  # the mount goes: the listing ends, and the process with it
    assert daemon.proc.wait(30) == 0
