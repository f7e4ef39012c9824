"""Twenty-first red-team pass: Claude Code's side of the hook, a hook ended at its timeout.

Claude Code ends a command hook still running at its ``timeout`` with SIGTERM. hook-send ends itself
well before (its own deadline, 250 ms, against the 5 s hookd installs), but not when the machine
stalls it or when HOOKD_SEND_TIMEOUT_MS is set above the hook's timeout. SIGTERM then killed it where
it stood: an event read and handed to a daemon that had not acknowledged it was lost without a word,
and an inbox file written whole but not yet renamed was left as a temporary file for the next sweep
to guess at. Now SIGTERM ends the run as the deadline does (both clients): a whole inbox file is
renamed into the inbox, and what became of the event is said on stderr, naming SIGTERM and the fix:
here, with the frame taken whole by the peer, that it is not acknowledged (not that it is lost:
tests/test_unacknowledged_handoff.py).
"""

from __future__ import annotations

import signal
import subprocess

from test_client import BODY, env, inbox_files, peer_factory, sockdir  # noqa: F401 -- fixtures

UNACKED_BY_TERM = "hook-send: event not acknowledged: ended by SIGTERM"


def test_an_event_handed_over_but_not_acknowledged_when_sigterm_ends_the_hook_is_said_so(  # noqa: F811
    env, peer_factory, tmp_path, client_cmd
):
    peer = peer_factory(reply=None)  # takes the frame, never answers: hook-send waits for its answer
    err = tmp_path / "err"
    with open(err, "wb") as e:
        proc = subprocess.Popen(
            [*client_cmd, "PreToolUse"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS="30000"),  # above the hook's timeout: Claude Code kills it first
        )
    try:
        proc.stdin.write(BODY)
        proc.stdin.close()
        assert peer.got_frame.wait(10), "the client never sent its frame"
        proc.send_signal(signal.SIGTERM)  # what Claude Code sends at the hook's timeout
        out = proc.stdout.read()
        code = proc.wait(10)
    finally:
        proc.kill()
        proc.wait()
    assert out == b""
    assert code == 0, code
    assert inbox_files(env["HOOKD_STATE_DIR"]) == [], "the event was kept after all: the test did not test"
    lines = err.read_text(errors="replace").splitlines()
    said = [line for line in lines if line.startswith(UNACKED_BY_TERM)]
    assert len(said) == 1, lines
    assert "fix:" in said[0] and "HOOKD_SEND_TIMEOUT_MS" in said[0], said[0]


def test_sigterm_before_any_event_stays_silent(env, tmp_path, client_cmd):  # noqa: F811
    """A guard: no byte of stdin came, so no event was being handed over; nothing to say."""
    err = tmp_path / "err"
    with open(err, "wb") as e:
        proc = subprocess.Popen(
            [*client_cmd, "PreToolUse"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS="30000"),
        )
    try:
        proc.send_signal(signal.SIGTERM)
        out = proc.stdout.read()
        proc.wait(10)
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
    assert out == b"" and err.read_bytes() == b""
