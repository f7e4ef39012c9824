"""A flood of refused inbox files is a few log lines, not a line a file (invariant 4: rejected with a
counted, rate-limited reason). Each refused frame was moved to rejected/ with an `inbox_file_set_aside`
line of its own: anyone who can make hook-send keep frames (or a broken client) could fill the log at
the sweep's pace. Real `hookd run`, real redis-server.
"""

from __future__ import annotations

import os
import time

import pytest
from conftest import log_records, stream_entries, wait_until
from test_redteam5_inbox import counters, frame, put

pytestmark = pytest.mark.process

REFUSED = 300
LINES_PER_INTERVAL = 20  # as event_rejected's: 20 lines per 10 s, then one that says how many it stands for


def test_three_hundred_refused_inbox_files_are_set_aside_under_a_few_counted_lines(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(inbox_poll_ms="100")
    inbox = str(daemon.state_dir / "inbox")
    rejected = os.path.join(inbox, "rejected")
    start = time.monotonic()
    now = time.time_ns()
    for i in range(REFUSED):
        handoff = "%016x" % i
        put(inbox, now + i, handoff, frame(b"not json", handoff, now + i))
    good = "f" * 16
    put(inbox, now + REFUSED, good, frame(b'{"n": 1}', good, now + REFUSED))

    wait_until(lambda: len(stream_entries(redis_db)) == 1, timeout=60, what="the good frame after the flood")
    wait_until(
        lambda: os.path.isdir(rejected) and len(os.listdir(rejected)) == REFUSED,
        timeout=60,
        what="every refused frame set aside",
    )
    assert counters(daemon)["rejected"] == {"not_json": REFUSED}, "every refusal counted"
    lines = [r for r in log_records(daemon.log_text()) if r.get("event") == "inbox_file_set_aside"]
    intervals = int((time.monotonic() - start) // 10) + 1  # the throttle's 10 s intervals the test spanned
    assert 1 <= len(lines) <= LINES_PER_INTERVAL * intervals, f"{len(lines)} lines for {REFUSED} files"
    assert all(r.get("count", 0) >= 1 for r in lines), lines
    assert daemon.proc.poll() is None
