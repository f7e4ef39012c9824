"""Fifth red-team pass: hook-send (both clients) when its hard deadline ends a run.

A run the deadline ended after hook-send had read the whole event, but before
hookd acknowledged it or an inbox kept it, lost the event and said nothing
(unless HOOKD_DEBUG=1): invariant 6. It now says one line on stderr, written
by the signal handler itself. A run the deadline ended while stdin was still
open (no event yet) stays silent, as before (tests/test_client.py). An event whose frame the peer
took whole is not said lost but not acknowledged (hookd may still take it:
tests/test_unacknowledged_handoff.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from test_client import (  # noqa: F401 -- env, peer_factory and sockdir are fixtures
    BODY,
    env,
    inbox_files,
    peer_factory,
    sockdir,
)

UNACKED = "hook-send: event not acknowledged: deadline reached"


def _stopped_past_the_deadline(proc, timeout_s):
    """Stop the client (SIGSTOP) until its deadline has passed, then let it go: the pending
    SIGALRM is delivered where it stood, as if the machine had been too slow to go on."""
    os.kill(proc.pid, signal.SIGSTOP)
    time.sleep(timeout_s + 0.5)
    os.kill(proc.pid, signal.SIGCONT)


def test_an_event_handed_whole_but_neither_acknowledged_nor_kept_is_reported_not_acknowledged(
    env, peer_factory, tmp_path, client_cmd
):
    peer = peer_factory(reply=None)  # takes the frame, never answers
    timeout_ms = 3000
    err = tmp_path / "err"
    with open(err, "wb") as e:
        proc = subprocess.Popen(
            [*client_cmd, "Stop"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS=str(timeout_ms)),
        )
    try:
        proc.stdin.write(BODY)
        proc.stdin.close()
        assert peer.got_frame.wait(5), "the client never sent its frame"
        _stopped_past_the_deadline(proc, timeout_ms / 1000)
        out = proc.stdout.read()
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()
    assert out == b""
    assert inbox_files(env["HOOKD_STATE_DIR"]) == [], "the event was kept after all: the test did not test"
    lines = err.read_text(errors="replace").splitlines()
    said = [line for line in lines if line.startswith(UNACKED)]
    assert len(said) == 1, lines
    assert "HOOKD_SEND_TIMEOUT_MS=3000" in said[0], said[0]


def test_the_deadline_line_is_the_same_in_both_clients(env, peer_factory, tmp_path, native_client):
    from conftest import CLIENT_ARGV

    said = {}
    for name, cmd in (("python", list(CLIENT_ARGV)), ("native", [native_client])):
        for f in inbox_files(env["HOOKD_STATE_DIR"]):
            f.unlink()
        if os.path.exists(env["HOOKD_SOCKET"]):
            os.unlink(env["HOOKD_SOCKET"])
        peer = peer_factory(reply=None)
        event = tmp_path / "event.json"
        event.write_bytes(BODY)
        with open(event, "rb") as stdin:
            proc = subprocess.Popen(
                [*cmd, "Stop"],
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env, HOOKD_SEND_TIMEOUT_MS="1000"),
            )
        try:
            assert peer.got_frame.wait(5)
            _stopped_past_the_deadline(proc, 1.0)
            out, errb = proc.communicate(timeout=10)
        finally:
            proc.kill()
            proc.wait()
            peer.close()
        assert proc.returncode == 0 and out == b""
        said[name] = errb.decode(errors="replace").splitlines()
    assert said["python"] == said["native"]
    assert said["python"] and said["python"][0].startswith(UNACKED), said


def test_with_stderr_closed_the_deadline_line_goes_nowhere_else(env, tmp_path, client_cmd):
    """Started with fd 2 closed, the client's socket (or an inbox file) can take fd 2: the line
    the deadline's handler writes must not go into it (the peer would read it as a frame)."""
    import socket
    import threading

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(env["HOOKD_SOCKET"])
    listener.listen(1)
    got, frame_in = [], threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            data = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
                if data.endswith(BODY):
                    frame_in.set()
            got.append(data)
            frame_in.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    event = tmp_path / "event.json"
    event.write_bytes(BODY)
    with open(event, "rb") as stdin:
        proc = subprocess.Popen(
            [*client_cmd, "Stop"],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS="1000"),
            pass_fds=(),
            preexec_fn=lambda: os.close(2),
        )
    try:
        assert frame_in.wait(5)
        _stopped_past_the_deadline(proc, 1.0)
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()
    thread.join(5)
    listener.close()
    assert got and got[0].endswith(BODY), got  # the frame, and nothing after it
