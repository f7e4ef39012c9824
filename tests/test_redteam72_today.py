"""Seventy-second red-team pass: today's merged code (docs/security.md).

hookd's HTTP token is redacted by its value (the sixty-ninth pass) only by a run whose HTTP listener
is on: the events a run without it spooled are brought to the next run's redaction at its start
(daemon/backlog.py) only when the settings' digest changed, and the token was not in it. Real
`hookd run` processes on one state directory, a real redis-server.
"""

from __future__ import annotations

import json
import os
import secrets
import signal

import pytest
from conftest import free_port, wait_for_entries
from test_redteam28_backlog_order import on
from test_bounded_work import status
from test_redteam69_own_token import MARK, _http_hookd

from client.hook_send import make_header
from hookd.worker import INLINE_BYTES

pytestmark = pytest.mark.process


def _token_event(token: str) -> bytes:
    body = json.dumps(
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "cat ~/.local/state/hookd/http.token"},
            "tool_response": {"stdout": token + "\n", "stderr": ""},
        }
    ).encode()
    return make_header(body, hook="PostToolUse")[0] + body


def test_the_token_in_a_backlog_spooled_without_the_listener_is_redacted_at_the_next_start(
    hookd_process_factory, redis_db
):
    away = hookd_process_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    token = secrets.token_urlsafe(32)
    fd = os.open(away.state_dir / "http.token", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, token.encode() + b"\n")
    os.close(fd)
    assert away.request(_token_event(token)).startswith(b"OK")
    assert away.stop(signal.SIGTERM) == 0
    on(hookd_process_factory, away.state_dir, http_addr=f"127.0.0.1:{free_port()}").start()
    [fields] = wait_for_entries(redis_db, 1)
    assert token.encode() not in fields[b"envelope"] and MARK in fields[b"envelope"], fields


def test_the_token_in_an_event_the_worker_process_prepares_is_redacted(hookd_factory, redis_db):
    """Held: a body past INLINE_BYTES is redacted in the worker process, forked once the token is known."""
    daemon, _, token = _http_hookd(hookd_factory)
    body = json.dumps(
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Read",
            "tool_response": {"file": {"content": "x" * (INLINE_BYTES + 1000) + "\n" + token + "\n"}},
        }
    ).encode()
    done = daemon.send(body, "PostToolUse")
    assert done.returncode == 0, done.stderr
    [fields] = wait_for_entries(redis_db, 1)
    assert token.encode() not in fields[b"envelope"] and MARK in fields[b"envelope"]
    assert status(daemon)["work"]["prepared"] == 1  # by the worker process
