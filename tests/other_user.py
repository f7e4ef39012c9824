"""A second local user for the security tests: code run as uid 65534 (nobody) in a forked child.

The tests run as root in CI; a forked child drops to nobody (setgroups, setgid,
setuid) and runs a plain function, so no interpreter needs to be readable by
nobody. Results come back over a pipe as JSON.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time

import pytest

NOBODY = 65534

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root, to act as a second user (uid 65534) against this one; CI runs as root"
)


def _become_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def nobody_server(code: str, *args: str, uid: int = NOBODY) -> subprocess.Popen:
    """``python3 -c code args`` as nobody (or ``uid``, with the same gid), in a process of its own
    (a listener whose socket must be that uid's, as /proc/net/tcp shows it); returns once the
    script has printed ``ready``."""
    proc = subprocess.Popen(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "/usr/bin/python3", "-c", code, *args],
        stdout=subprocess.PIPE,
        cwd="/",
    )
    assert proc.stdout is not None
    if proc.stdout.readline() != b"ready\n":
        proc.kill()
        raise AssertionError(f"the server as uid {uid} did not start: exit {proc.wait()}")
    return proc


def run_as_nobody(fn, *args, timeout: float = 30):
    """fn(*args) in a child running as nobody -> its JSON-able result (an exception's text if it raised)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery from here, only os._exit
        os.close(read_end)
        try:
            _become_nobody()
            result = {"ok": fn(*args)}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            result = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    result = json.loads(data or b'{"error": "the child died"}')
    if "error" in result:
        raise AssertionError(f"as nobody: {result['error']}")
    return result["ok"]


class NobodyListener:
    """A Unix socket listener run by nobody, counting every connection and every byte it receives.

    ``directory`` is made by nobody (mode ``dir_mode``) unless it exists; the socket is
    ``name`` in it, mode 0777 so that anyone can connect. ``report()`` stops it and says
    what it got: {"connections": n, "bytes": n, "data": "first bytes"}.
    """

    def __init__(self, directory: str, name: str = "hookd.sock", dir_mode: int = 0o777) -> None:
        self.path = os.path.join(directory, name)
        ready_r, ready_w = os.pipe()
        self._stop_r, self._stop_w = os.pipe()
        self._out_r, out_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(ready_r)
            os.close(self._stop_w)
            os.close(self._out_r)
            try:
                _become_nobody()
                self._serve(directory, dir_mode, ready_w, out_w)
            finally:
                os._exit(0)
        os.close(ready_w)
        os.close(out_w)
        os.close(self._stop_r)
        with os.fdopen(ready_r, "rb") as fh:
            ready = fh.read()
        if ready != b"ready":
            raise AssertionError(f"the listener as nobody did not start: {ready!r}")

    def _serve(self, directory: str, dir_mode: int, ready_w: int, out_w: int) -> None:
        got = {"connections": 0, "bytes": 0, "data": ""}
        try:
            if not os.path.isdir(directory):
                os.mkdir(directory)
                os.chmod(directory, dir_mode)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(self.path)
            os.chmod(self.path, 0o777)
            listener.listen(64)
        except OSError as exc:
            os.write(ready_w, f"error {exc}".encode())
            return
        os.write(ready_w, b"ready")
        os.close(ready_w)
        lock = threading.Lock()

        def serve(conn: socket.socket) -> None:
            conn.settimeout(5)
            with conn:
                try:
                    while chunk := conn.recv(65536):
                        with lock:
                            got["bytes"] += len(chunk)
                            got["data"] = (got["data"] + chunk.decode("latin-1"))[:200]
                        conn.sendall(b"OK squatter\n")  # what a squatter would answer
                except OSError:
                    pass

        def accept() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with lock:
                    got["connections"] += 1
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        os.read(self._stop_r, 1)  # until the parent says stop
        time.sleep(0.3)  # connections still in the backlog are accepted and read first
        listener.close()
        with lock:
            os.write(out_w, json.dumps(got).encode())

    def report(self) -> dict:
        os.write(self._stop_w, b"x")
        os.close(self._stop_w)
        with os.fdopen(self._out_r, "rb") as fh:
            data = fh.read()
        os.waitpid(self.pid, 0)
        return json.loads(data)


def _mkdir(path: str, mode: int) -> str:
    os.mkdir(path)
    os.chmod(path, mode)
    return path


def make_dir_as_nobody(path: str, mode: int = 0o777) -> str:
    """Another user's directory at ``path`` (which must be in a place anyone can write, like /tmp)."""
    return run_as_nobody(_mkdir, path, mode)
