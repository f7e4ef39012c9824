"""Hundred-thirtieth red-team pass: the UI's reader against a stream someone else writes under its
name: deleted and made a hash, made a stream again, then flooded and trimmed under the reader.

The entries trimmed before the reader reached them were passed over unsaid (of 50,000 trimmed to 10
every 5,000: 8,324 read, nothing said of the rest); now counted (`passed_over` in /api/status) and
said on the page. The rest held."""

from __future__ import annotations

import json

from test_redteam7_ui import _status
from test_redteam8_ui_api import Browser

from conftest import wait_for_entries, wait_until
from playwright.sync_api import expect

from ui_stack import Ui, browser, event, open_ui  # noqa: F401 - fixtures

STREAM = "hookd:events"
HISTORY = 500


def test_the_stream_made_a_hash_then_a_stream_again_then_flooded(hookd, redis_db, tmp_path, open_ui):  # noqa: F811
    done = hookd.send(event("UserPromptSubmit", "before", cwd="/w", prompt="p"))
    assert done.returncode == 0
    wait_for_entries(redis_db, 1)
    ui = Ui(hookd.env, tmp_path / "ui.log", history=HISTORY)
    try:
        wait_until(lambda: _status(ui)["newest"] is not None, timeout=30, what="the UI to read the stream")
        redis_db.delete(STREAM)
        redis_db.hset(STREAM, "field", "value")
        wait_until(lambda: _status(ui)["error"], timeout=30, what="the UI to say the stream is a hash")
        assert f"the key {STREAM} is not a stream" in _status(ui)["error"]
        client = Browser(ui)
        for path in ("/api/events?limit=5", "/api/sessions"):  # memory still answers
            code, body = client.get(path)
            assert code == 200 and b"before" in body, (path, body[:300])
        assert client.get("/api/overview")[0] == 200
        redis_db.delete(STREAM)
        again = redis_db.xadd(STREAM, {"envelope": json.dumps({"hook": "Stop", "session_id": "after"})}).decode()
        wait_until(lambda: _status(ui)["read"] >= 2 and not _status(ui)["error"], timeout=30, what="reads again")
        # The stream made again is counted from its own entry (not the one before's count).
        wait_until(lambda: _status(ui)["passed_over"]["since"] == again, timeout=30, what="counting from it")
        read_before = _status(ui)["read"]
        # 20,000 entries of 2 KB, trimmed to 10 now and then under the reader: memory holds its history.
        pipe = redis_db.pipeline(transaction=False)
        for n in range(20_000):
            pipe.xadd(STREAM, {"envelope": json.dumps({"hook": "Stop", "session_id": f"f{n % 7}", "x": "y" * 2000})})
            if n % 5000 == 4999:
                pipe.xtrim(STREAM, maxlen=10)
        pipe.execute()
        last = redis_db.xrevrange(STREAM, count=1)[0][0].decode()
        wait_until(lambda: _status(ui)["newest"] == last, timeout=60, what="the UI to read the newest entry")
        status = _status(ui)
        assert status["kept"] <= HISTORY and status["error"] is None, status
        unread = 20_000 - (status["read"] - read_before)
        assert unread > 0, status  # the reader fell behind the trims: else this test tells nothing
        # Was a KeyError: not counted, not said.
        wait_until(lambda: _status(ui)["passed_over"]["count"] == unread, timeout=30, what=f"{unread} passed over")
        watched = open_ui(ui)
        expect(watched.page.get_by_test_id("passed-over")).to_contain_text(f"{unread} entries were removed")
        watched.assert_clean()
        assert client.get("/api/events?limit=5")[0] == 200
    finally:
        ui.stop()
