"""Twenty-first red-team pass: Claude Code's side of the hook, an event cut off on stdin.

Claude Code writes the event to the hook's stdin and closes it. When dozens of hooks start at once
on a loaded machine, or a payload is bigger than the pipe and its writer is slow, hook-send's hard
deadline can end the run after part of the event came in and before stdin ended. The event is lost
(a part of one is never handed on), and both clients said nothing about it unless HOOKD_DEBUG=1:
the fifth pass kept "a stdin that never ends stays silent: there was no event", which is true of a
stdin that gave nothing, not of one that gave half an event. Now a run the deadline ends after
stdin's first byte says one line on stderr, as a run that read the event whole does; a stdin that
gave nothing stays silent (tests/test_client.py).
"""

from __future__ import annotations

import os
import subprocess

from test_client import BODY, env, inbox_files, sockdir  # noqa: F401 -- env and sockdir are fixtures

LOST = "hook-send: event lost: deadline reached"


def _cut_off(
    client_cmd, env, tmp_path, given: bytes, settings: dict[str, str] | None = None, wait_s: float = 10
) -> tuple[int, bytes, list[str]]:  # noqa: F811
    """Run the client with ``given`` on a stdin that stays open past its deadline (300 ms unless
    ``settings`` say otherwise) -> its exit code (within wait_s), its stdout and its stderr's lines."""
    err = tmp_path / "err"
    with open(err, "wb") as e:
        proc = subprocess.Popen(
            [*client_cmd, "PostToolUse"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env={**env, "HOOKD_SEND_TIMEOUT_MS": "300", **(settings or {})},
        )
    try:
        if given:
            os.write(proc.stdin.fileno(), given)
        out = proc.stdout.read()  # its end: the client exited (the deadline), stdin still open
        code = proc.wait(wait_s)
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
    return code, out, err.read_text(errors="replace").splitlines()


def test_an_event_cut_off_on_an_open_stdin_is_reported_lost(env, tmp_path, client_cmd):  # noqa: F811
    code, out, lines = _cut_off(client_cmd, env, tmp_path, BODY[: len(BODY) // 2])
    assert code == 0 and out == b""
    lost = [line for line in lines if line.startswith(LOST)]
    assert len(lost) == 1, lines
    assert "stdin was still open" in lost[0] and "HOOKD_SEND_TIMEOUT_MS=300" in lost[0], lost[0]
    assert "fix:" in lost[0]
    assert inbox_files(env["HOOKD_STATE_DIR"]) == [], "half an event was kept"


def test_a_whole_event_on_a_stdin_never_closed_is_reported_lost(env, tmp_path, client_cmd):  # noqa: F811
    """The JSON is all there, but stdin never ended: hook-send cannot know it is whole."""
    code, out, lines = _cut_off(client_cmd, env, tmp_path, BODY)
    assert code == 0 and out == b""
    assert [line for line in lines if line.startswith(LOST)], lines


def test_an_open_stdin_that_gave_nothing_stays_silent(env, tmp_path, client_cmd):  # noqa: F811
    """A guard, which held before too: no byte came, so no event was being handed over."""
    code, out, lines = _cut_off(client_cmd, env, tmp_path, b"")
    assert code == 0 and out == b"" and lines == []
