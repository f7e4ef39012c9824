"""Fifth red-team pass, left over: `hookd ui` stopped by a signal.

SIGHUP (the terminal `hookd ui` was started from closed, or a `kill -HUP`) had its default
action: the process died on the spot (status -1), no word, its connections cut. SIGTERM was
no better: uvicorn stopped the server and then raised SIGTERM again at itself, so the process
ended killed (status -15). Both now stop it as Ctrl-C does: open connections closed, a log
line naming the signal, exit status 0. (SIGINT already ended in status 0, without the line.)
"""

from __future__ import annotations

import os
import signal
import socket
from urllib.parse import urlsplit

import pytest

from conftest import log_records
from ui_stack import Ui

pytestmark = pytest.mark.process


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_ui_stops_on_a_signal_closing_its_connections_exit_0(sig, hookd_factory, redis_db, tmp_path):
    log_path = tmp_path / "ui.log"
    ui = Ui(hookd_factory(start=False).env, log_path)
    try:
        parts = urlsplit(ui.url)
        # A connection that is open when the signal comes (a browser's, between requests).
        peer = socket.create_connection((parts.hostname, parts.port), timeout=10)
        peer.sendall(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
        assert peer.recv(12).startswith(b"HTTP/1.1")
        os.kill(ui.proc.pid, sig)
        assert ui.proc.wait(20) == 0
        peer.settimeout(10)
        while peer.recv(65536):  # closed by the UI: the read ends (no timeout)
            pass
        peer.close()
    finally:
        ui.stop()
    text = log_path.read_text()
    assert "Traceback" not in text, text
    events = [r["event"] for r in log_records(text)]
    received = [r for r in log_records(text) if r["event"] == "ui_signal_received"]
    assert received and received[0]["signal"] == sig.name, events
    assert events[-1] == "ui_stopped", events
