"""Red team, eighth pass (after): `hookd ui`'s API routes that read Redis per request, against a
hostile or absent Redis.

The eighth pass checked the shape of the replies `hookd ui`'s stream reader gets, but not those of
the reads a browser's request makes: an envelope (XRANGE), a session older than what memory keeps
(XRANGE), a page of older events (XREVRANGE). ``+OK`` to those reads, fields that are numbers, a
handshake refused, Redis down or a read timing out: each answered the request 500, with a traceback
in the UI's log per request. Now each is a JSON error naming the server's answer: 502 when the server
answered as Redis never does, 503 when it cannot be reached or did not answer in time; the UI logs
``ui_api_redis_failed`` at most once per route per interval, and answers as before once Redis does.
"""

from __future__ import annotations

import concurrent.futures
import json
import socket
import threading
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

import pytest
from playwright.sync_api import expect
from redis_proxy import ConnectionDone, RedisProxy
from test_redteam7_tail import xadd
from test_redteam7_ui import LARGE, _NoRedirect, _status
from test_redteam8_redis_replies import NOW, STREAM_LIES, ShapeLiar

from conftest import free_port, wait_until
from ui_stack import Ui, browser, open_ui  # noqa: F401 - fixtures

SESSION = "shape0001"


class Browser:
    """One browser of a `hookd ui`: the token exchanged once for the cookie, then any requests."""

    def __init__(self, ui: Ui) -> None:
        self.base = ui.base
        try:
            urllib.request.build_opener(_NoRedirect).open(ui.url, timeout=10)
        except urllib.error.HTTPError as exc:  # the 303 that sets the cookie
            name, morsel = next(iter(SimpleCookie(exc.headers["set-cookie"]).items()))
        self.cookie = f"{name}={morsel.value}"
        ui.url = ui.new_url()  # the token is good once

    def get(self, path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def error(self, path: str) -> tuple[int, str]:
        """A route's error status and the reason in its JSON body."""
        code, body = self.get(path)
        assert code != 200, (path, body[:300])
        return code, json.loads(body)["error"]


def add(redis_db, event_id: str) -> str:
    envelope = json.dumps({"v": 1, "event_id": event_id, "hook": "Stop", "session_id": SESSION, "received_at": NOW})
    fields = {"envelope": envelope, "event_id": event_id, "hook": "Stop", "session": SESSION}
    return redis_db.xadd("hookd:events", fields).decode()


def routes(first: str, newest: str) -> dict[str, str]:
    """Each API route that reads the stream per request (with --history 1: memory keeps only the
    newest entry), and the command it reads with."""
    return {
        f"/api/envelope/{first}": "XRANGE",
        f"/api/session/{SESSION}": "XREVRANGE",  # read back from its last event (the eighty-sixth pass)
        f"/api/events?before={newest}": "XREVRANGE",
    }


def assert_quiet(log_text: str) -> None:
    assert "Traceback" not in log_text and "Exception in ASGI" not in log_text, log_text[-3000:]


@pytest.mark.parametrize("lie", ["simple_string", "fields_that_are_numbers"])
def test_api_routes_say_the_servers_reply_is_not_redis(hookd, redis_server, redis_db, tmp_path, lie):
    first, _, newest = (add(redis_db, f"e{i}") for i in range(3))
    proxy = ShapeLiar(redis_server.port, {})
    log = tmp_path / "ui.log"
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}, log, history=1)
    try:
        wait_until(lambda: _status(ui)["newest"] == newest, timeout=30, what="the UI to start")
        browser = Browser(ui)
        for path, command in routes(first, newest).items():
            proxy.lies = {command.encode(): STREAM_LIES[lie]}
            for _ in range(3):
                code, error = browser.error(path)
                assert code == 502 and f"reply to {command} is not Redis's" in error, (path, code, error)
            proxy.lies = {}
            code, body = browser.get(path)
            assert code == 200 and b"e0" in body, (path, code, body[:300])
        assert _status(ui)["error"] is None
    finally:
        ui.stop()
        proxy.close()
    text = log.read_text()
    assert_quiet(text)
    # 3 failures on each of 3 routes, within seconds: a line per route at most
    assert 1 <= text.count("ui_api_redis_failed") <= 3, text[-3000:]


def test_api_routes_behind_a_handshake_refused_answer_502(hookd, redis_server, redis_db, tmp_path):
    first, _, newest = (add(redis_db, f"e{i}") for i in range(3))
    proxy = ShapeLiar(redis_server.port, {b"HELLO": b"+OK\r\n"})
    log = tmp_path / "ui.log"
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}, log, history=1)
    try:
        browser = Browser(ui)
        for path in routes(first, newest):
            code, error = browser.error(path)
            assert code == 502 and "handshake (HELLO) is not Redis's" in error, (path, code, error)
        code, body = browser.get("/api/sessions")  # what memory holds (nothing), without the index
        assert code == 200 and json.loads(body) == [], body[:300]
    finally:
        ui.stop()
        proxy.close()
    assert_quiet(log.read_text())


def test_api_routes_with_redis_down_answer_503(hookd, redis_db, tmp_path):
    log = tmp_path / "ui.log"
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, log, history=1)
    try:
        browser = Browser(ui)
        for path in routes("1-1", "2-1"):
            code, error = browser.error(path)
            assert code == 503 and "refused the connection" in error, (path, code, error)
        code, body = browser.get("/api/sessions")
        assert code == 200, body[:300]
    finally:
        ui.stop()
    assert_quiet(log.read_text())


class Stall(RedisProxy):
    """Relays to Redis, but never answers the commands named in ``stalled`` (``held`` counts them),
    and drops the connection of the next command named in ``cut``."""

    def __init__(self, port: int) -> None:
        self.stalled: set[bytes] = set()
        self.cut: set[bytes] = set()
        self.held = 0
        super().__init__(("127.0.0.1", port))

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        name = command.split(b"\r\n")[2].upper() if command.startswith(b"*") else b""
        if name in self.cut:
            self.cut.discard(name)
            raise ConnectionDone
        self.held += name in self.stalled
        return name in self.stalled


def test_api_routes_whose_read_times_out_answer_503(hookd, redis_server, redis_db, tmp_path):
    first, _, newest = (add(redis_db, f"e{i}") for i in range(3))
    proxy = Stall(redis_server.port)
    log = tmp_path / "ui.log"
    env = {**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0", "HOOKD_REDIS_TIMEOUT_S": "2"}
    ui = Ui(env, log, history=1)
    try:
        wait_until(lambda: _status(ui)["newest"] == newest, timeout=30, what="the UI to start")
        browser = Browser(ui)
        for path, command in routes(first, newest).items():
            proxy.stalled = {command.encode()}
            code, error = browser.error(path)
            assert code == 503 and "did not answer within 2s" in error, (path, code, error)
            proxy.stalled = set()
            code, body = browser.get(path)
            assert code == 200 and b"e0" in body, (path, code, body[:300])
        # More requests at once than the UI makes reads: those beyond them say so.
        proxy.stalled = {b"XRANGE"}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: browser.get(f"/api/envelope/{first}"), range(8)))
        assert {code for code, _ in answers} == {503}, answers
        reasons = [json.loads(body)["error"] for _, body in answers]
        assert any("as many reads as it makes at once" in r for r in reasons), reasons
        assert all("as many reads" in r or "did not answer within 2s" in r for r in reasons), reasons
        proxy.stalled = set()
    finally:
        ui.stop()
        proxy.close()
    assert_quiet(log.read_text())


def test_api_routes_read_past_an_entry_too_large_for_a_reply(hookd, redis_db, tmp_path):
    before = add(redis_db, "e0")
    large = xadd(redis_db, "large", "echo large", padding=LARGE, session=SESSION)
    newest = add(redis_db, "e2")
    log = tmp_path / "ui.log"
    ui = Ui(hookd.env, log, history=1)
    try:
        wait_until(lambda: _status(ui)["newest"] == newest, timeout=30, what="the UI to start")
        browser = Browser(ui)
        code, body = browser.get(f"/api/events?before={newest}")
        assert code == 200 and [r["id"] for r in json.loads(body)] == [before], body[:300]
        code, body = browser.get(f"/api/session/{SESSION}")
        assert code == 200 and [r["id"] for r in json.loads(body)["events"]] == [before, newest], body[:300]
        code, error = browser.error(f"/api/envelope/{large}")
        assert code == 413 and "too large" in error, (code, error)
        assert _status(ui)["error"] is None
    finally:
        ui.stop()
    text = log.read_text()
    assert_quiet(text)
    assert large in text and "ui_entry_too_large" in text, text[-3000:]


def test_the_sessions_list_does_not_ask_for_each_id_a_server_makes_up(hookd, redis_server, redis_db, tmp_path):
    """The UI asked for each session the index named (a pipeline of HGETALLs): 100,000 made-up ids
    were 100,000 commands per request of the sessions list."""
    newest = add(redis_db, "e0")
    many = b"*100000\r\n" + b"$9\r\nmadeup000\r\n" * 100_000
    proxy = ShapeLiar(redis_server.port, {b"ZREVRANGE": many, b"HGETALL": b"%0\r\n"})
    log = tmp_path / "ui.log"
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}, log)
    try:
        wait_until(lambda: _status(ui)["newest"] == newest, timeout=30, what="the UI to start")
        code, body = Browser(ui).get("/api/sessions")
        assert code == 200 and [row["s"] for row in json.loads(body)] == [SESSION], body[:300]  # from memory
    finally:
        ui.stop()
        proxy.close()
    assert proxy.lied == 1, f"{proxy.lied - 1} HGETALLs for made-up sessions"
    text = log.read_text()
    assert_quiet(text)
    assert "reply to ZREVRANGE is not Redis's" in text, text[-3000:]


def test_the_page_shows_why_an_envelope_cannot_be_read(hookd, redis_server, redis_db, open_ui, tmp_path):
    """The envelope's pane said only "api/envelope/<id>: 500"."""
    newest = add(redis_db, "e0")
    proxy = ShapeLiar(redis_server.port, {})
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}, tmp_path / "ui.log")
    try:
        wait_until(lambda: _status(ui)["newest"] == newest, timeout=30, what="the UI to start")
        page = open_ui(ui).page
        proxy.lies = {b"XRANGE": STREAM_LIES["simple_string"]}
        page.locator("#feed-body tr").first.click()
        expect(page.locator("#detail-json")).to_contain_text("502 ")
        expect(page.locator("#detail-json")).to_contain_text("reply to XRANGE is not Redis's")
    finally:
        ui.stop()
        proxy.close()
