"""A sentinel that takes the connection and never answers, behind a sentinel password (the hundred-fourteenth
pass): the ask of it ends within its bound (redis_connect_timeout_s + redis_timeout_s), and status names it while
it is asked, and in a stall's reason when the bound is past stall_after_s.

Real ``hookd run`` (in-process daemon) and a sentinel that takes the connection, answers the login late (within
redis_timeout_s) and then nothing: a sentinel stopped, or overloaded, between the two commands."""

from __future__ import annotations

import socket
import threading

import pytest

from hookd.console.settings import load
from hookd.liveness import Progress, stall_reasons
from hookd.waiting_on import SENTINEL, Wait
from secure_redis import send_events
from test_faults import log_records
from test_status import live_status, wait_status

from conftest import wait_until


LOGIN_LATE_S = 5.0  # within redis_timeout_s (8 in the test), as a busy sentinel answers


# A sentinel's answer to HELLO 3 AUTH (redis-py's handshake, the login in it), as redis-sentinel 7 gives it.
HELLO_REPLY = (
    b"%4\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
    b"$5\r\nproto\r\n:3\r\n$4\r\nmode\r\n$8\r\nsentinel\r\n"
)


class LateThenSilent:
    """Each connection's first command (the handshake with the login) answered LOGIN_LATE_S late, then nothing."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.closed = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn = self.listener.accept()[0]
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                if not conn.recv(65536):
                    return
                if self.closed.wait(LOGIN_LATE_S):  # the fault: the sentinel's late answer, not a wait of the test's
                    return
                conn.sendall(HELLO_REPLY)
                while conn.recv(65536):  # SENTINEL MASTERS read and never answered
                    pass
            except OSError:
                return

    def close(self) -> None:
        self.closed.set()
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


@pytest.fixture
def silent_sentinel():
    sentinel = LateThenSilent()
    yield sentinel.address
    sentinel.close()


def behind(address: str, **settings: str) -> dict[str, str]:
    return {
        "redis_url": "redis://unused.invalid:1/0",
        "redis_sentinel": address,
        "redis_sentinel_master": "mymaster",
        "redis_sentinel_password": "sentinel-secret",
        **settings,
    }


def test_a_silent_sentinels_ask_ends_within_stall_after_s_and_status_names_it_meanwhile(hookd_factory, silent_sentinel):
    """redis_timeout_s 8, redis_connect_timeout_s 1, stall_after_s 10 (the default), a sentinel password, the login
    answered 5 s late and SENTINEL MASTERS never. Before: the ask's deadline was 1 + 8 per command (17 s), so the
    ask ended at 13 s, at SENTINEL MASTERS's own timeout ("Timeout reading from ..."), and status said stalled from
    10 s on, naming the batch ("waited 10.xs for Redis's answer to one batch"), never the sentinel being asked. Now
    the login and the ask share one command's timeout (9 s, within stall_after_s), and status lists the sentinel
    with how long it has been asked while it is."""
    from hookd import config as hookd_config
    from hookd.control import status, status_text

    daemon = hookd_factory(**behind(silent_sentinel, redis_timeout_s="8", redis_connect_timeout_s="1"))
    send_events(daemon, range(2))
    asked = wait_status(
        daemon,
        lambda s: _asked_s(s).get(silent_sentinel, 0) >= 1,
        "the silent sentinel listed as asked for a second",
        timeout=30,
    )
    (wait,) = [w for w in asked["redis"]["waiting_on"] if w["address"] == silent_sentinel]
    assert wait["what"] == SENTINEL and wait["bound_s"] == 9, wait
    assert wait["bound_by"] == "redis_connect_timeout_s + redis_timeout_s", wait
    code, document = status.gather(hookd_config.load({}, daemon.env))  # what `hookd status` shows
    shown = status_text.render(document, code, False)
    assert f"waiting on {SENTINEL} {silent_sentinel} for" in shown and "it ends at 9s" in shown, shown

    def mute_said():
        return [r for r in log_records(daemon) if r.get("event") == "redis_sentinel_mute"]

    said = wait_until(mute_said, timeout=60, what="redis_sentinel_mute logged")
    assert said[0]["error"] == "no answer within 9s", said[0]  # before: within 17s, past stall_after_s
    after = live_status(daemon)
    assert after is not None and silent_sentinel not in _asked_s(after), after["redis"]
    assert after["redis"]["sentinels_mute"] == [silent_sentinel]


def _asked_s(status: dict) -> dict[str, float]:
    """The sentinels status says an ask waits for (address: for how long), from its steps waited on."""
    return {w["address"]: w["for_s"] for w in status["redis"].get("waiting_on") or () if w["what"] == SENTINEL}


def test_the_defaults_with_a_sentinel_password_are_accepted():
    config = load(behind("127.0.0.1:26379"), environ={})
    assert config.redis_connect_timeout_s + config.redis_timeout_s < config.stall_after_s


def test_a_stall_while_the_sentinels_are_asked_names_the_sentinel_and_its_bound():
    """Before: "waited 12.0s for Redis's answer to one batch", whatever the batch waited on."""
    now = 1000.0
    progress = Progress(publish_attempt_at=now - 12, publish_busy_since=now - 12, flush_at=now)
    bound_by, fix = "redis_connect_timeout_s + redis_timeout_s", "start it again"
    waits = {1: Wait(SENTINEL, "10.0.0.5:26379", now - 5.5, 6, bound_by, fix)}
    reasons = stall_reasons(progress, 3, 10, "interval", 0.2, now, waits=waits)
    assert len(reasons) == 1, reasons
    assert "no answer yet from sentinel 10.0.0.5:26379 for 5.5s" in reasons[0], reasons
    assert "the ask ends at 6s (redis_connect_timeout_s + redis_timeout_s)" in reasons[0], reasons
    assert "take it out of redis_sentinel" in reasons[0], reasons
