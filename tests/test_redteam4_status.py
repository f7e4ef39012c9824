"""Red team, fourth pass: `hookd status` while events wait where hookd will not take them.

hookd sweeps the spare inbox only while it is a directory of the user's that no one else can
write to. Events hook-send left there before it was opened to others (a chmod, a restored
backup, a tmpfs mounted with another mode) wait and nothing moves them: status printed the
problem in red on the spare inbox's line, but its verdict was healthy, exit status 0, for
scripts and `--json` readers alike. Now it is degraded, with a reason that names the
directory, what is wrong with it and how many events wait there.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time

import pytest

import fake_peer
from conftest import wait_for_entries, wait_until
from hookd.control.client import CannotTell, request
from test_spare_inbox import put, spare_of


def status(daemon) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return done.returncode, json.loads(done.stdout)


def test_events_waiting_in_a_spare_inbox_hookd_will_not_sweep_make_status_degraded(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    spare = spare_of(daemon)
    put(spare, 1, time.time_ns())
    put(spare, 2, time.time_ns())
    os.chmod(spare, 0o777)
    daemon.start()
    wait_until(lambda: status(daemon)[1]["inbox"]["spare_problem"], what="status to name the problem")
    code, document = status(daemon)
    assert code == 1 and document["health"] == "degraded", (code, document["health"], document.get("reasons"))
    reason = [r for r in document["reasons"] if str(spare) in r]
    assert reason and "2 events" in reason[0] and "writable by other users" in reason[0], document["reasons"]
    os.chmod(spare, 0o700)
    wait_for_entries(redis_db, 2)
    wait_until(lambda: status(daemon)[0] == 0, what="status healthy once the spare inbox is swept")


def test_an_empty_spare_inbox_open_to_others_is_still_named_but_nothing_waits(hookd_factory, redis_db):
    """No event waits there: the line says why hookd would not sweep it; the verdict stays healthy."""
    daemon = hookd_factory(start=False)
    spare = spare_of(daemon)
    spare.mkdir(mode=0o700)
    os.chmod(spare, 0o777)
    daemon.start()
    wait_until(lambda: status(daemon)[1]["inbox"]["spare_problem"], what="status to name the problem")
    code, document = status(daemon)
    assert code == 0, document.get("reasons")


# ---------------------------------------------------------------- the control socket's client


# A control socket of the user's own that answers a status request by ``how``: a byte every
# 200 ms without end (trickle), or endless megabytes (flood).
ENDLESS = {
    "trickle": fake_peer.stream(itertools.repeat(b" "), every=0.2, read=100),
    "flood": fake_peer.stream(itertools.repeat(b" " * (1 << 20)), read=100),
}


@pytest.mark.parametrize("how", ["trickle", "flood"])
def test_status_asking_a_daemon_that_never_finishes_its_answer_gives_up(tmp_path, how):
    """The client read until the connection closed, each read under the timeout: an answer a
    byte at a time kept `hookd status` waiting for good, an endless one took its memory."""
    path = str(tmp_path / "control.sock")
    server = fake_peer.FakePeer(path, ENDLESS[how], conn_timeout=None)
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(request(path, "status", timeout_s=1.0))
        except CannotTell as exc:
            outcome.append(exc)

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(20)
    server.close()
    assert not asking.is_alive(), f"status still waits on an answer that never ends ({how})"
    assert isinstance(outcome[0], CannotTell), outcome
