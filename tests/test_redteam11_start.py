"""Red team, eleventh pass: a start with a big inbox to take in tells the service manager it goes on.

hookd takes what hook-send left in the inbox while it was away before it serves anything newer,
and says READY=1 only then. A big inbox (hookd down for days, its agents busy: some 0.3 ms a
file) outlasted systemd's TimeoutStartSec (90 s by default): hookd was killed before the sweep
removed any file it had taken, and started again with it all to read. Now the start sends
EXTEND_TIMEOUT_USEC= and STATUS= as it goes (from the work itself, so a start that hangs still
times out), and a sweep deletes the files it took as it goes, so that one cut off midway (a
crash) leaves only the rest to read again.
"""

from __future__ import annotations

import json
import os
import socket
import time

from conftest import wait_for_entries
from hookd.daemon import start_progress
from hookd.ingest import inbox as inbox_module
from hookd.paths import ensure_private_dir

FILES = 300


def _leave_in_inbox(inbox: str, count: int) -> None:
    """``count`` frames as hook-send leaves them when no hookd answers."""
    ensure_private_dir(inbox)
    now = time.time_ns()
    for n in range(count):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"away{n}"}).encode()
        sent = now - (count - n) * 1000
        frame = b"HOOKD/1 %d sent=%d pid=1 ppid=1 id=h%d hook=Stop\n" % (len(body), sent, n) + body
        fd = os.open(os.path.join(inbox, "%020d-1-h%d.hookd" % (sent, n)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, frame)
        os.close(fd)


def _messages(listener: socket.socket) -> list[dict[str, str]]:
    found = []
    while True:
        try:
            data = listener.recv(65536)
        except BlockingIOError:
            return found
        found.append(dict(line.split("=", 1) for line in data.decode().splitlines()))


def test_a_start_taking_a_big_inbox_extends_the_managers_timeout(hookd_factory, redis_db, monkeypatch):
    # every step says so: 300 files are enough (raising=False: the test runs on code without it too)
    monkeypatch.setattr(start_progress, "START_PROGRESS_EVERY_S", 0.0, raising=False)
    path = f"/tmp/hk11-notify-{os.getpid()}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    listener.setblocking(False)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", path)  # as systemd sets it for a Type=notify service
        daemon = hookd_factory(start=False)
        _leave_in_inbox(str(daemon.state_dir / "inbox"), FILES)
        daemon.start()
        wait_for_entries(redis_db, FILES)
        messages = _messages(listener)
    finally:
        listener.close()
        os.unlink(path)
    ready = next(i for i, m in enumerate(messages) if m.get("READY") == "1")
    before = messages[:ready]
    assert before and all(m["EXTEND_TIMEOUT_USEC"] == "30000000" for m in before)
    statuses = [m["STATUS"] for m in before]
    assert f"starting: taking the inbox's files, 256 of {FILES}" in statuses, statuses
    assert any(s.startswith("starting: reading the inbox's hand-off ids") for s in statuses), statuses


def test_a_sweep_deletes_the_files_it_took_as_it_goes(hookd_factory, redis_db, monkeypatch):
    """Before, a sweep deleted the files it took only at its end: the inbox held every file until
    the last was taken, and a start cut off midway had them all to read again."""
    monkeypatch.setattr(inbox_module, "REMOVE_EVERY", 64, raising=False)  # raising=False: as above
    daemon = hookd_factory(start=False)
    inbox = str(daemon.state_dir / "inbox")
    _leave_in_inbox(inbox, FILES)
    left: list[int] = []  # files in the inbox as each is taken
    take = inbox_module.Inbox._take_file

    async def counting(self, path, dir_fd):
        left.append(sum(1 for n in os.listdir(inbox) if n.endswith(".hookd")))
        return await take(self, path, dir_fd)

    monkeypatch.setattr(inbox_module.Inbox, "_take_file", counting)
    daemon.start()
    wait_for_entries(redis_db, FILES)
    assert left[0] == FILES and len(left) == FILES
    assert left[-1] == FILES - 256, left[::64]  # four steps of 64 deleted before the last file
