"""Red team, hundredth pass: a spool reserve hard-linked while hookd is idle, then a crash.

A whole reserve on a disk with room is not written, so a link made to it then is seen at the next
cursor save or the stop (the ninety-sixth pass). A kill -9 before either left the link for the next
start, which refused the spool (`spool/reserve has 2 names (hard links)`) and so took no event. The
reserve holds no event, only space: the start now makes a new one and says so, the old file left as
it is at the other name (the user's to remove; one holding anything but zeros was put there, and is
still refused: test_redteam78); the events the spool holds arrive.
"""

from __future__ import annotations

import json
import signal

from conftest import free_port, wait_for_entries
from test_status import wait_status


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()


def test_a_reserve_linked_while_idle_then_a_kill_does_not_stop_the_next_start(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # no Redis: nothing moves
    for n in range(3):
        assert daemon.send(body(n)).returncode == 0
    wait_status(daemon, lambda s: s["spool"]["events"] == 3, "3 events spooled")
    reserve, copy = daemon.state_dir / "spool" / "reserve", daemon.base / "reserve-copy"
    copy.hardlink_to(reserve)  # whole, the disk not full, no cursor saved: nothing sees it
    daemon.stop(signal.SIGKILL)
    assert reserve.stat().st_nlink == 2

    daemon.env["HOOKD_REDIS_URL"] = daemon_url(redis_db)
    daemon.start()  # before: the start failed, `spool/reserve ... has 2 names (hard links)`
    wait_for_entries(redis_db, 3, timeout=60)
    assert sorted(json.loads(f[b"envelope"])["session_id"] for _, f in redis_db.xrange("hookd:events")) == [
        "s0",
        "s1",
        "s2",
    ]
    new = reserve.stat()
    assert new.st_nlink == 1 and new.st_ino != copy.stat().st_ino
    # Left as it was: at a start nothing says whose the other name is (test_redteam78's planted file).
    assert copy.stat().st_size == 1 << 20 and copy.stat().st_nlink == 1
    [said] = [json.loads(line) for line in daemon.log_text().splitlines() if "spool_reserve_linked" in line]
    assert said["at_start"] and said["renewed"] and "found at the start" in said["hint"], said
    assert f"find / -xdev -inum {copy.stat().st_ino}" in said["hint"], said


def daemon_url(client) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"
