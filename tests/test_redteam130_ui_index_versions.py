"""Hundred-thirtieth red-team pass: a session's state in the index as each hookd version writes its
hash, read by a real `hookd ui`.

Three writers: before `state` (h265: `last_hook` only), `state` without `state_events` (h265 to
h279), and today's. A hash of the middle one that today's hookd then gave an idle reminder kept
its `state` but no `state_events` (today's writes it only beside a state it knows current), and
read "running" by its `last_hook` until the session's next event that gives a state; an older
hookd's lone idle reminder after a state today's wrote read "running" too."""

from __future__ import annotations

import json

from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser
from test_redteam124_ui_sessions import PREFIX, _older_hookd_writes, _row, _send

from conftest import wait_until
from hookd.publish.session_state import indexed_state
from ui_stack import Ui


def _middle_hookd_writes(redis_db, sid: str, hook: str, state: str) -> None:
    """One event as PUBLISH_BATCH of h265 to h279 indexed it: `state` when the event gave one, no
    `state_events`."""
    _older_hookd_writes(redis_db, sid, hook)
    if state:
        redis_db.hset(PREFIX + sid, "state", state)


def _ui_states(hookd, tmp_path, sent_to: str) -> dict[str, str]:
    ui = Ui(hookd.env, tmp_path / "ui.log", history=1)  # holds one other session: these are the index's
    try:
        wait_until(lambda: _status(ui)["newest"] is not None, timeout=30, what="the UI to read the stream")
        code, body = Browser(ui).get("/api/sessions")
        assert code == 200, body[:300]
        return {r["s"]: r["state"] for r in json.loads(body) if r["s"] != sent_to}
    finally:
        ui.stop()


def test_each_writer_versions_hash(hookd, redis_db, tmp_path):
    # h265-h279's hash: stopped, then today's hookd's idle reminder (no state_events written).
    _middle_hookd_writes(redis_db, "middle", "UserPromptSubmit", "running")
    _middle_hookd_writes(redis_db, "middle", "Stop", "stopped")
    sent = _send(hookd, redis_db, 0, "middle", "Notification", notification_type="idle_prompt", message="m")
    row = _row(redis_db, "middle")
    assert (row["state"], row.get("state_events"), row["last_hook"]) == ("stopped", None, "Notification"), row
    # The same, then a prompt the oldest hookd wrote: its last_hook says what the state no longer does.
    _middle_hookd_writes(redis_db, "middle-then-oldest", "Stop", "stopped")
    _older_hookd_writes(redis_db, "middle-then-oldest", "UserPromptSubmit")
    # Today's Stop, then a downgrade: the older hookd's lone idle reminder, and a session of two.
    for sid in ("downgraded", "downgraded-twice"):
        sent = _send(hookd, redis_db, sent, sid, "UserPromptSubmit")
        sent = _send(hookd, redis_db, sent, sid, "Stop")
        _older_hookd_writes(redis_db, sid, "Notification")
    _older_hookd_writes(redis_db, "downgraded-twice", "Notification")  # what came between is not known
    _older_hookd_writes(redis_db, "oldest", "Notification")
    _older_hookd_writes(redis_db, "oldest-stopped", "Stop")
    sent = _send(hookd, redis_db, sent, "other", "UserPromptSubmit")

    want = {
        "middle": "stopped",  # was "running"
        "middle-then-oldest": "running",
        "downgraded": "stopped",  # was "running"
        "downgraded-twice": "running",
        "oldest": "running",
        "oldest-stopped": "stopped",
    }
    assert {sid: indexed_state(_row(redis_db, sid)) for sid in want} == want
    assert _ui_states(hookd, tmp_path, "other") == want
    # A count that is not one (written by hand) is no count: read by last_hook.
    redis_db.hset(PREFIX + "downgraded", mapping={"events": "x", "state_events": "-1"})
    assert indexed_state(_row(redis_db, "downgraded")) == "running"
