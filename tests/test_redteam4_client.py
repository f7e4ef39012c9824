"""Red team, fourth pass: hook-send (both clients) against a daemon that misbehaves on the wire.

The peer is of the user's own uid (another uid's gets not a byte: test_security_client.py), so
it passes every check; what it does after the connection is what is hostile: it never reads,
never answers, answers a byte at a time, answers megabytes, closes or resets mid-reply, or
never accepts. Whatever it does, hook-send must exit 0 by its deadline, write nothing to
stdout, and leave the event whole in the inbox.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

BODY = b'{"hook_event_name":"Stop","session_id":"hostile-peer"}'
BIG = b'{"hook_event_name":"Stop","session_id":"hostile-peer","pad":"' + b"x" * (4 << 20) + b'"}'
TIMEOUT_MS = 1000  # its last 200 ms are for the inbox write: a 4 MiB fsync on a loaded CI disk


class HostilePeer:
    """A Unix socket server of the user's own that does ``how`` to every connection."""

    def __init__(self, path: str, how: str) -> None:
        self.how = how
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.held: list[socket.socket] = []
        if how == "never_accepts":
            self.sock.listen(0)
            for _ in range(8):  # fill the backlog: a connect() now waits
                filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                filler.setblocking(False)
                try:
                    filler.connect(path)
                except (BlockingIOError, OSError):
                    filler.close()
                    break
                self.held.append(filler)
            return
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_some(self, conn: socket.socket) -> None:
        conn.settimeout(0.5)
        try:
            while b"\n" not in conn.recv(65536):
                pass
        except OSError:
            pass

    def _serve(self, conn: socket.socket) -> None:
        how = self.how
        try:
            if how == "never_reads":
                self.stop.wait(10)
                return
            self._read_some(conn)
            if how == "never_answers":
                self.stop.wait(10)
            elif how == "byte_by_byte":
                for byte in b"OK 019aa5f4-8c3e-7a01-9b2f-5d1c0e7f4a21":  # never the newline
                    if self.stop.wait(0.03):
                        return
                    conn.send(bytes([byte]))
                self.stop.wait(10)
            elif how == "megabytes":
                conn.settimeout(10)
                junk = b"x" * 65536
                for _ in range(256):  # 16 MiB without a newline
                    conn.sendall(junk)
            elif how == "ok_without_newline_then_close":
                conn.sendall(b"OK 019aa5f4")
            elif how == "reset_mid_reply":
                conn.sendall(b"OK 01")
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif how == "junk_then_ok":
                conn.sendall(b"x" * 8192 + b"\nOK 019aa5f4\n")
        except OSError:
            pass
        finally:
            if how not in ("never_reads", "never_answers", "byte_by_byte"):
                conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def place(tmp_path):
    sockdir = tempfile.mkdtemp(prefix="hk", dir="/tmp")
    os.chmod(sockdir, 0o700)
    yield Path(sockdir), tmp_path
    shutil.rmtree(sockdir, ignore_errors=True)


HOW = [
    "never_accepts",
    "never_reads",
    "never_answers",
    "byte_by_byte",
    "megabytes",
    "ok_without_newline_then_close",
    "reset_mid_reply",
    "junk_then_ok",
]


@pytest.mark.parametrize("body", [BODY, BIG], ids=["small", "4MiB"])
@pytest.mark.parametrize("how", HOW)
def test_a_hostile_daemon_never_holds_hook_send_nor_loses_the_event(client_cmd, place, how, body):
    sockdir, tmp = place
    sock = str(sockdir / "hookd.sock")
    peer = HostilePeer(sock, how)
    env = {
        "HOME": str(tmp),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOOKD_SOCKET": sock,
        "HOOKD_STATE_DIR": str(tmp / "state"),
        "HOOKD_SPARE_INBOX": str(tmp / "spare"),
        "HOOKD_SEND_TIMEOUT_MS": str(TIMEOUT_MS),
    }
    try:
        started = time.monotonic()
        done = subprocess.run([*client_cmd, "Stop"], input=body, capture_output=True, env=env, timeout=30)
        took = time.monotonic() - started
    finally:
        peer.close()
    assert done.returncode == 0 and done.stdout == b"", (done.returncode, done.stdout[:200])
    # Not a timing goal: a generous bound that a client held by its peer (seconds, or for good) breaks.
    assert took < 5, f"hook-send ran {took:.2f}s against a peer that does {how}"
    box = tmp / "state" / "inbox"
    files = sorted(p for p in box.iterdir() if p.name.endswith(".hookd")) if box.exists() else []
    assert len(files) == 1, (how, files, done.stderr)
    data = files[0].read_bytes()
    assert data.split(b"\n", 1)[1] == body
