"""Red team, eighth pass: replies of a shape Redis never sends, from whatever answers on redis_url.

redis-py 8 opens each connection with HELLO and reads its answer as a map; answered ``+OK`` (a
proxy, a server that is not Redis) it raised AttributeError, which is no RedisError: it ended the
publisher task, and so `hookd run` (a service manager restarts it into the same answer), and
ended `hookd tail` with a traceback. tail met the same on its stream reads: ``+OK`` to XREAD, an
entry whose fields are numbers, a map where the entries go. Now the handshake's answer of another
shape is a ConnectionError (NotRedis) for every connection hookd makes, and tail checks the shape
of every reply it reads, as does `hookd ui`'s reader (publish/stream_replies.py): all say the server is not answering as Redis and try
again, as when Redis is away.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from redis_proxy import RedisProxy

from conftest import REPO, wait_for_entries, wait_until
from hookd import config as hookd_config
from hookd.control import status
from test_redteam7_ui import _status
from ui_stack import Ui


class ShapeLiar(RedisProxy):
    """A TCP proxy to a real Redis that answers the commands named in ``lies`` (upper-case name ->
    reply bytes) itself, for as long as they stay there; it counts the answers it made up."""

    def __init__(self, port: int, lies: dict[bytes, bytes]) -> None:
        self.lies, self.lied = dict(lies), 0
        super().__init__(("127.0.0.1", port))

    def intercept(self, command: bytes, client: socket.socket, server: socket.socket, lock: threading.Lock) -> bool:
        name = command.split(b"\r\n")[2].upper() if command.startswith(b"*") else b""
        lie = self.lies.get(name)
        if lie is None:
            return False
        self.lied += 1
        with lock:
            client.sendall(lie)
        return True


# Received now: tail --since 1d filters on received_at (a fixed date here failed every run a day after it).
NOW = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
ENVELOPE = json.dumps({"v": 1, "event_id": "e1", "hook": "Stop", "session_id": "shape0001", "received_at": NOW})
# Replies redis-py's callbacks (or tail's loops) could not take; each ended tail with a traceback.
STREAM_LIES = {
    "simple_string": b"+OK\r\n",
    "a_list_of_numbers": b"*1\r\n:5\r\n",
    "fields_that_are_numbers": b"*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nx\r\n:1\r\n",
    "a_map_of_a_number": b"%1\r\n$3\r\nabc\r\n:1\r\n",
}


def start_tail(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail", "--count", "1", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(tail: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    try:
        out, err = tail.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(tail.pid, signal.SIGKILL)
        out, err = tail.communicate()
        raise AssertionError(f"tail did not end; it said {err!r}, showed {out!r}") from None
    return tail.returncode, out, err


@pytest.mark.parametrize("lie", sorted(STREAM_LIES))
@pytest.mark.parametrize("command", [b"XREAD", b"XREADGROUP"])
def test_tail_reads_again_after_a_stream_reply_of_another_shape(hookd, redis_server, redis_db, command, lie):
    redis_db.xadd("hookd:events", {"envelope": ENVELOPE, "event_id": "e1", "hook": "Stop"})
    proxy = ShapeLiar(redis_server.port, {command: STREAM_LIES[lie]})
    try:
        env = {**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}
        args = ("--group", "readers", "--since", "1d") if command == b"XREADGROUP" else ("--since", "1d")
        tail = start_tail(env, *args)
        wait_until(lambda: proxy.lied >= 1 or tail.poll() is not None, timeout=30, what="tail to read")
        proxy.lies.clear()  # Redis's own replies from now on
        code, out, err = finish(tail)
    finally:
        proxy.close()
    assert "Traceback" not in err, err
    assert code == 0, (code, out, err)
    assert "shape000" in out, (out, err)
    assert f"reply to {command.decode()} is not Redis's" in err and "redis is back" in err, err


@pytest.mark.parametrize("command", [b"HELLO", b"XREVRANGE"])
def test_tail_says_the_server_is_not_redis_when_it_starts(hookd, redis_server, redis_db, command):
    proxy = ShapeLiar(redis_server.port, {command: b"+OK\r\n"})
    try:
        code, out, err = finish(start_tail({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}))
    finally:
        proxy.close()
    assert "Traceback" not in err, err
    assert code == 1 and out == "", (code, out, err)
    assert "is not Redis's" in err and err.count("\n") == 1, err


def test_a_server_that_answers_hello_as_redis_never_does_does_not_stop_hookd(
    hookd_process_factory, redis_server, redis_db
):
    proxy = ShapeLiar(redis_server.port, {b"HELLO": b"+OK\r\n"})
    try:
        daemon = hookd_process_factory(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0", redis_timeout_s="1", breaker_backoff_max_s="0.5"
        )
        for i in range(3):
            daemon.send_stop(f"during-{i}")
        wait_until(
            lambda: proxy.lied >= 3 or daemon.proc.poll() is not None, timeout=30, what="hookd to try Redis three times"
        )
        assert daemon.proc.poll() is None, f"hookd exited:\n{daemon.log_text()[-3000:]}"
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert code == 1 and document["health"] == "degraded", document
        assert "not Redis's" in json.dumps(document["reasons"]), document["reasons"]
        assert document["spool"]["events"] == 3, document["spool"]
        proxy.lies.clear()
        entries = wait_for_entries(redis_db, 3, timeout=30)
        time.sleep(0.5)  # a repeat, if any, would land meanwhile
        assert len(redis_db.xrange("hookd:events")) == 3, entries
        assert "task_failed" not in daemon.log_text()
    finally:
        proxy.close()


# SENTINEL MASTERS answered in shapes redis-py's discover_master could not read: it raised
# AttributeError or KeyError past its loop over the sentinels, which ended hookd's publisher task.
SENTINEL_LIES = {
    "simple_string": b"+OK\r\n",
    "a_master_without_its_port": (
        b"*1\r\n%3\r\n$4\r\nname\r\n$8\r\nmymaster\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$5\r\nflags\r\n$6\r\nmaster\r\n"
    ),
}


@pytest.mark.parametrize("lie", sorted(SENTINEL_LIES))
def test_a_sentinel_answering_as_redis_never_does_does_not_stop_hookd_or_tail(
    hookd_process_factory, redis_server, redis_db, lie
):
    # A plain Redis behind the proxy: every command but SENTINEL goes to it (HELLO, PING).
    proxy = ShapeLiar(redis_server.port, {b"SENTINEL": SENTINEL_LIES[lie]})
    try:
        daemon = hookd_process_factory(
            redis_url="redis://unused.invalid:1/0",
            redis_sentinel=f"127.0.0.1:{proxy.port}",
            redis_sentinel_master="mymaster",
            redis_timeout_s="1",
            breaker_backoff_max_s="0.5",
        )
        daemon.send_stop("kept")
        wait_until(
            lambda: proxy.lied >= 3 or daemon.proc.poll() is not None,
            timeout=30,
            what="hookd to ask the sentinel three times",
        )
        assert daemon.proc.poll() is None, f"hookd exited:\n{daemon.log_text()[-3000:]}"
        code, document = status.gather(hookd_config.load(environ=daemon.env))
        assert code == 1 and document["spool"]["events"] == 1, document
        assert "answer to SENTINEL MASTERS is not Redis's" in json.dumps(document["reasons"]), document["reasons"]
        code, out, err = finish(start_tail(daemon.env))
    finally:
        proxy.close()
    assert "Traceback" not in err, err
    assert code == 1 and out == "" and "answer to SENTINEL MASTERS is not Redis's" in err, (code, out, err)


def test_the_ui_reader_says_once_that_a_stream_reply_is_not_redis_and_reads_on(hookd, redis_server, redis_db, tmp_path):
    """It logged a traceback (ui_read_failed) every second, and showed the error as a bug's."""
    proxy = ShapeLiar(redis_server.port, {b"XREAD": STREAM_LIES["simple_string"]})
    log = tmp_path / "ui.log"
    ui = Ui({**hookd.env, "HOOKD_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"}, log)
    try:
        wait_until(lambda: proxy.lied >= 2, timeout=30, what="the UI to read twice")
        error = _status(ui)["error"] or ""
        assert "reply to XREAD is not Redis's" in error, error
        proxy.lies.clear()
        newest = redis_db.xadd("hookd:events", {"envelope": ENVELOPE, "event_id": "e1", "hook": "Stop"}).decode()
        wait_until(lambda: _status(ui)["newest"] == newest, timeout=30, what="the UI to read on")
    finally:
        ui.stop()
        proxy.close()
    text = log.read_text()
    assert "Traceback" not in text and "ui_read_failed" not in text, text[-3000:]
    assert text.count("ui_redis_failed") == 1, text[-3000:]
