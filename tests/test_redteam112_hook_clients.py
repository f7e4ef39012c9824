"""Hundred-twelfth red-team pass: the hook clients (client/hook_send.py, client/hook_send.c).

- An event over HOOKD_MAX_EVENT_BYTES whose writer then stalled with stdin left open was lost: both
  clients drain the rest of stdin until a time kept for the too_large marker's hand-off, but checked
  that time only between reads, and a read of a stdin with nothing to give blocks. The deadline
  ended the run in that read, the marker neither handed over nor kept ("event lost: deadline
  reached ... before hookd acknowledged the event or an inbox kept it"). A writer that keeps
  sending was cut off in time; one that stops was not. The drain now waits for stdin no longer
  than its time (poll), and the marker is kept with `stdin_ended: false`.
- The HTTP listener took the last of two `Host` headers and the last of two `Authorization` headers
  (llhttp hands each over): `Host: evil.example` then `Host: 127.0.0.1` was served, where the
  Fifty-second pass had seen only the other order refused. Which one counts is each reader's own
  choice (a proxy in front may route by the first); HTTP/1.1 says a request names one host. A
  request with either header twice is now refused (421, 401) whatever the order, and counted.
"""

from __future__ import annotations

import json

import pytest

from conftest import free_port, wait_for_entries, wait_until
from hookd.control.client import request
from test_client import env, inbox_files, sockdir  # noqa: F401 -- env and sockdir are fixtures
from test_redteam21_stdin_left_open import _cut_off
from test_redteam4_http import _answer

LIMIT = 1024  # HOOKD_MAX_EVENT_BYTES's least value: an event over it is a few bytes more
OVER = b'{"hook_event_name":"PostToolUse","session_id":"s112","tool_response":"' + b"x" * (4 * LIMIT) + b'"}'


def test_an_event_over_the_limit_on_a_stalled_stdin_is_kept_as_its_marker(env, tmp_path, client_cmd):  # noqa: F811
    """The writer sends more than the limit and then neither writes nor closes: the socket is absent,
    so the marker goes to the inbox, within the deadline, and nothing is said lost."""
    settings = {"HOOKD_SEND_TIMEOUT_MS": "3000", "HOOKD_MAX_EVENT_BYTES": str(LIMIT)}
    # A pipe takes 64 KiB: OVER is written whole, and stdin stays open.
    code, out, lines = _cut_off(client_cmd, env, tmp_path, OVER, settings, wait_s=30)
    assert (code, out) == (0, b"")
    assert not [line for line in lines if "event lost" in line], lines
    assert any("too_large marker handed on" in line and "stdin not ended" in line for line in lines), lines
    kept = inbox_files(env["HOOKD_STATE_DIR"])
    assert len(kept) == 1, (kept, lines)
    header, _, body = kept[0].read_bytes().partition(b"\n")
    assert b" withheld=too_large" in header
    marker = json.loads(body)
    assert marker["hook_event_name"] == "PostToolUse" and marker["session_id"] == "s112"
    assert marker["hookd_withheld"]["stdin_ended"] is False
    assert marker["hookd_withheld"]["bytes"] == len(OVER)


@pytest.fixture
def http_daemon(hookd_factory):
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")
    wait_until(lambda: (daemon.state_dir / "http.token").exists(), what="the token")
    daemon.port = port
    daemon.token = (daemon.state_dir / "http.token").read_bytes().strip()
    return daemon


def test_a_header_the_checks_read_given_twice_is_refused_in_either_order(http_daemon, redis_db):
    port, token = http_daemon.port, http_daemon.token
    auth, good = b"Authorization: Bearer " + token + b"\r\n", b"Host: 127.0.0.1\r\n"
    bad_auth, bad_host = b"Authorization: Bearer not-the-token\r\n", b"Host: evil.example\r\n"
    cases = {
        "host, evil first": (b"421", bad_host + good + auth),
        "host, evil last": (b"421", good + bad_host + auth),
        "host, the same twice": (b"421", good + good + auth),
        "token, wrong first": (b"401", good + bad_auth + auth),
        "token, wrong last": (b"401", good + auth + bad_auth),
        "token, the same twice": (b"401", good + auth + auth),
    }
    control = str(http_daemon.socket.parent / "control.sock")
    before = request(control, "status")["http"]["refused"]
    for what, (status, headers) in cases.items():
        body = json.dumps({"hook_event_name": "Stop", "session_id": what}).encode()
        line = _answer(port, b"POST /hook HTTP/1.1\r\n" + headers, body)
        assert line.split(b" ")[1:2] == [status], (what, line)
    body = json.dumps({"hook_event_name": "Stop", "session_id": "the next one"}).encode()
    assert _answer(port, b"POST /hook HTTP/1.1\r\n" + good + auth, body).startswith(b"HTTP/1.1 200")
    entries = wait_for_entries(redis_db, 1)
    assert len(entries) == 1 and b"the next one" in entries[0][b"envelope"]
    refused = request(control, "status")["http"]["refused"]
    for reason in ("misdirected", "unauthorized"):
        assert refused.get(reason, 0) - before.get(reason, 0) == 3, (reason, refused)
