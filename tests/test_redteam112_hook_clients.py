"""Hundred-twelfth red-team pass: the hook clients (client/hook_send.py, client/hook_send.c).

- An event over HOOKD_MAX_EVENT_BYTES whose writer then stalled with stdin left open was lost: both
  clients drain the rest of stdin until a time kept for the too_large marker's hand-off, but checked
  that time only between reads, and a read of a stdin with nothing to give blocks. The deadline
  ended the run in that read, the marker neither handed over nor kept ("event lost: deadline
  reached ... before hookd acknowledged the event or an inbox kept it"). A writer that keeps
  sending was cut off in time; one that stops was not. The drain now waits for stdin no longer
  than its time (poll), and the marker is kept with `stdin_ended: false`.
"""

from __future__ import annotations

import json
import os
import subprocess

from test_client import env, inbox_files, sockdir  # noqa: F401 -- env and sockdir are fixtures

LIMIT = 1024  # HOOKD_MAX_EVENT_BYTES's least value: an event over it is a few bytes more
OVER = b'{"hook_event_name":"PostToolUse","session_id":"s112","tool_response":"' + b"x" * (4 * LIMIT) + b'"}'


def test_an_event_over_the_limit_on_a_stalled_stdin_is_kept_as_its_marker(env, tmp_path, client_cmd):  # noqa: F811
    """The writer sends more than the limit and then neither writes nor closes: the socket is absent,
    so the marker goes to the inbox, within the deadline, and nothing is said lost."""
    err = tmp_path / "err"
    with open(err, "wb") as e:
        proc = subprocess.Popen(
            [*client_cmd, "PostToolUse"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS="3000", HOOKD_MAX_EVENT_BYTES=str(LIMIT)),
        )
    try:
        os.write(proc.stdin.fileno(), OVER)  # a pipe takes 64 KiB: written whole, and stdin stays open
        out = proc.stdout.read()  # its end: the client exited, stdin still open
        code = proc.wait(30)
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
    lines = err.read_text(errors="replace").splitlines()
    assert (code, out) == (0, b"")
    assert not [line for line in lines if "event lost" in line], lines
    assert any("too_large marker handed on" in line and "stdin not ended" in line for line in lines), lines
    kept = inbox_files(env["HOOKD_STATE_DIR"])
    assert len(kept) == 1, (kept, lines)
    header, _, body = kept[0].read_bytes().partition(b"\n")
    assert b" withheld=too_large" in header
    marker = json.loads(body)
    assert marker["hook_event_name"] == "PostToolUse" and marker["session_id"] == "s112"
    assert marker["hookd_withheld"]["stdin_ended"] is False
    assert marker["hookd_withheld"]["bytes"] == len(OVER)
