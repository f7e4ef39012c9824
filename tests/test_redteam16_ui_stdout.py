"""Red team, sixteenth pass: ``hookd ui --url-file`` with a stdout that is closed or gone.

The services hand the one-time URL over in ``--url-file``; the URL also goes to stdout. Started
with stdout closed (a launcher that closes it, ``>&-``), ``hookd ui`` stopped at once with an
``AttributeError`` traceback and wrote no URL file. With stdout a pipe whose reader had gone
(``hookd ui --url-file F | head -1``), every SIGUSR1 (a new URL for another browser) raised
``BrokenPipeError`` before the file was written: the new URL went nowhere. Now the file is written
first and a failed stdout is logged (``ui_url_not_printed``, never the URL itself).
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from conftest import REPO, log_records, wait_until


def _start(daemon, tmp_path, stdout) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hookd", "ui", "--addr", "127.0.0.1:0", "--url-file", str(tmp_path / "ui.url")],
        env=daemon.env,
        stdout=stdout,
        stderr=open(tmp_path / "ui.log", "ab"),
        cwd=REPO,
    )


def _served(url: str) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", f"{parts.path}?{parts.query}")
    status = conn.getresponse().status
    conn.close()
    return status


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(15)


def test_with_stdout_closed_the_url_file_is_written_and_the_ui_serves(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    url_file = tmp_path / "ui.url"
    proc = subprocess.Popen(
        [sys.executable, "-c", "import os,sys; os.close(1); os.execv(sys.executable, sys.argv[1:])", sys.executable]
        + ["-m", "hookd", "ui", "--addr", "127.0.0.1:0", "--url-file", str(url_file)],
        env=daemon.env,
        stderr=open(tmp_path / "ui.log", "ab"),
        cwd=REPO,
    )
    try:
        wait_until(lambda: url_file.exists() or proc.poll() is not None, timeout=30, what="the URL file")
        assert proc.poll() is None, (tmp_path / "ui.log").read_text()[-2000:]
        assert _served(url_file.read_text().strip()) == 303
    finally:
        _stop(proc)
    log = (tmp_path / "ui.log").read_text()
    assert "Traceback" not in log, log[-2000:]
    assert [r for r in log_records(log) if r.get("event") == "ui_url_not_printed"], log[-2000:]
    assert url_file.read_text().strip() not in log  # the URL never goes to the log


def test_a_new_url_goes_to_the_url_file_after_stdouts_reader_is_gone(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    url_file = tmp_path / "ui.url"
    proc = _start(daemon, tmp_path, subprocess.PIPE)
    try:
        first = proc.stdout.readline().decode().strip()
        proc.stdout.close()  # `| head -1`: the reader is gone
        wait_until(lambda: url_file.exists() and url_file.read_text().strip() == first, what="the first URL's file")
        proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: url_file.read_text().strip() != first, timeout=60, what="a new URL in the file")
        time.sleep(0.5)
        assert proc.poll() is None and _served(url_file.read_text().strip()) == 303
    finally:
        _stop(proc)
    log = (tmp_path / "ui.log").read_text()
    assert "Traceback" not in log, log[-2000:]
    assert url_file.read_text().strip() not in log


def test_a_command_with_stdout_closed_ends_with_its_own_exit_status(tmp_path):
    """``hookd status >&-`` with no daemon: exit 2 (not running), not 1 and a traceback from the
    last flush of a stdout that is None."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOOKD_STATE_DIR=str(tmp_path / "state"), HOOKD_CONFIG=os.devnull)
    done = subprocess.run(
        [sys.executable, "-c", "import os,sys; os.close(1); os.execv(sys.executable, sys.argv[1:])", sys.executable]
        + ["-m", "hookd", "status"],
        env=env,
        cwd=REPO,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    assert done.returncode == 2 and b"Traceback" not in done.stderr, (done.returncode, done.stderr[-1000:])
