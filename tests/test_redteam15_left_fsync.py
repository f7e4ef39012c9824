"""The fifteenth red-team pass's Left: a failed fsync of the spool was held in memory only.

After an fsync of the spool failed, the events written before it were not counted as on the disk
until Redis had them (test_redteam15_spool_fsync.py), but only in that run: a restart (a stop, or a
kill -9) before Redis had them counted them as on the disk again. Status said healthy but for
Redis, and under spool_fsync = "batch" the start took hook-send's inbox copy of such an event for a
repeat of the spooled one and deleted it, the only copy whose fsync had worked, while Redis was down.
The failure is now marked in the spool directory and held again at start until Redis has them.
"""

from __future__ import annotations

import signal
import time

from test_redteam15_spool_fsync import failing_fsync, fsync_reason, own_redis, send, start  # noqa: F401

from conftest import wait_for_entries
from hookd.control.verdict import NOT_RUNNING
from test_status import live_status, status_json, status_text, wait_status


def restart(daemon, flag, sig: int | None) -> None:
    """Stop ``daemon`` (SIGKILL when ``sig`` is None), let the disk answer again, and start it anew."""
    if sig is None:
        daemon.kill()
        daemon.log.close()
    else:
        daemon.stop(sig)
    flag.unlink()
    daemon.start()


def test_a_failure_outlives_a_kill_until_redis_has_the_events(
    hookd_process_factory, own_redis, failing_fsync, tmp_path
):
    daemon, flag = start(hookd_process_factory, own_redis, failing_fsync, tmp_path)
    for n in range(3):
        send(daemon, n)
    wait_status(daemon, lambda s: s["spool"]["events"] == 3 and s["spool"]["flush_error"], "the flush failed")
    restart(daemon, flag, None)
    time.sleep(1)  # flushes that succeed, on the disk that answers again
    status = live_status(daemon)
    # On the code before: no reason but Redis, flush_error None, as if the 3 events were on the disk.
    reasons = fsync_reason(status)
    assert reasons and "Input/output error, before hookd last started" in reasons[0], status["spool"]
    assert status["spool"]["events"] == 3
    assert '"spool_unsure_at_start"' in daemon.log_text()
    unsure = daemon.state_dir / "spool" / "unsure"
    assert unsure.exists()
    own_redis.start()
    wait_for_entries(own_redis.client(), 3)
    status = wait_status(daemon, lambda s: not fsync_reason(s) and s["spool"]["events"] == 0, "the failure settled")
    assert status["spool"]["flush_error"] is None
    assert not unsure.exists()
    assert len(own_redis.client().xrange("hookd:events")) == 3


def test_status_of_the_stopped_daemon_names_the_failed_fsync(hookd_process_factory, own_redis, failing_fsync, tmp_path):
    """With hookd stopped, `hookd status` reads the disk: the mark says those events may not be on it
    (before, it showed them as waiting, like any other)."""
    daemon, flag = start(hookd_process_factory, own_redis, failing_fsync, tmp_path)
    for n in range(2):
        send(daemon, n)
    wait_status(daemon, lambda s: s["spool"]["events"] == 2 and s["spool"]["flush_error"], "the flush failed")
    daemon.kill()
    daemon.log.close()
    code, status = status_json(daemon)
    assert code == NOT_RUNNING and status["spool"]["events"] == 2, status
    assert "Input/output error" in status["spool"]["unsure"]["error"], status["spool"]
    code, text = status_text(daemon)
    assert code == NOT_RUNNING
    assert "an fsync of the spool failed before hookd stopped (Input/output error" in text, text


def test_under_batch_a_restart_keeps_the_inbox_copy(hookd_process_factory, own_redis, failing_fsync, tmp_path):
    daemon, flag = start(hookd_process_factory, own_redis, failing_fsync, tmp_path, spool_fsync="batch")
    send(daemon, 0)  # refused (the flush failed): hook-send keeps it in the inbox, and hookd takes that copy
    wait_status(daemon, lambda s: s["counters"]["received"] >= 2, "the inbox copy taken")
    assert len(daemon.inbox()) == 1
    restart(daemon, flag, signal.SIGTERM)
    # On the code before, the start found the inbox copy's hand-off id in the spool, counted the
    # spooled copy as on the disk (a flush that succeeds) and deleted the inbox file.
    time.sleep(1.5)
    assert len(daemon.inbox()) == 1
    status = live_status(daemon)
    assert fsync_reason(status), status["spool"]
    # Under batch, new events wait for the failure to settle: refused, and kept in the inbox.
    send(daemon, 1)
    assert len(daemon.inbox()) == 2
    own_redis.start()
    wait_status(daemon, lambda s: not fsync_reason(s) and s["inbox"]["events"] == 0, "the failure settled")
    wait_for_entries(own_redis.client(), 2)
    time.sleep(0.5)
    sessions = [fields[b"session"] for _, fields in own_redis.client().xrange("hookd:events")]
    assert len(sessions) == 2, sessions
    assert not (daemon.state_dir / "spool" / "unsure").exists()
    send(daemon, 2)  # the disk answers: acknowledged at once, nothing left in the inbox
    wait_for_entries(own_redis.client(), 3)
    assert daemon.inbox() == []


def test_a_mark_redis_has_passed_is_dropped_at_start(tmp_path):
    from hookd.spool import Spool
    from hookd.spool.flusher import Flusher
    from hookd.spool.segments import Position
    from hookd.spool.unsure_file import Unsure, read_unsure, write_unsure

    directory = tmp_path / "spool"
    directory.mkdir(mode=0o700)
    write_unsure(str(directory), Unsure(Position(1, 500), 5, "Input/output error"))
    spool = Spool(str(directory), 1 << 20, "interval")  # nothing spooled: Redis has everything
    try:
        assert spool.unsure_at_start is None and read_unsure(str(directory)) is None
        assert Flusher(spool, "interval", 0.2).failure is None
    finally:
        spool.close()
    write_unsure(str(directory), Unsure(Position(1, 0), 5, "Input/output error"))
    spool = Spool(str(directory), 1 << 20, "interval")
    try:
        assert spool.unsure_at_start is None  # the cursor is at the mark
    finally:
        spool.close()
