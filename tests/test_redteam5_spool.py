"""Fifth red-team pass: what may be found in the spool directory at start.

Segment names are ASCII digits and ``.seg``. ``str.isdigit`` also says yes to
other scripts' digits and to superscripts: a file named ``².seg`` stopped
`hookd run` with a ValueError traceback, and ``٣.seg`` was taken for segment 3
(``00000000000000000003.seg``), which did not exist: a FileNotFoundError
traceback. Now only ASCII digits name a segment; anything else in the
directory is left alone. A FIFO or a directory at a segment's name is refused
with one line, never opened to wait on (that held already, and is kept here).

The same ``isdigit`` let other digits through wherever hookd reads a number from
text: ``LISTEN_PID``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` from the service
manager stopped the start with a ValueError traceback, ``http_addr``'s port was
refused with int()'s own message. Each now takes ASCII digits only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import wait_until

pytestmark = pytest.mark.process


def start_over(daemon):
    return subprocess.run(
        [sys.executable, "-m", "hookd", "run"], env=daemon.env, capture_output=True, text=True, timeout=60
    )


# "１.seg" (fullwidth) held before, as int() read it as the segment 1 that exists: a guard.
@pytest.mark.parametrize("name", ["\u00b2.seg", "\u0663.seg", "\uff11.seg", "1\u0660.seg"])
def test_a_name_that_only_looks_like_a_segment_is_left_alone(hookd_process_factory, redis_db, name):
    daemon = hookd_process_factory()
    daemon.stop()
    spool = daemon.state_dir / "spool"
    (spool / name).write_bytes(b"junk")
    daemon.start()
    daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": "s1"}).encode(), "Stop")
    wait_until(lambda: redis_db.exists("hookd:events") and redis_db.xlen("hookd:events") == 1, timeout=60)
    assert (spool / name).read_bytes() == b"junk"


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_a_segment_name_that_is_not_a_file_is_refused_in_one_line(hookd_process_factory, redis_db, kind):
    daemon = hookd_process_factory()
    daemon.stop()
    spool = daemon.state_dir / "spool"
    path = spool / ("%020d.seg" % 99)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    done = start_over(daemon)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert str(path) in done.stderr, done.stderr[-3000:]


# ---------------------------------------------------------------- the same class elsewhere: numbers in text


@pytest.mark.parametrize(
    "env",
    [
        {"LISTEN_PID": "\u00b2", "LISTEN_FDS": "1"},
        {"NOTIFY_SOCKET": "/nonexistent/notify", "WATCHDOG_USEC": "\u00b2"},
        {"NOTIFY_SOCKET": "/nonexistent/notify", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "\u00b2"},
        {"HOOKD_HTTP_ADDR": "127.0.0.1:\u00b2"},
    ],
    ids=["listen-pid", "watchdog-usec", "watchdog-pid", "http-addr"],
)
def test_a_number_in_a_variable_written_in_other_digits_is_never_a_traceback(hookd_process_factory, redis_db, env):
    daemon = hookd_process_factory(start=False)
    daemon.env.update(env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "run"], env=daemon.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        try:
            proc.wait(15)  # a refused setting ends the start; an ignored variable lets it serve
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(30)
        err = proc.stderr.read().decode(errors="replace")
    finally:
        proc.kill()
        proc.wait()
    assert "Traceback" not in err, err[-3000:]
    if "HOOKD_HTTP_ADDR" in env:
        assert proc.returncode == 78 and "http_addr" in err and "from 1 to 65535" in err, err[-2000:]
