"""Never-stall pass (nineteenth): a log sink that stops reading, on a real `hookd run`.

hookd's stderr is a pipe whose reader has stopped (a journal or a log shipper that stalls, a
terminal paused with Ctrl-S). The writer thread waits on the full pipe and the lines queue up
behind it; they are dropped, and hookd called degraded, only once 1 MiB of them wait, which a
quiet daemon takes hours to reach. Meanwhile `hookd status` said healthy, exit 0, while nothing
it logged went anywhere. Now a write that has waited log_sink.BLOCKED_AFTER_S makes it degraded,
naming stderr and the fix, and it is healthy again once the reader reads.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, wait_for_entries, wait_until

pytestmark = pytest.mark.process


def status(daemon) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return done.returncode, json.loads(done.stdout)


def full_pipe() -> tuple[int, int]:
    """A pipe of one page, filled: its reader has stopped reading."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    os.set_blocking(write_end, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(write_end, b"x" * 512)
    os.set_blocking(write_end, True)  # the description is hookd's stderr too: a blocking pipe, as usual
    return read_end, write_end


def test_a_stderr_nobody_reads_makes_hookd_degraded_and_events_still_flow(hookd_process_factory, redis_db):
    daemon = hookd_process_factory(start=False)
    read_end, write_end = full_pipe()
    try:
        daemon.log = open(os.devnull, "wb")
        daemon.proc = subprocess.Popen(
            [sys.executable, "-m", "hookd", "run"],
            env=daemon.env,
            stdout=subprocess.DEVNULL,
            stderr=write_end,
            cwd=REPO,
        )
        os.close(write_end)
        wait_until(daemon._serving, timeout=30, what="hookd to serve with its stderr full")
        daemon.send_stop("while-stderr-is-full")
        assert wait_for_entries(redis_db, 1)  # the event path does not wait for the log

        def said_so() -> tuple[int, dict] | None:
            code, document = status(daemon)
            return (code, document) if code == 1 else None

        code, document = wait_until(said_so, timeout=30, interval=0.5, what="status to stop saying healthy")
        assert document["health"] == "degraded", document
        (reason,) = [r for r in document["reasons"] if "stderr" in r]
        assert "has taken no log line" in reason and "make that reader read" in reason, reason
        assert document["logging"]["blocked_s"] >= 5, document["logging"]

        def drained() -> bool:  # the reader reads again
            os.set_blocking(read_end, False)
            with contextlib.suppress(BlockingIOError):
                while os.read(read_end, 1 << 16):
                    pass
            return status(daemon)[0] == 0

        wait_until(drained, timeout=30, interval=0.5, what="hookd healthy once its stderr is read")
        assert status(daemon)[1]["logging"]["dropped"] == 0
    finally:
        os.close(read_end)


def test_a_blocked_write_to_the_fallback_file_names_the_file_not_stderr():
    from hookd.control.verdict import _liveness_reasons

    logging = {"stderr_error": "EPIPE", "file": "/state/hookd.log", "dropped": 0, "queued_bytes": 10, "blocked_s": 6.0}
    reasons = _liveness_reasons({"logging": logging})
    assert "the log file /state/hookd.log has taken no line for 6s; check its disk" in reasons, reasons
    assert not any("has taken no log line" in r for r in reasons)
    assert not _liveness_reasons({"logging": {**logging, "stderr_error": None, "blocked_s": 4.9}})
