"""Red team, seventh pass: one stream entry too large for a reply stopped `hookd ui` for good.

The UI reads the stream through the publisher's bounded connection (16 MiB a reply before this
pass). An entry larger than that (others write the stream; an event under a raised
max_event_bytes, escaped in its envelope, can be too) made every read fail: the UI logged
``ui_redis_failed`` once a second and showed nothing newer, ever. Now a reply too large is read
again an entry at a time, and an entry that alone passes the readers' bound (64 MiB) is left
out (``ui_entry_too_large``); the entries around it are shown.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

from conftest import wait_until
from test_redteam7_tail import xadd
from ui_stack import Ui

LARGE = 70 << 20  # over both the old bound (16 MiB) and the readers' (64 MiB)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(ui: Ui) -> dict:
    return json.loads(_get(ui, "/api/status")[1])


def _get(ui: Ui, path: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(ui.url, timeout=10)
    except urllib.error.HTTPError as exc:  # the 303 that sets the cookie
        cookie = SimpleCookie(exc.headers["set-cookie"])
    name, morsel = next(iter(cookie.items()))
    request = urllib.request.Request(ui.base + path, headers={"Cookie": f"{name}={morsel.value}"})
    ui.url = ui.new_url()  # the token is good once
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_an_entry_too_large_for_a_reply_does_not_stop_the_ui(hookd, redis_db, tmp_path):
    xadd(redis_db, "before", "echo before")
    large = xadd(redis_db, "large", "echo large", padding=LARGE)
    after = xadd(redis_db, "after", "echo after")
    ui = Ui(hookd.env, tmp_path / "ui.log")
    try:
        wait_until(lambda: _status(ui)["newest"] == after, timeout=30, what="the UI to read past the large entry")
        # and live: another large entry, then a small one
        xadd(redis_db, "large2", "echo large2", padding=LARGE)
        later = xadd(redis_db, "later", "echo later")
        wait_until(lambda: _status(ui)["newest"] == later, timeout=30, what="the UI to follow past it")
        state = _status(ui)
        assert state["error"] is None, state
        assert state["read"] == 3, state  # before, after, later: the large ones left out
        code, body = _get(ui, f"/api/envelope/{large}")
        assert code == 413 and b"too large" in body, (code, body[:300])
        assert _status(ui)["error"] is None  # and the UI still reads
    finally:
        ui.stop()
    log = (tmp_path / "ui.log").read_text()
    assert large in log and "ui_entry_too_large" in log, log[-3000:]
