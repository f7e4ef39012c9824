"""What the publisher waits on, one record (the hundred-twenty-fifth pass): the handshake after a connect (AUTH or
HELLO, CLIENT SETNAME, SELECT) is a step of its own, said with the address, how long, its bound and the fix, not
"Redis's answer to one batch".

Real ``hookd run`` (in-process daemon) against a peer that accepts the connection, reads what it is sent and never
answers: a server stopped with its port open, or another service on the port."""

from __future__ import annotations

import socket
import threading

import pytest

from secure_redis import send_events
from test_status import wait_status

HANDSHAKE = "the handshake after the connect (AUTH or HELLO, CLIENT SETNAME, SELECT) with"


@pytest.fixture
def mute():
    """Listening sockets whose connections are accepted and read, never answered."""
    made: list[socket.socket] = []
    held: list[socket.socket] = []
    read: list[bytes] = []

    def serve(listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed at the test's end
            held.append(conn)
            threading.Thread(target=_drain, args=(conn, read), daemon=True).start()

    def make() -> str:
        listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        made.append(listener)
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        return f"127.0.0.1:{listener.getsockname()[1]}"

    make.read = read  # type: ignore[attr-defined]  # what the connections sent, for the test to see
    yield make
    for sock in made + held:
        sock.close()


def _drain(conn: socket.socket, read: list[bytes]) -> None:
    try:
        while data := conn.recv(65536):
            read.append(data)
    except OSError:
        pass


def stalled_on(daemon, *parts: str) -> dict:
    return wait_status(
        daemon,
        lambda s: any(all(part in reason for part in parts) for reason in s.get("stalled") or ()),
        f"a stall naming {parts}",
        timeout=60,
    )


@pytest.mark.parametrize(
    ("login", "first", "replies"),
    [({}, b"PING", 3), ({"redis_password": "h125-never-checked"}, b"AUTH", 2)],
    ids=["hello", "auth"],
)
def test_a_handshake_nobody_answers_stalls_naming_the_handshake(hookd_factory, mute, login, first, replies):
    """redis:// to a port that takes the connection, reads the handshake's first command and never answers;
    redis_timeout_s 60, stall_after_s 2. The handshake's bound is one redis_timeout_s per reply: without a login a
    health check's PING (due at once on a fresh connection), HELLO 3 (redis-py's RESP3) and CLIENT SETNAME; with a
    password HELLO 3 AUTH (no PING before a login) and CLIENT SETNAME. Before: "the publisher has waited 2.xs for
    Redis's answer to one batch", the connect having ended."""
    address = mute()
    daemon = hookd_factory(
        redis_url=f"redis://{address}/0",
        redis_connect_timeout_s="1",
        redis_timeout_s="60",
        stall_after_s="2",
        **login,
    )
    send_events(daemon, range(2))
    status = stalled_on(daemon, f"{HANDSHAKE} {address}")
    reason = next(r for r in status["stalled"] if address in r)
    assert f"it ends at {60 * replies}s ({replies} x redis_timeout_s, one per reply)" in reason, reason
    assert "check what listens there, and redis_url's scheme" in reason, reason
    assert "Redis's answer to one batch" not in reason, reason
    assert first in b"".join(mute.read), mute.read
    waiting = [w for w in status["redis"]["waiting_on"] if w["what"] == HANDSHAKE]
    assert [w["address"] for w in waiting] == [address] and waiting[0]["bound_s"] == 60 * replies, waiting

    from hookd import config as hookd_config
    from hookd.control import status as hookd_status, status_text

    code, document = hookd_status.gather(hookd_config.load({}, daemon.env))  # what `hookd status` shows
    shown = status_text.render(document, code, False)
    assert f"! waiting on {HANDSHAKE} {address} for" in shown, shown
