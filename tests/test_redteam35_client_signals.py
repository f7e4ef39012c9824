"""Thirty-fifth red-team pass: hook-send (both clients) against the signals a terminal sends.

Claude Code ends a hook at its timeout with SIGTERM, which both clients handle (the twenty-first
pass). The other signals that end a process by default were not: a terminal's ^C (SIGINT) or
hang-up (SIGHUP) reaches the whole foreground process group, hook-send included, and so may a
stray SIGQUIT, SIGUSR2 or real-time signal. Each killed the native client mid-hand-off and the
Python one on every signal but SIGINT, which raised KeyboardInterrupt through the send and ended
the run at exit 0 with the event neither handed on, kept, nor said lost. And a hook-send whose
stdin or stderr is the controlling terminal, run in a background process group, was stopped by
SIGTTIN (or SIGTTOU under `stty tostop`) for good: a stopped process's deadline never fires, so
the agent waited on it for ever. Now both clients block every signal but the deadline's (SIGALRM,
SIGTERM) and a fault's for their life, which the deadline bounds anyway; a terminal read from the
background fails (EIO) instead of stopping.
"""

from __future__ import annotations

import json
import os
import pty
import resource
import signal
import subprocess
import sys
import termios
import threading

import pytest

import fake_peer
from test_client import BODY, env, inbox_files, sockdir  # noqa: F401 -- env and sockdir are fixtures

RETRY = b"ERR unavailable shutting down\n"  # a retryable answer: the client keeps the event in its inbox

SIGNALS = [signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR2, signal.SIGRTMIN]


@pytest.mark.parametrize("sig", SIGNALS, ids=["SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR2", "SIGRTMIN"])
def test_a_terminal_signal_while_sending_neither_kills_the_client_nor_loses_the_event(
    env,
    client_cmd,
    sig,  # noqa: F811
):
    """The signal comes while the client waits for hookd's answer; hookd then answers "retry":
    the client must live on to read it and keep the event in its inbox."""
    signalled = threading.Event()

    def behave(peer, conn):
        peer.record(fake_peer.read_frame(conn))
        signalled.wait(20)
        conn.sendall(RETRY)

    peer = fake_peer.FakePeer(env["HOOKD_SOCKET"], behave)
    proc = subprocess.Popen(
        [*client_cmd, "Stop"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        proc.stdin.write(BODY)
        proc.stdin.close()
        assert peer.got_frame.wait(20), "the client sent no frame"
        proc.send_signal(sig)
        signalled.set()
        out, err = proc.stdout.read(), proc.stderr.read()
        code = proc.wait(20)
    finally:
        signalled.set()
        proc.kill()
        proc.wait()
        peer.close()
    assert code == 0 and out == b"", (code, out[:200], err)
    files = inbox_files(env["HOOKD_STATE_DIR"])
    assert len(files) == 1, (files, err)
    assert files[0].read_bytes().split(b"\n", 1)[1] == BODY


# Runs ``argv`` in a background process group of a new session whose controlling terminal is the
# pty on fd 0 (the client's stdin, and its stderr when asked); prints {"code": ..., "stopped": ...}.
LAUNCHER = r"""
import fcntl, json, os, subprocess, sys, termios
os.setsid()
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
tty_err = sys.argv[1] == "stderr"
p = subprocess.Popen(sys.argv[2:], process_group=0, stdin=0 if not tty_err else subprocess.PIPE,
                     stdout=1, stderr=0 if tty_err else subprocess.DEVNULL)
if tty_err:
    p.stdin.write(b'{"hook_event_name":"Stop","session_id":"tty"}')
    p.stdin.close()
try:
    print(json.dumps({"code": p.wait(15), "stopped": False}), flush=True)
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    print(json.dumps({"code": None, "stopped": True}), flush=True)
"""


@pytest.mark.parametrize("tty_is", ["stdin", "stderr"])
def test_a_background_client_on_the_terminal_is_never_stopped_for_good(env, client_cmd, tty_is):  # noqa: F811
    """stdin: the read stops the client (SIGTTIN); stderr with `stty tostop`: the write of its debug
    line does (SIGTTOU). Either way the client must exit 0 by its deadline, nothing on stdout."""
    master, slave = pty.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.TOSTOP
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        run_env = dict(env, HOOKD_SEND_TIMEOUT_MS="1000", HOOKD_DEBUG="1")
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, tty_is, *client_cmd, "Stop"],
            stdin=slave,
            capture_output=True,
            env=run_env,
            timeout=60,
        )
    finally:
        os.close(slave)
        os.close(master)
    result = json.loads(done.stdout.decode().splitlines()[-1])
    # Not a timing goal: the launcher's 15 s wait, for a 1 s deadline, is what a stopped client breaks.
    assert not result["stopped"], "the client was stopped by its terminal and never exited"
    assert result["code"] == 0, result
    assert done.stdout.decode().splitlines()[:-1] == [], "the client wrote to stdout"
    if tty_is == "stderr":  # its stdin was the event, and no hookd listens: the inbox keeps it
        assert len(inbox_files(env["HOOKD_STATE_DIR"])) == 1


def test_a_file_size_limit_is_a_failed_write_said_not_a_death_by_sigxfsz(env, client_cmd):  # noqa: F811
    """`ulimit -f` (RLIMIT_FSIZE) under the event's size: the inbox write past it raised SIGXFSZ,
    which killed the native client (the Python interpreter ignores it from its start) with half a
    temporary file left and nothing said. Now it is a write that failed (EFBIG), said with the loss."""
    body = b'{"hook_event_name":"Stop","session_id":"fsize","pad":"' + b"x" * 8192 + b'"}'

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    done = subprocess.run([*client_cmd, "Stop"], input=body, env=env, capture_output=True, preexec_fn=limit, timeout=30)
    assert done.returncode == 0 and done.stdout == b"", (done.returncode, done.stderr)
    assert b"event lost" in done.stderr and b"EFBIG" in done.stderr, done.stderr
    for box in ("state/inbox", "spare"):
        where = os.path.join(os.path.dirname(env["HOOKD_STATE_DIR"]), box)
        assert not os.path.isdir(where) or os.listdir(where) == [], (where, os.listdir(where))
