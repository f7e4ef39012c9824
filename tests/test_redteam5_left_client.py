"""Fifth red-team pass, left over: hook-send's "event lost" line in two races.

1. It said "event lost" for an event hookd had acknowledged, when its deadline fired between
reading hookd's OK and noting it.

Both clients now hold SIGALRM off from each read of the answer until an answer that settles
the event (OK, or a final ERR) is noted; the read stays under the socket's timeout (which ends
before the hard deadline), so a peer that trickles still cannot hold the client.

The window is a few instructions wide. To hit it every time, the client runs with a small
LD_PRELOAD library (built here with the system's C compiler) whose recv() stops the process
(SIGSTOP) right after a read that returned a whole line: the test keeps it stopped until
the deadline has passed, then lets it go, so the pending SIGALRM arrives exactly there. The
same library serves both clients: CPython's socket.recv calls libc's recv().

2. It said "event lost" when the deadline fired while the inbox file, written whole, was
made durable (a slow fsync: the case the line is for) and the file then stayed behind under
its temporary name. The deadline's handler now finishes the rename (renameat is
async-signal-safe): the event is kept, in the inbox under its final name, and nothing is said.
The same library's fsync() stops the client once the real fsync has returned, until the
deadline has passed. Since the hundred-thirty-first pass a child process makes the file durable and
renames it (a held fsync held the hook past its deadline): the library stops that child, the client
ends at its deadline meanwhile, and the child renames the file once let go.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from conftest import wait_until
from preload_shim import build_shim

from test_client import (  # noqa: F401 -- env, peer_factory and sockdir are fixtures
    BODY,
    env,
    inbox_files,
    peer_factory,
    sockdir,
)

LOST = "hook-send: event lost"
SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    static ssize_t (*real)(int, void *, size_t, int);
    if (!real)
        real = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
    ssize_t got = real(fd, buf, n, flags);
    if (got > 0 && memchr(buf, '\n', (size_t)got))
        raise(SIGSTOP); /* the answer is read: the deadline may fire now */
    return got;
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    int r = real(fd);
    raise(SIGSTOP); /* the inbox file is whole and durable: the deadline may fire now */
    return r;
}
"""


@pytest.fixture(scope="module")
def stop_after_answer(tmp_path_factory):
    return build_shim(tmp_path_factory, SHIM)


def _run_stopped_past_the_deadline(cmd, env, err, timeout_ms, shim):
    with open(err, "wb") as e:
        proc = subprocess.Popen(
            [*cmd, "Stop"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=e,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS=str(timeout_ms), LD_PRELOAD=shim),
        )
    try:
        proc.stdin.write(BODY)
        proc.stdin.close()
        deadline = time.monotonic() + 10
        # Stopped by the library, the answer (or the fsync) just done: the client, or the child process
        # that makes its inbox file durable and renames it.
        while (stopped := _stopped(proc.pid)) is None:
            assert proc.poll() is None and time.monotonic() < deadline, "the client never stopped"
            time.sleep(0.005)
        time.sleep(timeout_ms / 1000 + 0.5)  # the deadline passes while it stands there
        os.kill(stopped, signal.SIGCONT)
        out = proc.stdout.read()
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out


def _stopped(pid: int) -> int | None:
    """The pid of the client or of one of its children that is stopped, if one is."""
    try:
        children = [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        children = []
    for one in (pid, *children):
        try:
            if _state(one) == "T":
                return one
        except OSError:  # gone since
            pass
    return None


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.parametrize("reply", [b"OK\n", b"ERR not_json the body is not JSON\n"], ids=["ok", "final-err"])
def test_an_answer_read_when_the_deadline_fires_is_not_called_lost(
    env, peer_factory, tmp_path, client_cmd, stop_after_answer, reply
):
    peer = peer_factory(reply=reply)
    err = tmp_path / "err"
    out = _run_stopped_past_the_deadline(client_cmd, env, err, 2000, stop_after_answer)
    assert out == b""
    assert peer.got_frame.is_set()
    assert inbox_files(env["HOOKD_STATE_DIR"]) == []
    lines = err.read_text(errors="replace").splitlines()
    assert not [line for line in lines if line.startswith(LOST)], lines


def test_an_inbox_file_made_durable_when_the_deadline_fires_is_kept_not_called_lost(
    env, tmp_path, client_cmd, stop_after_answer
):
    # No hookd: the event goes to the inbox; the deadline fires as its fsync returns.
    err = tmp_path / "err"
    out = _run_stopped_past_the_deadline(client_cmd, env, err, 2000, stop_after_answer)
    assert out == b""
    lines = err.read_text(errors="replace").splitlines()
    assert not [line for line in lines if line.startswith(LOST)], lines
    # The child that made it durable renames it once let go, the client ended at its deadline meanwhile.
    wait_until(
        lambda: [f.name[:5] for f in inbox_files(env["HOOKD_STATE_DIR"])] not in ([], [".tmp-"]),
        timeout=30,
        what="the inbox file renamed",
    )
    files = inbox_files(env["HOOKD_STATE_DIR"])
    assert [f.name for f in files if f.name.startswith(".tmp-")] == [], "left under its temporary name"
    assert len(files) == 1 and files[0].read_bytes().endswith(BODY), files
