"""Red team: a second local user (nobody) against hookd's HTTP listener."""

from __future__ import annotations

import pytest
import json
import os
import resource
import socket
import time

from conftest import free_port, wait_for_entries
from other_user import _become_nobody, needs_root


@pytest.mark.process
@needs_root
def test_another_user_holding_connections_cannot_take_every_file_descriptor(hookd_factory, redis_db):
    """Anyone on the machine can connect to http_addr. Holding 1,500 idle connections against
    a daemon with the usual 1,024 descriptors took them all: hook-send's events fell back to the
    inbox and the inbox sweep failed with EMFILE for as long as the connections were held."""
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")
    resource.prlimit(daemon.proc.pid, resource.RLIMIT_NOFILE, (1024, 1024))
    ready_r, ready_w = os.pipe()
    stop_r, stop_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # nobody, holding every connection it can get until told to stop
        os.close(ready_r)
        os.close(stop_w)
        try:
            _become_nobody()
            held = []
            for _ in range(1500):
                try:
                    held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
                except OSError:
                    break
            os.write(ready_w, str(len(held)).encode())
            os.read(stop_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(stop_r)
    try:
        assert int(os.read(ready_r, 100)) > 1000  # the listener let them connect (then closed most)
        time.sleep(0.5)
        body = json.dumps({"hook_event_name": "Stop", "session_id": "under-siege"}).encode()
        sent = daemon.send(body)
        assert sent.returncode == 0 and sent.stderr == b"", sent.stderr
        assert daemon.inbox() == []  # delivered on the socket, not kept for later
        assert b"under-siege" in wait_for_entries(redis_db, 1, timeout=60)[0][b"envelope"]
        assert "EMFILE" not in daemon.log_text() and "Too many open files" not in daemon.log_text()
        assert "connections_full" in daemon.log_text()  # the oldest are closed to make room
    finally:
        os.write(stop_w, b"x")
        os.waitpid(pid, 0)
    assert daemon.proc.poll() is None
