"""Red team, sixteenth pass's Left: a descriptor limit lowered while hookd runs.

The caps on the connections anyone may open (the HTTP listener's, the metrics endpoint's) were
fitted to the limit read at start. Lowered afterwards (``prlimit --pid``), they stayed above it:
with uid 65534 holding connections to the HTTP port, hookd's descriptors reached the limit, each
accept failed with EMFILE, and the owner's HTTP posts were reset and ``hookd status`` could not
connect, with nothing in the log. Now hookd reads the limit again every second
(descriptors.follow_limit): the caps are cut to fit it, the strangers' connections past them
closed, and ``descriptor_limit_low`` logged once.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from conftest import free_port, log_records, wait_until
from hookd.control.client import request
from other_user import needs_root
from test_redteam16_descriptors import HOLD, _hold, owner_posts_and_sends
from test_redteam3_ui import _owner_request, open_fds
from ui_stack import Ui

LOWERED = 256


def _lower(pid: int, limit: int) -> None:
    subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={limit}:{limit}"], check=True)
    assert resource.prlimit(pid, resource.RLIMIT_NOFILE) == (limit, limit)


def _let_go(holder: int) -> None:
    """The other user's connections closed once what the owner got is seen: held to the end of their
    25 s, they only kept the test waiting."""
    os.kill(holder, signal.SIGKILL)
    os.waitpid(holder, 0)


def _lowered_lines(daemon) -> list[dict]:
    return [r for r in log_records(daemon.log_text()) if r.get("event") == "descriptor_limit_low"]


def _noticed(daemon) -> None:
    """Until hookd logs the lowered limit, or long past when it should have (the code before did
    not): what the owner then gets is the test."""
    deadline = time.monotonic() + 15
    while not _lowered_lines(daemon) and time.monotonic() < deadline:
        time.sleep(0.1)


def _owner_served(daemon, port: int, metrics_port: int) -> dict:
    token = (daemon.state_dir / "http.token").read_text().strip()
    posted, sent = owner_posts_and_sends(daemon, port, token, "1000")
    try:
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).status
    except OSError as exc:
        scraped = type(exc).__name__
    try:
        status = request(str(daemon.socket.parent / "control.sock"), "status", timeout_s=5)
    except Exception as exc:  # noqa: BLE001 - what the owner's `hookd status` would say
        status = {"error": repr(exc)}
    return {"posted": posted, "sent": sent, "scraped": scraped, "status": status}


def _assert_served(seen: dict, daemon) -> None:
    assert seen["posted"] == [200] * 5, seen["posted"]
    assert all(s.returncode == 0 and s.stderr == b"" for s in seen["sent"]), seen["sent"]
    assert daemon.inbox() == [], "hook-send fell back to the inbox: the event socket did not answer"
    assert seen["scraped"] == 200, seen["scraped"]
    assert "error" not in seen["status"], seen["status"]


@pytest.mark.process
@needs_root
@pytest.mark.parametrize("when", ["before", "during"])
def test_a_limit_lowered_while_hookd_runs_cuts_the_caps_and_keeps_the_owner_served(hookd_factory, redis_db, when):
    """``before``: lowered, then another user's connections come; ``during``: lowered while hookd
    already holds more of them than the new limit allows."""
    port, metrics_port = free_port(), free_port()
    daemon = hookd_factory(
        http_addr=f"127.0.0.1:{port}", metrics_addr=f"127.0.0.1:{metrics_port}", client_timeout_s="60"
    )
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    pid = daemon.proc.pid
    before = resource.prlimit(pid, resource.RLIMIT_NOFILE)[0]
    assert before > LOWERED
    if when == "before":
        _lower(pid, LOWERED)
        _noticed(daemon)
    holder = _hold(port, 25)
    try:
        if when == "during":
            wait_until(lambda: len(os.listdir(f"/proc/{pid}/fd")) > LOWERED, what="hookd holding the connections")
            _lower(pid, LOWERED)
            _noticed(daemon)
        time.sleep(2)  # every connection of the other user's made, and taken or left waiting
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        seen = _owner_served(daemon, port, metrics_port)
    finally:
        _let_go(holder)
    _assert_served(seen, daemon)
    assert fds < LOWERED, fds
    assert seen["status"]["http"]["refused"].get("connections_full", 0) > 0  # the other user's reached hookd
    [line] = _lowered_lines(daemon)  # once
    assert line["limit"] == LOWERED and line["lowered_from"] == before and "LimitNOFILE" in line["hint"], line
    print(f"{when}: hookd held {fds} descriptors under {LOWERED} with {HOLD} connections held")


@needs_root
def test_hookd_ui_follows_a_lowered_limit_too(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    try:
        pid, port = ui.proc.pid, urlsplit(ui.url).port
        before = resource.prlimit(pid, resource.RLIMIT_NOFILE)[0]
        holder = _hold(port, 25)
        try:
            wait_until(lambda: open_fds(pid) > LOWERED, what="the UI holding the connections")
            _lower(pid, LOWERED)
            lines = lambda: [  # noqa: E731
                r for r in log_records((tmp_path / "ui.log").read_text()) if r.get("event") == "descriptor_limit_low"
            ]
            deadline = time.monotonic() + 15
            while not lines() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2)
            fds = open_fds(pid)
            try:
                _owner_request(ui)
                served = True
            except (OSError, AssertionError) as exc:
                served = repr(exc)
        finally:
            _let_go(holder)
        assert served is True, f"the owner's request failed under the lowered limit: {served} ({fds} fds)"
        assert fds < LOWERED, fds
        [line] = lines()
        assert line["process"] == "hookd ui" and line["lowered_from"] == before, line
        print(f"the UI held {fds} descriptors under {LOWERED}")
    finally:
        ui.stop()
