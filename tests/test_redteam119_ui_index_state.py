"""Hundred-nineteenth red-team pass: a session the UI reads only from hookd's session index (older
than what its reader holds) is in the state its events put it in, the same as one it holds.

The index's `last_hook` is the hook of the session's last event, a Notification too, and the UI
read a session's state from it: a stopped session that Claude Code's idle reminder (idle_prompt) or
a login (auth_success) followed read "running" from the index, "stopped" from memory; one waiting on
a permission prompt read "running". A session's page had no state at all for a session memory did
not hold, and one memory held only the idle reminder of read "running" in both. Now the publisher
writes the session's `state` into the index by the definition the UI's memory uses
(publish/session_state.py), and the UI takes it where memory saw no event that gave one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser

from conftest import wait_for_entries, wait_until
from hookd.publish.session_state import indexed_state
from hookd.ui.events import record
from hookd.ui.store import Store
from ui_stack import Ui

SESSIONS = {
    "idle-after-stop": [("UserPromptSubmit", None), ("Stop", None), ("Notification", "idle_prompt")],
    "login-after-end": [("Stop", None), ("SessionEnd", None), ("Notification", "auth_success")],
    "failed-then-denied": [("UserPromptSubmit", None), ("StopFailure", None), ("PermissionDenied", None)],
    "asks-permission": [("UserPromptSubmit", None), ("Notification", "permission_prompt")],
    "asks-then-idle": [("PermissionRequest", None), ("Notification", "idle_prompt")],
    "answered": [("Notification", "permission_prompt"), ("PostToolUse", None)],
}


def _body(session: str, hook: str, ntype: str | None) -> bytes:
    event: dict = {"hook_event_name": hook, "session_id": session, "cwd": "/w"}
    if ntype:
        event |= {"notification_type": ntype, "message": "m"}
    return json.dumps(event).encode()


def test_a_session_read_from_the_index_has_the_state_memory_gives_it(hookd, redis_db, tmp_path):
    sent = 0
    for session, events in SESSIONS.items():
        for hook, ntype in events:
            done = hookd.send(_body(session, hook, ntype))
            assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
            sent += 1
            wait_for_entries(redis_db, sent)  # one by one: the stream's order is the sending order
    hookd.send(_body("newest", "UserPromptSubmit", None))
    entries = wait_for_entries(redis_db, sent + 1)
    # What the UI's memory makes of each session, from the very entries the index was written by.
    store = Store(history=100)
    records = [record(f"{n + 1}-0", fields) for n, fields in enumerate(entries)]
    store.add([r for r in records if r is not None], live=False)
    expected = {sid: store.sessions[sid].state for sid in SESSIONS}
    assert expected == {
        "idle-after-stop": "stopped",
        "login-after-end": "ended",
        "failed-then-denied": "failed",
        "asks-permission": "waiting",
        "asks-then-idle": "waiting",
        "answered": "running",
    }

    ui = Ui(hookd.env, tmp_path / "ui.log", history=1)  # holds "newest" only: the rest are the index's
    try:
        wait_until(lambda: _status(ui)["newest"] is not None, timeout=30, what="the UI to read the stream")
        browser = Browser(ui)
        assert _states(browser) == expected | {"newest": "running"}
        # No route changes anything: a POST, even with the cookie, is refused (no CSRF to make).
        for path in ("/api/sessions", "/api/session?s=answered", "/"):
            post = urllib.request.Request(ui.base + path, data=b"x", headers={"Cookie": browser.cookie})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(post, timeout=30)
            assert refused.value.code == 405, (path, refused.value.code)
        # A session's page, read from the index and the stream, says the same.
        for sid, state in expected.items():
            code, body = browser.get("/api/session?s=" + sid)
            assert code == 200 and json.loads(body)["summary"]["state"] == state, (sid, body[:300])
        # Memory that holds only what came after a session's Stop (an idle reminder) is not its state.
        newest = _status(ui)["newest"]
        hookd.send(_body("idle-after-stop", "Notification", "idle_prompt"))
        wait_until(lambda: _status(ui)["newest"] != newest, timeout=30, what="the UI to read the reminder")
        assert _states(browser)["idle-after-stop"] == "stopped"
        code, body = browser.get("/api/session?s=idle-after-stop")
        assert code == 200 and json.loads(body)["summary"]["state"] == "stopped", body[:300]
    finally:
        ui.stop()


def _states(browser: Browser) -> dict[str, str]:
    code, body = browser.get("/api/sessions")
    assert code == 200, body[:300]
    return {row["s"]: row["state"] for row in json.loads(body)}


def test_an_index_state_is_one_of_the_states_and_an_older_hash_is_read_by_its_last_hook():
    # Anyone with the password writes the hash: a state that is none of them is not taken (the page
    # makes a class name of it), and an older hookd's hash has only last_hook.
    current = {"events": "3", "state_events": "3"}  # the state is the last event's (h279)
    assert indexed_state({"state": "stopped", "last_hook": "Notification"} | current) == "stopped"
    assert indexed_state({"state": "x onload=alert(1)", "last_hook": "SessionEnd"} | current) == "ended"
    assert indexed_state({"last_hook": "Stop"}) == "stopped"
    assert indexed_state({"last_hook": "Notification"}) == "running"  # all an older hash tells
    assert indexed_state({}) == "running"
