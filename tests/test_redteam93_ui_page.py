"""Ninety-third red-team pass, in chromium against a `hookd ui` process and a real redis-server:
the note that says where an old session's read stopped (the eighty-sixth pass's `unread_before`;
the bound made small in the UI's process by its prelude), and a page of another origin that asks
the UI for work without an Origin header (an image, a script, a frame)."""

from __future__ import annotations

import http.server
import socketserver
import threading

from test_redteam93_ui_answers import _xrevranges, spread_session, ui_of  # noqa: F401 - fixture
from ui_stack import browser, open_ui  # noqa: F401 - fixtures


def test_where_an_old_session_read_stopped_is_said_on_its_page(ui_of, redis_db, open_ui):  # noqa: F811
    spread_session(redis_db, "cut")
    ui = ui_of(history=100, prelude="import hookd.ui.reader\nhookd.ui.reader.MAX_SESSION_SCAN = 2000")
    watched = open_ui(ui)
    page = watched.page
    page.goto(ui.base + "/#/session/cut")
    note = page.locator("#s-earlier")
    note.wait_for(state="visible")
    text = note.text_content() or ""
    assert "were not looked for" in text and "(stream entry 3" in text, text
    assert "not shown" not in text, text  # nothing of what was read is left out: only the unread is said
    watched.assert_clean()


class _Hostile(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args) -> None:
        pass


def test_a_page_of_another_origin_makes_the_ui_do_no_work(ui_of, redis_db, open_ui):  # noqa: F811
    """A page on another port of 127.0.0.1 (the same site: the cookie goes with its requests), which
    knows the secret path (more than such a page can), asks for an old session as an image, a script
    and a frame: nothing of it reaches a handler (before, each read the session from the stream)."""
    spread_session(redis_db, "old")
    ui = ui_of(history=100)  # the session's first event is older than what memory keeps
    watched = open_ui(ui)
    watched.page.wait_for_selector("#feed-body tr")
    api = ui.base + "/api/session?s=old"
    _Hostile.page = f"""<!doctype html><body><script>
      const loaded = (node) => new Promise((done) => {{ node.onload = node.onerror = done; document.body.append(node); }});
      const img = new Image(); img.src = "{api}&as=img";
      const script = document.createElement("script"); script.src = "{api}&as=script";
      const frame = document.createElement("iframe"); frame.src = "{api}&as=frame";
      Promise.all([loaded(img), loaded(script), loaded(frame)]).then(() => {{ document.title = "asked"; }});
    </script></body>""".encode()
    hostile = socketserver.TCPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    try:
        before = _xrevranges(redis_db)
        evil = watched.page.context.new_page()
        evil.goto(f"http://127.0.0.1:{hostile.server_address[1]}/")
        evil.wait_for_function("document.title === 'asked'")
        assert _xrevranges(redis_db) == before, "a page of another origin made the UI read the stream"
        evil.close()
    finally:
        hostile.shutdown()
        hostile.server_close()
    # The UI's own page reads the session as before.
    watched.page.goto(ui.base + "/#/session/old")
    watched.page.wait_for_selector("#s-timeline .tl-row")
    assert _xrevranges(redis_db) > before
