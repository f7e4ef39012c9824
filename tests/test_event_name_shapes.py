"""An event name from outside the payload (an HTTP hook's path, the frame's hook= that carries
hook-send's argument) must be a hook event name's shape: `POST /hook/%2e%2e` was taken with the
event name `..` when the body named none. Real hookd, real Redis, both hook-send clients."""

from __future__ import annotations

import json
import subprocess

from conftest import wait_for_entries, wait_until
from test_http_ingest import connect, post, start_http_hookd


def test_an_http_path_not_naming_a_hook_event_is_refused_and_a_future_name_is_taken(hookd_factory, redis_db):
    daemon = start_http_hookd(hookd_factory)
    conn = connect(daemon)
    for path in (
        "/hook/%2e%2e",
        "/hook/..%2F..%2Fetc",
        "/hook/Stop%0d%0aX",
        "/hook/%00",
        "/hook/a.b",
        "/hook/" + "x" * 65,
    ):
        for body in (b'{"session_id": "bad"}', b'{"hook_event_name": "Stop", "session_id": "bad"}'):
            response, answer = post(conn, body, daemon.token, path)
            assert response.status == 404, (path, answer)
            refusal = json.loads(answer)
            assert refusal["error"] == "bad_hook_name" and "hook event name" in refusal["message"], refusal
    assert post(conn, b'{"session_id": "new"}', daemon.token, "/hook/FooBar")[0].status == 200
    assert post(conn, b'{"session_id": "known"}', daemon.token, "/hook/pre_tool_use")[0].status == 200
    entries = wait_for_entries(redis_db, 2)
    assert [(f[b"hook"], f[b"session"]) for f in entries] == [(b"FooBar", b"new"), (b"PreToolUse", b"known")]
    assert redis_db.xlen("hookd:events") == 2
    wait_until(lambda: "bad_hook_name" in daemon.log_text(), what="the refusal in the log")


def test_hook_sends_argument_not_naming_a_hook_event_is_refused_with_its_reason(hookd, redis_db, client_cmd):
    def send(body: dict, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*client_cmd, *args],
            input=json.dumps(body).encode(),
            capture_output=True,
            timeout=30,
            env={**hookd.env, "HOOKD_SEND_TIMEOUT_MS": "5000", "HOOKD_DEBUG": "1"},
        )

    names = ("..", ".", "a/b", "Stop\nX", "\x1b[2J", "1Stop")
    for name in names:
        done = send({"session_id": "bad"}, name)
        assert done.returncode == 0 and done.stdout == b"", done
        assert b"bad_header" in done.stderr and b"rejected" in done.stderr, (name, done.stderr)
    done = send({"session_id": "new"}, "FooBar")
    assert (done.returncode, done.stdout) == (0, b"") and b"delivered" in done.stderr, done
    refusals = [line for line in hookd.log_text().splitlines() if "event_rejected" in line]
    assert len(refusals) == len(names) and all("header hook=" in line for line in refusals), refusals
    entries = wait_for_entries(redis_db, 1)
    assert [(f[b"hook"], f[b"session"]) for f in entries] == [(b"FooBar", b"new")]
