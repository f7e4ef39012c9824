"""Red team, tenth pass: `hookd ui --url-file` naming a place it must not write.

`hookd ui` writes its one-time URL to the file `--url-file` names (the services' way to hand it
over), 0600, in a directory it first checks is the user's alone. One that is not (open to others,
or another user's: the owner's state directory named by another user's `hookd ui`) was refused by
that check with an error nothing caught: the UI printed its URL, then stopped with a traceback.
Now the file is not written, the log says why (`ui_url_file_failed`), and the UI serves on.
"""

from __future__ import annotations

import http.client
import os
from urllib.parse import urlsplit

from conftest import wait_until
from ui_stack import Ui


def test_a_url_file_in_a_directory_others_can_write_is_refused_and_the_ui_serves_on(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # another user could put a link, or read the URL, there
    log_path = tmp_path / "ui.log"
    ui = Ui(daemon.env, log_path, extra=("--url-file", str(shared / "ui.url")))
    try:
        # The URL file is written just after the URL is printed: waited for by what the log says of it
        # (before: a second's sleep, which a loaded machine's `hookd ui` could outlast).
        wait_until(
            lambda: "ui_url_file_failed" in log_path.read_text(errors="replace") or ui.proc.poll() is not None,
            timeout=30,
            what="the URL file refused",
        )
        assert ui.proc.poll() is None, log_path.read_text(errors="replace")[-2000:]
        parts = urlsplit(ui.url)
        conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=5)
        conn.request("GET", f"{parts.path}?{parts.query}")
        assert conn.getresponse().status in (200, 303)
        conn.close()
    finally:
        ui.stop()
    assert os.listdir(shared) == []
    log = log_path.read_text(errors="replace")
    assert "ui_url_file_failed" in log and "writable by other users" in log, log[-2000:]
    assert "Traceback" not in log
