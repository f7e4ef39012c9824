"""Red team, third pass: `hookd ui` and hookd's metrics endpoint against another local user who
opens connections and sends (almost) nothing.

uvicorn timed a connection out only after an answer, and each byte received restarted that
timer, so 1,500 idle connections held by uid 65534 took every file descriptor the UI had and
the owner could no longer load it. prometheus_client's server gave each connection a thread
that waited for good, with a descriptor of hookd itself. Now a connection has a deadline for
its request head, and past a cap the one waiting longest is closed to make room."""

from __future__ import annotations

import http.client
import os
import resource
import select
import selectors
import socket
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from conftest import free_port
from hookd.control import metrics_server
from hookd.ui.connections import HEAD_TIMEOUT_S, MAX_CONNECTIONS
from other_user import needs_root, run_as_nobody
from ui_stack import Ui

IDLE = 1500
TRICKLE = 10
# A loaded 2-core machine: the timeout, then time to be scheduled.
CLOSED_WITHIN_S = HEAD_TIMEOUT_S + 30


@pytest.fixture
def ui(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    # The usual limit of a desktop session (this machine's may be far higher).
    resource.prlimit(ui.proc.pid, resource.RLIMIT_NOFILE, (1024, 1024))
    yield ui
    ui.stop()


def _hold_connections(host: str, port: int, ready_fd: int, idle_count: int = IDLE) -> dict:
    """As nobody: IDLE connections that send nothing, TRICKLE that send a request head (or, after
    one answer, the next one) a byte every half second; say ready; then see which the UI closes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    idle, trickle, refused = [], [], 0
    for i in range(TRICKLE):
        sock = socket.create_connection((host, port), timeout=5)
        if i % 2:  # an answer first: then the wait for the next head
            sock.sendall(b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            sock.recv(65536)
        sock.sendall(b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        trickle.append(sock)
    for _ in range(idle_count):
        try:
            idle.append(socket.create_connection((host, port), timeout=1))
        except OSError:  # the UI no longer accepts (out of descriptors) and its backlog is full
            refused += 1
            break
    os.write(ready_fd, b"x")
    os.close(ready_fd)
    selector = selectors.DefaultSelector()
    for sock in idle + trickle:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    open_ = set(idle + trickle)
    start = time.monotonic()
    while open_ and time.monotonic() - start < CLOSED_WITHIN_S:
        for key, _ in selector.select(0.5):
            sock = key.fileobj
            try:
                if sock.recv(65536):
                    continue  # an answer (a 408 or the like) before the close
            except BlockingIOError:
                continue
            except OSError:
                pass
            selector.unregister(sock)
            open_.discard(sock)
        for sock in trickle:
            if sock in open_:
                try:
                    sock.send(b"X")
                except OSError:
                    pass
    return {
        "opened": len(idle) + len(trickle),
        "refused": refused,
        "left_open": len(open_),
        "trickle_left_open": len(open_ & set(trickle)),
        "seconds": round(time.monotonic() - start, 1),
    }


def _owner_request(ui: Ui) -> float:
    """The owner opens the printed URL and asks for the status, as the browser does -> seconds."""
    parts = urlsplit(ui.url)
    start = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    conn.request("GET", f"{parts.path}?{parts.query}")
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 303, answer.status
    cookie = answer.getheader("set-cookie").split(";")[0]
    conn.request("GET", parts.path.rstrip("/") + "/api/status", headers={"Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
    conn.close()
    return time.monotonic() - start


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Attack:
    """_hold_connections as nobody, in a thread: ``wait_ready()``, then ``result()``."""

    def __init__(self, host: str, port: int, idle_count: int = IDLE) -> None:
        self.ready_r, self.ready_w = os.pipe()
        self.got: dict = {}
        self.thread = threading.Thread(target=self._run, args=(host, port, idle_count))
        self.thread.start()

    def _run(self, host: str, port: int, idle_count: int) -> None:
        try:
            self.got.update(run_as_nobody(_hold_connections, host, port, self.ready_w, idle_count, timeout=120))
        except AssertionError as exc:
            self.got["error"] = str(exc)

    def wait_ready(self) -> None:
        # The write end stays open here until the child has it: wait with a deadline instead.
        while not select.select([self.ready_r], [], [], 0.5)[0]:
            assert self.thread.is_alive(), f"the connections were not opened: {self.got}"
        assert os.read(self.ready_r, 1) == b"x", self.got

    def result(self) -> dict:
        self.thread.join(CLOSED_WITHIN_S + 60)
        os.close(self.ready_r)
        os.close(self.ready_w)
        assert "error" not in self.got, self.got
        return self.got


def settled_fds(pid: int, below: int) -> int:
    """Connections closed to make room free their descriptors a moment later: the count settles."""
    settled = time.monotonic() + 5
    while (fds := open_fds(pid)) >= below and time.monotonic() < settled:
        time.sleep(0.1)
    return fds


@needs_root
def test_idle_and_trickling_connections_of_another_user_are_closed_and_the_owner_is_served(ui):
    parts = urlsplit(ui.origin)
    attack = Attack(parts.hostname, parts.port)
    try:
        attack.wait_ready()
        fds = settled_fds(ui.proc.pid, MAX_CONNECTIONS + 64)
        try:
            seconds = _owner_request(ui)
        except OSError as exc:
            pytest.fail(f"the owner's request failed while another user held connections: {exc!r} ({fds} fds)")
    finally:
        got = attack.result()
    assert fds < MAX_CONNECTIONS + 64, f"the UI held {fds} descriptors for another user's connections"
    assert got["left_open"] == 0, f"the UI left connections that sent no request open: {got}"
    assert ui.proc.poll() is None
    print(f"owner served in {seconds:.2f} s; attack {got}")


@needs_root
def test_idle_connections_to_the_metrics_endpoint_are_closed_and_bounded(hookd_process_factory, redis_db):
    port = free_port()
    daemon = hookd_process_factory(metrics_addr=f"127.0.0.1:{port}")
    before = open_fds(daemon.proc.pid)
    attack = Attack("127.0.0.1", port, idle_count=600)
    try:
        attack.wait_ready()
        bound = before + metrics_server.MAX_CONNECTIONS + 16
        fds = settled_fds(daemon.proc.pid, bound)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as answer:
            assert b"hookd_events_received_total" in answer.read()
        assert daemon.request(b'HOOKD/1 27\n{"hook_event_name": "Stop"}').startswith(b"OK"), (
            "hookd stopped taking events"
        )
    finally:
        got = attack.result()
    assert fds < bound, f"hookd held {fds} descriptors ({before} before) for another user's connections"
    assert got["left_open"] == 0, f"the metrics endpoint left connections that sent no request open: {got}"
    assert daemon.proc.poll() is None


def test_the_owners_event_stream_outlives_the_head_timeout(ui):
    """The deadline is for a request head: an answer that lasts (the event stream) is not cut."""
    parts = urlsplit(ui.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    conn.request("GET", f"{parts.path}?{parts.query}")
    answer = conn.getresponse()
    answer.read()
    cookie = answer.getheader("set-cookie").split(";")[0]
    conn.request("GET", parts.path.rstrip("/") + "/api/stream", headers={"Cookie": cookie})
    answer = conn.getresponse()
    assert answer.status == 200
    assert b"retry:" in answer.read1(65536)
    sock = conn.sock
    deadline = time.monotonic() + HEAD_TIMEOUT_S + 3
    while time.monotonic() < deadline:
        if select.select([sock], [], [], 0.5)[0]:
            assert sock.recv(1, socket.MSG_PEEK), "the UI closed its event stream"
            answer.read1(65536)
    conn.close()
