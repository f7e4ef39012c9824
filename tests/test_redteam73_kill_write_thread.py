"""Seventy-third red-team pass: hookd killed (SIGKILL) while the spool's write thread holds a write and
appends are queued behind it (write_thread.Appends, several written with one write).

The state directory a faultfs mount (tests/faultfs.py) whose next segment write is answered late, as
the sixty-fifth pass: the appends handed over meanwhile wait, coalesced, for the next write. Every OK
hook-send was given must be in the spool after the restart; an event not OK'd is in hook-send's
inbox; none reaches Redis twice (the inbox copy of one whose write landed is dropped by its hand-off id).
"""

from __future__ import annotations

import threading
import time

import pytest
from conftest import wait_until
from faultfs_daemon import NEEDS_FAULTFS, arrived, faulty_daemon, numbered, outcome  # noqa: F401
from test_redteam64_hung_spool import hung_daemon  # noqa: F401

pytestmark = [pytest.mark.process, *NEEDS_FAULTFS]

HANG_S = 4


def send_in_thread(daemon, n: int, timeout_ms: int, outcomes: dict[int, str]) -> threading.Thread:
    def run() -> None:
        outcomes[n] = outcome(daemon.send(numbered(n), HOOKD_SEND_TIMEOUT_MS=str(timeout_ms), HOOKD_DEBUG="1"))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("killed", ["during-the-write", "after-the-coalesced-write"])
def test_a_kill_with_appends_queued_behind_a_write_loses_and_repeats_nothing(hung_daemon, killed):  # noqa: F811
    daemon, fs, redis = hung_daemon(stall_after_s="30", inbox_poll_ms="200")
    redis.start()
    daemon.start()
    assert outcome(daemon.send(numbered(1), HOOKD_SEND_TIMEOUT_MS="5000", HOOKD_DEBUG="1")) == "delivered"
    wait_until(lambda: arrived(redis) == [1], timeout=20, what="event 1 in Redis")
    fs.set_rules([{"op": "write", "path": "/spool/*.seg", "delay_s": HANG_S, "count": 1}])
    patient = 2 * HANG_S * 1000 if killed == "after-the-coalesced-write" else 1000
    outcomes: dict[int, str] = {}
    threads = [send_in_thread(daemon, 2, patient, outcomes)]
    wait_until(lambda: any(f["op"] == "write" for f in fs.faults()), timeout=60, what="the held write")
    threads += [send_in_thread(daemon, n, patient, outcomes) for n in (3, 4, 5)]
    threads += [send_in_thread(daemon, n, 1000, outcomes) for n in (6, 7)]  # they give up: the inbox
    for thread in threads:
        thread.join(30)
    if killed == "after-the-coalesced-write":
        assert [outcomes[n] for n in (2, 3, 4, 5)] == ["delivered"] * 4, outcomes
    else:
        assert set(outcomes.values()) == {"kept"}, outcomes
    assert outcomes[6] == outcomes[7] == "kept", outcomes
    daemon.proc.kill()
    daemon.proc.wait(3 * HANG_S)
    daemon.log.close()
    fs.set_rules([])
    delivered = [n for n, said in outcomes.items() if said == "delivered"]
    if delivered:  # OK'd: in the spool, whatever Redis has had of them
        assert delivered == [n for n in delivered if n in spooled(daemon)], (delivered, spooled(daemon))
    else:  # the held write landed (the kernel waits for the filesystem's answer), the queued ones never began
        assert spooled(daemon) == [1, 2]
    daemon.start()
    wait_until(lambda: len(arrived(redis)) >= 7, timeout=60, what="every event in Redis")
    wait_until(lambda: not list((daemon.state_dir / "inbox").glob("*.hookd")), timeout=20, what="the inbox emptied")
    time.sleep(1)  # sweeps more: nothing taken twice
    assert sorted(arrived(redis)) == [1, 2, 3, 4, 5, 6, 7], arrived(redis)
    assert arrived(redis)[:2] == [1, 2]  # in the order handed over, as far as it was one
    dropped = [line for line in daemon.log_text().splitlines() if '"handoff_duplicate_dropped"' in line]
    assert dropped  # an inbox copy of a spooled event (2, or 6 and 7 written with 3 to 5), dropped as a repeat


def spooled(daemon) -> list[int]:
    """The ``n`` of each event in the spool's segments."""
    import json

    import msgspec

    from hookd.spool.event import Event
    from hookd.spool.records import SegmentReader

    found, decoder = [], msgspec.msgpack.Decoder(Event)
    for seg in sorted((daemon.state_dir / "spool").glob("*.seg")):
        reader = SegmentReader(str(seg))
        try:
            found += [json.loads(decoder.decode(data).envelope)["payload"]["n"] for data, _ in reader.records(2**62)]
        finally:
            reader.close()
    return found
