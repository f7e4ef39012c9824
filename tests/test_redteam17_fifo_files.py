"""Red team, seventeenth pass: a FIFO where hookd opens one of its files by name.

Opening a FIFO waits for the other end: for reading until a writer comes, for writing until a
reader comes. The HTTP token file was opened without O_NONBLOCK, so a FIFO there held ``hookd
run``'s start for good (in ``wait_for_partner``), and SIGTERM only made Python restart the wait:
the service manager had to kill it. The log file hookd falls back to when stderr fails was opened
for writing the same way: its writer (the event loop itself, when stderr was a regular file)
waited for a reader that never came. Both are now opened without blocking, and the FIFO is
refused as not a regular file, naming it.
"""

from __future__ import annotations

import os
import stat

import pytest

from conftest import free_port
from hookd.log_sink import LogSink


@pytest.mark.process
def test_a_fifo_as_the_http_token_file_is_refused_at_once(hookd_factory, redis_db, tmp_path):
    token = tmp_path / "private" / "http.token"
    token.parent.mkdir(mode=0o700)
    os.mkfifo(token, 0o600)
    daemon = hookd_factory(start=False, http_addr=f"127.0.0.1:{free_port()}", http_token_file=str(token)).start(
        wait=False
    )
    try:
        code = daemon.proc.wait(60)
    finally:
        daemon.kill()
    stderr = daemon.log_text()
    assert code == 1, stderr[-2000:]
    assert f"{token} is not a regular file" in stderr, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    assert stat.S_ISFIFO(os.lstat(token).st_mode)  # left for the user to look at


def test_a_fifo_at_the_fallback_log_file_does_not_hold_the_log_writer(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.mkfifo(state / "hookd.log", 0o600)
    full = os.open("/dev/full", os.O_WRONLY)  # every write fails (ENOSPC): the sink turns to its file
    try:
        sink = LogSink(full, fallback_dir=str(state))
        sink.write_line('{"event": "one"}')
        assert sink.flush(30), "the log writer is stuck opening the FIFO"
        sink.write_line('{"event": "two"}')
        assert sink.flush(30)
        snapshot = sink.snapshot()
    finally:
        os.close(full)
    assert snapshot["to"] == "file" and snapshot["stderr_error"] == "ENOSPC", snapshot
    assert snapshot["file_error"] and str(state / "hookd.log") in snapshot["file_error"], snapshot
    assert snapshot["dropped"] == 2, snapshot
