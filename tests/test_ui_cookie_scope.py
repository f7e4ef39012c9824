"""The UI's secrets stay with the UI: a real chromium that logged into `hookd ui` then visits
another HTTP server on 127.0.0.1 (another port: another local user's server, say). Browsers send
a host's cookies to every port of it, so a cookie for all of 127.0.0.1 would go there too."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from conftest import wait_until
from ui_stack import Ui, open_ui, browser  # noqa: F401 - fixtures

PAGE = b"""<!doctype html><title>elsewhere</title>
<img src="/api/status"><img src="/static/app.js"><p>another server</p>"""


class Recorder(ThreadingHTTPServer):
    """An HTTP server that keeps every request it gets, request line and headers, as received."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.server.requests.append(self.requestline + "\n" + str(self.headers))
        body = PAGE if self.path == "/" else b"{}"
        self.send_response(200)
        self.send_header("content-type", "text/html" if self.path == "/" else "application/json")
        self.send_header("content-length", str(len(body)))
        # This server's own cookie: proof that a cookie the browser holds for 127.0.0.1 and this
        # path is sent, and recorded, here.
        self.send_header("set-cookie", "probe=seen; Path=/")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the browser went on to the next page before reading this one
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_another_server_on_this_host_gets_none_of_the_uis_secrets(hookd_factory, redis_db, open_ui, recorder, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    try:
        watched = open_ui(ui)  # opens the printed URL: the token is exchanged for the cookie
        page = watched.page
        ui_cookies = [c for c in watched.context.cookies() if c["domain"] == "127.0.0.1"]
        assert ui_cookies, "the browser holds no cookie from the UI: nothing would be tested"
        secrets = {c["value"] for c in ui_cookies}
        secrets.add(ui.url.rpartition("token=")[2])  # the one-time token (used by now)
        root = urlsplit(ui.base).path.strip("/")
        if root:
            secrets.add(root)  # the secret path the cookie is scoped to
        assert all(len(s) >= 16 for s in secrets), secrets

        # From the UI's page, as a link the user follows would: the Referer would carry the UI's URL.
        page.evaluate("url => { location.href = url; }", recorder.origin + "/")
        page.wait_for_url(recorder.origin + "/")
        # Typed in, at paths the UI serves (without the secret path), and loaded by that page.
        for path in ("/", "/api/status", "/api/stream", "/static/app.js", "/?token=x"):
            page.goto(recorder.origin + path)
        wait_until(lambda: len(recorder.requests) >= 7, what="the other server's requests")

        seen = "\n".join(recorder.requests)
        assert "probe=seen" in seen, "the recorder does not see the cookies the browser sends"
        for secret in secrets:
            assert secret not in seen, f"the other server received a secret of the UI:\n{seen}"
        # Not even where the user came from (Referer: the UI's origin; its path is a secret).
        assert ui.origin not in seen, seen
        assert recorder.requests[0].startswith("GET / ") and "referer:" not in recorder.requests[0].lower()
        # The UI still works in that browser.
        page.goto(ui.base + "/#/live")
        page.wait_for_selector("#conn.ok", timeout=60_000)
    finally:
        ui.stop()


def test_the_url_s_secrets_appear_in_no_log_and_no_command_line(hookd_factory, redis_db, tmp_path):
    """The printed URL holds the secret path and a token: stdout (or the 0600 URL file) is the
    only place they go; not the log (a journal others may read), not the process's arguments,
    not the user service's unit."""
    daemon = hookd_factory()
    url_file = tmp_path / "ui.url"
    env = {**daemon.env, "HOOKD_LOG_LEVEL": "debug", "HOOKD_LOG_FORMAT": "console"}
    ui = Ui(env, tmp_path / "ui.log", extra=("--url-file", str(url_file)))
    try:
        root = urlsplit(ui.base).path
        assert len(root) > 20
        token = ui.url.rpartition("token=")[2]
        second = ui.new_url().rpartition("token=")[2]

        def get(path: str, **headers: str) -> http.client.HTTPResponse:
            conn = http.client.HTTPConnection("127.0.0.1", urlsplit(ui.base).port, timeout=5)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            return response

        cookie = get(f"{root}/?token={token}").getheader("set-cookie").split(";")[0]
        # Refused and odd requests too: a used token, a path outside the root, a bad Origin.
        for path, headers in (
            (f"{root}/?token={token}", {}),
            (f"/?token={second}", {}),
            (f"{root}x/?token={second}", {}),
            (f"{root}/api/status", {"Cookie": cookie, "Origin": "http://127.0.0.1:1"}),
            (f"{root}/api/events?before=zzz", {"Cookie": cookie}),
            (f"{root}/api/status", {"Cookie": cookie + "x"}),
        ):
            assert get(path, **headers).status >= 400, path
        cmdline = open(f"/proc/{ui.proc.pid}/cmdline", "rb").read().decode()
    finally:
        ui.stop()
    log = (tmp_path / "ui.log").read_text(errors="replace")
    assert "ui_started" in log  # the log was written, in the console format asked for
    for secret in (root.strip("/"), token, second, cookie.partition("=")[2]):
        assert secret not in log and secret not in cmdline, secret
    # The services run `hookd ui --url-file PATH`: no URL on their command line, in the unit or
    # the plist (each run makes its own secrets; the file is where the URL goes).
    for manager in ("systemd", "launchd"):
        unit = subprocess.run(
            [sys.executable, "-m", "hookd", "ui", "--print-service", manager],
            env=daemon.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "url-file" in unit and "token=" not in unit and "127.0.0.1:" not in unit, unit
