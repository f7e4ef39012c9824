"""stderr errors that pass do not send the log to the file for the rest of the process.

A pipe that another process sharing it made non-blocking answers EAGAIN when full: the writer
took that for a broken stderr and wrote every later line to hookd.log, though the reader was
only slow. A full disk under a file stderr (ENOSPC) did the same, for good, after the disk was
freed. Now EAGAIN is waited out as on a blocking pipe, and stderr is tried again after ENOSPC.
"""

from __future__ import annotations

import contextlib
import os

from conftest import wait_until
from hookd import log_sink
from hookd.log_sink import LogSink


def test_a_full_non_blocking_pipe_is_waited_for_not_given_up(tmp_path):
    read_end, write_end = os.pipe()
    try:
        os.set_blocking(write_end, False)  # as a reader that shares the pipe may leave it
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(write_end, b"x" * 4096)
        sink = LogSink(write_end, str(tmp_path / "state"))
        sink.write_line("while the pipe is full")
        assert not sink.flush(0.3)  # the writer waits for room
        os.set_blocking(read_end, False)
        got = b""
        expected = b"while the pipe is full\n"

        def read_it() -> bool:
            nonlocal got
            with contextlib.suppress(BlockingIOError):
                while chunk := os.read(read_end, 1 << 16):
                    got += chunk
            return got.endswith(expected)

        wait_until(read_it, timeout=60, what="the line on the pipe once it has room")
        assert sink.flush(2)
        assert sink.snapshot()["to"] == "stderr" and sink.stderr_error is None
        assert not (tmp_path / "state" / "hookd.log").exists()
    finally:
        os.close(read_end)
        os.close(write_end)


def test_after_a_full_disk_the_log_comes_back_to_stderr(tmp_path, monkeypatch):
    monkeypatch.setattr(log_sink, "STDERR_RETRY_S", 0.2, raising=False)
    full = os.open("/dev/full", os.O_WRONLY)  # every write: ENOSPC
    try:
        sink = LogSink(full, str(tmp_path / "state"))
        sink.write_line("on the full disk")
        assert sink.flush(2)
        assert sink.snapshot()["to"] == "file" and sink.stderr_error == "ENOSPC"
        fallback = tmp_path / "state" / "hookd.log"
        assert "on the full disk" in fallback.read_text()

        freed = tmp_path / "stderr.log"
        with open(freed, "wb") as out:
            os.dup2(out.fileno(), full)  # the same descriptor, and room on it again

        def back() -> bool:
            sink.write_line("after the disk was freed")
            assert sink.flush(2)
            return sink.stderr_error is None

        wait_until(back, timeout=60, interval=0.1, what="stderr taken again")
        sink.write_line("and from then on")
        assert sink.flush(2)
        text = freed.read_text()
        assert "stderr takes lines again" in text and str(fallback) in text and "log_stderr_back" in text
        assert text.rstrip().endswith("and from then on")
        assert sink.snapshot()["to"] == "stderr" and sink.snapshot()["file"] is None
    finally:
        os.close(full)
