"""Thirty-fifth red-team pass: hook-send (both clients) with a stdout that is full or gone.

A hook run writes nothing to stdout, so neither can touch it (the guard below). But `--help` and
`--version`, answered on stdout for a person, were not bounded: to a pipe nobody reads that is
full, both clients blocked in the write for ever (the deadline was armed only for a run), and to
a pipe whose reader is gone the native client died by SIGPIPE (status -13), as it set SIGPIPE
aside only after answering. Now both set it aside first and bound the answer by the deadline,
whose handler exits 0.
"""

from __future__ import annotations

import fcntl
import os
import subprocess

import pytest

from test_client import BODY, env, inbox_files, sockdir  # noqa: F401 -- env and sockdir are fixtures

F_SETPIPE_SZ = 1031


def _full_pipe() -> tuple[int, int]:
    """A pipe of one page, filled: a write to it blocks until someone reads, and nobody will."""
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    return r, w


def _run(client_cmd, args, env, stdout_fd):  # noqa: F811
    proc = subprocess.Popen(
        [*client_cmd, *args], stdin=subprocess.PIPE, stdout=stdout_fd, stderr=subprocess.PIPE, env=env
    )
    try:
        try:
            proc.stdin.write(BODY)
            proc.stdin.close()
        except BrokenPipeError:  # --help and --version read nothing, and may be gone already
            pass
        # Not a timing goal: 20 s for a 500 ms deadline is what a client held for ever breaks.
        return proc.wait(20), proc.stderr.read()
    except subprocess.TimeoutExpired:
        return "still running after 20 s", b""
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["Stop"]], ids=["help", "version", "hook"])
def test_a_full_stdout_pipe_never_holds_the_client(env, client_cmd, args):  # noqa: F811
    r, w = _full_pipe()
    try:
        code, err = _run(client_cmd, args, dict(env, HOOKD_SEND_TIMEOUT_MS="500", HOOKD_DEBUG="1"), w)
    finally:
        os.close(w)
        os.close(r)
    assert code == 0, err
    if args == ["Stop"]:
        assert len(inbox_files(env["HOOKD_STATE_DIR"])) == 1


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["Stop"]], ids=["help", "version", "hook"])
def test_a_stdout_whose_reader_is_gone_is_no_death_by_sigpipe(env, client_cmd, args):  # noqa: F811
    r, w = os.pipe()
    os.close(r)
    try:
        code, err = _run(client_cmd, args, dict(env, HOOKD_DEBUG="1"), w)
    finally:
        os.close(w)
    assert code == 0, err
    if args == ["Stop"]:
        assert len(inbox_files(env["HOOKD_STATE_DIR"])) == 1
