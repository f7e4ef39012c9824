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
from test_redteam8_ui_api import Browser
from test_redteam69_own_token import MARK, _http_hookd

from client.hook_send import make_header
from ui_stack import Ui
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


TOP = 2**64 - 1


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (f"api/after?after={TOP + 1}-0", 400),  # not an id Redis takes
        (f"api/after?after=1-0&before={TOP + 1}-0", 400),
        (f"api/events?before={TOP + 1}-0", 400),
        (f"api/envelope/{TOP + 1}-0", 400),
        (f"api/after?after={TOP}-{TOP}", 200),  # the greatest id: nothing after it
        ("api/after?after=0-0&before=0-0", 200),  # the least: nothing before it
    ],
)
def test_ui_ids_past_redis_s_are_refused_and_those_at_its_ends_read_nothing(
    hookd_factory, redis_db, tmp_path, path, code
):
    """Redis refuses an id past 2**64-1 and an exclusive range from its greatest id (or to its least):
    the UI answered 502, as if Redis had failed, and logged ui_api_redis_failed."""
    daemon = hookd_factory()
    assert daemon.send(b'{"hook_event_name": "Stop"}', "Stop").returncode == 0
    wait_for_entries(redis_db, 1)
    ui = Ui(daemon.env, tmp_path / "ui.log")
    try:
        got, body = Browser(ui).get("/" + path)
        assert got == code, (path, body[:300])
        if code == 200:
            assert json.loads(body)["events"] == []
    finally:
        ui.stop()
