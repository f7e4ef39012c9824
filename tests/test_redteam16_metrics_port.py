"""Red team, sixteenth pass: another user holding the metrics endpoint's port.

Any local user can listen on a loopback port before hookd starts. With ``metrics_addr`` on such a
port, ``hookd run`` stopped with a traceback (``OSError: [Errno 98] error while attempting to bind``)
after it had taken the inbox and started serving the control socket; the service manager restarts
it into the same. Now it stops with one line naming the address, metrics_addr and the fix, as it
does for http_addr (exit 1).
"""

from __future__ import annotations

import os
import socket
import time

import pytest

from conftest import free_port
from other_user import _become_nobody, needs_root


@pytest.mark.process
@needs_root
def test_a_metrics_port_another_user_holds_stops_the_start_with_one_line(hookd_factory, redis_db):
    port = free_port()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            listener = socket.socket()
            listener.bind(("127.0.0.1", port))
            listener.listen()
            _become_nobody()
            os.write(ready_w, b"x")
            time.sleep(30)
        finally:
            os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"x"
        daemon = hookd_factory(start=False, metrics_addr=f"127.0.0.1:{port}").start(wait=False)
        code = daemon.proc.wait(60)
        stderr = daemon.log_text()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert code == 1, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    assert f"cannot listen on 127.0.0.1:{port} for metrics" in stderr and "metrics_addr" in stderr, stderr[-2000:]
