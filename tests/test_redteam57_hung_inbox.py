"""Fifty-seventh pass: an inbox directory on a filesystem that stops answering (a spare inbox on a
network mount that hung) stalled hookd in silence.

The sweep looked at its directories (the spare inbox's lstat, each directory's open) on the event
loop: while the mount did not answer, nothing else ran. hook-send's events went unacknowledged to the
inbox, `hookd status` could not tell, nothing was logged. And each `hookd status` listed the inboxes in
a thread of the loop's executor and waited for it without end: no answer, and a thread held for good
per request, the executor's last ones then taken from the spool's fsync.

By hand, under a FUSE filesystem whose calls block (docs/security.md); here the same hang is made in
this process: the calls on the spare inbox's path block until the test lets them go. The daemon is
real (in this process, its own loop in a thread), so is the Redis.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading

import pytest
from conftest import log_records, wait_for_entries, wait_until

from hookd.control.status import gather


class HungMount:
    """os.lstat and os.listdir of one path block until ``release``: a mount that stopped answering."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, path: str, calls: tuple[str, ...]) -> None:
        self.path = path
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.waiting = 0  # calls blocked now
        for name in calls:
            monkeypatch.setattr(os, name, self._hanging(getattr(os, name)))

    def _hanging(self, real):
        def call(*args, **kwargs):
            if args and args[0] == self.path and not self.gate.is_set():
                with self.lock:
                    self.waiting += 1
                try:
                    self.gate.wait()
                finally:
                    with self.lock:
                        self.waiting -= 1
            return real(*args, **kwargs)

        return call

    def release(self) -> None:
        self.gate.set()


@pytest.fixture
def hang(monkeypatch):
    made: list[HungMount] = []

    def make(path: str, calls: tuple[str, ...]) -> HungMount:
        made.append(HungMount(monkeypatch, path, calls))
        return made[-1]

    yield make
    for mount in made:  # before the daemon's stop (fixtures end in reverse order)
        mount.release()


def _daemon(hookd_factory, **settings):
    daemon = hookd_factory(inbox_poll_ms="100", **settings)
    spare = daemon.env["HOOKD_SPARE_INBOX"]
    os.makedirs(spare, mode=0o700, exist_ok=True)
    return daemon, spare


def _body(session: str) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()


def test_a_spare_inbox_that_does_not_answer_holds_neither_the_events_nor_the_status(hookd_factory, redis_db, hang):
    daemon, spare = _daemon(hookd_factory)
    mount = hang(spare, ("lstat", "listdir"))
    wait_until(lambda: mount.waiting >= 1, timeout=60, what="the sweep to reach the spare inbox")

    done = daemon.send(_body("through-the-socket"))
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""
    (entry,) = wait_for_entries(redis_db, 1, timeout=60)
    assert entry[b"session"] == b"through-the-socket"
    assert daemon.inbox() == []  # acknowledged on the socket, not kept by hook-send

    for _ in range(8):  # each within the client's 3 s, and no thread more held per request
        code, status = gather(daemon.config)
        assert code == 1, status
        (said,) = [r for r in status["reasons"] if r.startswith(f"the spare inbox cannot read {spare} ")]
        assert "its filesystem does not answer" in said and "check the mount" in said, said
        assert status["inbox"]["spare_error"].startswith(f"cannot read {spare} (waited ")
    assert mount.waiting <= 2, mount.waiting  # the sweep's, and one count shared by the requests

    mount.release()
    wait_until(lambda: gather(daemon.config)[0] == 0, timeout=60, what="healthy once the mount answers")
    assert daemon.send(_body("after")).returncode == 0
    wait_for_entries(redis_db, 2, timeout=60)


def test_a_status_waits_on_no_listing_and_the_fsync_keeps_its_threads(hookd_factory, redis_db, hang):
    # Only the listing by name hangs (the status's count); the sweep lists by descriptor and goes on.
    daemon, spare = _daemon(hookd_factory, spool_fsync="batch")
    mount = hang(spare, ("listdir",))
    for _ in range(10):  # more than the loop's executor has threads on this machine
        code, status = gather(daemon.config)
        assert code == 1 and "its filesystem does not answer" in " ".join(status["reasons"]), status
    assert mount.waiting == 1
    # Under spool_fsync=batch the OK waits for an fsync, run in the loop's executor.
    done = daemon.send(_body("fsynced"), HOOKD_SEND_TIMEOUT_MS="5000")
    assert done.returncode == 0
    (entry,) = wait_for_entries(redis_db, 1, timeout=60)
    assert entry[b"session"] == b"fsynced" and daemon.inbox() == []


def test_events_in_the_inbox_behind_a_hung_sweep_are_a_stall_that_names_the_mount(hookd_factory, redis_db, hang):
    daemon, spare = _daemon(hookd_factory, stall_after_s="2")
    mount = hang(spare, ("lstat", "listdir"))
    wait_until(lambda: mount.waiting >= 1, timeout=60, what="the sweep to reach the spare inbox")
    # hookd out of this hook-send's reach: its event waits in the inbox, which the sweep cannot take.
    done = daemon.send(_body("kept"), HOOKD_SOCKET=str(daemon.base / "nowhere.sock"))
    assert done.returncode == 0 and len(daemon.inbox()) == 1

    def stalled():
        code, status = gather(daemon.config)
        return code == 1 and [r for r in status["reasons"] if "has not been swept" in r]

    (said,) = wait_until(stalled, timeout=60, what="the stall said")
    assert "its sweep has waited" in said and spare in said and "a mount that hung" in said, said
    assert redis_db.xlen("hookd:events") == 0
    # and in the log, without a service manager's watchdog (the daemon/stalls.py task)
    (logged,) = wait_until(lambda: _events(daemon, "hookd_stalled"), timeout=60, what="hookd_stalled")
    assert any("its sweep has waited" in r for r in logged["reasons"]), logged

    mount.release()
    (entry,) = wait_for_entries(redis_db, 1, timeout=60)
    assert entry[b"session"] == b"kept"
    wait_until(lambda: daemon.inbox() == [], timeout=60, what="the taken file removed")
    (over,) = wait_until(lambda: _events(daemon, "hookd_stall_over"), timeout=60, what="hookd_stall_over")
    assert over["stalled_for_s"] > 0
    assert len(_events(daemon, "hookd_stalled")) == 1  # once per stall, not on every check


def _events(daemon, name: str) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") == name]


@pytest.mark.process
def test_a_limit_lowered_under_a_daemon_without_http_or_metrics_is_said(hookd_factory, redis_db):
    # Past the limit uvloop closes each waiting connection unanswered, the owner's hook-sends and
    # `hookd status` too ("cannot tell: Broken pipe"); the lowered limit was followed, and said, only
    # by a daemon with an HTTP or metrics listener to cap.
    daemon = hookd_factory()
    pid = daemon.proc.pid
    before = resource.prlimit(pid, resource.RLIMIT_NOFILE)[0]
    subprocess.run(["prlimit", f"--pid={pid}", "--nofile=200:200"], check=True)

    def said():
        return [r for r in log_records(daemon.log_text()) if r.get("event") == "descriptor_limit_low"]

    (line,) = wait_until(said, timeout=60, what="descriptor_limit_low")
    assert line["limit"] == 200 and line["lowered_from"] == before, line
    assert "closed unanswered" in line["hint"] and "LimitNOFILE" in line["hint"], line
    assert daemon.send(_body("still-served")).returncode == 0
    wait_for_entries(redis_db, 1, timeout=60)
