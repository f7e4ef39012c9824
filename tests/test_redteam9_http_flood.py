"""Red team, ninth pass: another local user flooding the HTTP listener with connections it closes.

The fourth pass made room for a new connection by closing the oldest that had not shown the
token, and answered 503 (``too_many_connections``) only when every place held one that had:
the owner's. But a connection of another user's that was already closing (its peer had closed
it, or hookd was sending it a last refusal) was not counted among those it may close, and kept
its place until the loop came round to it, or for ``client_timeout_s`` when it did not read its
refusal. uid 65534 opening connections as fast as it could and closing them 500 at a time had
new connections answered 503 a few dozen times in seconds: an owner's event posted in such a
moment was refused, and HTTP hooks have no inbox. Now a closing connection that never showed
the token is closed at once to make room, and with every place held by another user's
connections a new one is never answered 503. hookd's descriptors stay bounded meanwhile, and
the owner's events, by the socket and over HTTP, keep being taken.

The owner's requests start once hookd is full (it refuses the flood's connections), and hookd is
still refusing them after the owner's last. Checked as over 1,000 refusals in the flood's 5 s, the
outcome was the machine's speed: a loaded machine's hookd had refused a few dozen by then.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import time

import pytest

from conftest import free_port, wait_until
from hookd.control.client import request
from other_user import _become_nobody, needs_root
from test_redteam4_http import _post

FLOOD_S = 5.0
NOFILE = 1024  # the usual soft limit of a user's service


def _flood(port: int, seconds: float) -> int:
    """Fork a child that, as nobody, opens connections to ``port`` as fast as it can until killed (at
    most ``seconds``), closing them 500 at a time once it holds 4,000; returns its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            _become_nobody()
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
            held: list[socket.socket] = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                held.append(s)
                if len(held) > 4000:
                    for old in held[:500]:
                        old.close()
                    del held[:500]
        finally:
            os._exit(0)
    return pid


def _refused_full(control: str) -> int:
    """The connections hookd has refused for being full (another user's, past its places)."""
    return request(control, "status", timeout_s=10)["http"]["refused"].get("connections_full", 0)


@pytest.mark.process
@needs_root
def test_a_flood_of_connections_another_user_closes_never_gets_the_owners_requests_refused(hookd_factory, redis_db):
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    token = (daemon.state_dir / "http.token").read_text().strip()
    resource.prlimit(daemon.proc.pid, resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    control = str(daemon.socket.parent / "control.sock")
    pid = _flood(port, FLOOD_S + 120)
    posted, sent, most_fds = [], [], 0
    try:
        full_before = wait_until(
            lambda: _refused_full(control), timeout=60, interval=0.5, what="hookd full of the flood's connections"
        )
        end = time.monotonic() + FLOOD_S
        while time.monotonic() < end:
            most_fds = max(most_fds, len(os.listdir(f"/proc/{daemon.proc.pid}/fd")))
            try:
                posted.append(_post(port, token, f"http-{len(posted)}"))
            except ConnectionError:  # closed before its head was read: the fourth pass's Left item
                posted.append(0)
            sent.append(
                daemon.send(b'{"hook_event_name": "Stop", "session_id": "socket"}', HOOKD_SEND_TIMEOUT_MS="2000")
            )
        full_after = _refused_full(control)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    http = request(control, "status", timeout_s=5)["http"]
    assert full_after > full_before, http  # the flood held hookd full through the owner's requests
    assert http["refused"].get("too_many_connections", 0) == 0, http
    assert 503 not in posted and 200 in posted, posted
    # Served through the flood: each acknowledged, none left in the inbox. The deadline is above the default 250 ms:
    # this guards that the flood never refuses the owner, not a latency (the suite's other worker and the flood's
    # process share a loaded 2-core machine; bench/ has the latency figures).
    assert [s for s in sent if s.returncode != 0 or s.stderr != b""] == [] and daemon.inbox() == []
    assert most_fds < NOFILE // 2, most_fds
    assert daemon.proc.poll() is None
