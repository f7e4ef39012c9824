"""Red team, sixth pass: signals that killed `hookd run` on the spot, without a word.

The fifth pass made SIGHUP stop hookd as SIGTERM does. Every other signal whose default
action ends the process still did so with no drain and no log line: SIGUSR1, which `hookd
ui` takes for "print a new URL" (so `pkill -USR1 hookd` meant for the UI killed the daemon),
SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR and the CPU limit's SIGXCPU (Python
itself ignores SIGXFSZ). Now each is logged (``signal_ignored``, naming it) and hookd goes on.
`hookd ui` (which takes SIGUSR1 for a new URL) died the same way on the others; it now logs
``ui_signal_ignored``.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from conftest import log_records, wait_for_entries
from ui_stack import Ui

pytestmark = pytest.mark.process

STRAY = [
    getattr(signal, name)
    for name in ("SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGIO", "SIGPWR", "SIGXCPU")
    if hasattr(signal, name)
]


def test_a_stray_signal_is_said_and_hookd_goes_on(hookd_process_factory, redis_db):
    daemon = hookd_process_factory()
    for n, sig in enumerate(STRAY, 1):
        daemon.proc.send_signal(sig)
        time.sleep(0.2)
        assert daemon.proc.poll() is None, f"{sig.name} killed hookd (exit {daemon.proc.returncode}), no log line"
        done = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": f"after-{sig.name}"}).encode())
        assert done.returncode == 0 and done.stderr == b"", done.stderr
        wait_for_entries(redis_db, n)
    assert daemon.inbox() == []
    assert daemon.stop(signal.SIGTERM, timeout=60) == 0
    records = log_records(daemon.log_text())
    ignored = [r["signal"] for r in records if r["event"] == "signal_ignored"]
    assert ignored == [sig.name for sig in STRAY], ignored
    assert records[-1]["event"] == "hookd_stopped"


def test_hookd_ui_says_a_stray_signal_and_goes_on(hookd_factory, redis_db, tmp_path):
    """`hookd ui` took SIGUSR1 (a new URL) but died unsaid on SIGUSR2 and the rest."""
    log_path = tmp_path / "ui.log"
    ui = Ui(hookd_factory(start=False).env, log_path)
    try:
        others = [sig for sig in STRAY if sig != signal.SIGUSR1]
        for sig in others:
            os.kill(ui.proc.pid, sig)
            time.sleep(0.2)
            assert ui.proc.poll() is None, f"{sig.name} killed hookd ui (exit {ui.proc.returncode}), no log line"
        assert ui.new_url().startswith("http://"), "SIGUSR1 no longer prints a new URL"
        os.kill(ui.proc.pid, signal.SIGTERM)
        assert ui.proc.wait(20) == 0
    finally:
        ui.stop()
    records = log_records(log_path.read_text())
    ignored = [r["signal"] for r in records if r["event"] == "ui_signal_ignored"]
    assert ignored == [sig.name for sig in others], ignored
