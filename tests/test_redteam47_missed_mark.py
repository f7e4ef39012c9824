"""Forty-seventh red-team pass: h160's hook-send-missed mark against hook-send's deadline.

Both clients opened the mark for writing without O_NONBLOCK: a FIFO there (made by the user, a
tool, a restored backup) held the open until hook-send's deadline, for every event kept in the
inbox. Nothing is lost (the event is saved before the mark), but each hook took its whole deadline,
and the run ended by the deadline's handler, not by its own end. The mark is best effort: a file
that is not a regular one is left alone.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest


@pytest.mark.process
def test_a_fifo_where_the_mark_goes_does_not_hold_hook_send(hookd_process_factory, client_cmd):
    daemon = hookd_process_factory(start=False)  # no socket: hook-send keeps the event and marks the miss
    daemon.state_dir.mkdir(parents=True, exist_ok=True)
    os.mkfifo(daemon.state_dir / "hook-send-missed", 0o600)
    body = json.dumps({"hook_event_name": "Stop", "session_id": "s-fifo"}).encode()
    sent = subprocess.run(
        [*client_cmd, "Stop"],
        input=body,
        capture_output=True,
        timeout=60,
        env={**daemon.env, "HOOKD_DEBUG": "1", "HOOKD_SEND_TIMEOUT_MS": "4000"},
    )
    said = sent.stderr.decode(errors="replace")
    assert (sent.returncode, sent.stdout) == (0, b""), said
    assert "deadline reached" not in said, said  # the old clients waited on the FIFO until it
    assert "event saved to inbox" in said, said  # its own end, said after the mark
    assert len(daemon.inbox()) == 1
