"""sd_notify: a real hookd tells the NOTIFY_SOCKET it is ready, how it is doing, that it is alive
and that it stops; the messages reach path and abstract sockets alike."""

from __future__ import annotations

import os
import signal
import socket

import pytest
from conftest import wait_until

from hookd.service.notify import Notifier


class NotifyListener:
    """The service manager's end: a datagram socket that collects what hookd sends."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.05)
        self.messages: list[dict[str, str]] = []

    def collect(self) -> list[dict[str, str]]:
        while True:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                return self.messages
            self.messages.append(dict(line.split("=", 1) for line in data.decode().splitlines()))

    def seen(self, key: str, value: str | None = None) -> list[dict[str, str]]:
        return [m for m in self.collect() if key in m and (value is None or m[key] == value)]

    def close(self) -> None:
        self.sock.close()
        if not self.address.startswith("@"):
            os.unlink(self.address)


@pytest.fixture(params=["path", "abstract"])
def listener(request, tmp_path):
    address = f"/tmp/hookd-notify-{os.getpid()}.sock" if request.param == "path" else f"@hookd-notify-{os.getpid()}"
    listener = NotifyListener(address)
    yield listener
    listener.close()


@pytest.mark.process
def test_hookd_reports_ready_status_watchdog_and_stopping(hookd_factory, redis_db, listener):
    daemon = hookd_factory(start=False)
    daemon.env.update(NOTIFY_SOCKET=listener.address, WATCHDOG_USEC="400000")
    daemon.start()

    ready = wait_until(lambda: listener.seen("READY", "1"), what="READY=1")
    assert ready[0]["MAINPID"] == str(daemon.proc.pid)
    assert "events spooled" in ready[0]["STATUS"] and "published" in ready[0]["STATUS"]
    # Half of WATCHDOG_USEC: several pings within a second or two.
    wait_until(lambda: len(listener.seen("WATCHDOG", "1")) >= 3, what="three WATCHDOG=1")

    assert daemon.send(b'{"hook_event_name":"Stop","session_id":"n1"}').returncode == 0
    wait_until(
        lambda: any("1 published" in m.get("STATUS", "") for m in listener.collect()),
        what="a STATUS line counting the published event",
    )

    assert daemon.stop(signal.SIGTERM) == 0
    stopping = listener.seen("STOPPING", "1")
    assert len(stopping) == 1 and stopping[0]["STATUS"].startswith("draining")
    assert listener.messages.index(stopping[0]) > listener.messages.index(ready[0])


def test_without_a_notify_socket_nothing_is_sent_and_nothing_fails():
    notifier = Notifier.from_environ({})
    assert not notifier.enabled
    assert notifier.send("READY=1") is False


def test_the_variables_are_taken_from_the_environment_and_removed():
    environ = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    notifier = Notifier.from_environ(environ)
    assert environ == {}
    assert notifier.watchdog_interval_s == 1.0
    notifier.close()


def test_a_watchdog_meant_for_another_process_is_ignored():
    notifier = Notifier.from_environ({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"})
    assert notifier.watchdog_interval_s is None
