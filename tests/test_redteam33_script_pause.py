"""A script that outlasts redis_timeout_s but ends before busy-reply-threshold is not told as a slow link alone.

Until busy-reply-threshold a script answers nothing at all; the batch sent behind it times out, the PING that
judges the timeout waits for the script's end, and the one-line script after it is answered at once: pace.py
took that for a slow link and told the fix for one (lower redis_min_bytes_per_s, raise redis_timeout_s),
which does nothing for a long script. The PING's wait, far longer than the one-line script's, is now named
with the place to look (SLOWLOG GET). Real redis-server (a script from redis-cli), real `hookd run`.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from conftest import log_records, wait_for_entries

pytestmark = pytest.mark.process

# Reads the clock until ARGV[1] (Redis's TIME in microseconds); writes nothing.
UNTIL = (
    "local target = tonumber(ARGV[1]) while true do local t = redis.call('TIME') "
    "if tonumber(t[1]) * 1000000 + tonumber(t[2]) >= target then return 1 end end"
)
RUNS_S = 3.0
# The batch sent this long before the script ends times out (redis_timeout_s 1) while it runs,
# and the PING after it is answered when it ends, within redis_timeout_s.
AHEAD_S = 1.5


def test_a_batch_held_by_a_script_shorter_than_the_busy_threshold_is_not_told_as_a_slow_link_alone(
    hookd_process_factory, redis_db, redis_server
):
    daemon = hookd_process_factory(redis_timeout_s="1", breaker_backoff_max_s="1")
    daemon.send_stop("before")
    wait_for_entries(redis_db, 1)
    cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"
    # The moment the batch is sent depends on the machine's load: tried until one timed out behind a script.
    for attempt in range(6):
        seconds, micros = redis_db.time()
        end = seconds * 1_000_000 + micros + int(RUNS_S * 1_000_000)
        started = time.monotonic()
        script = subprocess.Popen([cli, "-p", str(redis_server.port), "EVAL", UNTIL, "0", str(end)])
        time.sleep(RUNS_S - AHEAD_S)
        daemon.send_stop(f"during-{attempt}")
        script.wait(30)
        assert time.monotonic() - started >= RUNS_S - 0.1  # the script ran to its end
        wait_for_entries(redis_db, attempt + 2)
        said = [r.get("error", "") for r in log_records(daemon.log_text()) if r.get("event") == "redis_link_slow"]
        if said:
            break
    assert said, "no batch timed out behind the script in 6 tries"
    assert all("SLOWLOG" in error and "long script or command" in error for error in said), said
