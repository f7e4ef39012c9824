"""Red team, fourth pass: `hookd status` while events wait where hookd will not take them.

hookd sweeps the spare inbox only while it is a directory of the user's that no one else can
write to. Events hook-send left there before it was opened to others (a chmod, a restored
backup, a tmpfs mounted with another mode) wait and nothing moves them: status printed the
problem in red on the spare inbox's line, but its verdict was healthy, exit status 0, for
scripts and `--json` readers alike. Now it is degraded, with a reason that names the
directory, what is wrong with it and how many events wait there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from conftest import wait_for_entries, wait_until
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
